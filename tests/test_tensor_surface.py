"""PyTorch's tensor surface (issue 13, sections 2 and 4): ``.data``, dtype objects,
``Size``, devices, ``to``, printing, ``__index__``/``__format__`` and the legacy
constructors, each checked against what PyTorch does."""

from __future__ import annotations

import numpy as np
import pytest

import reseau
from reseau.printing import format_array


# ------------------------------------------------------------------------- .data
def test_data_is_an_untracked_tensor_sharing_memory():
    p = reseau.nn.Parameter(reseau.ones(3))
    d = p.data
    assert type(d) is reseau.Tensor and not d.requires_grad and d.grad_fn is None
    assert np.shares_memory(d._array, p._array)


def test_updates_through_data_change_the_parameter_in_place():
    p = reseau.nn.Parameter(reseau.tensor([1.0, -2.0, 3.0]))
    array = p._array
    p.grad = reseau.tensor([1.0, 1.0, 1.0])
    p.data += -0.5 * p.grad
    p.data -= 0.5 * p.grad
    np.testing.assert_array_equal(p._array, [0.0, -3.0, 2.0])
    p.data[p.data < 0] = 0
    np.testing.assert_array_equal(p._array, [0.0, 0.0, 2.0])
    p.data.copy_(reseau.tensor([4.0, 5.0, 6.0]))
    p.data.mul_(2)
    np.testing.assert_array_equal(p._array, [8.0, 10.0, 12.0])
    p.data.zero_()
    assert p._array is array and not p._array.any() and p.requires_grad


def test_data_assignment_replaces_the_values():
    w = reseau.nn.Linear(2, 3)
    w.weight.data = reseau.ones(3, 2)
    np.testing.assert_array_equal(w.weight._array, np.ones((3, 2), np.float32))
    assert w.weight.requires_grad


def test_manual_sgd_through_data_matches_pytorch():
    torch = pytest.importorskip("torch")
    x = np.linspace(-1, 1, 20).reshape(-1, 1)
    y = 3 * x + 0.5
    ours = [reseau.tensor(v, dtype=reseau.float64, requires_grad=True) for v in ([[0.1]], [0.2])]
    theirs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in ([[0.1]], [0.2])]
    for lib, (w, b) in ((reseau, ours), (torch, theirs)):
        X, Y = lib.tensor(x), lib.tensor(y)
        for _ in range(5):
            loss = ((X @ w + b - Y) ** 2).mean()
            loss.backward()
            for p in (w, b):
                p.data -= 0.1 * p.grad
                p.grad.zero_()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12)


# ------------------------------------------------------------- dtypes, Size, device
def test_dtype_objects_print_and_compare_as_pytorch_and_numpy():
    assert repr(reseau.float32) == "reseau.float32" and str(reseau.int64) == "reseau.int64"
    assert reseau.float32 == np.float32 and reseau.float32 == np.dtype("float32")
    assert reseau.float32 == "float32" and reseau.float64 != "float32"
    assert reseau.float is reseau.float32 and reseau.long is reseau.int64
    assert reseau.double is reseau.float64
    x = reseau.zeros(2, dtype=reseau.int64)
    assert x.dtype is reseau.int64 and x.dtype == np.int64
    assert np.zeros(2, dtype=reseau.float64).dtype == np.float64  # NumPy takes it
    assert reseau.float32.is_floating_point and not reseau.int32.is_floating_point
    assert reseau.get_default_dtype() is reseau.float32
    assert isinstance(reseau.float32, reseau.dtype)


def test_size_is_a_tuple_that_prints_like_torch_size():
    x = reseau.zeros(2, 3)
    assert x.shape == (2, 3) and x.size() == (2, 3) and x.size(1) == 3
    assert isinstance(x.shape, reseau.Size) and isinstance(x.shape, tuple)
    assert repr(x.shape) == "reseau.Size([2, 3])" and str(x.shape) == "reseau.Size([2, 3])"
    assert x.shape.numel() == 6 and isinstance(x.shape[1:], reseau.Size)
    assert reseau.zeros(()).shape == () and repr(reseau.zeros(()).shape) == "reseau.Size([])"


def test_device_objects_and_the_cpu_backend():
    x = reseau.ones(2, device="cpu")
    assert x.device == reseau.device("cpu") and x.device == "cpu" and str(x.device) == "cpu"
    assert repr(reseau.device("cuda:1")) == "device(type='cuda', index=1)"
    assert reseau.device("cuda", 1) == reseau.device("cuda:1")
    assert x.to("cpu") is x and x.cpu() is x and not x.is_cuda
    dev = reseau.device("cuda" if reseau.cuda.is_available() else "cpu")
    assert reseau.randn(2, 3, device=dev).device == "cpu"
    for make in (lambda: reseau.zeros(2, device="cuda"), lambda: x.to("cuda"),
                 lambda: x.cuda(), lambda: reseau.tensor([1.0], device="cuda:0")):
        with pytest.raises(RuntimeError, match="'cuda.*not available.*NumPy"):
            make()
    with pytest.raises(RuntimeError, match="device: expected one of"):
        reseau.device("gpu")


def test_to_takes_a_dtype_a_device_or_a_tensor_as_pytorch():
    x = reseau.tensor([1.5, 2.5])
    assert x.to(reseau.float64).dtype == reseau.float64
    assert x.to("cpu", reseau.int64).dtype == reseau.int64
    assert x.to(device="cpu", dtype=reseau.float64).dtype == np.float64
    assert x.to(reseau.zeros(1, dtype=reseau.float64)).dtype == reseau.float64
    assert x.to("cpu", non_blocking=True) is x
    y = x.to(reseau.float32, copy=True)
    assert y is not x and not np.shares_memory(y._array, x._array)
    assert x.type() == "reseau.FloatTensor" and x.long().type() == "reseau.LongTensor"
    assert x.type("torch.DoubleTensor").dtype == reseau.float64


# --------------------------------------------------------------- Python protocols
def test_index_and_format_as_pytorch():
    classes = ["cat", "dog", "bird"]
    scores = reseau.tensor([0.1, 0.7, 0.2])
    assert classes[scores.argmax()] == "dog"
    assert list(range(reseau.tensor(3))) == [0, 1, 2]
    with pytest.raises(TypeError, match="only integer tensors of a single element"):
        classes[reseau.tensor(1.0)]
    loss = reseau.tensor(0.123456)
    assert f"{loss:.4f}" == "0.1235" and f"{loss:>8.2f}" == "    0.12"
    assert f"{reseau.tensor([1.0, 2.0])}" == "tensor([1., 2.])"
    assert len(reseau.zeros(4, 2)) == 4 and [r.shape for r in reseau.zeros(2, 3)] == [(3,), (3,)]
    assert bool(reseau.tensor([1])) and not bool(reseau.tensor(0.0))


def test_legacy_constructors():
    assert reseau.Tensor(2, 3).shape == (2, 3) and reseau.Tensor(2, 3).dtype == reseau.float32
    t = reseau.Tensor([1, 2])
    assert t.dtype == reseau.float32 and t.tolist() == [1.0, 2.0]
    assert reseau.LongTensor([1, 2]).dtype == reseau.int64
    assert reseau.FloatTensor([[1, 2]]).shape == (1, 2)
    assert reseau.DoubleTensor(3).dtype == reseau.float64 and reseau.DoubleTensor(3).shape == (3,)
    assert reseau.Tensor(reseau.Size([2, 2])).shape == (2, 2)


# ------------------------------------------------------------------------ printing
CASES = [
    np.zeros((2, 3), np.float32), np.array([[1.0, 2.0]]), np.array(0.5), np.array(3.0),
    np.array([0.9, 0.9, 0.9], np.float32), np.arange(12.0).reshape(2, 2, 3) / 7,
    np.array([1e-5, 1.0]), np.arange(2000.0).reshape(40, 50), np.array([1, 2, 30]),
    np.array([True, False]), np.random.default_rng(0).normal(size=(3, 30)),
    np.array([np.nan, 1.5, np.inf]), np.zeros((0, 3)), np.array([], np.float32),
    np.arange(5000).reshape(10, 500), np.array([1e10, 1.0]), np.array(7),
    np.array([1, 2], np.int32), np.random.default_rng(1).normal(size=(2, 3, 4, 5)),
]


@pytest.mark.parametrize("array", CASES, ids=lambda a: f"{a.dtype}{a.shape}")
def test_tensors_print_as_pytorch_prints_them(array):
    torch = pytest.importorskip("torch")
    expected = repr(torch.from_numpy(array)).replace("torch.", "reseau.")
    assert repr(reseau.from_numpy(array)) == expected


def test_format_array_without_the_oracle():
    assert format_array(np.array([[1.0, 2.0]])) == "[[1., 2.]]"
    assert format_array(np.array([0.5, 0.25])) == "[0.5000, 0.2500]"
    assert format_array(np.array([1e-5, 1.0])) == "[1.0000e-05, 1.0000e+00]"
    assert format_array(np.array(3)) == "3"


def test_grad_fn_and_requires_grad_print_as_pytorch():
    torch = pytest.importorskip("torch")
    ours = reseau.tensor([[1.0, 2.0]], requires_grad=True)
    theirs = torch.tensor([[1.0, 2.0]], requires_grad=True)
    for f in (lambda v: v, lambda v: v * 2, lambda v: v + 1, lambda v: v @ v.T,
              lambda v: v.sum(), lambda v: v.mean(), lambda v: v.relu(), lambda v: v.exp(),
              lambda v: v.tanh(), lambda v: v.sigmoid(), lambda v: v / 3, lambda v: -v,
              lambda v: v ** 2, lambda v: v.log_softmax(1), lambda v: v.softmax(1)):
        assert repr(f(ours)) == repr(f(theirs)).replace("torch.", "reseau.")
    assert repr(reseau.tensor([1.0], dtype=reseau.float64, requires_grad=True)) == \
        "tensor([1.], dtype=reseau.float64, requires_grad=True)"


def test_grad_fn_repr_and_next_functions_as_pytorch():
    torch = pytest.importorskip("torch")
    for lib in (reseau, torch):
        w = lib.ones(2, requires_grad=True)
        y = ((w * lib.ones(2)).sum() - 1) ** 2
        assert repr(y.grad_fn).startswith("<PowBackward0 object at 0x")
        (sub,) = y.grad_fn.next_functions
        total, const = sub[0].next_functions
        (mul,) = total[0].next_functions
        acc, none = mul[0].next_functions
        assert const == (None, 0) and none == (None, 0)
        assert acc[0].variable is w and type(acc[0]).__name__ == "AccumulateGrad"
        assert [repr(n[0]).split()[0] for n in (sub, total, mul)] == \
            ["<SubBackward0", "<SumBackward0", "<MulBackward0"], lib.__name__


def test_new_methods_and_array_facts_as_pytorch():
    torch = pytest.importorskip("torch")
    for lib in (reseau, torch):
        x = lib.ones(2, 3, dtype=lib.float64)
        assert x.new_zeros(2).dtype == lib.float64 and x.new_zeros((2, 2)).shape == (2, 2)
        assert x.new_ones(2, 1).tolist() == [[1.0], [1.0]]
        assert x.new_full((2,), 7.0).tolist() == [7.0, 7.0]
        assert x.new_tensor([1, 2]).dtype == lib.float64
        assert x.new_zeros(3, requires_grad=True).requires_grad
        assert x.stride() == (3, 1) and x.T.stride() == (1, 3) and x.stride(0) == 3
        assert x.is_contiguous() and not x.T.is_contiguous() and x.element_size() == 8
        assert lib.is_tensor(x) and not lib.is_tensor([1.0]) and lib.is_floating_point(x)
        assert lib.empty_like(x).shape == (2, 3) and x.nelement() == 6
