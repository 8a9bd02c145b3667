"""The cuda device on the stand-in (``reseau.standin``, the CuPy stand-in backed by NumPy):
creation on a device, moves with their gradients, the errors PyTorch raises (mixed
devices, ``.numpy()`` of a cuda tensor), modules and optimizers on the device, the
device's random generator, ``reseau.cuda``'s answers, and the one-line errors where
there is no CuPy or no GPU.

The stand-in computes with NumPy, so the cuda path must give the CPU path's bits.
"""

from __future__ import annotations

import subprocess
import sys
import types

import numpy as np
import pytest

import reseau
from reseau import backend, nn, optim
from reseau.devices import set_default_device

standin = pytest.importorskip("reseau.standin")

CUDA0, CUDA1, CPU = reseau.device("cuda:0"), reseau.device("cuda:1"), reseau.device("cpu")


@pytest.fixture(autouse=True)
def _on_the_standin(cuda):
    """Every test on the stand-in (the ``cuda`` fixture of tests/conftest.py: no refused
    NumPy call may be recorded), starting on cuda:0."""
    reseau.cuda.set_device(0)
    yield
    set_default_device("cpu")


def on_device(t, device=CUDA0):
    return type(t._array) is standin.ndarray and t.device == device


def host(t):
    return t.detach().cpu().numpy()


# ------------------------------------------------------------------ reseau.cuda's answers

def test_cuda_answers_from_the_backend():
    assert reseau.cuda.is_available() and reseau.cuda.is_initialized()
    assert reseau.cuda.device_count() == 2
    assert reseau.cuda.current_device() == 0
    assert isinstance(reseau.cuda.get_device_name(0), str)
    assert "name" in reseau.cuda.get_device_properties("cuda:1")
    reseau.cuda.set_device("cuda:1")
    assert reseau.cuda.current_device() == 1 and reseau.zeros(2, device="cuda").device == CUDA1
    reseau.cuda.set_device(0)
    reseau.cuda.synchronize()
    reseau.cuda.synchronize("cuda:1")
    assert isinstance(reseau.cuda.memory_allocated(), int)
    reseau.cuda.empty_cache()
    with pytest.raises(RuntimeError, match=r"^reseau.cuda.set_device: invalid device 2: 2 CUDA"):
        reseau.cuda.set_device(2)
    assert reseau.cuda.get_device_capability() == (9, 0)  # the stand-in's answer
    free, total = reseau.cuda.mem_get_info()
    assert 0 <= free <= total
    with reseau.cuda.device(1):
        assert reseau.cuda.current_device() == 1 and reseau.ones(1, device="cuda").device == CUDA1
    assert reseau.cuda.current_device() == 0
    reseau.cuda.reset_peak_memory_stats()


def test_a_device_index_is_checked_against_the_device_count():
    assert reseau.zeros(1, device="cuda:1").device == CUDA1
    with pytest.raises(RuntimeError, match=r"^zeros: device 'cuda:2' does not exist: 2 CUDA "
                                           r"device\(s\) found \(cuda:0 to cuda:1\)$"):
        reseau.zeros(1, device="cuda:2")


def test_default_device_cuda():
    set_default_device("cuda")
    assert reseau.get_default_device() == CUDA0
    assert on_device(reseau.zeros(2)) and on_device(reseau.tensor([1.0])) and on_device(
        reseau.randn(3))
    layer = nn.Linear(2, 3)
    assert on_device(layer.weight) and on_device(layer.bias)
    assert on_device(layer(reseau.ones(4, 2)))
    assert reseau.from_numpy(np.ones(2)).device == CPU  # from_numpy: always the CPU
    set_default_device(None)
    assert reseau.zeros(2).device == CPU
    with reseau.device("cuda:1"):  # PyTorch's device context manager: the default inside
        assert reseau.zeros(2).device == CUDA1
        with reseau.device("cpu"):
            assert reseau.zeros(2).device == CPU
        assert reseau.get_default_device() == CUDA1
    assert reseau.get_default_device() == CPU


def test_pin_memory_is_accepted():
    x = reseau.ones(2)
    assert x.pin_memory() is x and not x.is_pinned()
    assert on_device(x.pin_memory().to("cuda", non_blocking=True))


# ------------------------------------------------------------------ creation

CONSTANT = {
    "zeros": lambda d: reseau.zeros(2, 3, device=d),
    "ones": lambda d: reseau.ones((2, 3), dtype=reseau.float64, device=d),
    "full": lambda d: reseau.full((2,), 7, device=d),
    "empty": lambda d: reseau.empty(4, device=d).zero_(),
    "arange": lambda d: reseau.arange(1, 7, 2, device=d),
    "linspace": lambda d: reseau.linspace(0, 1, 5, device=d),
    "eye": lambda d: reseau.eye(3, 2, device=d),
    "tensor": lambda d: reseau.tensor([[1, 2], [3, 4]], device=d),
    "tensor_float": lambda d: reseau.tensor([1.5, 2.5], dtype=reseau.float64, device=d),
    "as_tensor": lambda d: reseau.as_tensor(np.arange(3.0), device=d),
    "as_tensor_list": lambda d: reseau.as_tensor([1.0, 2.0], device=d),
    "FloatTensor": lambda d: reseau.FloatTensor([1, 2], device=d),
    "zeros_like": lambda d: reseau.zeros_like(reseau.ones(2, device=d)),
    "ones_like": lambda d: reseau.ones_like(reseau.ones(2, device=d), dtype=reseau.int32),
    "full_like": lambda d: reseau.full_like(reseau.ones(2, device=d), 3.5),
    "empty_like": lambda d: reseau.empty_like(reseau.ones(2, device=d)),
    "zeros_like_device": lambda d: reseau.zeros_like(reseau.ones(2), device=d),
    "new_zeros": lambda d: reseau.ones(2, device=d).new_zeros(3),
    "new_ones": lambda d: reseau.ones(2, device=d).new_ones((2, 2)),
    "new_full": lambda d: reseau.ones(2, device=d).new_full((2,), 5.0),
    "new_tensor": lambda d: reseau.ones(2, device=d).new_tensor([1, 2]),
}


@pytest.mark.parametrize("name", sorted(CONSTANT))
def test_creation_on_cuda_gives_the_cpu_values(name):
    make = CONSTANT[name]
    on_cpu, on_cuda = make("cpu"), make("cuda")
    assert on_cpu.device == CPU and on_device(on_cuda)
    assert on_cuda.dtype == on_cpu.dtype and on_cuda.shape == on_cpu.shape
    assert np.array_equal(host(on_cuda), host(on_cpu))


RANDOM = {
    "rand": lambda d, g: reseau.rand(2, 3, device=d, generator=g),
    "randn": lambda d, g: reseau.randn(40, device=d, generator=g),
    "randint": lambda d, g: reseau.randint(0, 9, (5,), device=d, generator=g),
    "randperm": lambda d, g: reseau.randperm(7, device=d, generator=g),
    "normal": lambda d, g: reseau.normal(1.0, 2.0, (4,), device=d, generator=g),
    "rand_like": lambda d, g: reseau.rand_like(reseau.ones(3, device=d), generator=g),
    "randn_like": lambda d, g: reseau.randn_like(reseau.ones(3, device=d), generator=g),
    "randint_like": lambda d, g: reseau.randint_like(reseau.ones(3, device=d), 5, generator=g),
    "bernoulli": lambda d, g: reseau.bernoulli(reseau.full((6,), 0.5, device=d), generator=g),
    "multinomial": lambda d, g: reseau.multinomial(reseau.ones(2, 5, device=d), 3, generator=g),
}


@pytest.mark.parametrize("name", sorted(RANDOM))
def test_random_draws_on_cuda(name):
    make = RANDOM[name]
    # a generator= draws its (PyTorch CPU) stream on every device: the same numbers
    on_cpu = make("cpu", reseau.Generator().manual_seed(5))
    on_cuda = make("cuda", reseau.Generator().manual_seed(5))
    assert on_device(on_cuda) and on_cuda.dtype == on_cpu.dtype
    assert np.array_equal(host(on_cuda), host(on_cpu))
    # without one, the device's generator: reseau.manual_seed seeds it too
    reseau.manual_seed(3)
    first = host(make("cuda", None))
    reseau.manual_seed(3)
    assert np.array_equal(host(make("cuda", None)), first)
    reseau.cuda.manual_seed(4)
    again = host(make("cuda", None))
    reseau.cuda.manual_seed_all(4)
    assert np.array_equal(host(make("cuda", None)), again)


def test_device_draws_have_the_right_law():
    reseau.cuda.manual_seed(0)
    u = host(reseau.rand(20000, device="cuda"))
    n = host(reseau.randn(20000, device="cuda"))
    k = host(reseau.randint(3, 7, (20000,), device="cuda"))
    assert u.dtype == np.float32 and 0 <= u.min() and u.max() < 1 and abs(u.mean() - 0.5) < 0.01
    assert abs(n.mean()) < 0.03 and abs(n.std() - 1) < 0.03
    assert set(np.unique(k)) == {3, 4, 5, 6}
    assert sorted(host(reseau.randperm(50, device="cuda")).tolist()) == list(range(50))
    picks = host(reseau.multinomial(reseau.tensor([[0.0, 1.0, 0.0, 3.0]], device="cuda"), 2))
    assert sorted(picks[0].tolist()) == [1, 3]
    with_replacement = reseau.multinomial(reseau.tensor([0.0, 1.0, 0.0], device="cuda"), 5, True)
    assert host(with_replacement).tolist() == [1] * 5


@pytest.mark.parametrize("method, args", [
    ("uniform_", (-1.0, 1.0)), ("normal_", (0.0, 2.0)), ("exponential_", (2.0,)),
    ("bernoulli_", (0.3,)), ("cauchy_", ()), ("log_normal_", ()), ("geometric_", (0.4,)),
    ("random_", (0, 10)),
])
def test_in_place_draws_stay_on_the_device(method, args):
    t = reseau.zeros(500, device="cuda")
    assert getattr(t, method)(*args) is t and on_device(t)
    values = host(t)
    assert np.isfinite(values).all() and len(np.unique(values)) > 1
    g = reseau.Generator().manual_seed(1)
    expected = getattr(reseau.zeros(500), method)(*args, generator=reseau.Generator()
                                                   .manual_seed(1))
    assert np.array_equal(host(getattr(t, method)(*args, generator=g)), host(expected))


# ------------------------------------------------------------------ moves and autograd

def test_to_cuda_and_back():
    x = reseau.tensor([1.0, 2.0, 3.0])
    y = x.to("cuda")
    assert on_device(y) and y.is_cuda and y.get_device() == 0 and not x.is_cuda
    assert x.get_device() == -1
    assert y.to("cuda") is y and y.cuda() is y and x.cpu() is x and x.to("cpu") is x
    assert on_device(x.cuda(1), CUDA1) and on_device(x.to(CUDA1).cuda(0))
    assert on_device(x.to(reseau.device("cuda", 1)), CUDA1)
    both = x.to("cuda", reseau.float64)
    assert on_device(both) and both.dtype == reseau.float64
    assert on_device(x.to(y)) and x.to(y, copy=True) is not y
    back = y.cpu()
    assert back.device == CPU and np.array_equal(back.numpy(), [1.0, 2.0, 3.0])
    assert y.type() == "reseau.cuda.FloatTensor" and x.type() == "reseau.FloatTensor"
    y._array[0] = 9.0  # a move copies
    assert x.tolist() == [1.0, 2.0, 3.0]


def test_the_gradient_moves_back_to_a_cpu_leaf():
    w = reseau.tensor([[0.5, -1.0], [2.0, 0.25]], requires_grad=True)
    x = reseau.tensor([[1.0, 2.0], [3.0, -4.0]], requires_grad=True)
    (reseau.tanh(x @ w) * 3.0).sum().backward()
    expected_w, expected_x = host(w.grad), host(x.grad)
    w.grad = x.grad = None
    wc = w.to("cuda")
    out = reseau.tanh(x.cuda() @ wc) * 3.0
    assert out.is_cuda and out.grad_fn is not None
    out.sum().backward()
    assert w.grad.device == CPU and x.grad.device == CPU
    assert np.array_equal(w.grad.numpy(), expected_w)
    assert np.array_equal(x.grad.numpy(), expected_x)


def test_backward_with_a_gradient_on_cuda():
    v = reseau.tensor([1.0, -2.0], device="cuda", requires_grad=True)
    (v * 3.0).backward(gradient=[1.0, 0.5])  # data: on the output's device
    assert on_device(v.grad) and host(v.grad).tolist() == [3.0, 1.5]
    (v * 1.0).backward(gradient=reseau.ones(2, device="cuda"))
    assert host(v.grad).tolist() == [4.0, 2.5]


def test_a_cuda_leaf_gets_its_gradient_on_the_device():
    v = reseau.tensor([1.0, -2.0], device="cuda", requires_grad=True)
    (v.cpu() ** 2).sum().backward()
    assert on_device(v.grad) and host(v.grad).tolist() == [2.0, -4.0]
    v.grad = None
    reseau.cuda.set_device(1)  # CuPy computes on the current device: cuda:1's work there
    (v.to("cuda:1") * v.to("cuda:1")).sum().backward()
    reseau.cuda.set_device(0)
    assert on_device(v.grad) and host(v.grad).tolist() == [2.0, -4.0]


def test_scalars_and_a_cuda_tensor():
    t = reseau.tensor([1.0, 2.0], device="cuda")
    for out in (t * 2.0, 2 - t, t / 4, t ** 2, reseau.maximum(t, reseau.tensor(1.5).cuda()),
                t + np.float32(1), t > 1.5, -t, t.sum() * 0.5):
        assert on_device(out)
    assert (t * 2.0).dtype == reseau.float32 and host(2 - t).tolist() == [1.0, 0.0]
    h = reseau.tensor([1, 2], device="cuda")
    assert (h * 2).dtype == reseau.int64 and (h * 2.5).dtype == reseau.float32


def test_mixed_devices_are_one_error_naming_the_op_and_both_devices():
    a, b = reseau.ones(2, device="cuda"), reseau.ones(2)
    msg = r"^add: expected all tensors on the same device, found cuda:0 and cpu; move one " \
          r"with \.to\(\.\.\.\)$"
    with pytest.raises(RuntimeError, match=msg):
        a + b
    with pytest.raises(RuntimeError, match="^mul: .* found cpu and cuda:0"):
        b * a
    with pytest.raises(RuntimeError, match="^matmul: .* found cuda:0 and cpu"):
        reseau.ones(2, 2, device="cuda") @ reseau.ones(2, 2)
    # arrays of two GPUs share a type: CuPy's refusal (the stand-in's, recorded) is named
    with pytest.raises(RuntimeError, match="^add: .* found cuda:0 and cuda:1"):
        a + reseau.ones(2, device="cuda:1")
    assert all("different from the current device" in v for v in standin.violations())
    standin.clear_violations()
    with pytest.raises(RuntimeError, match="^where: .* found cpu and cuda:0"):
        reseau.where(reseau.tensor([True, False]), a, a)
    with pytest.raises(RuntimeError, match="^linear: .* found cuda:0 and cpu"):
        nn.functional.linear(reseau.ones(1, 2, device="cuda"), reseau.ones(3, 2, device="cuda"),
                             reseau.ones(3))


def test_the_cpu_hot_path_never_compares_devices(monkeypatch):
    def refuse(*args):
        raise AssertionError("check_same_device called on a CPU op")
    monkeypatch.setattr(backend, "check_same_device", refuse)
    x = reseau.ones(2, 2, requires_grad=True)
    (nn.functional.linear(x, x, reseau.ones(2)) * x + 1.0).sum().backward()
    assert x.grad is not None


def test_numpy_is_refused_on_cuda_as_pytorch_does():
    t = reseau.tensor([1.5, 2.5], device="cuda")
    msg = (r"^can't convert cuda:0 device type tensor to numpy\. Use Tensor\.cpu\(\) to copy "
           r"the tensor to host memory first\.$")
    with pytest.raises(TypeError, match=msg):
        t.numpy()
    with pytest.raises(TypeError, match=msg):
        np.asarray(t)
    assert t.cpu().numpy().tolist() == [1.5, 2.5]
    assert t.tolist() == [1.5, 2.5] and t[1].item() == 2.5 and float(t[0]) == 1.5
    assert int(t[1]) == 2 and bool(t[0]) and f"{t.sum():.1f}" == "4.0"


def test_printing_shows_the_device():
    t = reseau.tensor([1.0, 2.0], device="cuda")
    assert repr(t) == "tensor([1., 2.], device='cuda:0')"
    assert repr(reseau.tensor([1, 2], device="cuda:1", dtype=reseau.int32)) == \
        "tensor([1, 2], device='cuda:1', dtype=reseau.int32)"
    assert repr(t.requires_grad_()) == "tensor([1., 2.], device='cuda:0', requires_grad=True)"
    assert repr(reseau.tensor([1.0])) == "tensor([1.])"
    set_default_device("cuda")
    assert repr(reseau.tensor([1.0])) == "tensor([1.])"
    assert repr(reseau.tensor([1.0], device="cpu")) == "tensor([1.], device='cpu')"


def test_copy_across_devices_and_in_place_arithmetic():
    t = reseau.zeros(3, device="cuda")
    t.copy_(reseau.tensor([1.0, 2.0, 3.0]))
    assert on_device(t) and host(t).tolist() == [1.0, 2.0, 3.0]
    t += 1.0
    t.mul_(2.0).clamp_(0.0, 7.0)
    assert on_device(t) and host(t).tolist() == [4.0, 6.0, 7.0]
    c = reseau.zeros(3)
    c.copy_(t)
    assert c.device == CPU and c.tolist() == [4.0, 6.0, 7.0]


# ------------------------------------------------------------------ modules and optimizers

def _net():
    reseau.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))


def test_module_to_moves_parameters_buffers_and_grads_in_place():
    net = _net()
    params = list(net.parameters())
    net(reseau.randn(5, 4)).sum().backward()
    assert net.to("cuda") is net
    assert [id(p) for p in net.parameters()] == [id(p) for p in params]
    assert all(on_device(p) and on_device(p.grad) for p in params)
    assert all(on_device(b) for b in net.buffers())
    assert on_device(net(reseau.randn(5, 4, device="cuda")))
    assert net.cpu() is net and all(p.device == CPU and p.grad.device == CPU for p in params)
    assert net.cuda(1) is net and all(on_device(p, CUDA1) for p in params)
    net.to(device="cuda:0", dtype=reseau.float64)
    assert all(on_device(p) and p.dtype == reseau.float64 for p in params)


@pytest.mark.parametrize("make", [
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01),
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
    lambda ps: optim.Adam(ps, lr=0.01),
    lambda ps: optim.AdamW(ps, lr=0.01, amsgrad=True),
    lambda ps: optim.RMSprop(ps, lr=0.01, momentum=0.5, centered=True),
    lambda ps: optim.Adagrad(ps, lr=0.1),
], ids=["sgd_momentum", "sgd_nesterov", "adam", "adamw_amsgrad", "rmsprop", "adagrad"])
def test_training_on_cuda_gives_the_cpu_bits(make):
    x = reseau.randn(16, 4, generator=reseau.Generator().manual_seed(1))
    y = reseau.randint(0, 3, (16,), generator=reseau.Generator().manual_seed(2))
    results = {}
    for device in ("cpu", "cuda"):
        net = _net().to(device)
        opt = make(list(net.parameters()))
        xb, yb = x.to(device), y.to(device)
        for _ in range(3):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(net(xb), yb)
            loss.backward()
            opt.step()
        state = [v for s in opt.state.values() for v in s.values() if isinstance(v, reseau.Tensor)]
        assert all(t.device == net[0].weight.device for t in state)
        results[device] = [loss.item()] + [host(t) for t in net.state_dict().values()]
    assert results["cpu"][0] == results["cuda"][0]
    for a, b in zip(results["cpu"][1:], results["cuda"][1:]):
        assert np.array_equal(a, b)


def test_optimizer_state_loads_onto_the_parameters_device():
    net = nn.Linear(3, 2)
    opt = optim.Adam(net.parameters())
    net(reseau.ones(1, 3)).sum().backward()
    opt.step()
    saved = opt.state_dict()  # host tensors
    net.cuda()
    fresh = optim.Adam(net.parameters())
    fresh.load_state_dict(saved)
    state = fresh.state[net.weight]
    assert on_device(state["exp_avg"]) and on_device(state["exp_avg_sq"])
    assert np.array_equal(host(state["exp_avg"]), saved["state"][0]["exp_avg"].numpy())
    net(reseau.ones(1, 3, device="cuda")).sum().backward()
    fresh.step()
    assert on_device(net.weight)


# ------------------------------------------------------------------ without CuPy or a GPU

def test_without_cupy_asking_for_cuda_is_one_line(monkeypatch):
    monkeypatch.delenv("RESEAU_CUDA_STANDIN", raising=False)
    backend.use_standin(False)
    monkeypatch.setitem(sys.modules, "cupy", None)  # import cupy raises ImportError
    assert not reseau.cuda.is_available() and reseau.cuda.device_count() == 0
    reseau.cuda.manual_seed_all(0)  # nothing to seed: a no-op, as a CPU-only PyTorch
    reseau.cuda.synchronize()
    msg = (r"^zeros: device 'cuda' is not available: CuPy is not installed: pip install "
           r"'reseau\[cuda\]' \(without it reseau computes with NumPy on the CPU\); use "
           r"device='cpu', or device = 'cuda' if reseau.cuda.is_available\(\) else 'cpu'$")
    with pytest.raises(RuntimeError, match=msg):
        reseau.zeros(2, device="cuda")
    for call in (lambda: reseau.tensor([1.0]).cuda(), lambda: nn.Linear(1, 1).to("cuda:0"),
                 lambda: reseau.set_default_device("cuda")):
        with pytest.raises(RuntimeError, match="CuPy is not installed: pip install") as info:
            call()
        assert "\n" not in str(info.value)
    with pytest.raises(RuntimeError, match=r"^reseau.cuda.current_device: no CUDA device: "
                                           r"CuPy is not installed"):
        reseau.cuda.current_device()


def test_cupy_without_a_driver_is_one_line(monkeypatch):
    monkeypatch.delenv("RESEAU_CUDA_STANDIN", raising=False)
    backend.use_standin(False)

    def no_driver():
        raise RuntimeError("cudaErrorNoDevice: no CUDA-capable device is detected")
    fake = types.ModuleType("cupy")
    fake.ndarray = type("ndarray", (), {})
    fake.cuda = types.SimpleNamespace(runtime=types.SimpleNamespace(getDeviceCount=no_driver))
    monkeypatch.setitem(sys.modules, "cupy", fake)
    assert not reseau.cuda.is_available()
    with pytest.raises(RuntimeError, match=r"^randn: device 'cuda' is not available: CuPy "
                                           r"found no usable CUDA driver or device "
                                           r"\(cudaErrorNoDevice"):
        reseau.randn(2, device="cuda")
    fake.cuda.runtime.getDeviceCount = lambda: 0
    with pytest.raises(RuntimeError, match="CuPy found no CUDA device"):
        reseau.ones(1, device="cuda")


def test_import_reseau_imports_neither_cupy_nor_the_standin():
    code = ("import sys, reseau\n"
            "x = reseau.randn(3, requires_grad=True); (x * 2).sum().backward()\n"
            "reseau.nn.Linear(2, 2).to('cpu'); reseau.cuda.is_initialized()\n"
            "reseau.cuda.manual_seed_all(0); reseau.cuda.synchronize()\n"
            "print(sorted(m for m in sys.modules if m.startswith(('cupy', 'reseau.standin'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"PATH": "/usr/bin:/bin"}, check=True)
    assert out.stdout.strip() == "[]"


def test_the_environment_variable_picks_the_standin():
    backend.use_standin(False)
    code = ("import reseau\n"
            "t = reseau.ones(2, device='cuda')\n"
            "print(type(t._array).__module__, t.device)")
    env = {"PATH": "/usr/bin:/bin", "RESEAU_CUDA_STANDIN": "1"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True)
    assert out.stdout.split() == ["reseau.standin.array", "cuda:0"]
