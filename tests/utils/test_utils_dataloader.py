"""reseau.utils.data.DataLoader against torch.utils.data.DataLoader: the same batches
(values, dtypes, structure) for the same arguments, PyTorch's argument checks, and the
same shuffled orders from the same seed."""

import collections

import numpy as np
import pytest

import reseau
from reseau.utils import data as rd

torch = pytest.importorskip("torch")
td = torch.utils.data


def plain(batch):
    """A batch as plain Python: tensors as (values, dtype name), containers kept."""
    if isinstance(batch, (reseau.Tensor, torch.Tensor)):
        return batch.tolist(), str(batch.dtype).split(".")[-1]
    if isinstance(batch, dict):
        return {k: plain(v) for k, v in batch.items()}
    if isinstance(batch, tuple) and hasattr(batch, "_fields"):
        return type(batch).__name__, [plain(v) for v in batch]
    if isinstance(batch, (list, tuple)):
        return type(batch).__name__, [plain(v) for v in batch]
    return batch


Point = collections.namedtuple("Point", "x y")
SAMPLES = {
    "pairs": [(i, 0.5 * i) for i in range(7)],
    "dicts": [{"x": np.array([i, -i], dtype=np.float32), "label": i % 2, "name": f"s{i}"}
              for i in range(7)],
    "arrays": [np.arange(3, dtype=np.int32) + i for i in range(7)],
    "namedtuples": [Point(float(i), i) for i in range(7)],
    "numbers": list(range(7)),
    "nested": [([i, i + 1], (np.float64(i),)) for i in range(7)],
}


@pytest.mark.parametrize("kind", sorted(SAMPLES))
@pytest.mark.parametrize("batch_size,drop_last", [(1, False), (3, False), (3, True), (7, True),
                                                  (10, False)])
def test_batches_are_pytorchs(kind, batch_size, drop_last):
    samples = SAMPLES[kind]
    ours = rd.DataLoader(samples, batch_size=batch_size, drop_last=drop_last)
    theirs = td.DataLoader(samples, batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs)
    for _ in range(2):  # a second pass gives the same batches
        assert [plain(b) for b in ours] == [plain(b) for b in theirs]


def test_tensor_dataset_batches_are_pytorchs():
    X = np.arange(20, dtype=np.float32).reshape(10, 2)
    y = np.arange(10)
    ours = rd.DataLoader(rd.TensorDataset(reseau.tensor(X), reseau.tensor(y)), batch_size=4)
    theirs = td.DataLoader(td.TensorDataset(torch.tensor(X), torch.tensor(y)), batch_size=4)
    assert [plain(b) for b in ours] == [plain(b) for b in theirs]
    sub = [3, 1, 8]
    ours = rd.DataLoader(rd.Subset(rd.TensorDataset(reseau.tensor(X)), sub), batch_size=2)
    theirs = td.DataLoader(td.Subset(td.TensorDataset(torch.tensor(X)), sub), batch_size=2)
    assert [plain(b) for b in ours] == [plain(b) for b in theirs]


def test_sampler_and_batch_sampler_arguments():
    samples = list(range(10, 20))
    order = [9, 0, 4, 4, 2]
    assert [plain(b) for b in rd.DataLoader(samples, batch_size=2, sampler=order)] == \
        [plain(b) for b in td.DataLoader(samples, batch_size=2, sampler=order)]
    batches = [[1, 2, 3], [0], [9, 8]]
    assert [plain(b) for b in rd.DataLoader(samples, batch_sampler=batches)] == \
        [plain(b) for b in td.DataLoader(samples, batch_sampler=batches)]
    ours = rd.DataLoader(samples, batch_sampler=rd.BatchSampler(
        rd.SequentialSampler(samples), 4, drop_last=True))
    assert len(ours) == 2 and ours.batch_size is None and not ours.drop_last
    assert [b.tolist() for b in ours] == [[10, 11, 12, 13], [14, 15, 16, 17]]


BAD = [dict(sampler=[0, 1], shuffle=True), dict(batch_sampler=[[0]], batch_size=2),
       dict(batch_sampler=[[0]], shuffle=True), dict(batch_sampler=[[0]], sampler=[0]),
       dict(batch_sampler=[[0]], drop_last=True), dict(num_workers=-1), dict(timeout=-1),
       dict(prefetch_factor=2), dict(persistent_workers=True),
       dict(multiprocessing_context="spawn")]


@pytest.mark.parametrize("kwargs", BAD, ids=[",".join(k) for k in BAD])
def test_exclusive_or_invalid_arguments_raise_pytorchs_value_error(kwargs):
    with pytest.raises(ValueError) as theirs:
        td.DataLoader(list(range(4)), **kwargs)
    with pytest.raises(ValueError) as ours:
        rd.DataLoader(list(range(4)), **kwargs)
    # the same words as PyTorch's message, after the "DataLoader: " prefix
    first_words = " ".join(str(theirs.value).split()[:3])
    assert first_words in str(ours.value)


def test_worker_arguments_are_accepted_and_change_nothing():
    called = []
    X = reseau.arange(10)
    plainly = [plain(b) for b in rd.DataLoader(rd.TensorDataset(X), batch_size=3)]
    loader = rd.DataLoader(rd.TensorDataset(X), batch_size=3, num_workers=4, pin_memory=True,
                           timeout=5.0, worker_init_fn=called.append,
                           multiprocessing_context="spawn", prefetch_factor=2,
                           persistent_workers=True, pin_memory_device="", in_order=False)
    assert [plain(b) for b in loader] == plainly
    assert called == [] and rd.get_worker_info() is None
    assert loader.num_workers == 4 and loader.pin_memory


def test_attributes_are_frozen_after_construction_as_in_pytorch():
    loader = rd.DataLoader(list(range(4)), batch_size=2)
    for name in ("batch_size", "sampler", "batch_sampler", "drop_last", "dataset"):
        with pytest.raises(ValueError, match=f"{name} attribute should not be set"):
            setattr(loader, name, None)
    loader.collate_fn = len  # not frozen, as in PyTorch
    assert list(loader) == [2, 2]


def test_shuffle_from_the_same_seed_gives_pytorchs_order_and_stream():
    for seed in (0, 7, 2147483647):
        reseau.manual_seed(seed)
        torch.manual_seed(seed)
        for _ in range(2):  # two epochs: each draws new seeds from the default generator
            ours = [b.tolist() for b in rd.DataLoader(list(range(11)), batch_size=4,
                                                      shuffle=True)]
            theirs = [b.tolist() for b in td.DataLoader(list(range(11)), batch_size=4,
                                                        shuffle=True)]
            assert ours == theirs
        # the default generator has moved exactly as PyTorch's
        after = int(reseau.random.draw_random((), np.int64))
        assert after == torch.empty((), dtype=torch.int64).random_().item()
        assert reseau.rand(3).tolist() == torch.rand(3).tolist()


def test_unshuffled_pass_draws_one_seed_like_pytorch():
    reseau.manual_seed(3)
    torch.manual_seed(3)
    list(rd.DataLoader(list(range(5)), batch_size=2))
    list(td.DataLoader(list(range(5)), batch_size=2))
    assert int(reseau.random.draw_random((), np.int64)) == \
        torch.empty((), dtype=torch.int64).random_().item()


def test_explicit_generator_gives_pytorchs_order():
    g, tg = reseau.random.Generator().manual_seed(42), torch.Generator().manual_seed(42)
    for _ in range(3):
        ours = [b.tolist() for b in rd.DataLoader(list(range(9)), 2, shuffle=True, generator=g)]
        theirs = [b.tolist() for b in td.DataLoader(list(range(9)), 2, shuffle=True,
                                                    generator=tg)]
        assert ours == theirs
    # an int seeds a reseau Generator: the same order as PyTorch's Generator().manual_seed
    ours = [b.tolist() for b in rd.DataLoader(list(range(9)), 3, shuffle=True, generator=5)]
    theirs = [b.tolist() for b in td.DataLoader(list(range(9)), 3, shuffle=True,
                                                generator=torch.Generator().manual_seed(5))]
    assert ours == theirs


def test_iterable_dataset_is_batched_in_order_like_pytorch():
    class Stream(rd.IterableDataset):
        def __iter__(self):
            return iter(range(7))

    class TStream(td.IterableDataset):
        def __iter__(self):
            return iter(range(7))

    for kwargs in ({"batch_size": 3}, {"batch_size": 3, "drop_last": True}):
        assert [b.tolist() for b in rd.DataLoader(Stream(), **kwargs)] == \
            [b.tolist() for b in td.DataLoader(TStream(), **kwargs)]
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        rd.DataLoader(Stream(), shuffle=True)
    with pytest.raises(TypeError):
        len(rd.DataLoader(Stream()))


def test_default_collate_and_convert_are_pytorchs():
    for samples in SAMPLES.values():
        assert plain(rd.default_collate(samples)) == plain(td.default_collate(samples))
    with pytest.raises(ValueError, match="equal size"):
        rd.default_collate([(1, 2), (3,)])
    for value in (np.arange(3), (np.float32(2.5), "a"), {"k": np.ones(2)}, 3, "text"):
        assert plain(rd.default_convert(value)) == plain(td.default_convert(value))


def test_reseau_data_re_exports_the_same_objects():
    for name in ("Dataset", "TensorDataset", "Subset", "DataLoader", "default_collate",
                 "random_split"):
        assert getattr(reseau.data, name) is getattr(rd, name)
