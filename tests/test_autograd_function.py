"""reseau.autograd.Function: custom operations written on Tensors (torch.autograd.Function).

The course examples (the tutorial's Legendre polynomial P3, a custom ReLU) run as
written for PyTorch and give PyTorch's numbers; gradients are checked by finite
differences in float64; the ctx API and the error messages are checked one by one.
"""

from __future__ import annotations

import gc
import math
import weakref

import numpy as np
import pytest

import reseau
from reseau.autograd import Function, once_differentiable


def _legendre_training(lib, steps: int = 2000):
    """The tutorial "Learning PyTorch with Examples" (custom autograd functions): fit
    y = a + b P3(c + d x) to sin(x) on [-pi, pi] by gradient descent, with
    P3(x) = (5x^3 - 3x) / 2 a custom Function. Returns the losses printed every 100
    steps and the final coefficients."""

    class LegendrePolynomial3(lib.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1)

    xs = np.linspace(-math.pi, math.pi, 2000, dtype=np.float32)
    x, y = lib.tensor(xs), lib.tensor(np.sin(xs))
    a, b, c, d = (lib.tensor(v, requires_grad=True) for v in (0.0, -1.0, 0.0, 0.3))
    learning_rate = 5e-6
    losses = []
    for t in range(steps):
        P3 = LegendrePolynomial3.apply
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        if t % 100 == 99:
            losses.append(loss.item())
        loss.backward()
        with lib.no_grad():
            for p in (a, b, c, d):
                p -= learning_rate * p.grad
                p.grad = None
    return losses, [p.item() for p in (a, b, c, d)]


def test_legendre_tutorial_matches_pytorch():
    torch = pytest.importorskip("torch")
    losses, coefs = _legendre_training(reseau)
    want_losses, want_coefs = _legendre_training(torch)
    assert len(losses) == 20
    np.testing.assert_allclose(losses, want_losses, rtol=2e-4)
    np.testing.assert_allclose(coefs, want_coefs, rtol=2e-4, atol=1e-6)
    # the fit converges as in the tutorial (loss about 210 at step 99, 8.9 at the end)
    assert losses[-1] < 10 < 100 < losses[0]


def test_legendre_values_and_gradient_by_hand():
    # P3(u) = (5u^3 - 3u) / 2 and P3'(u) = 1.5 (5u^2 - 1): at u = 0, 1, 2 the values are
    # 0, 1, 17 and the derivatives -1.5, 6, 28.5
    u = reseau.tensor([0.0, 1.0, 2.0], dtype="float64", requires_grad=True)
    p = _p3_function().apply(u)
    assert p.tolist() == [0.0, 1.0, 17.0]
    assert repr(p.grad_fn).startswith("<reseau.autograd.function.P3Backward object at 0x")
    (p * reseau.tensor([1.0, 2.0, 3.0], dtype="float64")).sum().backward()
    assert u.grad.tolist() == [-1.5, 12.0, 85.5]


def _p3_function():
    class P3(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return 0.5 * (5 * x ** 3 - 3 * x)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 1.5 * (5 * x ** 2 - 1)

    return P3


class MyReLU(Function):
    """The course's custom ReLU, as written for PyTorch."""

    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


def test_custom_relu_values_gradient_and_repr():
    x = reseau.tensor([-2.0, -0.5, 0.5, 3.0], requires_grad=True)
    y = MyReLU.apply(x)
    assert y.tolist() == [0.0, 0.0, 0.5, 3.0]
    assert repr(y.grad_fn).startswith("<reseau.autograd.function.MyReLUBackward object at")
    assert "grad_fn=<MyReLUBackward>" in repr(y)
    (y * reseau.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 3.0, 4.0]


def test_custom_relu_in_a_network_matches_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in [(8, 5), (5, 6), (6, 1)]]

    def run(lib, relu_cls):
        x, w1, w2 = (lib.tensor(a, requires_grad=i > 0) for i, a in enumerate(arrays))
        loss = (relu_cls.apply(x @ w1) @ w2).pow(2).mean()
        loss.backward()
        return loss.item(), w1.grad.numpy(), w2.grad.numpy()

    class TorchReLU(torch.autograd.Function):
        forward = MyReLU.forward
        backward = MyReLU.backward

    got, want = run(reseau, MyReLU), run(torch, TorchReLU)
    assert got[0] == pytest.approx(want[0], rel=1e-6)
    for g, w in zip(got[1:], want[1:]):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-7)


class ScaledSquare(Function):
    """y = k x^2 (k a Python number): dy/dx = 2 k x."""

    @staticmethod
    def forward(ctx, x, k):
        ctx.save_for_backward(x)
        ctx.k = k
        return k * x * x

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * ctx.k * x * g, None


class MulAdd(Function):
    """z = x * y + c: dz/dx = y, dz/dy = x (broadcasting y)."""

    @staticmethod
    def forward(ctx, x, y, c):
        ctx.save_for_backward(x, y)
        return x * y + c

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        gx = g * y if ctx.needs_input_grad[0] else None
        gy = (g * x).sum(0) if ctx.needs_input_grad[1] else None
        return gx, gy, None


def test_gradcheck_of_custom_functions_float64():
    x = reseau.randn(3, 4, dtype="float64", requires_grad=True)
    y = reseau.randn(4, dtype="float64", requires_grad=True)
    assert reseau.gradcheck(lambda t: ScaledSquare.apply(t, 1.5), (x,))
    assert reseau.gradcheck(lambda a, b: MulAdd.apply(a, b, 2.0), (x, y))
    assert reseau.gradcheck(lambda t: _p3_function().apply(t.tanh()), (x,))


def test_gradcheck_catches_a_wrong_backward():
    class Wrong(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 2 * x ** 2  # should be 3 x^2

    x = reseau.randn(5, dtype="float64", requires_grad=True)
    with pytest.raises(reseau.GradcheckError):
        reseau.gradcheck(Wrong.apply, (x,))


def test_needs_input_grad_per_forward_argument():
    seen = []

    class Probe(Function):
        @staticmethod
        def forward(ctx, a, b, k):
            seen.append(ctx.needs_input_grad)
            return a * b * k

        @staticmethod
        def backward(ctx, g):
            seen.append(ctx.needs_input_grad)
            return g, g, None

    a = reseau.ones(2, requires_grad=True)
    b = reseau.ones(2)
    Probe.apply(a, b, 3).sum().backward()
    assert seen == [(True, False, False)] * 2
    assert a.grad.tolist() == [1.0, 1.0]
    # MulAdd skips the gradient of the constant
    x = reseau.tensor([[1.0, 2.0]], requires_grad=True)
    MulAdd.apply(x, reseau.tensor([3.0, 4.0]), 1.0).sum().backward()
    assert x.grad.tolist() == [[3.0, 4.0]]


def test_apply_under_no_grad_or_without_grad_inputs_records_nothing():
    x = reseau.ones(3, requires_grad=True)
    with reseau.no_grad():
        y = MyReLU.apply(x)
    assert y.grad_fn is None and not y.requires_grad
    z = MyReLU.apply(reseau.ones(3))
    assert z.grad_fn is None and not z.requires_grad


class SortTwo(Function):
    """Two differentiable outputs and one index output: (2x, x^2, argmax x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        idx = x.argmax()
        ctx.mark_non_differentiable(idx)
        return x * 2, x * x, idx

    @staticmethod
    def backward(ctx, g_double, g_square, g_idx):
        (x,) = ctx.saved_tensors
        return g_double * 2 + g_square * 2 * x


def test_two_outputs_and_a_non_differentiable_one():
    x = reseau.tensor([1.0, 3.0, 2.0], requires_grad=True)
    d, s, i = SortTwo.apply(x)
    assert "grad_fn=<SortTwoBackward>" in repr(d) and "grad_fn=<SortTwoBackward>" in repr(s)
    assert i.item() == 1 and not i.requires_grad and i.grad_fn is None
    (d.sum() * 3 + (s * reseau.tensor([1.0, 2.0, 3.0])).sum()).backward()
    # d/dx [3 * 2x + w * x^2] = 6 + 2 w x
    assert x.grad.tolist() == [6 + 2 * 1, 6 + 2 * 2 * 3, 6 + 2 * 3 * 2]
    # one output only: the other's gradient arrives as zeros (materialized)
    x.grad = None
    d, s, _ = SortTwo.apply(x)
    s.sum().backward()
    assert x.grad.tolist() == [2.0, 6.0, 4.0]


def test_two_outputs_match_pytorch_and_retain_graph():
    torch = pytest.importorskip("torch")

    def run(lib, base):
        class Split(base):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x.exp(), x * 3

            @staticmethod
            def backward(ctx, ge, gt):
                (x,) = ctx.saved_tensors
                return ge * x.exp() + gt * 3

        x = lib.tensor([0.5, -1.0, 2.0], dtype=lib.float64, requires_grad=True)
        e, t = Split.apply(x)
        loss = (e * t).sum()
        loss.backward(retain_graph=True)
        first = x.grad.numpy().copy()
        loss.backward()
        return first, x.grad.numpy()

    for got, want in zip(run(reseau, Function), run(torch, torch.autograd.Function)):
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_set_materialize_grads_false_gives_none():
    got = []

    class Pair(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x + 1, x + 2

        @staticmethod
        def backward(ctx, g1, g2):
            got.append((g1 is None, g2 is None))
            return g1 if g2 is None else g1 + g2

    x = reseau.ones(2, requires_grad=True)
    a, b = Pair.apply(x)
    a.sum().backward()
    assert got == [(False, True)]
    assert x.grad.tolist() == [1.0, 1.0]


def test_returning_an_input_gives_a_new_tensor():
    class Identity(Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 5

    x = reseau.ones(2, requires_grad=True)
    y = Identity.apply(x)
    assert y is not x and x.is_leaf and "grad_fn=<IdentityBackward>" in repr(y)
    y.sum().backward()
    assert x.grad.tolist() == [5.0, 5.0]
    y.sum()  # the result stays usable


def test_saved_output_and_graph_freed_by_reference_counting():
    class Exp(Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return g * y

    x = reseau.tensor([0.0, 1.0], dtype="float64", requires_grad=True)
    y = Exp.apply(x)
    node = weakref.ref(y.grad_fn)
    (y * 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp([0.0, 1.0]))
    assert reseau.gradcheck(Exp.apply, (x,))
    gc.disable()
    try:  # no cycle output -> node -> ctx -> output: dropping y frees the node
        y = Exp.apply(x)
        node = weakref.ref(y.grad_fn)
        del y
        assert node() is None
    finally:
        gc.enable()


def test_saved_tensor_changed_in_place_raises_pytorch_kind_of_error():
    x = reseau.tensor([1.0, -1.0], requires_grad=True)
    h = x * 1  # a non-leaf: it can be changed in place without grad mode
    y = MyReLU.apply(h)
    with reseau.no_grad():
        h.mul_(2)
    with pytest.raises(RuntimeError, match=r"MyReLUBackward: one of the variables needed for "
                       r"gradient computation has been modified by an inplace operation.*"
                       r"version 1; expected version 0"):
        y.sum().backward()


def test_wrong_number_of_gradients():
    class TooMany(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g, g

    class TrailingNone(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2, None

    x = reseau.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"function TooManyBackward returned an incorrect "
                       r"number of gradients \(expected 1, got 2\)"):
        TooMany.apply(x).sum().backward()
    TrailingNone.apply(x).sum().backward()  # extra Nones are allowed, as in PyTorch
    assert x.grad.tolist() == [2.0, 2.0, 2.0]
    with pytest.raises(RuntimeError, match=r"expected 2, got 1"):
        ScaledSquareOneGrad.apply(x, 2.0).sum().backward()


class ScaledSquareOneGrad(ScaledSquare):
    @staticmethod
    def backward(ctx, g):
        return g


def test_wrong_gradient_shape_type_and_position():
    class BadShape(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g[:2]

    class NotATensor(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return 3

    class GradForNumber(Function):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g, g

    x = reseau.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"BadShapeBackward returned an invalid gradient at "
                       r"index 0 - got \[2\] but expected shape compatible with \[3\]"):
        BadShape.apply(x).sum().backward()
    with pytest.raises(TypeError, match="NotATensorBackward returned a int"):
        NotATensor.apply(x).sum().backward()
    with pytest.raises(RuntimeError, match="different than None at position 1"):
        GradForNumber.apply(x, 2.0).sum().backward()


def test_broadcastable_gradient_is_summed_as_pytorch():
    class Broad(Function):
        @staticmethod
        def forward(ctx, b):
            return b * 1

        @staticmethod
        def backward(ctx, g):
            return g * reseau.ones(4, 3)  # (4, 3) for an input of shape (3,)

    b = reseau.ones(3, requires_grad=True)
    Broad.apply(b).sum().backward()
    assert b.grad.tolist() == [4.0, 4.0, 4.0]


def test_grad_output_may_be_changed_in_place():
    class InPlace(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            g.mul_(3)
            return g

    x = reseau.ones(2, requires_grad=True)
    y = x * 1
    (InPlace.apply(y) + y).sum().backward()  # the other path keeps its gradient of 1
    assert x.grad.tolist() == [4.0, 4.0]


def test_keyword_arguments_and_setup_context():
    class Scale(Function):
        @staticmethod
        def forward(x, k=2.0):
            return x * k

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.k = inputs[1]

        @staticmethod
        def backward(ctx, g):
            return g * ctx.k, None

    x = reseau.ones(2, requires_grad=True)
    Scale.apply(x, k=5.0).sum().backward()
    assert x.grad.tolist() == [5.0, 5.0]
    x.grad = None
    ScaledSquare.apply(x, k=3.0).sum().backward()
    assert x.grad.tolist() == [6.0, 6.0]


def test_legacy_instance_call_and_missing_methods():
    x = reseau.ones(2, requires_grad=True)

    class Legacy(Function):
        def forward(self, x):
            return x

    with pytest.raises(RuntimeError, match="legacy autograd function with non-static "
                       "forward.*Legacy.apply"):
        Legacy()(x)

    class NoBackward(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

    with pytest.raises(NotImplementedError, match="implement the backward"):
        NoBackward.apply(x).sum().backward()
    with pytest.raises(TypeError, match="save_for_backward can only save tensors"):
        class SavesNumber(Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x, 3)
                return x

        SavesNumber.apply(x)


def test_mark_dirty_is_accepted():
    class AddOneInPlace(Function):
        @staticmethod
        def forward(ctx, x):
            x.add_(1)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    a = reseau.ones(2, requires_grad=True)
    h = a * 1
    y = AddOneInPlace.apply(h)
    assert y.tolist() == [2.0, 2.0]
    y.sum().backward()
    assert a.grad.tolist() == [1.0, 1.0]


def test_reachable_where_pytorch_keeps_it():
    assert reseau.autograd.Function is Function
    assert reseau.autograd.function.once_differentiable is once_differentiable
    assert reseau.autograd.function.FunctionCtx is reseau.autograd.FunctionCtx


def test_the_autograd_page_runs(run_doc, capsys):
    ns, text = run_doc("autograd.md", min_blocks=5)
    assert "## A custom `Function`" in text and "## `autograd.grad`" in text
    printed = capsys.readouterr().out
    assert "grad_fn=<LegendreP3Backward>" in printed


def test_saved_variables_is_the_deprecated_name():
    class Old(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_variables
            return 2 * x * g

    x = reseau.tensor([3.0], requires_grad=True)
    with pytest.warns(DeprecationWarning, match="use 'saved_tensors'"):
        Old.apply(x).sum().backward()
    assert x.grad.tolist() == [6.0]


def test_autograd_function_module_imports_as_in_pytorch():
    import importlib

    module = importlib.import_module("reseau.autograd.function")
    assert module.once_differentiable is once_differentiable and module.Function is Function


def test_docstring_examples_run():
    import doctest

    import reseau.autograd as autograd_module
    import reseau.function as function_module

    for module in (function_module, autograd_module):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__


class LinearFunction(Function):
    """y = x W^T + b, b optional (None): dx = g W, dW = g^T x, db = sum_rows g."""

    @staticmethod
    def forward(ctx, input, weight, bias=None):
        ctx.save_for_backward(input, weight, bias)
        output = input @ weight.t()
        if bias is not None:
            output = output + bias
        return output

    @staticmethod
    def backward(ctx, grad_output):
        input, weight, bias = ctx.saved_tensors
        grad_input = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_input = grad_output @ weight
        if ctx.needs_input_grad[1]:
            grad_weight = grad_output.t() @ input
        if bias is not None and ctx.needs_input_grad[2]:
            grad_bias = grad_output.sum(0)
        return grad_input, grad_weight, grad_bias


def test_linear_function_with_optional_bias_gradcheck_and_torch():
    torch = pytest.importorskip("torch")
    from reseau.autograd import gradcheck

    rng = np.random.default_rng(1)
    x, w, b = (rng.standard_normal(s) for s in [(5, 4), (3, 4), (3,)])
    args = [reseau.tensor(a, requires_grad=True) for a in (x, w, b)]
    assert gradcheck(LinearFunction.apply, tuple(args), eps=1e-6, atol=1e-4)
    assert gradcheck(LinearFunction.apply, tuple(args[:2]))
    assert gradcheck(lambda w_: LinearFunction.apply(args[0].detach(), w_, None), (args[1],))

    class TorchLinear(torch.autograd.Function):
        forward = LinearFunction.forward
        backward = LinearFunction.backward

    out = LinearFunction.apply(*args)
    targs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    tout = TorchLinear.apply(*targs)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-12)
    g = rng.standard_normal(out.shape)
    out.backward(reseau.tensor(g))
    tout.backward(torch.tensor(g))
    for a, t in zip(args, targs):
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-12)


def test_none_gradient_is_no_gradient_as_in_pytorch():
    class OnlySecond(Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, g):
            return None, g

    x = reseau.ones(2, requires_grad=True)
    y = reseau.ones(2, requires_grad=True)
    out = OnlySecond.apply(x * 1, y).sum()
    out.backward(retain_graph=True)
    assert x.grad is None and y.grad.tolist() == [1.0, 1.0]
    out.backward()
    assert x.grad is None and y.grad.tolist() == [2.0, 2.0]
    with pytest.raises(RuntimeError, match="index 0 appears to not have been used"):
        reseau.autograd.grad(OnlySecond.apply(x, y).sum(), [x, y])
    gx, gy = reseau.autograd.grad(OnlySecond.apply(x, y).sum(), [x, y], allow_unused=True)
    assert gx is None and gy.tolist() == [1.0, 1.0]
