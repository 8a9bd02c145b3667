"""The engine on the stand-in's cuda: in-place operations in a graph, gradients accumulated
over several backward passes, ``autograd.grad``, and the tensor surface (``item``,
``tolist``, print, ``.numpy()`` refused as PyTorch refuses it), bit for bit against the
same code on the cpu."""

from __future__ import annotations

import numpy as np
import pytest

import reseau
from standin_helpers import assert_same

RNG = np.random.default_rng(0)
X = RNG.normal(size=(3, 4))
W = RNG.normal(size=(4, 4))


def _softmax_step(x, w):
    d = x.softmax(1).clone()
    d[range(3), [1, 0, 3]] -= 1  # host index lists: CuPy copies them over
    d /= 3
    return (d * x).sum()


def _in_place_chain(x, w):
    h = x @ w
    h.add_(1).mul_(w[0]).sub_(x, alpha=2).div_(3)
    h.clamp_(-1.0, 1.0)
    return (h ** 2).sum()


def _residual(x, w):
    out = x @ w
    out += x
    return out.tanh().sum()


def _masked_assignment(x, w):
    h = (x @ w).clone()
    h[h > 0.5] = 0.0
    h[:, 1] = x[:, 2] * 2
    return (h * h).mean()


def _accumulated(x, w):
    y = (x @ w).sigmoid().sum()
    y.backward(retain_graph=True)
    return y * 2  # the second backward adds to the first's gradients


def _through_grad(x, w):
    y = (x.tanh() * w[:3]).sum()
    (gx,) = reseau.autograd.grad(y, x)  # first order: an untracked result
    return (gx * x).sum()


SCENARIOS = [_softmax_step, _in_place_chain, _residual, _masked_assignment, _accumulated,
             _through_grad]


def _run(fn, device):
    x = reseau.tensor(X, requires_grad=True, device=device)
    w = reseau.tensor(W, requires_grad=True, device=device)
    loss = fn(x, w)
    loss.backward()
    return loss, x.grad, w.grad


@pytest.mark.parametrize("fn", SCENARIOS, ids=lambda f: f.__name__.strip("_"))
def test_graph_on_cuda_is_the_cpu_graph(fn, cuda):
    for name, a, b in zip(("loss", "x.grad", "w.grad"), _run(fn, cuda), _run(fn, "cpu")):
        assert_same(a, b, f"{fn.__name__}: {name}")


def test_tensor_surface_on_cuda(cuda):
    t = reseau.tensor(X, device=cuda)
    assert t.sum().item() == reseau.tensor(X).sum().item()
    assert t.tolist() == X.tolist() and float(t[0, 0]) == X[0, 0]
    assert "device='cuda:0'" in repr(t)
    assert t.is_cuda and t.device == reseau.device("cuda:0")
    with pytest.raises(TypeError, match="can't convert cuda:0 device type tensor to numpy"):
        t.numpy()
    assert np.array_equal(t.cpu().numpy(), X)
    assert bool((t > -100).all()) and int(t.argmax()) == int(X.argmax())
    with reseau.no_grad():
        y = reseau.tensor(X, requires_grad=True, device=cuda) * 2
    assert y.grad_fn is None and y.device == t.device


def test_mixing_devices_is_one_clear_error(cuda):
    a = reseau.ones(3, device=cuda)
    with pytest.raises(RuntimeError, match="cuda:0.*cpu|cpu.*cuda:0"):
        a + reseau.ones(3)


@pytest.mark.xfail(strict=True, reason="CuPy computes on the current device: ops and the "
                   "engine on cuda:1 need a device guard (request 14 of h3_requests.md)")
def test_a_graph_on_cuda1_stays_on_cuda1(cuda):
    x = reseau.tensor(X, requires_grad=True, device="cuda:1")
    w = reseau.tensor(W, requires_grad=True, device="cuda:1")
    out = (x.clone() + w[:3]).sum()
    out.backward()
    assert {str(t.device) for t in (out, x.grad, w.grad)} == {"cuda:1"}
