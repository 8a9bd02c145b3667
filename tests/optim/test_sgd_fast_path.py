"""SGD's common momentum case is written out in one loop (optim/sgd.py, for speed): it
must give the very bits that the general rule ``functional.sgd`` gives, step after step,
with float32 parameters, skipped parameters and a buffer created on the first step."""

from __future__ import annotations

import numpy as np
import pytest

import reseau
from reseau.optim import functional as F

pytestmark = pytest.mark.optim


@pytest.mark.parametrize("momentum", [0.9, 0.5])
def test_momentum_loop_matches_functional_sgd_bit_for_bit(momentum):
    rng = np.random.default_rng(0)
    shapes = [(16, 8), (16,), (3, 16), ()]
    start = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    params = [reseau.tensor(a.copy(), requires_grad=True) for a in start]
    opt = reseau.optim.SGD(params, lr=0.05, momentum=momentum)
    ref, bufs = [a.copy() for a in start], [None] * len(start)
    for step in range(6):
        grads = [rng.standard_normal(s).astype(np.float32) for s in shapes]
        skip = step % len(shapes)  # one parameter without a gradient at each step
        for i, (p, g) in enumerate(zip(params, grads)):
            p.grad = None if i == skip else reseau.tensor(g)
            if i != skip:
                bufs[i] = F.sgd(ref[i], g, bufs[i], lr=0.05, momentum=momentum)
        opt.step()
        for i, p in enumerate(params):
            assert p.detach().numpy().tobytes() == np.asarray(ref[i]).tobytes(), (step, i)
            state = opt.state[p].get("momentum_buffer")
            assert (state is None) == (bufs[i] is None)
            if state is not None:
                assert state.numpy().tobytes() == np.asarray(bufs[i]).tobytes()
                assert state.dtype == reseau.float32


def test_momentum_loop_bumps_versions_and_leaves_the_grad_alone():
    w = reseau.tensor([1.0, -2.0], requires_grad=True)
    opt = reseau.optim.SGD([w], lr=0.1, momentum=0.9)
    (w * w).sum().backward()  # grad = 2w = [2, -4]
    g = w.grad.numpy().copy()
    v = w._version
    opt.step()
    assert w._version == v + 1
    np.testing.assert_array_equal(w.grad.numpy(), g)  # the buffer is a copy of the grad
    np.testing.assert_allclose(w.detach().numpy(), [0.8, -1.6], rtol=1e-6)
    opt.state[w]["momentum_buffer"].numpy()[:] = 0  # the buffer is not the gradient
    np.testing.assert_array_equal(w.grad.numpy(), g)
