"""DataLoader: batching, shuffling with seeded generators, drop_last, full-batch mode,
collation; batch counts compared with PyTorch's DataLoader."""

import collections

import numpy as np
import pytest

import reseau
from reseau.data import DataLoader, Dataset, Subset, TensorDataset, default_collate


def _dataset(n=10):
    X = reseau.arange(2 * n, dtype=reseau.float32).reshape(n, 2)
    return TensorDataset(X, reseau.arange(n))


def _labels(loader):
    return [y.tolist() for _, y in loader]


class Pairs(Dataset):
    """A dataset without the fast batch path: samples collated one by one."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return np.array([i, -i], dtype=np.float32), i


def test_batches_in_order_with_a_smaller_last_batch():
    loader = DataLoader(_dataset(10), batch_size=4)
    assert _labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    X, y = next(iter(loader))
    assert X.shape == (4, 2) and X.dtype == np.float32 and y.dtype == np.int64
    assert X.tolist()[1] == [2.0, 3.0]  # rows stay with their labels
    assert len(loader) == 3


def test_drop_last_leaves_out_the_short_batch():
    loader = DataLoader(_dataset(10), batch_size=4, drop_last=True)
    assert _labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(loader) == 2


@pytest.mark.parametrize("full", [None, "full"])
def test_full_batch_mode_gives_the_whole_dataset_at_once(full):
    ds = _dataset(7)
    loader = DataLoader(ds, batch_size=full)
    batches = list(loader)
    assert len(loader) == 1 and len(batches) == 1
    np.testing.assert_array_equal(batches[0][0].numpy(), ds.tensors[0].numpy())
    shuffled = list(DataLoader(ds, batch_size=full, shuffle=True, generator=0))
    assert len(shuffled) == 1 and sorted(shuffled[0][1].tolist()) == list(range(7))


def test_shuffle_visits_every_sample_once_per_epoch_in_a_new_order():
    loader = DataLoader(_dataset(20), batch_size=6, shuffle=True, generator=1)
    epochs = [sum(_labels(loader), []) for _ in range(3)]
    for order in epochs:
        assert sorted(order) == list(range(20))
    assert epochs[0] != epochs[1] != epochs[2]
    assert epochs[0] != list(range(20))


def test_shuffle_is_reproducible_from_the_seed():
    a = DataLoader(_dataset(20), batch_size=6, shuffle=True, generator=7)
    b = DataLoader(_dataset(20), batch_size=6, shuffle=True, generator=7)
    c = DataLoader(_dataset(20), batch_size=6, shuffle=True, generator=8)
    assert [_labels(a) for _ in range(2)] == [_labels(b) for _ in range(2)]
    assert _labels(a) != _labels(c)
    # an explicit Generator is used (and advanced) as it is
    g1, g2 = np.random.default_rng(5), np.random.default_rng(5)
    assert _labels(DataLoader(_dataset(20), 5, shuffle=True, generator=g1)) == \
        _labels(DataLoader(_dataset(20), 5, shuffle=True, generator=g2))


def test_shuffle_without_generator_follows_manual_seed():
    loader = DataLoader(_dataset(20), batch_size=6, shuffle=True)
    reseau.manual_seed(123)
    first = _labels(loader)
    reseau.manual_seed(123)
    assert _labels(loader) == first
    # the order comes from the default generator as PyTorch draws it: one seed for the
    # workers, one for the sampler's own generator, whose randperm gives the order
    reseau.manual_seed(123)
    g = reseau.backend.default_generator()
    _ = reseau.random.draw_random((), np.int64, g)
    sampler_seed = int(reseau.random.draw_random((), np.int64, g))
    own = reseau.random.Generator().manual_seed(sampler_seed)
    expected = reseau.random.draw_randperm(20, own).tolist()
    assert sum(first, []) == expected
    torch = pytest.importorskip("torch")
    torch.manual_seed(123)
    theirs = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.arange(20)),
                                         batch_size=6, shuffle=True)
    assert [b[0].tolist() for b in theirs] == first


@pytest.mark.parametrize("n,batch_size,drop_last", [
    (10, 3, False), (10, 3, True), (9, 3, False), (9, 3, True), (2, 5, False),
    (2, 5, True), (0, 4, False), (1, 1, True),
])
def test_number_of_batches_matches_pytorch(n, batch_size, drop_last):
    torch = pytest.importorskip("torch")
    ours = DataLoader(_dataset(n), batch_size=batch_size, drop_last=drop_last)
    theirs = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.arange(n)),
                                         batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs) == len(list(ours))
    assert [len(y) for _, y in ours] == [len(b[0]) for b in theirs]


def test_samples_without_fast_path_are_collated():
    X, y = next(iter(DataLoader(Pairs(5), batch_size=3)))
    assert X.tolist() == [[0.0, 0.0], [1.0, -1.0], [2.0, -2.0]]
    assert X.dtype == np.float32 and y.dtype == np.int64 and y.tolist() == [0, 1, 2]


def test_subset_batches_take_the_right_rows():
    ds = _dataset(10)
    sub = Subset(ds, [9, 3, 5, 1])
    X, y = next(iter(DataLoader(sub, batch_size=4)))
    assert y.tolist() == [9, 3, 5, 1]
    assert X.tolist()[0] == [18.0, 19.0]
    assert [b[1].tolist() for b in DataLoader(Subset(Pairs(6), [5, 2]), 2)] == [[5, 2]]


def test_custom_collate_fn_receives_the_list_of_samples():
    loader = DataLoader(_dataset(5), batch_size=2, collate_fn=lambda batch: len(batch))
    assert list(loader) == [2, 2, 1]


def test_batches_keep_the_graph_of_tensors_that_require_grad():
    X = reseau.ones(4, 2, requires_grad=True)
    batch, = next(iter(DataLoader(TensorDataset(X), batch_size=2)))
    batch.sum().backward()
    assert X.grad.tolist() == [[1.0, 1.0], [1.0, 1.0], [0.0, 0.0], [0.0, 0.0]]


@pytest.mark.parametrize("bad", [0, -1, 2.5, "all", True])
def test_bad_batch_size_is_refused(bad):
    with pytest.raises(ValueError, match=r"batch_size must be a positive int, None or 'full'"):
        DataLoader(_dataset(), batch_size=bad)


def test_bad_dataset_and_generator_are_refused():
    with pytest.raises(TypeError, match="wrap tensors with TensorDataset"):
        DataLoader(42)
    with pytest.raises(TypeError, match="seed must be None, an int or a numpy.random.Generator"):
        DataLoader(_dataset(), generator="seed")


def test_default_collate_structures():
    Point = collections.namedtuple("Point", "x y")
    batch = default_collate([Point(1.5, 2), Point(0.5, 3)])
    assert isinstance(batch, Point)
    assert batch.x.dtype == np.float64 and batch.y.dtype == np.int64  # as in PyTorch
    assert batch.x.tolist() == [1.5, 0.5] and batch.y.tolist() == [2, 3]
    d = default_collate([{"a": reseau.tensor([1.0]), "name": "u"},
                         {"a": reseau.tensor([2.0]), "name": "v"}])
    assert d["a"].tolist() == [[1.0], [2.0]] and d["name"] == ["u", "v"]
    assert default_collate([True, False]).dtype == np.bool_
    assert isinstance(default_collate([[1, 2], [3, 4]]), list)


def test_default_collate_errors():
    with pytest.raises(ValueError, match="same number of fields"):
        default_collate([(1, 2), (3,)])
    with pytest.raises(TypeError, match="pass collate_fn"):
        default_collate([object(), object()])
    with pytest.raises(ValueError, match="non-empty list"):
        default_collate([])
