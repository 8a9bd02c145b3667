"""Embedding and EmbeddingBag: lookups, padding_idx, max_norm, scale_grad_by_freq, the
bag reductions, from_pretrained; values and gradients equal to PyTorch's given the same
table, finite differences in float64."""

import numpy as np
import pytest

import reseau
import reseau.nn.functional as F
from reseau import nn

TABLE = np.random.default_rng(0).standard_normal((6, 3))
IDX = np.array([[1, 4, 0], [4, 4, 5]])


def _pair(torch, name="Embedding", **kwargs):
    """The same table in a reseau and a torch layer (float64)."""
    ours = getattr(nn, name)(6, 3, **kwargs).double()
    theirs = getattr(torch.nn, name)(6, 3, **kwargs).double()
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(TABLE))
    ours.weight._array[...] = TABLE
    return ours, theirs


def _same_outputs_and_table_gradients(torch, ours, theirs, out, tout):
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-12)
    v = np.random.default_rng(1).standard_normal(out.shape)
    out.backward(reseau.tensor(v))
    tout.backward(torch.tensor(v))
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(),
                               rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("kwargs", [{}, {"padding_idx": 4}, {"padding_idx": -2},
                                    {"scale_grad_by_freq": True},
                                    {"padding_idx": 0, "scale_grad_by_freq": True}])
def test_embedding_matches_pytorch(kwargs):
    torch = pytest.importorskip("torch")
    ours, theirs = _pair(torch, **kwargs)
    out, tout = ours(reseau.tensor(IDX)), theirs(torch.tensor(IDX))
    np.testing.assert_array_equal(out.detach().numpy(), tout.detach().numpy())
    _same_outputs_and_table_gradients(torch, ours, theirs, out, tout)


def test_padding_row_is_zero_and_gets_no_gradient():
    emb = nn.Embedding(5, 2, padding_idx=1)
    assert emb.weight[1].tolist() == [0.0, 0.0] and emb.padding_idx == 1
    emb(reseau.tensor([1, 1, 2])).sum().backward()
    assert emb.weight.grad.numpy()[1].tolist() == [0.0, 0.0]
    assert emb.weight.grad.numpy()[2].tolist() == [1.0, 1.0]
    assert nn.Embedding(5, 2, padding_idx=-1).padding_idx == 4


def test_max_norm_renormalises_the_rows_looked_up_like_pytorch():
    torch = pytest.importorskip("torch")
    ours, theirs = _pair(torch, max_norm=1.0)
    out, tout = ours(reseau.tensor(IDX)), theirs(torch.tensor(IDX))
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-12)
    # the table itself changed in place, only in the rows used
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(),
                               rtol=1e-12)
    assert ours.weight.detach().numpy()[2].tolist() == TABLE[2].tolist()  # 2 unused


def test_default_initialisation_is_init_normal():
    reseau.manual_seed(0)
    w = nn.Embedding(1000, 50).weight.detach().numpy()
    assert w.dtype == np.float32 and w.shape == (1000, 50)
    assert abs(w.mean()) < 0.01 and abs(w.std() - 1.0) < 0.01
    # the very draws of nn.init.normal_ (PyTorch's), then the padding row zeroed
    reseau.manual_seed(5)
    padded = nn.Embedding(7, 4, padding_idx=2).weight.detach().numpy()
    reseau.manual_seed(5)
    expected = nn.init.normal_(reseau.empty(7, 4)).numpy().copy()
    expected[2] = 0
    np.testing.assert_array_equal(padded, expected)


def test_reprs_name_the_options_that_differ_from_the_defaults():
    torch = pytest.importorskip("torch")
    for kwargs in ({"max_norm": 2.0, "norm_type": 1.0, "scale_grad_by_freq": True},
                   {"padding_idx": 3, "sparse": True}):
        assert repr(nn.Embedding(5, 2, **kwargs)) == repr(torch.nn.Embedding(5, 2, **kwargs))
    kwargs = {"max_norm": 1.5, "mode": "max", "padding_idx": 0}
    assert repr(nn.EmbeddingBag(5, 2, **kwargs)) == repr(torch.nn.EmbeddingBag(5, 2, **kwargs))


def test_from_pretrained_freezes_by_default():
    table = reseau.tensor([[1.0, 2.0], [3.0, 4.0]])
    emb = nn.Embedding.from_pretrained(table)
    assert not emb.weight.requires_grad and emb(reseau.tensor([1])).tolist() == [[3.0, 4.0]]
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad
    assert repr(emb) == "Embedding(2, 2)"


def test_embedding_gradcheck_float64():
    w = reseau.tensor(TABLE, requires_grad=True)
    # (the padding row gets no gradient by design: no finite-difference check for it)
    assert reseau.gradcheck(lambda t: F.embedding(reseau.tensor(IDX), t), [w])


def test_bad_indices_are_refused():
    emb = nn.Embedding(3, 2)
    with pytest.raises(IndexError, match="index 3 is out of range for a table of 3 rows"):
        emb(reseau.tensor([0, 3]))
    with pytest.raises(TypeError, match="expected integer indices"):
        emb(reseau.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match="padding_idx must be within"):
        nn.Embedding(3, 2, padding_idx=3)


BAG_INPUT = np.array([1, 4, 0, 4, 5, 2, 3])
OFFSETS = np.array([0, 2, 2, 5])  # the second bag is empty


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("padding_idx", [None, 4])
def test_embedding_bag_with_offsets_matches_pytorch(mode, padding_idx):
    torch = pytest.importorskip("torch")
    ours, theirs = _pair(torch, "EmbeddingBag", mode=mode, padding_idx=padding_idx)
    out = ours(reseau.tensor(BAG_INPUT), reseau.tensor(OFFSETS))
    tout = theirs(torch.tensor(BAG_INPUT), torch.tensor(OFFSETS))
    _same_outputs_and_table_gradients(torch, ours, theirs, out, tout)


def test_embedding_bag_2d_input_and_per_sample_weights_match_pytorch():
    torch = pytest.importorskip("torch")
    psw = np.random.default_rng(3).standard_normal(IDX.shape)
    ours = F.embedding_bag(reseau.tensor(IDX), reseau.tensor(TABLE), mode="sum",
                           per_sample_weights=reseau.tensor(psw))
    theirs = torch.nn.functional.embedding_bag(torch.tensor(IDX), torch.tensor(TABLE),
                                               mode="sum", per_sample_weights=torch.tensor(psw))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    last = F.embedding_bag(reseau.tensor(BAG_INPUT), reseau.tensor(TABLE),
                           reseau.tensor([0, 2, 7]), include_last_offset=True)
    tlast = torch.nn.functional.embedding_bag(torch.tensor(BAG_INPUT), torch.tensor(TABLE),
                                              torch.tensor([0, 2, 7]), include_last_offset=True)
    np.testing.assert_allclose(last.numpy(), tlast.numpy(), rtol=1e-12)


def test_embedding_bag_gradcheck_and_errors():
    w = reseau.tensor(TABLE, requires_grad=True)
    assert reseau.gradcheck(
        lambda t: F.embedding_bag(reseau.tensor(BAG_INPUT), t, reseau.tensor(OFFSETS)), [w])
    with pytest.raises(ValueError, match="needs offsets"):
        F.embedding_bag(reseau.tensor(BAG_INPUT), w)
    with pytest.raises(NotImplementedError, match="only supported for mode='sum'"):
        F.embedding_bag(reseau.tensor(IDX), w, per_sample_weights=reseau.ones(2, 3))
