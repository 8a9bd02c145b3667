"""reseau.autograd.grad and reseau.autograd.backward (first order), against hand-computed
values and torch.autograd."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_properties import BINARY, UNARY, leaf_arrays, programs  # tests/ is on the path

import reseau
from reseau import autograd


def _graph(lib):
    """x (leaf) -> h = tanh(x W) -> y = sum(h^2) + sum(h * b); returns the tensors."""
    rng = np.random.default_rng(3)
    x = lib.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    w = lib.tensor(rng.standard_normal((3, 2)), requires_grad=True)
    b = lib.tensor(rng.standard_normal(2), requires_grad=True)
    h = (x @ w).tanh()
    y = (h * h).sum() + (h * b).sum()
    return x, w, b, h, y


def test_grad_of_leaves_by_hand_and_no_grad_touched():
    x = reseau.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = reseau.tensor(2.0, requires_grad=True)
    y = (w * x ** 2).sum()  # dy/dx = 2 w x, dy/dw = sum(x^2)
    gx, gw = autograd.grad(y, [x, w])
    assert gx.tolist() == [4.0, 8.0, 12.0] and gw.item() == 14.0
    assert x.grad is None and w.grad is None
    assert not gx.requires_grad and gx.grad_fn is None


def test_grad_matches_torch_on_leaves_and_intermediates():
    torch = pytest.importorskip("torch")
    got = _graph(reseau)
    want = _graph(torch)
    for pick in ([0], [1, 2], [3], [3, 0], [2, 3, 1]):
        g = autograd.grad(got[4], [got[i] for i in pick], retain_graph=True)
        t = torch.autograd.grad(want[4], [want[i] for i in pick], retain_graph=True)
        for a, b in zip(g, t):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)
    assert all(t.grad is None for t in got[:3])


def test_grad_of_an_intermediate_tensor_by_hand():
    x = reseau.tensor([1.0, -2.0], requires_grad=True)
    h = x * 3
    y = (h * h).sum()  # dy/dh = 2 h = 6 x
    (gh,) = autograd.grad(y, h, retain_graph=True)
    assert gh.tolist() == [6.0, -12.0]
    # both an intermediate and a leaf below it
    gh, gx = autograd.grad(y, (h, x))
    assert gh.tolist() == [6.0, -12.0] and gx.tolist() == [18.0, -36.0]


def test_grad_outputs_and_several_outputs_match_torch():
    torch = pytest.importorskip("torch")

    def run(lib):
        x = lib.tensor([[0.5, -1.0], [2.0, 0.25]], requires_grad=True)
        a = x.exp()
        c = (x * 3).sum(0)
        v = lib.tensor([[1.0, 2.0], [3.0, 4.0]])
        return lib.autograd.grad([a, c], [x], grad_outputs=[v, lib.tensor([1.0, -1.0])])

    np.testing.assert_allclose(run(reseau)[0].numpy(), run(torch)[0].numpy(), rtol=1e-6)


def test_grad_with_an_output_as_input_is_its_grad_output():
    x = reseau.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    (gy,) = autograd.grad(y, y, grad_outputs=reseau.tensor([5.0, 7.0]))
    assert gy.tolist() == [5.0, 7.0]
    (gx,) = autograd.grad(x, x, grad_outputs=reseau.tensor([1.0, 3.0]))
    assert gx.tolist() == [1.0, 3.0]


def test_allow_unused_and_materialize_grads():
    x = reseau.tensor([1.0, 2.0], requires_grad=True)
    z = reseau.tensor([5.0], requires_grad=True)
    y = (x * x).sum()
    with pytest.raises(RuntimeError, match="the differentiated Tensor at index 1 appears to "
                       "not have been used in the graph. Set allow_unused=True"):
        autograd.grad(y, [x, z], retain_graph=True)
    gx, gz = autograd.grad(y, [x, z], allow_unused=True, retain_graph=True)
    assert gx.tolist() == [2.0, 4.0] and gz is None
    gx, gz = autograd.grad(y, [x, z], materialize_grads=True)
    assert gz.tolist() == [0.0]


def test_allow_unused_matches_torch():
    torch = pytest.importorskip("torch")

    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        u = lib.tensor(3.0, requires_grad=True)
        return lib.autograd.grad((x * x).sum(), [u, x], allow_unused=True)

    got, want = run(reseau), run(torch)
    assert got[0] is None and want[0] is None
    np.testing.assert_allclose(got[1].numpy(), want[1].numpy())


def test_grad_frees_the_graph_unless_retained():
    x = reseau.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * 2).sum()
    autograd.grad(y, x)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        autograd.grad(y, x)
    y = (x.exp() * 2).sum()
    (g1,) = autograd.grad(y, x, retain_graph=True)
    (g2,) = autograd.grad(y, x)
    assert g1.tolist() == g2.tolist() == pytest.approx((2 * np.exp([1.0, 2.0])).tolist())


def test_grad_does_not_run_below_the_inputs():
    # the part of the graph below h is not needed for dy/dh: its freed node is not an error
    x = reseau.tensor([1.0, 2.0], requires_grad=True)
    h = x.exp()
    h.sum().backward(retain_graph=False)  # frees exp's node
    y = (h * 3).sum()
    (gh,) = autograd.grad(y, h)
    assert gh.tolist() == [3.0, 3.0]


def test_grad_through_custom_function_and_retain_grad():
    class Square(reseau.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    x = reseau.tensor([1.0, 3.0], requires_grad=True)
    h = x * 2
    h.retain_grad()  # as in PyTorch, grad fills the .grad of a retained tensor it passes
    y = Square.apply(h).sum()
    (gx,) = autograd.grad(y, x)
    assert gx.tolist() == [8.0, 24.0] and x.grad is None
    assert h.grad.tolist() == [4.0, 12.0]


def test_errors():
    x = reseau.tensor([1.0, 2.0], requires_grad=True)
    c = reseau.tensor([1.0, 2.0])
    with pytest.raises(NotImplementedError, match="create_graph=True"):
        autograd.grad((x * x).sum(), x, create_graph=True)
    with pytest.raises(RuntimeError, match="one of the differentiated Tensors does not require "
                       r"grad \(inputs\[1\]"):
        autograd.grad((x * x).sum(), [x, c])
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad"):
        autograd.grad(c * 2, [x])
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar "
                       r"outputs, but output 0 has shape \(2,\)"):
        autograd.grad(x * 2, [x])
    with pytest.raises(RuntimeError, match=r"mismatch in shape: the gradient of output 0 has "
                       r"shape \(3,\) and the output has shape \(2,\)"):
        autograd.grad(x * 2, [x], grad_outputs=reseau.ones(3))
    with pytest.raises(RuntimeError, match="got 2 outputs but 1 gradients"):
        autograd.grad([x * 2, x * 3], [x], grad_outputs=[reseau.ones(2)])


def test_autograd_backward_several_outputs_and_inputs_matches_torch():
    torch = pytest.importorskip("torch")

    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor([0.5, -1.0], requires_grad=True)
        a = (x * w).sum()
        b = x * x
        lib.autograd.backward([a, b], [None, lib.tensor([1.0, 10.0])], retain_graph=True)
        first = (x.grad.numpy().copy(), w.grad.numpy().copy())
        x.grad = None
        w.grad = None
        lib.autograd.backward(b, lib.tensor([1.0, 1.0]), inputs=[x])
        return first, x.grad.numpy(), w.grad

    got, want = run(reseau), run(torch)
    for g, t in zip(got[0], want[0]):
        np.testing.assert_allclose(g, t)
    np.testing.assert_allclose(got[1], want[1])
    assert got[2] is None and want[2] is None


def test_autograd_backward_by_hand():
    x = reseau.tensor(3.0, requires_grad=True)
    autograd.backward([x * x, x * 4])  # d/dx (x^2 + 4x) = 2x + 4
    assert x.grad.item() == 10.0
    x.grad = None
    autograd.backward(x * 5)  # a leaf root and a single tensor
    autograd.backward(x, reseau.tensor(2.0))
    assert x.grad.item() == 7.0


def test_variable_of_old_course_code():
    from reseau.autograd import Variable

    t = reseau.tensor([1.0, 2.0])
    v = Variable(t, requires_grad=True)
    assert v is not t and v.requires_grad and not t.requires_grad
    assert isinstance(t, Variable) and isinstance(v, reseau.Tensor)
    (v * v).sum().backward()
    assert v.grad.tolist() == [2.0, 4.0]
    with reseau.no_grad():
        v[0] = 5.0  # shares t's memory, as in PyTorch
    assert t.tolist() == [5.0, 2.0]
    h = v * 2
    assert Variable(h).grad_fn is None and not Variable(h).requires_grad
    with pytest.raises(TypeError, match="Variable data has to be a tensor, but got list"):
        Variable([1.0])
    with pytest.warns(UserWarning, match="volatile was removed"):
        Variable(t, volatile=True)


def _values(program, leaves, lib: int):
    """Every value of a random program of test_properties (leaves first) and its output."""
    values = list(leaves)
    for op, *args in program[2]:
        values.append((UNARY if len(args) == 1 else BINARY)[op][lib](*(values[i] for i in args)))
    out = sum((v * (0.5 + 0.25 * k)).sum() for k, v in enumerate(values))
    return values, out


@given(programs(), st.data())
def test_random_dag_grad_of_any_values_matches_torch(program, data):
    torch = pytest.importorskip("torch")
    arrays = leaf_arrays(program[0], program[1])
    values, out = _values(program, [reseau.tensor(a, requires_grad=True) for a in arrays], 0)
    tvalues, tout = _values(program, [torch.tensor(a, requires_grad=True) for a in arrays], 1)
    picked = data.draw(st.lists(st.integers(0, len(values) - 1), min_size=1, max_size=4))
    got = autograd.grad(out, [values[i] for i in picked], allow_unused=True)
    want = torch.autograd.grad(tout, [tvalues[i] for i in picked], allow_unused=True)
    for g, w in zip(got, want):
        assert (g is None) == (w is None)
        if g is not None:
            np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-11, atol=1e-12)
    assert all(v.grad is None for v in values[:len(arrays)])


def test_inference_mode_as_pytorch():
    x = reseau.ones(2, requires_grad=True)
    with autograd.inference_mode():
        assert not (x * 2).requires_grad
    with reseau.no_grad():
        with autograd.inference_mode(False):  # PyTorch: gradients on inside
            assert (x * 2).requires_grad
    assert reseau.is_grad_enabled()

    @autograd.inference_mode
    def bare(t):
        return t * 2

    @autograd.inference_mode()
    def called(t):
        return t * 2

    assert not bare(x).requires_grad and not called(x).requires_grad
    assert (x * 2).requires_grad


def test_set_detect_anomaly_at_once_or_as_a_context():
    before = autograd.is_anomaly_enabled()
    try:
        autograd.set_detect_anomaly(True)
        assert autograd.is_anomaly_enabled()
        with autograd.set_detect_anomaly(False):
            assert not autograd.is_anomaly_enabled()
        assert autograd.is_anomaly_enabled()
    finally:
        autograd.set_detect_anomaly(before)
    assert autograd.is_anomaly_enabled() == before
