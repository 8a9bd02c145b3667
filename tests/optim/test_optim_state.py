"""state_dict / load_state_dict: parameters by position, snapshots, and a run resumed
after 20 steps that is identical to an uninterrupted one."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import reseau
from optim_models import NAMES, initial_arrays, loss_reseau

pytestmark = pytest.mark.optim

CONFIGS = [
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4),
     lambda opt: reseau.optim.lr_scheduler.PolynomialLR(opt, total_iters=40, power=4)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=1e-3),
     lambda opt: reseau.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=15)),
    ("AdamW", dict(lr=0.01), lambda opt: reseau.optim.lr_scheduler.SequentialLR(
        opt, [reseau.optim.lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=10),
              reseau.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)], milestones=[10])),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True),
     lambda opt: reseau.optim.lr_scheduler.StepLR(opt, step_size=7, gamma=0.5)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01),
     lambda opt: reseau.optim.lr_scheduler.MultiStepLR(opt, milestones=[15, 25])),
]


def build(name, options, make_sched, arrays):
    params = {n: reseau.tensor(arrays[n], requires_grad=True) for n in NAMES}
    groups = [{"params": [params["W1"], params["b1"], params["unused"]]},
              {"params": [params["W2"], params["b2"]], "lr": options["lr"] / 2}]
    opt = getattr(reseau.optim, name)(groups, **options)
    return params, opt, make_sched(opt)


def train(params, opt, sched, data, steps):
    X, y = data
    for _ in range(steps):
        opt.zero_grad()
        loss_reseau(params, X, y, "ce").backward()
        opt.step()
        sched.step()


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name,options,make_sched", CONFIGS, ids=[c[0] for c in CONFIGS])
def test_resume_after_20_steps_is_identical(name, options, make_sched, dtype):
    a = initial_arrays(dtype)
    data = (reseau.tensor(a["X"]), reseau.tensor(a["y"]))

    params, opt, sched = build(name, options, make_sched, a)
    train(params, opt, sched, data, 40)
    uninterrupted = {n: p._array.copy() for n, p in params.items()}

    params, opt, sched = build(name, options, make_sched, a)
    train(params, opt, sched, data, 20)
    checkpoint = pickle.dumps({
        "weights": {n: p._array.copy() for n, p in params.items()},
        "optimizer": opt.state_dict(),
        "scheduler": sched.state_dict(),
    })
    del params, opt, sched

    saved = pickle.loads(checkpoint)
    params, opt, sched = build(name, options, make_sched, saved["weights"])
    opt.load_state_dict(saved["optimizer"])
    sched.load_state_dict(saved["scheduler"])
    train(params, opt, sched, data, 20)
    for n in NAMES:
        np.testing.assert_array_equal(params[n]._array, uninterrupted[n], err_msg=n)
        assert params[n].dtype == np.dtype(dtype)
    # and the run without the saved state differs (the test can tell)
    params, opt, sched = build(name, options, make_sched, saved["weights"])
    train(params, opt, sched, data, 20)
    assert not np.array_equal(params["W1"]._array, uninterrupted["W1"])


def test_state_dict_refers_to_parameters_by_position_and_is_a_snapshot():
    w = reseau.tensor([1.0, 2.0], requires_grad=True)
    frozen = reseau.tensor([0.0], requires_grad=True)
    b = reseau.tensor([0.5], requires_grad=True)
    opt = reseau.optim.Adam([{"params": [w, frozen]}, {"params": [b], "lr": 0.5}], lr=0.1)
    (w.sum() * b.sum()).backward()
    opt.step()
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert set(sd["state"]) == {0, 2}  # the frozen parameter has no state
    assert sd["param_groups"][1]["lr"] == 0.5 and sd["param_groups"][0]["betas"] == (0.9, 0.999)
    assert sd["state"][0]["step"] == 1
    exp_avg = sd["state"][0]["exp_avg"]._array.copy()
    opt.step()
    np.testing.assert_array_equal(sd["state"][0]["exp_avg"]._array, exp_avg)  # unchanged
    assert sd["state"][0]["step"] == 1
    assert opt.state[w]["exp_avg"]._array is not sd["state"][0]["exp_avg"]._array


def test_load_state_dict_restores_learning_rates_and_casts_to_the_parameter_dtype():
    w64 = reseau.tensor(np.array([1.0, 2.0]), requires_grad=True)
    opt = reseau.optim.SGD([w64], lr=0.1, momentum=0.9)
    (w64 * w64).sum().backward()
    opt.step()
    opt.param_groups[0]["lr"] = 0.01
    sd = opt.state_dict()
    w32 = reseau.tensor([1.0, 2.0], requires_grad=True)
    opt32 = reseau.optim.SGD([w32], lr=0.1, momentum=0.9)
    opt32.load_state_dict(sd)
    assert opt32.param_groups[0]["lr"] == 0.01
    assert opt32.param_groups[0]["params"][0] is w32
    assert opt32.state[w32]["momentum_buffer"].dtype == np.float32


def test_load_state_dict_errors():
    w = reseau.tensor([1.0, 2.0], requires_grad=True)
    v = reseau.tensor([1.0], requires_grad=True)
    opt = reseau.optim.SGD([w], lr=0.1, momentum=0.9)
    (w * w).sum().backward()
    opt.step()
    sd = opt.state_dict()
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        opt.load_state_dict({"lr": 0.1})
    two_groups = reseau.optim.SGD([{"params": [w]}, {"params": [v]}], lr=0.1)
    with pytest.raises(ValueError, match="has 1 parameter groups but this optimizer has 2"):
        two_groups.load_state_dict(sd)
    two_params = reseau.optim.SGD([w, v], lr=0.1)
    with pytest.raises(ValueError, match="group 0 has 2 parameters but the saved group has 1"):
        two_params.load_state_dict(sd)
    other_shape = reseau.optim.SGD([v], lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match=r"shape \(2,\) but the parameter has shape \(1,\)"):
        other_shape.load_state_dict(sd)


@pytest.mark.parametrize("name, kwargs", [("SGD", dict(lr=0.1, momentum=0.9)),
                                          ("Adam", dict(lr=0.01, amsgrad=True)),
                                          ("RMSprop", dict(lr=0.01, centered=True))])
def test_state_dict_has_pytorchs_layout(name, kwargs):
    torch = pytest.importorskip("torch")
    ours_net = reseau.nn.Sequential(reseau.nn.Linear(3, 4), reseau.nn.Linear(4, 1))
    their_net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 1))
    ours = getattr(reseau.optim, name)(ours_net.parameters(), **kwargs)
    theirs = getattr(torch.optim, name)(their_net.parameters(), **kwargs)
    x = np.ones((2, 3), dtype=np.float32)
    ours_net(reseau.tensor(x)).sum().backward()
    their_net(torch.from_numpy(x)).sum().backward()
    ours.step(), theirs.step()
    sd, ref = ours.state_dict(), theirs.state_dict()
    assert set(sd) == set(ref) == {"state", "param_groups"}
    assert [g["params"] for g in sd["param_groups"]] == [g["params"] for g in ref["param_groups"]]
    assert set(sd["param_groups"][0]) <= set(ref["param_groups"][0])
    assert list(sd["state"]) == list(ref["state"]) == [0, 1, 2, 3]
    for i, entry in sd["state"].items():
        assert set(entry) == set(ref["state"][i])
        for key, value in entry.items():
            if key == "step":  # a float tensor in PyTorch, a number here
                assert value == float(ref["state"][i][key])
                continue
            assert type(value) is reseau.Tensor
            assert tuple(value.shape) == tuple(ref["state"][i][key].shape)
