"""Every array the core allocates or converts goes through ``reseau.backend``, so that
another array module can be plugged in (``backend.xp``)."""

import re
import sys
import types
from pathlib import Path

import numpy as np
import pytest

import reseau
from reseau import backend

SRC = Path(reseau.__file__).parent
CORE = ["grad_mode.py", "engine.py", "autograd.py", "tensor.py", "creation.py", "ops", "nn", "optim"]
ALLOCATION = re.compile(r"\bnp\.(zeros|ones|empty|full|array|asarray|ascontiguousarray|arange"
                        r"|eye|linspace)\(")


def test_the_core_allocates_only_through_backend():
    # a host-side array (e.g. one that only tells a dtype) says so in a comment
    offenders = []
    for name in CORE:
        path = SRC / name
        for file in [path] if path.suffix else sorted(path.rglob("*.py")):
            for n, line in enumerate(file.read_text().splitlines(), 1):
                if ALLOCATION.search(line) and "host-side" not in line:
                    offenders.append(f"{file.relative_to(SRC)}:{n}: {line.strip()}")
    assert not offenders, "allocate through reseau.backend:\n" + "\n".join(offenders)


class Recording(types.ModuleType):
    """NumPy, recording which allocation functions were called."""

    def __init__(self):
        super().__init__("recording_numpy")
        self.calls = []

    def __getattr__(self, name):
        attr = getattr(np, name)
        if name in {"zeros", "ones", "empty", "full", "asarray", "array", "arange", "eye",
                    "linspace"}:
            def record(*args, **kwargs):
                self.calls.append(name)
                return attr(*args, **kwargs)
            return record
        return attr


@pytest.fixture
def xp(monkeypatch):
    rec = Recording()
    monkeypatch.setattr(backend, "xp", rec)
    return rec


@pytest.mark.parametrize("make, called", [
    (lambda: reseau.zeros(2, 3), "zeros"),
    (lambda: reseau.ones(2), "ones"),
    (lambda: reseau.empty(2), "empty"),
    (lambda: reseau.full((2,), 1.5), "full"),
    (lambda: reseau.arange(3), "arange"),
    (lambda: reseau.linspace(0, 1, 5), "linspace"),
    (lambda: reseau.eye(2), "eye"),
    (lambda: reseau.tensor([1.0, 2.0]), "array"),
    (lambda: reseau.from_numpy(np.ones(2)), "asarray"),
])
def test_creation_allocates_on_the_backend(xp, make, called):
    out = make()
    assert called in xp.calls
    assert isinstance(out._array, np.ndarray)


def test_backward_and_gradients_allocate_on_the_backend(xp):
    x = reseau.tensor([1.0, 2.0, 3.0], requires_grad=True)
    # the root gradient 1 comes from the backend (the scatter-add VJP allocates with
    # np.zeros_like, which dispatches on the array's type)
    (x[np.array([0, 0, 2])] * 2.0).sum().backward()
    assert "array" in xp.calls
    np.testing.assert_array_equal(x.grad._array, [4.0, 0.0, 2.0])
    xp.calls.clear()
    y = reseau.tensor([[1.0, 2.0]], requires_grad=True)
    y.sum(dim=1).backward(gradient=[1.0])  # a list as gradient: converted by the backend
    assert "asarray" in xp.calls
    np.testing.assert_array_equal(y.grad._array, [[1.0, 1.0]])


def test_tensor_to_numpy_goes_through_backend(monkeypatch):
    seen = []
    monkeypatch.setattr(backend, "to_numpy", lambda a: seen.append(a) or np.asarray(a))
    t = reseau.tensor([1.0, 2.0])
    assert np.asarray(t).tolist() == [1.0, 2.0] and t.numpy() is t._array
    assert len(seen) == 2


def test_fork_rng_puts_the_default_generator_back_even_after_a_reseed():
    reseau.manual_seed(3)
    expected = reseau.rand(4).numpy()
    reseau.manual_seed(3)
    with backend.fork_rng():
        reseau.rand(10)
        reseau.manual_seed(99)  # even a new generator is put back in the old state
        reseau.rand(2)
    assert np.array_equal(reseau.rand(4).numpy(), expected)
    reseau.manual_seed(3)
    with pytest.raises(RuntimeError), backend.fork_rng():
        reseau.rand(5)
        raise RuntimeError("the state is restored on errors too")
    assert np.array_equal(reseau.rand(4).numpy(), expected)


# --- the device backends (the cuda backend on the stand-in: tests/test_devices_cuda.py)

@pytest.fixture
def standin(cuda):
    """The stand-in module, serving cuda (the ``cuda`` fixture of tests/conftest.py)."""
    from reseau import standin as module

    return module


def test_the_cpu_backend():
    cpu = backend.get("cpu")
    assert cpu.type == "cpu" and cpu.xp is np and backend.get() is cpu
    a = np.ones(3)
    assert backend.xp_of(a) is np and backend.device_of(a) == "cpu"
    assert backend.device_of(np.float32(1)) == "cpu" and backend.device_of(3.0) == "cpu"
    assert backend.to_host(a) is a and backend.to_device(a, "cpu") is a
    assert backend.asarray(a) is a and backend.array(a) is not a


def test_the_cuda_backend_on_the_standin(standin):
    cuda = backend.get("cuda")
    assert cuda.type == "cuda" and cuda.xp is standin and backend.get("cuda:1") is cuda
    assert cuda.device_count() == 2 and backend.cuda_backend() is cuda
    host = np.arange(6.0).reshape(2, 3)
    dev = backend.to_device(host, "cuda")
    assert type(dev) is standin.ndarray and backend.xp_of(dev) is standin
    assert backend.device_of(dev) == reseau.device("cuda:0")
    assert backend.to_device(dev, "cuda:0") is dev
    other = backend.to_device(dev, "cuda:1")
    assert backend.device_of(other) == reseau.device("cuda:1")
    back = backend.to_host(other)
    assert type(back) is np.ndarray and np.array_equal(back, host)
    host[0, 0] = 99.0  # moves copy
    assert backend.to_host(dev)[0, 0] == 0.0


ALLOCATIONS = {
    "zeros": lambda d: backend.zeros((2, 3), device=d),
    "ones": lambda d: backend.ones(2, np.int32, d),
    "empty": lambda d: backend.empty(4, device=d),
    "full": lambda d: backend.full((2,), 3.0, device=d),
    "arange": lambda d: backend.arange(0, 5, 2, device=d),
    "linspace": lambda d: backend.linspace(0, 1, 3, device=d),
    "eye": lambda d: backend.eye(3, device=d),
    "asarray": lambda d: backend.asarray([1.0, 2.0], device=d),
    "array": lambda d: backend.array(np.ones(2), device=d),
    "from_data": lambda d: backend.from_data([[1, 2]], None, d),
    "draw": lambda d: backend.draw("normal", (3,), np.float32, device=d,
                                   generator=reseau.Generator().manual_seed(0)),
}


@pytest.mark.parametrize("name", sorted(ALLOCATIONS))
def test_allocators_take_a_device(standin, name):
    on_cpu, on_cuda = ALLOCATIONS[name]("cpu"), ALLOCATIONS[name]("cuda:1")
    assert type(on_cpu) is np.ndarray and type(on_cuda) is standin.ndarray
    assert backend.device_of(on_cuda) == reseau.device("cuda:1")
    assert on_cuda.dtype == on_cpu.dtype and on_cuda.shape == on_cpu.shape
    if name != "empty":
        assert np.array_equal(backend.to_host(on_cuda), on_cpu)


def test_asarray_keeps_an_array_where_it_is(standin):
    dev = backend.ones(2, device="cuda")
    assert backend.asarray(dev) is dev and backend.device_of(backend.array(dev)) == "cuda:0"
    assert backend.asarray(dev, np.float64).dtype == np.float64
    assert type(backend.asarray(dev, device="cpu")) is np.ndarray
    reseau.set_default_device("cuda")
    try:  # Python data goes to the default device, host arrays stay on the host
        assert type(backend.asarray([1.0])) is standin.ndarray
        assert type(backend.asarray(np.ones(1))) is np.ndarray
        assert type(backend.zeros(1)) is standin.ndarray
    finally:
        reseau.set_default_device("cpu")


def test_use_standin_is_undone(standin, monkeypatch):
    assert backend.get("cuda").xp is standin
    backend.use_standin(False)
    monkeypatch.delenv("RESEAU_CUDA_STANDIN", raising=False)
    monkeypatch.setitem(sys.modules, "cupy", None)  # import cupy raises ImportError
    with pytest.raises(RuntimeError, match="CuPy is not installed"):
        backend.get("cuda")
