"""Dataset, TensorDataset and Subset."""

import numpy as np
import pytest

import reseau
from reseau.data import Dataset, Subset, TensorDataset


def test_tensor_dataset_gives_rows_of_every_tensor():
    X = reseau.arange(12, dtype=reseau.float32).reshape(4, 3)
    y = reseau.tensor([3, 1, 4, 1])
    ds = TensorDataset(X, y)
    assert len(ds) == 4
    x2, y2 = ds[2]
    assert x2.tolist() == [6.0, 7.0, 8.0] and y2.item() == 4
    assert [int(label) for _, label in (ds[i] for i in range(len(ds)))] == [3, 1, 4, 1]


def test_tensor_dataset_wraps_numpy_arrays_without_copy():
    X = np.zeros((3, 2), dtype=np.float64)
    ds = TensorDataset(X)
    X[1, 0] = 5.0
    assert ds[1][0].tolist() == [5.0, 0.0]
    assert ds.tensors[0].dtype == np.float64


def test_tensor_dataset_refuses_different_lengths():
    with pytest.raises(ValueError, match=r"same first dimension .* got sizes \[3, 2\]"):
        TensorDataset(reseau.zeros(3, 2), reseau.zeros(2))


def test_tensor_dataset_refuses_lists_and_scalars():
    with pytest.raises(TypeError, match=r"argument 1 is a list; expected a Tensor"):
        TensorDataset(reseau.zeros(2), [0, 1])
    with pytest.raises(ValueError, match="0-d tensor"):
        TensorDataset(reseau.tensor(1.0))
    with pytest.raises(ValueError, match="at least one tensor"):
        TensorDataset()


def test_subset_maps_positions_to_the_parent_dataset():
    ds = TensorDataset(reseau.tensor([10, 11, 12, 13, 14]))
    sub = Subset(ds, [4, 0, -1])
    assert len(sub) == 3
    assert [int(sub[i][0]) for i in range(3)] == [14, 10, 14]


def test_subset_checks_its_indices():
    ds = TensorDataset(reseau.zeros(3))
    with pytest.raises(IndexError, match=r"must lie in \[0, 3\) .* values from 0 to 5"):
        Subset(ds, [0, 5])
    with pytest.raises(TypeError, match=r"1-d sequence of integers .* shape \(2,\) and dtype "
                                        r"float64"):
        Subset(ds, [0.5, 1.0])
    assert len(Subset(ds, [])) == 0


def test_dataset_base_class_asks_for_getitem():
    class Empty(Dataset):
        pass

    with pytest.raises(NotImplementedError, match=r"Empty must define __getitem__"):
        Empty()[0]
