"""Sorting and indexing against PyTorch where the op table cannot look: the indices
(no gradient), ties, the in-place forms and their rules, and exact gradients of sort,
topk, gather and scatter with repeated indices."""

from __future__ import annotations

import numpy as np
import pytest

import reseau
from reseau import ops

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.ops

RNG = np.random.default_rng(7)
X = RNG.standard_normal((3, 5))
TIES = np.array([[2.0, 1.0, 2.0, 1.0, 3.0], [0.0, 0.0, 0.0, -1.0, np.nan]])


def same(ours, theirs):
    expected = theirs.detach().numpy()
    assert ours.dtype == expected.dtype and tuple(ours.shape) == expected.shape
    np.testing.assert_array_equal(ours.detach().numpy(), expected)


@pytest.mark.parametrize("data", [X, TIES], ids=["distinct", "ties_nan"])
@pytest.mark.parametrize("dim, descending", [(-1, False), (-1, True), (0, False), (0, True)])
def test_sort_and_argsort_match_torch_stable(data, dim, descending):
    t = torch.from_numpy(data)
    v, i = ops.sort(reseau.tensor(data), dim, descending)
    tv, ti = torch.sort(t, dim=dim, descending=descending, stable=True)
    same(v, tv)
    same(i, ti)
    same(ops.argsort(reseau.tensor(data), dim, descending),
         torch.argsort(t, dim=dim, descending=descending, stable=True))


def test_sort_result_has_values_and_indices_and_unpacks():
    r = ops.sort(reseau.tensor([3.0, 1.0, 2.0]), descending=True)
    values, indices = r
    assert values is r.values and indices is r.indices
    assert r.indices.tolist() == [0, 2, 1] and r[0].tolist() == [3.0, 2.0, 1.0]


@pytest.mark.parametrize("k, dim, largest", [(2, -1, True), (3, 0, False), (1, 1, False),
                                             (5, 1, True)])
def test_topk_matches_torch(k, dim, largest):
    v, i = ops.topk(reseau.tensor(X), k, dim, largest)
    tv, ti = torch.topk(torch.from_numpy(X), k, dim, largest)
    same(v, tv)
    same(i, ti)


def test_topk_rejects_k_too_large():
    with pytest.raises(RuntimeError, match="k=6"):
        ops.topk(reseau.tensor(X), 6)


def test_sort_and_topk_gradients_go_back_to_their_places():
    x = reseau.tensor([3.0, 1.0, 2.0], requires_grad=True)
    (ops.topk(x, 2).values * reseau.tensor([10.0, 1.0])).sum().backward()
    assert x.grad.tolist() == [10.0, 0.0, 1.0]
    x.grad = None
    (ops.sort(x).values * reseau.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert x.grad.tolist() == [3.0, 1.0, 2.0]


def test_gather_and_scatter_add_sum_repeated_indices_in_the_gradient():
    x = reseau.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    ops.gather(x, 1, reseau.tensor([[0, 0, 2, 0]])).sum().backward()
    assert x.grad.tolist() == [[3.0, 0.0, 1.0]]
    src = reseau.tensor([[1.0, 2.0, 4.0]], requires_grad=True)
    y = ops.scatter_add(reseau.zeros(1, 2), 1, reseau.tensor([[1, 1, 0]]), src)
    assert y.tolist() == [[4.0, 3.0]]
    (y * reseau.tensor([[10.0, 100.0]])).sum().backward()
    assert src.grad.tolist() == [[100.0, 100.0, 10.0]]


def test_scatter_forward_with_a_larger_src_matches_torch():
    x, s = RNG.standard_normal((3, 2)), RNG.standard_normal((3, 3))
    idx = np.array([[2], [0]])
    same(ops.scatter(reseau.tensor(x), 0, reseau.tensor(idx), reseau.tensor(s)),
         torch.scatter(torch.from_numpy(x), 0, torch.from_numpy(idx), torch.from_numpy(s)))


def test_in_place_scatter_masked_fill_change_the_tensor_and_its_version():
    x = reseau.zeros(2, 3)
    t = torch.zeros(2, 3)
    idx = np.array([[0, 2], [1, 1]])
    src = np.arange(4.0, dtype=np.float32).reshape(2, 2)
    v0 = x._version
    assert ops.scatter_(x, 1, reseau.tensor(idx), reseau.tensor(src[:, :1].repeat(2, 1))) is x
    t.scatter_(1, torch.from_numpy(idx), torch.from_numpy(src[:, :1].repeat(2, 1)))
    ops.scatter_add_(x, 1, reseau.tensor(idx), reseau.tensor(src))
    t.scatter_add_(1, torch.from_numpy(idx), torch.from_numpy(src))
    ops.scatter_(x, 1, reseau.tensor([[1]]), value=-5.0)
    t.scatter_(1, torch.tensor([[1]]), value=-5.0)
    mask = np.array([True, False, True])
    ops.masked_fill_(x, reseau.tensor(mask), 9.0)
    t.masked_fill_(torch.from_numpy(mask), 9.0)
    same(x, t)
    assert x._version == v0 + 4


def test_in_place_forms_refuse_a_leaf_that_requires_grad():
    w = reseau.ones(2, 2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        ops.masked_fill_(w, reseau.tensor([[True, False], [False, True]]), 0.0)
    with reseau.no_grad():
        ops.masked_fill_(w, reseau.tensor([[True, False], [False, True]]), 0.0)
    assert w.tolist() == [[0.0, 1.0], [1.0, 0.0]]


def test_masked_fill_keeps_the_dtype_and_needs_a_bool_mask():
    x = reseau.tensor([1, 2, 3])
    y = ops.masked_fill(x, x > 1, 0)
    assert y.dtype == np.int64 and y.tolist() == [1, 0, 0]
    with pytest.raises(RuntimeError, match="bool"):
        ops.masked_fill(x, reseau.tensor([1, 0, 1]), 0)


def test_index_errors_name_the_op():
    x = reseau.tensor(X)
    with pytest.raises(RuntimeError, match="gather: index must be an integer"):
        ops.gather(x, 1, reseau.tensor([[0.0]]))
    with pytest.raises(RuntimeError, match="gather: index has 1 dimensions"):
        ops.gather(x, 1, reseau.tensor([0]))
    with pytest.raises(IndexError, match="index_select: index must be 1-D"):
        ops.index_select(x, 0, reseau.tensor([[0]]))


def test_split_chunk_shapes_match_torch():
    t = torch.from_numpy(X)
    for ours, theirs in [(ops.split(reseau.tensor(X), 2, 1), torch.split(t, 2, 1)),
                         (ops.split(reseau.tensor(X), [1, 4], 1), torch.split(t, [1, 4], 1)),
                         (ops.chunk(reseau.tensor(X), 2, 1), torch.chunk(t, 2, 1)),
                         (ops.chunk(reseau.tensor(X), 4, 0), torch.chunk(t, 4, 0))]:
        assert [tuple(o.shape) for o in ours] == [tuple(s.shape) for s in theirs]
    with pytest.raises(RuntimeError, match="add up to 4"):
        ops.split(reseau.tensor(X), [1, 3], 1)


def test_a_0d_index_counts_as_1d_on_a_vector():
    # torch.zeros(10).scatter_(0, torch.tensor(y), value=1): a one-hot vector
    same(reseau.zeros(5).scatter_(0, reseau.tensor(3), value=1.0),
         torch.zeros(5).scatter_(0, torch.tensor(3), value=1.0))
    same(ops.scatter(reseau.zeros(5), 0, reseau.tensor(1), reseau.tensor(7.0)),
         torch.scatter(torch.zeros(5), 0, torch.tensor(1), torch.tensor(7.0)))
    same(ops.gather(reseau.arange(5.0), 0, reseau.tensor(3)),
         torch.gather(torch.arange(5.0), 0, torch.tensor(3)))


@pytest.mark.parametrize("dim, keepdim", [(0, False), (1, True), (-1, False)])
def test_median_indices_match_torch(dim, keepdim):
    v, i = ops.median(reseau.tensor(X), dim, keepdim)
    tv, ti = torch.median(torch.from_numpy(X), dim, keepdim)
    same(v, tv)
    same(i, ti)
    same(reseau.tensor(X).median(), torch.from_numpy(X).median())


def test_in_place_forms_inside_a_graph_are_recorded_as_torch():
    # y = w * 2; y.masked_fill_(...); y.scatter_(..., w[:1] * 10): gradients as PyTorch's
    grads = []
    for lib, new in ((reseau, reseau.tensor), (torch, torch.tensor)):
        w = new([1.0, 2.0, 3.0, 4.0], requires_grad=True)
        y = w * 2
        y.masked_fill_(new([True, False, False, False]), 0.0)
        y.scatter_(0, new([2]), w[:1] * 10)
        y.scatter_add_(0, new([3, 3]), w[1:3] * 3)
        (y * new([1.0, 2.0, 3.0, 4.0])).sum().backward()
        grads.append(w.grad.numpy().copy())
    np.testing.assert_array_equal(grads[0], grads[1])
