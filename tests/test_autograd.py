"""The backward engine: accumulation, graph freeing, retain_grad, no_grad, anomaly mode,
in-place detection, deep graphs, reference cycles."""

import gc
import sys
import weakref

import numpy as np
import pytest

import reseau

pytestmark = pytest.mark.engine


def leaf(value, dtype="float64"):
    return reseau.tensor(value, dtype=dtype, requires_grad=True)


def test_worked_example_seed_004():
    # f = (u + v) * w at u=2, v=3, w=4: f = 5 * 4 = 20; df/du = df/dv = w = 4; df/dw = u + v = 5
    u, v, w = leaf(2.0), leaf(3.0), leaf(4.0)
    f = (u + v) * w
    f.backward()
    assert f.item() == 20.0
    assert (u.grad.item(), v.grad.item(), w.grad.item()) == (4.0, 4.0, 5.0)


def test_gradients_sum_where_paths_meet():
    # y = x * x + 3 x: two paths through mul and one through the scalar product: dy/dx = 2x + 3
    x = leaf([1.0, -2.0, 0.5])
    y = (x * x + 3 * x).sum()
    y.backward()
    np.testing.assert_allclose(x.grad._array, 2 * x._array + 3)


def test_gradients_accumulate_across_backward_calls():
    x = leaf([1.0, 2.0])
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad._array, [6.0, 6.0])


def test_second_backward_without_retain_graph_is_a_clear_error():
    x = leaf([1.0, 2.0])
    y = (x.exp() * 2).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time.*retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward_and_accumulates():
    x = leaf([1.0, 2.0])
    y = (x.exp()).sum()
    y.backward(retain_graph=True)
    first = x.grad._array.copy()
    y.backward()
    np.testing.assert_allclose(x.grad._array, 2 * first)


def test_backward_on_non_scalar_needs_gradient():
    x = leaf([1.0, 2.0])
    y = x * 2
    with pytest.raises(RuntimeError, match=r"scalar outputs.*shape \(2,\)"):
        y.backward()
    y.backward(reseau.tensor([1.0, 10.0], dtype="float64"))
    np.testing.assert_allclose(x.grad._array, [2.0, 20.0])


def test_backward_gradient_shape_must_match():
    y = leaf([1.0, 2.0]) * 2
    with pytest.raises(RuntimeError, match=r"gradient has shape \(3,\).*\(2,\)"):
        y.backward(np.ones(3))


def test_backward_without_graph_is_a_clear_error():
    with pytest.raises(RuntimeError, match="does not require a gradient"):
        reseau.tensor([1.0]).sum().backward()


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(RuntimeError, match="floating-point"):
        reseau.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating-point"):
        reseau.arange(3).requires_grad_()


def test_constants_get_no_gradient():
    x = leaf([1.0, 2.0])
    c = reseau.tensor([3.0, 4.0], dtype="float64")
    (x * c).sum().backward()
    assert c.grad is None and c.grad_fn is None
    np.testing.assert_allclose(x.grad._array, [3.0, 4.0])


def test_no_grad_builds_no_graph_and_works_as_decorator():
    x = leaf([1.0, 2.0])
    with reseau.no_grad():
        y = x * 2
        with reseau.enable_grad():
            z = x * 2
    assert y.grad_fn is None and not y.requires_grad
    assert z.requires_grad

    @reseau.no_grad()
    def f(t):
        return t * 2

    assert f(x).grad_fn is None
    assert reseau.is_grad_enabled()


def test_set_grad_enabled():
    x = leaf([1.0])
    with reseau.set_grad_enabled(False):
        assert (x * 2).grad_fn is None
    assert reseau.is_grad_enabled()
    assert (x * 2).grad_fn is not None


def test_every_mode_context_is_also_a_decorator():
    x = leaf([1.0])

    @reseau.set_grad_enabled(False)
    def frozen():
        return (x * 2).grad_fn, reseau.is_grad_enabled()

    assert reseau.is_grad_enabled()  # decorating does not change the mode
    assert frozen() == (None, False) and reseau.is_grad_enabled()

    @reseau.no_grad()
    def outer():
        return inner()

    @reseau.enable_grad()
    def inner():
        return (x * 2).grad_fn is not None

    assert outer()

    @reseau.detect_anomaly()
    def checked():
        return reseau.autograd.is_anomaly_enabled()

    before = reseau.autograd.is_anomaly_enabled()
    assert checked() and reseau.autograd.is_anomaly_enabled() == before


def test_grad_mode_names_are_also_in_reseau_autograd():
    # documented, and where PyTorch has them (torch.autograd.no_grad)
    from reseau import autograd, grad_mode

    x = leaf([1.0])
    with autograd.no_grad():
        assert not autograd.is_grad_enabled() and (x * 2).grad_fn is None
        with autograd.enable_grad():
            assert (x * 2).grad_fn is not None
    with autograd.set_grad_enabled(False):
        assert not grad_mode.is_grad_enabled()
    with autograd.detect_anomaly():
        assert autograd.is_anomaly_enabled()
    assert autograd.no_grad is grad_mode.no_grad and autograd.is_grad_enabled()


def test_retain_grad_on_non_leaf():
    # z = (x * 2) ** 2: dz/dy = 2y at y = 2x
    x = leaf([1.0, 3.0])
    y = x * 2
    y.retain_grad()
    (y**2).sum().backward()
    np.testing.assert_allclose(y.grad._array, 2 * y._array)
    np.testing.assert_allclose(x.grad._array, 8 * x._array)


def test_non_leaf_grad_is_not_kept_by_default():
    x = leaf([1.0])
    y = x * 2
    (y * 3).sum().backward()
    assert y.grad is None and not y.is_leaf


def test_leaf_grad_does_not_alias_other_arrays():
    # add passes the upstream gradient through unchanged to both inputs: each leaf's
    # .grad must still be its own array
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (a + b).sum().backward()
    a.grad._array += 100
    np.testing.assert_allclose(b.grad._array, [1.0, 1.0])


def test_float32_stays_float32():
    x = reseau.randn(3, 4, requires_grad=True)
    b = reseau.randn(4, requires_grad=True)
    y = ((x + b) * 2.0).sum()
    y.backward()
    assert y.dtype == np.float32
    assert x.grad.dtype == np.float32 and b.grad.dtype == np.float32
    assert b.grad.shape == (4,)
    np.testing.assert_allclose(b.grad._array, np.full(4, 6.0))


def test_chain_of_100k_operations_has_no_recursion_limit():
    x = leaf(1.0)
    y = x
    for _ in range(100_000):
        y = y + 1e-6
    assert sys.getrecursionlimit() < 100_000
    y.backward()
    assert x.grad.item() == 1.0


def test_graph_is_freed_by_reference_counting():
    # no reference cycles: dropping the loss frees every node without the cycle collector
    gc.disable()
    try:
        x = leaf(np.ones((4, 4)))
        y = (x.tanh() @ x).relu().sum()
        node_ref = weakref.ref(y.grad_fn)
        out_ref = weakref.ref(y)
        del y
        assert out_ref() is None and node_ref() is None
    finally:
        gc.enable()


def test_inplace_change_of_a_saved_tensor_is_detected():
    x = leaf([1.0, 2.0])
    y = x * 2
    z = (y * y).sum()  # mul saves y
    with reseau.no_grad():
        y += 1
    with pytest.raises(RuntimeError, match="modified in place"):
        z.backward()


def test_inplace_on_leaf_requiring_grad_is_refused_while_recording():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="no_grad"):
        x.add_(1.0)
    with reseau.no_grad():
        x -= 0.5 * reseau.tensor([1.0, 1.0], dtype="float64")
    np.testing.assert_allclose(x._array, [0.5, 1.5])
    assert x.is_leaf and x.requires_grad


def test_manual_sgd_step_under_no_grad_updates_in_place():
    w = leaf([1.0, -1.0])
    ident = id(w._array)
    loss = (w * w).sum()
    loss.backward()
    with reseau.no_grad():
        w -= 0.1 * w.grad
    assert id(w._array) == ident
    np.testing.assert_allclose(w._array, [0.8, -0.8])


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")
def test_detect_anomaly_names_the_op_and_the_user_line():
    x = leaf([0.0, 1.0])
    with reseau.detect_anomaly():
        y = x.sqrt()  # d sqrt / dx = 1 / (2 sqrt x): inf at 0
        loss = y.sum()
        with pytest.raises(RuntimeError, match=r"(?s)'sqrt'.*inf.*test_autograd\.py.*x\.sqrt\(\)"):
            loss.backward()


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")
def test_without_anomaly_mode_nan_passes_silently():
    x = leaf([0.0, 1.0])
    x.sqrt().sum().backward()
    assert np.isinf(x.grad._array[0])


def test_detach_shares_data_and_leaves_the_graph():
    x = leaf([1.0, 2.0])
    d = (x * 2).detach()
    assert d.grad_fn is None and not d.requires_grad
    y = x.detach()
    assert np.shares_memory(y._array, x._array)


def test_item_numpy_and_errors():
    x = leaf([1.0, 2.0])
    with pytest.raises(ValueError, match="one element"):
        x.item()
    with pytest.raises(RuntimeError, match="detach"):
        x.numpy()
    assert isinstance(x.detach().numpy(), np.ndarray)


def test_backward_through_integer_index_and_constants_mix():
    x = leaf(np.arange(6.0).reshape(2, 3))
    idx = reseau.tensor([0, 0, 1])
    y = x[idx].sum()
    y.backward()
    np.testing.assert_allclose(x.grad._array, [[2, 2, 2], [1, 1, 1]])


def test_manual_seed_makes_draws_reproducible():
    reseau.manual_seed(7)
    a = reseau.randn(5)._array.copy(), reseau.rand(3)._array.copy()
    reseau.manual_seed(7)
    b = reseau.randn(5)._array, reseau.rand(3)._array
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


def test_tensor_creation_dtypes():
    assert reseau.tensor([1.0, 2.0]).dtype == np.float32
    assert reseau.tensor([1, 2]).dtype == np.int64
    assert reseau.tensor([True]).dtype == np.bool_
    assert reseau.tensor(np.zeros(2)).dtype == np.float64
    assert reseau.zeros(2, 3).shape == (2, 3) and reseau.zeros(2, 3).dtype == np.float32
    assert reseau.ones((2, 3), dtype=reseau.float64).dtype == np.float64
    assert reseau.arange(5).dtype == np.int64 and reseau.arange(0.0, 1.0, 0.25).shape == (4,)
    assert reseau.full((2,), 3.0).dtype == np.float32
    np.testing.assert_array_equal(reseau.eye(3)._array, np.eye(3))
    t = reseau.randn(2, 2)
    assert reseau.zeros_like(t).shape == (2, 2) and reseau.ones_like(t)._array.sum() == 4


def test_mixed_int_and_float_follows_pytorch_promotion():
    f = reseau.tensor([1.5, 2.5])
    i = reseau.tensor([1, 2])
    assert (f + i).dtype == np.float32
    assert (i * 2).dtype == np.int64
    assert (i / 2).dtype == np.float32
    assert (f * 2).dtype == np.float32


def test_repr_shows_grad_fn():
    x = leaf([1.0])
    assert "requires_grad=True" in repr(x)
    assert "grad_fn=<MulBackward0>" in repr(x * 2)


def test_isfinite_isnan_isinf():
    x = reseau.tensor([1.0, float("nan"), float("inf")])
    assert x.isfinite().tolist() == [True, False, False]
    assert x.isnan().tolist() == [False, True, False]
    assert x.isinf().tolist() == [False, False, True]


def test_assigning_a_gradient_of_the_wrong_shape_or_dtype_is_refused():
    w = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"shape \(3,\).*shape \(2,\)"):
        w.grad = reseau.tensor([1.0, 2.0, 3.0], dtype="float64")
    with pytest.raises(RuntimeError, match="dtype float32.*float64"):
        w.grad = reseau.tensor([1.0, 2.0])
    with pytest.raises(TypeError, match="Tensor or None"):
        w.grad = np.ones(2)
    w.grad = reseau.tensor([1.0, 2.0], dtype="float64")
    assert w.grad.tolist() == [1.0, 2.0]
    w.grad = None
    assert w.grad is None
