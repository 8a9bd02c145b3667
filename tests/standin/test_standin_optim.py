"""Every optimizer on the stand-in's cuda: a few steps of a small network from the same
start give bit for bit the cpu run's parameters, and the optimizer's state lives on the
device."""

from __future__ import annotations

import numpy as np
import pytest

import reseau
import reseau.nn as nn
import reseau.nn.functional as F
import reseau.optim as optim
from standin_helpers import assert_same, host

OPTIMIZERS = {
    "SGD": (optim.SGD, dict(lr=0.1)),
    "SGD-momentum-nesterov-decay": (optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True,
                                                    weight_decay=0.01)),
    "SGD-dampening": (optim.SGD, dict(lr=0.1, momentum=0.5, dampening=0.2)),
    "Adam": (optim.Adam, dict(lr=0.01)),
    "Adam-amsgrad-decay": (optim.Adam, dict(lr=0.01, amsgrad=True, weight_decay=0.01)),
    "AdamW": (optim.AdamW, dict(lr=0.01, weight_decay=0.1)),
    "RMSprop": (optim.RMSprop, dict(lr=0.01)),
    "RMSprop-centered-momentum": (optim.RMSprop, dict(lr=0.01, momentum=0.9, centered=True)),
    "Adagrad": (optim.Adagrad, dict(lr=0.1, lr_decay=0.01, weight_decay=0.01)),
}


def test_every_optimizer_is_covered():
    names = {n for n, c in vars(optim).items()
             if isinstance(c, type) and issubclass(c, optim.Optimizer) and c is not optim.Optimizer}
    assert names == {cls.__name__ for cls, _ in OPTIMIZERS.values()}


def _train(name: str, device: str, steps: int = 3):
    cls, kwargs = OPTIMIZERS[name]
    rng = np.random.default_rng(5)
    x = reseau.tensor(rng.standard_normal((16, 5)).astype(np.float32), device=device)
    y = reseau.tensor(rng.integers(0, 3, 16), device=device)
    reseau.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3)).to(device)
    opt = cls(model.parameters(), **kwargs)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.detach())
    return model, opt, losses


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_on_cuda_is_the_cpu_optimizer(name, cuda):
    model_cpu, _, losses_cpu = _train(name, "cpu")
    model_cuda, opt_cuda, losses_cuda = _train(name, cuda)
    for i, (a, b) in enumerate(zip(losses_cuda, losses_cpu)):
        assert_same(a, b, f"{name}: loss of step {i}")
    params_cpu = dict(model_cpu.named_parameters())
    for pname, p in model_cuda.named_parameters():
        assert_same(p, params_cpu[pname], f"{name}: {pname} after the steps")
    for state in opt_cuda.state.values():
        for key, value in state.items():
            if isinstance(value, reseau.Tensor) and value.ndim:
                assert str(value.device).startswith("cuda"), f"{name}: state {key} off the device"


@pytest.mark.parametrize("name", ["SGD-momentum-nesterov-decay", "Adam"])
def test_optimizer_state_dict_round_trip_on_cuda(name, cuda):
    _, opt, _ = _train(name, cuda, steps=2)
    state = opt.state_dict()
    cls, kwargs = OPTIMIZERS[name]
    reseau.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3)).to(cuda)
    again = cls(model.parameters(), **kwargs)
    again.load_state_dict(state)
    params = [p for g in opt.param_groups for p in g["params"]]
    params_again = [p for g in again.param_groups for p in g["params"]]
    assert len(params) == len(params_again) and opt.state
    for p, q in zip(params, params_again):
        for key, value in opt.state[p].items():
            if isinstance(value, reseau.Tensor):
                loaded = again.state[q][key]
                assert str(loaded.device) == str(value.device), f"{name}: state {key}"
                assert np.array_equal(host(loaded), host(value))
