"""The samplers, ConcatDataset, Subset and random_split of reseau.utils.data against
torch.utils.data: lengths, indices, and the same random draws from the same seed."""

import numpy as np
import pytest

import reseau
from reseau.utils import data as rd

torch = pytest.importorskip("torch")
td = torch.utils.data


def _gens(seed):
    return reseau.random.Generator().manual_seed(seed), torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("n,batch_size,drop_last", [(10, 3, False), (10, 3, True), (9, 3, True),
                                                    (2, 5, False), (2, 5, True), (0, 4, False)])
def test_batch_sampler_is_pytorchs(n, batch_size, drop_last):
    ours = rd.BatchSampler(rd.SequentialSampler(range(n)), batch_size, drop_last)
    theirs = td.BatchSampler(td.SequentialSampler(range(n)), batch_size, drop_last)
    assert len(ours) == len(theirs) and list(ours) == list(theirs)


@pytest.mark.parametrize("seed", [0, 1, 2147483647])
@pytest.mark.parametrize("replacement,num_samples", [(False, None), (False, 23), (False, 5),
                                                     (True, None), (True, 70)])
def test_random_sampler_draws_pytorchs_indices(seed, replacement, num_samples):
    g, tg = _gens(seed)
    ours = rd.RandomSampler(range(10), replacement, num_samples, generator=g)
    theirs = td.RandomSampler(range(10), replacement, num_samples, generator=tg)
    assert len(ours) == len(theirs)
    for _ in range(2):
        assert list(ours) == list(theirs)


def test_random_sampler_without_generator_follows_the_default_stream():
    reseau.manual_seed(11)
    torch.manual_seed(11)
    assert list(rd.RandomSampler(range(12))) == list(td.RandomSampler(range(12)))
    assert sorted(rd.RandomSampler(range(12), generator=np.random.default_rng(0))) == \
        list(range(12))  # a NumPy generator still shuffles


@pytest.mark.parametrize("replacement,num_samples", [(True, 12), (False, 3), (True, 1)])
def test_weighted_random_sampler_draws_pytorchs_indices(replacement, num_samples):
    weights = [0.1, 0.9, 0.4, 0.0, 2.5]
    g, tg = _gens(3)
    ours = rd.WeightedRandomSampler(weights, num_samples, replacement, generator=g)
    theirs = td.WeightedRandomSampler(weights, num_samples, replacement, generator=tg)
    assert len(ours) == len(theirs) == num_samples
    for _ in range(2):
        assert list(ours) == list(theirs)
    assert 3 not in list(ours)  # weight 0 is never drawn


def test_subset_random_sampler_draws_pytorchs_order():
    g, tg = _gens(9)
    indices = [10, 20, 30, 40, 50]
    ours, theirs = rd.SubsetRandomSampler(indices, g), td.SubsetRandomSampler(indices, tg)
    assert len(ours) == 5
    for _ in range(2):
        assert list(ours) == list(theirs)


def test_sampler_arguments_are_checked_like_pytorch():
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        rd.BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean"):
        rd.BatchSampler(range(3), 2, 1)
    with pytest.raises(TypeError, match="replacement should be a boolean"):
        rd.RandomSampler(range(3), replacement=1)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        rd.RandomSampler(range(3), num_samples=0)
    with pytest.raises(ValueError, match="weights should be a 1d sequence"):
        rd.WeightedRandomSampler([[1.0, 2.0]], 2)
    with pytest.raises(NotImplementedError, match="must define __iter__"):
        iter(rd.Sampler())


def test_concat_dataset_is_pytorchs():
    parts = [list(range(3)), list(range(10, 12)), [], list(range(20, 24))]
    ours, theirs = rd.ConcatDataset(parts), td.ConcatDataset(parts)
    assert len(ours) == len(theirs) == 9 and ours.cumulative_sizes == theirs.cumulative_sizes
    assert [ours[i] for i in range(-9, 9)] == [theirs[i] for i in range(-9, 9)]
    both = rd.TensorDataset(reseau.arange(3)) + rd.TensorDataset(reseau.arange(5, 7))
    assert isinstance(both, rd.ConcatDataset) and [int(s[0]) for s in both] == [0, 1, 2, 5, 6]
    with pytest.raises(IndexError):
        ours[9]
    with pytest.raises(ValueError, match="should not be an empty"):
        rd.ConcatDataset([])


def test_subset_takes_lists_of_positions_like_pytorch():
    values = np.arange(10, 16)
    ours = rd.Subset(rd.TensorDataset(reseau.tensor(values)), [5, 0, 3])
    theirs = td.Subset(td.TensorDataset(torch.tensor(values)), [5, 0, 3])
    assert ours[[0, 2]][0].tolist() == theirs[[0, 2]][0].tolist() == [15, 13]
    assert [int(ours[i][0]) for i in range(3)] == [int(theirs[i][0]) for i in range(3)]


@pytest.mark.parametrize("lengths", [[3, 7], [0.3, 0.7], [0.5, 0.25, 0.25], [0.34, 0.33, 0.33]])
def test_random_split_is_pytorchs_for_the_same_generator(lengths):
    g, tg = _gens(2147483647)
    ours = rd.random_split(list(range(10)), lengths, generator=g)
    theirs = td.random_split(list(range(10)), lengths, generator=tg)
    assert [list(s) for s in ours] == [list(s) for s in theirs]
    reseau.manual_seed(4)
    torch.manual_seed(4)
    assert [list(s) for s in rd.random_split(range(10), lengths)] == \
        [list(s) for s in td.random_split(range(10), lengths)]
