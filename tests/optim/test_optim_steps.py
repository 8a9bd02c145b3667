"""Single steps computed by hand, and the mechanics every optimizer shares: in-place
updates, lazily created state with PyTorch's key names, skipped parameters, closures,
zero_grad."""

from __future__ import annotations

import math

import numpy as np
import pytest

import reseau
from reseau.optim import functional as F

pytestmark = pytest.mark.optim


def _arr(*values):
    return np.array(values, dtype=np.float64)


# ----------------------------------------------------------------- functional, by hand
def test_sgd_plain_step():
    p = _arr(1.0, 2.0)
    assert F.sgd(p, _arr(0.5, -1.0), None, lr=0.1) is None
    np.testing.assert_allclose(p, [1.0 - 0.05, 2.0 + 0.1])


def test_sgd_momentum_two_steps():
    p = _arr(1.0, 2.0)
    buf = F.sgd(p, _arr(0.5, -1.0), None, lr=0.1, momentum=0.9)
    np.testing.assert_allclose(buf, [0.5, -1.0])  # first step: b = g
    np.testing.assert_allclose(p, [0.95, 2.1])
    same = F.sgd(p, _arr(1.0, 1.0), buf, lr=0.1, momentum=0.9)
    assert same is buf  # updated in place
    # b = 0.9 * [0.5, -1] + [1, 1] = [1.45, 0.1]; p = [0.95, 2.1] - 0.1 * b
    np.testing.assert_allclose(buf, [1.45, 0.1])
    np.testing.assert_allclose(p, [0.95 - 0.145, 2.1 - 0.01])


def test_sgd_dampening_applies_from_the_second_step():
    p = _arr(0.0)
    buf = F.sgd(p, _arr(2.0), None, lr=1.0, momentum=0.5, dampening=0.25)
    np.testing.assert_allclose(buf, [2.0])  # b = g, no dampening at the first step
    F.sgd(p, _arr(4.0), buf, lr=1.0, momentum=0.5, dampening=0.25)
    np.testing.assert_allclose(buf, [0.5 * 2.0 + 0.75 * 4.0])  # 4.0
    np.testing.assert_allclose(p, [-2.0 - 4.0])


def test_sgd_nesterov_and_weight_decay():
    p = _arr(1.0)
    # g = 0.5 + 0.1 * 1 = 0.6; b = 0.6; d = g + 0.9 b = 1.14; p = 1 - 0.1 * 1.14
    F.sgd(p, _arr(0.5), None, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1)
    np.testing.assert_allclose(p, [1.0 - 0.114])


def test_sgd_maximize_ascends():
    p = _arr(1.0)
    F.sgd(p, _arr(0.5), None, lr=0.1, maximize=True)
    np.testing.assert_allclose(p, [1.05])


def test_adam_first_two_steps_by_hand():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    p, m, v = _arr(1.0, -1.0), _arr(0.0, 0.0), _arr(0.0, 0.0)
    g1, g2 = _arr(0.2, -3.0), _arr(0.4, 1.0)
    F.adam(p, g1, m, v, None, step=1, lr=lr, beta1=b1, beta2=b2, eps=eps)
    # bias-corrected moments are g and g^2: the step is lr * g / (|g| + eps)
    np.testing.assert_allclose(p, _arr(1.0, -1.0) - lr * g1 / (np.abs(g1) + eps))
    p1 = p.copy()
    F.adam(p, g2, m, v, None, step=2, lr=lr, beta1=b1, beta2=b2, eps=eps)
    m2 = b1 * (1 - b1) * g1 + (1 - b1) * g2
    v2 = b2 * (1 - b2) * g1**2 + (1 - b2) * g2**2
    expected = p1 - lr * (m2 / (1 - b1**2)) / (np.sqrt(v2 / (1 - b2**2)) + eps)
    np.testing.assert_allclose(m, m2)
    np.testing.assert_allclose(v, v2)
    np.testing.assert_allclose(p, expected)


def test_adam_weight_decay_l2_versus_decoupled():
    g = _arr(0.5)
    p_l2, p_dec = _arr(2.0), _arr(2.0)
    kw = dict(step=1, lr=0.1, beta1=0.9, beta2=0.999, eps=0.0, weight_decay=0.5)
    F.adam(p_l2, g, _arr(0.0), _arr(0.0), None, **kw)
    F.adam(p_dec, g, _arr(0.0), _arr(0.0), None, decoupled_weight_decay=True, **kw)
    # L2: g' = 0.5 + 0.5 * 2 = 1.5 > 0, a step of lr; decoupled: 2 * (1 - 0.05) - lr
    np.testing.assert_allclose(p_l2, [2.0 - 0.1])
    np.testing.assert_allclose(p_dec, [2.0 * 0.95 - 0.1])


def test_amsgrad_keeps_the_largest_second_moment():
    p, m, v, vmax = _arr(0.0), _arr(0.0), _arr(0.0), _arr(0.0)
    kw = dict(lr=0.1, beta1=0.0, beta2=0.5, eps=0.0, amsgrad=True)
    F.adam(p, _arr(4.0), m, v, vmax, step=1, **kw)
    np.testing.assert_allclose(vmax, [8.0])  # v = 0.5 * 16
    F.adam(p, _arr(1.0), m, v, vmax, step=2, **kw)
    np.testing.assert_allclose(v, [4.5])  # 0.5 * 8 + 0.5 * 1
    np.testing.assert_allclose(vmax, [8.0])
    # step 2: m = g = 1, bias corrections 1 and 0.75: p = -0.1 - 0.1 * 1 / sqrt(8 / 0.75)
    np.testing.assert_allclose(p, [-0.1 - 0.1 / math.sqrt(8.0 / 0.75)])


def test_rmsprop_plain_centered_and_momentum():
    p, v = _arr(1.0), _arr(0.0)
    F.rmsprop(p, _arr(2.0), v, None, None, lr=0.01, alpha=0.99, eps=0.0)
    np.testing.assert_allclose(v, [0.04])  # 0.01 * 4
    np.testing.assert_allclose(p, [1.0 - 0.01 * 2.0 / 0.2])

    p, v, a = _arr(1.0), _arr(0.0), _arr(0.0)
    F.rmsprop(p, _arr(2.0), v, a, None, lr=0.01, alpha=0.5, eps=0.0, centered=True)
    # v = 2, a = 1: the denominator is sqrt(v - a^2) = 1
    np.testing.assert_allclose(p, [1.0 - 0.01 * 2.0])

    p, v, buf = _arr(1.0), _arr(0.0), _arr(0.0)
    for _ in range(2):
        F.rmsprop(p, _arr(1.0), v, None, buf, lr=0.1, alpha=0.0, eps=0.0, momentum=0.5)
    # alpha = 0: v = g^2, g / sqrt(v) = 1; b = 1 then 1.5
    np.testing.assert_allclose(buf, [1.5])
    np.testing.assert_allclose(p, [1.0 - 0.1 - 0.15])


def test_adagrad_accumulates_and_decays_the_rate():
    p, s = _arr(1.0), _arr(0.0)
    F.adagrad(p, _arr(3.0), s, step=1, lr=0.5, lr_decay=0.0, eps=0.0)
    np.testing.assert_allclose(p, [0.5])  # 0.5 * 3 / 3
    F.adagrad(p, _arr(4.0), s, step=2, lr=0.5, lr_decay=1.0, eps=0.0)
    # s = 9 + 16 = 25; lr_2 = 0.5 / (1 + 1) = 0.25; p = 0.5 - 0.25 * 4 / 5
    np.testing.assert_allclose(s, [25.0])
    np.testing.assert_allclose(p, [0.5 - 0.2])


def test_float32_stays_float32():
    p = np.ones(3, dtype=np.float32)
    m, v = np.zeros_like(p), np.zeros_like(p)
    F.adam(p, np.full(3, 0.5, np.float32), m, v, None, step=1, lr=0.1, beta1=0.9,
           beta2=0.999, eps=1e-8)
    assert p.dtype == m.dtype == v.dtype == np.float32


# ------------------------------------------------------------------ class mechanics
OPTIMIZERS = [
    ("SGD", dict(lr=0.1, momentum=0.9), {"momentum_buffer"}),
    ("SGD", dict(lr=0.1), set()),
    ("Adam", dict(lr=0.1), {"step", "exp_avg", "exp_avg_sq"}),
    ("Adam", dict(lr=0.1, amsgrad=True), {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}),
    ("AdamW", dict(lr=0.1), {"step", "exp_avg", "exp_avg_sq"}),
    ("RMSprop", dict(lr=0.1), {"step", "square_avg"}),
    ("RMSprop", dict(lr=0.1, momentum=0.5, centered=True),
     {"step", "square_avg", "momentum_buffer", "grad_avg"}),
    ("Adagrad", dict(lr=0.1), {"step", "sum"}),
]


def _quadratic_setup(name, options):
    w = reseau.tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)
    b = reseau.tensor([0.1, 0.2], requires_grad=True)
    frozen = reseau.tensor([1.0], requires_grad=True)  # never gets a gradient
    opt = getattr(reseau.optim, name)([w, b, frozen], **options)
    return w, b, frozen, opt


def _loss(w, b):
    return ((w @ reseau.tensor([1.0, 2.0]) + b) ** 2).sum()


@pytest.mark.parametrize("name,options,keys", OPTIMIZERS)
def test_state_is_lazy_with_pytorch_keys_and_updates_are_in_place(name, options, keys):
    torch = pytest.importorskip("torch")
    w, b, frozen, opt = _quadratic_setup(name, options)
    assert len(opt.state) == 0
    arrays = (w._array, b._array)
    for step in range(3):
        opt.zero_grad()
        _loss(w, b).backward()
        opt.step()
        if step == 0:
            buffers = {k: v._array for k, v in opt.state[w].items() if k != "step"}
        assert w._array is arrays[0] and b._array is arrays[1]  # no new parameter arrays
        for k, v in opt.state[w].items():  # nor new state arrays
            if k != "step":
                assert v._array is buffers[k]
    assert w.is_leaf and w.grad_fn is None
    assert set(opt.state.get(w, {})) == keys
    assert frozen not in opt.state and frozen.tolist() == [1.0]
    if "step" in keys:
        assert opt.state[w]["step"] == 3
    # the same keys as PyTorch's state
    tw = torch.tensor(w._array.copy(), requires_grad=True)
    topt = getattr(torch.optim, name)([tw], **options)
    (tw.sum() ** 2).backward()
    topt.step()
    assert set(topt.state[tw]) == keys


def test_step_with_closure_returns_the_loss():
    w = reseau.tensor([3.0], requires_grad=True)
    opt = reseau.optim.SGD([w], lr=0.25)
    calls = []

    def closure():
        calls.append(1)
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with reseau.no_grad():  # the closure runs with gradients enabled anyway
        loss = opt.step(closure)
    assert loss.item() == 9.0 and len(calls) == 1
    assert w.item() == pytest.approx(3.0 - 0.25 * 6.0)
    assert opt.step() is None


def test_zero_grad_sets_to_none_or_zero():
    w = reseau.tensor([3.0, 1.0], requires_grad=True)
    opt = reseau.optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    grad_array = w.grad._array
    opt.zero_grad(set_to_none=False)
    assert w.grad._array is grad_array and w.grad.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert w.grad is None
    opt.step()  # nothing to do without gradients
    assert w.tolist() == [3.0, 1.0]


@pytest.mark.parametrize("name,options,keys", OPTIMIZERS + [
    ("SGD", dict(lr=0.1, weight_decay=0.1, maximize=True), set()),  # not the fast path
])
def test_a_graph_that_saved_a_parameter_sees_the_in_place_step(name, options, keys):
    w = reseau.tensor([1.0, 2.0], requires_grad=True)
    opt = getattr(reseau.optim, name)([w], **options)
    (w * w).sum().backward()
    stale = (w * w).sum()  # saves w for its backward
    version = w._version
    opt.step()
    assert w._version > version  # the version counter saw the in-place update
    with pytest.raises(RuntimeError, match="in place"):
        stale.backward()


@pytest.mark.parametrize("options", [
    dict(lr=0.1),  # plain gradient descent (the fast path)
    dict(lr=0.1, weight_decay=0.1),
    dict(lr=0.1, maximize=True, dampening=0.5),
])
def test_sgd_without_momentum_keeps_no_state_like_pytorch(options):
    torch = pytest.importorskip("torch")
    w = reseau.tensor([1.0, -2.0], requires_grad=True)
    tw = torch.tensor([1.0, -2.0], requires_grad=True)
    opt = reseau.optim.SGD([w], **options)
    topt = torch.optim.SGD([tw], **options)
    for _ in range(2):
        opt.zero_grad()
        (w * w).sum().backward()
        opt.step()
        topt.zero_grad()
        (tw * tw).sum().backward()
        topt.step()
    np.testing.assert_allclose(w._array, tw.detach().numpy(), rtol=1e-6)
    assert len(opt.state) == 0
    assert opt.state_dict()["state"] == topt.state_dict()["state"] == {}
    # a run resumed from that state_dict continues like the uninterrupted one
    v = reseau.tensor(w._array.copy(), requires_grad=True)
    resumed = reseau.optim.SGD([v], lr=1.0)
    resumed.load_state_dict(opt.state_dict())
    for p, o in ((w, opt), (v, resumed)):
        o.zero_grad()
        (p * p).sum().backward()
        o.step()
    np.testing.assert_array_equal(v._array, w._array)


def test_adagrad_uses_the_groups_initial_accumulator_value():
    a = reseau.tensor([1.0], requires_grad=True)
    b = reseau.tensor([1.0], requires_grad=True)
    opt = reseau.optim.Adagrad([{"params": [a]}, {"params": [b], "initial_accumulator_value": 3.0}],
                               lr=1.0, eps=0.0)
    (a * 2.0 + b * 1.0).sum().backward()  # grads 2 and 1
    opt.step()
    assert a.item() == pytest.approx(0.0)  # 1 - 2 / sqrt(4)
    assert b.item() == pytest.approx(1.0 - 1.0 / 2.0)  # 1 - 1 / sqrt(3 + 1)


def test_add_param_group_takes_the_defaults():
    w = reseau.tensor([1.0], requires_grad=True)
    v = reseau.tensor([1.0], requires_grad=True)
    opt = reseau.optim.SGD([w], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": v, "lr": 0.5})
    assert len(opt.param_groups[1]["params"]) == 1 and opt.param_groups[1]["params"][0] is v
    assert opt.param_groups[1]["lr"] == 0.5 and opt.param_groups[1]["momentum"] == 0.9
    (w + 2.0 * v).sum().backward()
    opt.step()
    assert w.item() == pytest.approx(0.9) and v.item() == pytest.approx(0.0)


def test_named_parameters_are_accepted_and_repr_lists_groups():
    w = reseau.tensor([1.0], requires_grad=True)
    opt = reseau.optim.Adam([("layer.weight", w)], lr=0.01)
    assert opt.param_groups[0]["param_names"] == ["layer.weight"]
    text = repr(opt)
    assert text.startswith("Adam (") and "Parameter Group 0" in text and "lr: 0.01" in text


def test_a_custom_optimizer_from_the_base_class():
    from reseau.optim.optimizer import Optimizer, required

    class SignSGD(Optimizer):
        """p <- p - lr * sign(g)"""

        def __init__(self, params, lr=required):
            super().__init__(params, dict(lr=lr))

        def _update_group(self, group):
            for p in self._params_with_grad(group):
                np.subtract(p._array, group["lr"] * np.sign(p.grad._array), out=p._array)

    w = reseau.tensor([1.0, -1.0, 0.5], requires_grad=True)
    with pytest.raises(ValueError, match="does not give 'lr', which has no default"):
        SignSGD([w])
    opt = SignSGD([w], lr=0.25)
    (w * reseau.tensor([3.0, -0.1, 0.0])).sum().backward()
    opt.step()
    assert w.tolist() == [0.75, -0.75, 0.5]
    assert "lr: 0.25" in repr(opt)
