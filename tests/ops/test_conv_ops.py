"""The convolution primitives (``reseau.ops.conv``) over random geometries: PyTorch's
values and every gradient in float64 and float32, finite differences in float64, the
errors, and the memory the conv2d node keeps."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import reseau
from reseau.ops import conv as C
from reseau.ops import im2col as K

pytestmark = pytest.mark.ops

@pytest.fixture(params=["batch_first", "batch_last"])
def layout(request, monkeypatch):
    """Run the test with the columns in each layout of ``im2col.py``."""
    monkeypatch.setattr(K, "BATCH_LAST_BELOW", 0 if request.param == "batch_first" else 10**6)
    return request.param


TOL = {np.float64: dict(rtol=1e-10, atol=1e-10), np.float32: dict(rtol=1e-4, atol=1e-4)}


def _geometry(rng):
    """A random valid conv2d geometry: (x shape, w shape, kwargs)."""
    while True:
        g = int(rng.choice([1, 1, 2, 3]))
        c, o = g * int(rng.integers(1, 3)), g * int(rng.integers(1, 3))
        k = tuple(int(v) for v in rng.integers(1, 4, 2))
        s = tuple(int(v) for v in rng.integers(1, 3, 2))
        d = tuple(int(v) for v in rng.integers(1, 3, 2))
        p = tuple(int(v) for v in rng.integers(0, 3, 2))
        hw = tuple(int(v) for v in rng.integers(1, 10, 2))
        if all(hw[a] + 2 * p[a] >= d[a] * (k[a] - 1) + 1 for a in (0, 1)):
            n = int(rng.integers(1, 4))
            return (n, c) + hw, (o, c // g) + k, dict(stride=s, padding=p, dilation=d, groups=g)


def _run(fn, arrays, grads):
    xs = [reseau.tensor(a, requires_grad=r) for a, r in zip(arrays, grads)]
    out = fn(*xs)
    v = np.random.default_rng(7).standard_normal(out.shape).astype(out.dtype)
    out.backward(reseau.tensor(v))
    return out, [x.grad for x in xs], v


def _compare(fn, tfn, arrays, dtype, grads=None):
    torch = pytest.importorskip("torch")
    arrays = [a.astype(dtype) for a in arrays]
    grads = grads or [True] * len(arrays)
    out, ours, v = _run(fn, arrays, grads)
    ts = [torch.tensor(a, requires_grad=r) for a, r in zip(arrays, grads)]
    tout = tfn(*ts)
    tout.backward(torch.from_numpy(v))
    assert out.dtype == dtype
    np.testing.assert_allclose(out._array, tout.detach().numpy(), **TOL[dtype])
    for i, (g, t) in enumerate(zip(ours, ts)):
        if t.grad is None:
            assert g is None
            continue
        assert g.dtype == dtype, f"gradient {i} changed dtype"
        np.testing.assert_allclose(g._array, t.grad.numpy(), **TOL[dtype], err_msg=f"input {i}")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("seed", range(12))
def test_conv2d_random_geometries_match_torch(seed, dtype, layout):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    xs, ws, kw = _geometry(rng)
    arrays = [rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])]
    _compare(lambda x, w, b: C.conv2d(x, w, b, **kw),
             lambda x, w, b: torch.nn.functional.conv2d(x, w, b, **kw), arrays, dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("seed", range(12))
def test_conv_transpose2d_random_geometries_match_torch(seed, dtype, layout):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(100 + seed)
    xs, ws, kw = _geometry(rng)
    g = kw["groups"]
    kw["output_padding"] = tuple(int(rng.integers(0, max(s, d)))
                                 for s, d in zip(kw["stride"], kw["dilation"]))
    x = rng.standard_normal(xs)
    w = rng.standard_normal((xs[1], ws[0] // g) + ws[2:])
    b = rng.standard_normal(ws[0])
    try:
        torch.nn.functional.conv_transpose2d(torch.tensor(x), torch.tensor(w), **kw)
    except RuntimeError:
        pytest.skip("torch rejects this geometry (empty output)")
    _compare(lambda x, w, b: C.conv_transpose2d(x, w, b, **kw),
             lambda x, w, b: torch.nn.functional.conv_transpose2d(x, w, b, **kw),
             [x, w, b], dtype)


@pytest.mark.parametrize("seed", range(6))
def test_conv1d_random_geometries_match_torch(seed, layout):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(200 + seed)
    xs, ws, kw = _geometry(rng)
    kw = {k: v if k == "groups" else v[1] for k, v in kw.items()}
    arrays = [rng.standard_normal(xs[:2] + xs[3:]), rng.standard_normal(ws[:2] + ws[3:]),
              rng.standard_normal(ws[0])]
    for dtype in (np.float64, np.float32):
        _compare(lambda x, w, b: C.conv1d(x, w, b, **kw),
                 lambda x, w, b: torch.nn.functional.conv1d(x, w, b, **kw), arrays, dtype)


@pytest.mark.filterwarnings("ignore::UserWarning")  # torch's note on even 'same' kernels
@pytest.mark.parametrize("padding", ["same", "valid"])
@pytest.mark.parametrize("kernel, dilation", [((3, 3), 1), ((2, 4), 1), ((2, 3), (2, 1))])
def test_string_padding_matches_torch(padding, kernel, dilation):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((4, 3) + kernel)]
    _compare(lambda x, w: C.conv2d(x, w, padding=padding, dilation=dilation),
             lambda x, w: torch.nn.functional.conv2d(x, w, padding=padding, dilation=dilation),
             arrays, np.float64)
    if padding == "same":
        out = C.conv2d(reseau.tensor(arrays[0]), reseau.tensor(arrays[1]), padding="same",
                       dilation=dilation)
        assert out.shape[2:] == (7, 6)


@pytest.mark.parametrize("seed", range(6))
def test_unfold_and_fold_match_torch(seed):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(300 + seed)
    xs, ws, kw = _geometry(rng)
    kw.pop("groups")
    kw["kernel_size"] = ws[2:]
    x = rng.standard_normal(xs)
    for dtype in (np.float64, np.float32):
        _compare(lambda x: C.unfold(x, **kw), lambda x: torch.nn.functional.unfold(x, **kw),
                 [x], dtype)
    cols = torch.nn.functional.unfold(torch.tensor(x), **kw).numpy()
    rng.standard_normal(cols.shape, out=cols)
    for dtype in (np.float64, np.float32):
        _compare(lambda c: C.fold(c, xs[2:], **kw),
                 lambda c: torch.nn.functional.fold(c, xs[2:], **kw), [cols], dtype)


@pytest.mark.parametrize("seed", range(4))
def test_gradcheck_random_geometries(seed, layout):
    rng = np.random.default_rng(400 + seed)
    xs, ws, kw = _geometry(rng)
    x, w, b = (reseau.tensor(rng.standard_normal(s), requires_grad=True)
               for s in (xs, ws, (ws[0],)))
    assert reseau.gradcheck(lambda x, w, b: C.conv2d(x, w, b, **kw), [x, w, b])
    # the transposed convolution of an input shaped as conv2d's output has a valid geometry
    y = reseau.tensor(rng.standard_normal(C.conv2d(x, w, **kw).shape), requires_grad=True)
    assert reseau.gradcheck(lambda y, w: C.conv_transpose2d(y, w, **kw), [y, w])


def test_conv_transpose2d_is_the_adjoint_of_conv2d():
    # <conv2d(x, w), y> == <x, conv_transpose2d(y, w)> for the same geometry
    rng = np.random.default_rng(5)
    kw = dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2)
    x = rng.standard_normal((2, 4, 9, 8))
    w = rng.standard_normal((6, 2, 3, 2))
    z = C.conv2d(reseau.tensor(x), reseau.tensor(w), **kw)._array
    y = rng.standard_normal(z.shape)
    extra = tuple((9, 8)[a] - C.conv_transpose2d(reseau.tensor(y), reseau.tensor(w),
                                                 **kw).shape[2 + a] for a in (0, 1))
    xt = C.conv_transpose2d(reseau.tensor(y), reseau.tensor(w), output_padding=extra, **kw)
    assert xt.shape == x.shape
    np.testing.assert_allclose((z * y).sum(), (x * xt._array).sum(), rtol=1e-12)


def test_float32_stays_float32_and_integer_pixels_meet_float_weights():
    x = reseau.tensor(np.arange(2 * 1 * 5 * 5).reshape(2, 1, 5, 5))  # int64 pixels
    w = reseau.tensor(np.ones((3, 1, 3, 3), np.float32), requires_grad=True)
    out = C.conv2d(x, w)
    assert out.dtype == np.float32
    out.sum().backward()
    assert w.grad.dtype == np.float32
    np.testing.assert_allclose(out._array[0, 0, 0, 0], (0 + 1 + 2 + 5 + 6 + 7 + 10 + 11 + 12))


def test_unbatched_input_as_torch():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((3, 6, 5)), rng.standard_normal((2, 3, 3, 3))
    out = C.conv2d(reseau.tensor(x), reseau.tensor(w), padding=1)
    batched = C.conv2d(reseau.tensor(x[None]), reseau.tensor(w), padding=1)
    assert out.shape == (2, 6, 5)
    np.testing.assert_array_equal(out._array, batched._array[0])
    assert C.conv1d(reseau.tensor(x[:, 0]), reseau.tensor(w[:, :, 0])).shape == (2, 3)


@pytest.mark.parametrize("last", [False, True], ids=["batch_first", "batch_last"])
def test_im2col_col2im_are_adjoint_with_clipped_windows(last):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 5, 7))
    args = ((3, 2), (3, 4), (2, 2), (2, 1), (1, 3))  # kernel, out, stride, padding, dilation
    cols = K.im2col(x, *args, last=last)
    assert cols.shape == ((3, 3, 2, 3, 4, 2) if last else (2, 3, 3, 2, 3, 4))
    y = rng.standard_normal(cols.shape)
    back = K.col2im(y, (5, 7), *args[2:], last=last)
    assert back.shape == x.shape
    np.testing.assert_allclose((cols * y).sum(), (x * back).sum(), rtol=1e-12)


# ------------------------------------------------------------------ errors
def _t(*shape):
    return reseau.zeros(*shape)


@pytest.mark.parametrize("call, match", [
    (lambda: C.conv2d(_t(8, 3, 28, 28), _t(6, 1, 5, 5)),
     r"conv2d: input has 3 channels but the layer expects 1 \(input shape \(8, 3, 28, 28\), "
     r"weight shape \(6, 1, 5, 5\)\)"),
    (lambda: C.conv2d(_t(1, 1, 4, 4), _t(6, 1, 5, 5)), r"conv2d: input of shape \(1, 1, 4, 4\)"
     r" is smaller than the kernel"),
    (lambda: C.conv2d(_t(1, 1, 4, 4), _t(6, 1, 3, 3), dilation=2), r"spans \(5, 5\)"),
    (lambda: C.conv2d(_t(1, 4, 4, 4), _t(3, 2, 3, 3), groups=2), r"not divisible by groups"),
    (lambda: C.conv2d(_t(4, 4), _t(3, 4, 3, 3)), r"3-D \(C, H, W\) or 4-D"),
    (lambda: C.conv2d(_t(1, 1, 4, 4), _t(3, 1, 3, 3), stride=2, padding="same"),
     r"padding='same' is not supported for strided"),
    (lambda: C.conv2d(_t(1, 1, 4, 4), _t(3, 1, 3, 3), padding="full"), r"'same' or 'valid'"),
    (lambda: C.conv2d(_t(1, 1, 4, 4), _t(3, 1, 3, 3), stride=0), r"stride must be a positive"),
    (lambda: C.conv2d(_t(1, 1, 4, 4), _t(3, 1, 3, 3), _t(2)), r"bias must have shape \(3,\)"),
    (lambda: C.conv1d(_t(8, 3, 28), _t(6, 1, 5)),
     r"conv1d: input has 3 channels but the layer expects 1 \(input shape \(8, 3, 28\), "
     r"weight shape \(6, 1, 5\)\)"),
    (lambda: C.conv_transpose2d(_t(1, 2, 4, 4), _t(3, 1, 3, 3)), r"input has 2 channels"),
    (lambda: C.conv_transpose2d(_t(1, 3, 4, 4), _t(3, 1, 3, 3), output_padding=1),
     r"output_padding \(1, 1\) must be smaller"),
    (lambda: C.fold(_t(1, 12, 5), (4, 5), 2), r"fold: expected an input \(N, C\*4, 12\)"),
    (lambda: C.unfold(_t(1, 1, 2, 2), 3), r"unfold: input of shape \(1, 1, 2, 2\) is smaller"),
])
def test_errors_name_the_op_and_the_shapes(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ------------------------------------------------------------------ memory
def test_columns_are_kept_only_for_the_weight_gradient_and_freed_after_backward():
    x = reseau.randn(2, 3, 8, 8, requires_grad=True)
    frozen = reseau.randn(4, 3, 3, 3)
    out = C.conv2d(x, frozen, padding=1)
    assert out.grad_fn.cols is None  # a frozen weight: no columns kept
    w = reseau.randn(4, 3, 3, 3, requires_grad=True)
    out = C.conv2d(x, w, padding=1)
    cols = weakref.ref(out.grad_fn.cols)
    assert not hasattr(out.grad_fn, "x")  # the columns stand in for the input
    out.sum().backward()
    gc.collect()
    assert cols() is None  # freed with the node: no reference cycle keeps them


# ------------------------------------------------------------------ the workspace
@pytest.fixture
def small_workspace(monkeypatch):
    """Every buffer goes through the workspace (normally only those of 4 MB and more)."""
    monkeypatch.setattr(K, "WORKSPACE_MIN_BYTES", 0)
    K.clear_workspace()
    yield
    K.clear_workspace()


def _operands(rng):
    """An input and a weight that require gradients, and the output's random weights."""
    return (reseau.tensor(rng.standard_normal((2, 3, 7, 7)), requires_grad=True),
            reseau.tensor(rng.standard_normal((4, 3, 3, 3)), requires_grad=True),
            reseau.tensor(rng.standard_normal((2, 4, 7, 7))))


def _conv_step(x, w, r, retain=False):
    out = C.conv2d(x, w, padding=1)
    (out * r).sum().backward(retain_graph=retain)
    return out


def test_workspace_buffers_come_back_only_once_nothing_holds_them(small_workspace, layout):
    rng = np.random.default_rng(3)
    x, w, r = _operands(rng)
    out = C.conv2d(x, w, padding=1)
    held = out.grad_fn.cols
    other = C.conv2d(x, w, padding=1).grad_fn.cols
    assert other is not held  # the first node still keeps its columns
    (out * r).sum().backward()  # frees the node: its columns may serve again
    del held
    again = C.conv2d(x, w, padding=1)
    kept = next(v for (shape, _), v in K._workspace.items() if shape == again.grad_fn.cols.shape)
    assert any(again.grad_fn.cols is b for b in kept)


def test_a_retained_graph_keeps_its_columns_through_other_steps(small_workspace, layout):
    # backward twice on a retained graph, with other steps of the same shapes in between
    # (they must not write into the columns the retained node still needs)
    rng = np.random.default_rng(4)
    x, w, r = _operands(rng)
    out = C.conv2d(x, w, padding=1)
    loss = (out * r).sum()
    loss.backward(retain_graph=True)
    first = w.grad._array.copy(), x.grad._array.copy()
    x2 = reseau.tensor(rng.standard_normal((2, 3, 7, 7)), requires_grad=True)
    w2 = reseau.tensor(rng.standard_normal((4, 3, 3, 3)), requires_grad=True)
    for _ in range(3):
        _conv_step(x2, w2, r)
    loss.backward()
    np.testing.assert_array_equal(w.grad._array, 2 * first[0])
    np.testing.assert_array_equal(x.grad._array, 2 * first[1])


@pytest.mark.parametrize("seed", range(6))
def test_conv2d_through_the_workspace_matches_torch(seed, small_workspace, layout):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    xs, ws, kw = _geometry(rng)
    x, w = rng.standard_normal(xs), rng.standard_normal(ws)
    for _ in range(2):  # the second round runs on buffers the first one left
        _compare(lambda a, b: C.conv2d(a, b, **kw),
                 lambda a, b: torch.nn.functional.conv2d(a, b, **kw), [x, w], np.float64)
