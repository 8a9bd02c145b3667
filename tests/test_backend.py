"""Every array the core allocates or converts goes through ``reseau.backend``, so that
another array module can be plugged in (``backend.xp``)."""

import re
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
    (x[np.array([0, 0, 2])] * 2.0).sum().backward()  # scatter-add VJP, root gradient 1
    assert "zeros" in xp.calls and "array" in xp.calls
    np.testing.assert_array_equal(x.grad._array, [4.0, 0.0, 2.0])
    xp.calls.clear()
    y = reseau.tensor([[1.0, 2.0]], requires_grad=True)
    y.sum(dim=1).backward(gradient=[1.0])  # a list as gradient: converted by the backend
    assert "asarray" in xp.calls and "empty" in xp.calls
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
