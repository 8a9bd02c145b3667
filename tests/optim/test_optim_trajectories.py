"""Every optimizer, with every combination of its options, follows PyTorch's trajectory:
50 steps of the same MLP from the same weights end at the same parameters (1e-5 in
float32, 1e-10 in float64), with raw tensors and with nn modules. Every step updates
the parameter arrays in place (checked at each step by the helpers of optim_models)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from optim_models import (initial_arrays, module_arrays, tolerance, train_reseau,
                          train_reseau_module, train_torch, train_torch_module)

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.optim

DTYPES = [np.float32, np.float64]


def _product(**axes):
    keys = list(axes)
    return [dict(zip(keys, values)) for values in itertools.product(*axes.values())]


SGD_OPTIONS = [
    o for o in _product(lr=[0.05], momentum=[0.0, 0.9], dampening=[0.0, 0.1],
                        weight_decay=[0.0, 1e-2], nesterov=[False, True],
                        maximize=[False, True])
    if not (o["nesterov"] and (o["momentum"] == 0 or o["dampening"] != 0))
]
ADAM_OPTIONS = _product(lr=[0.01], betas=[(0.9, 0.999)], weight_decay=[0.0, 0.1],
                        amsgrad=[False, True], maximize=[False, True],
                        decoupled_weight_decay=[False, True])
ADAMW_OPTIONS = _product(lr=[0.01], betas=[(0.8, 0.99)], weight_decay=[0.0, 0.1],
                         amsgrad=[False, True], maximize=[False, True])
RMSPROP_OPTIONS = _product(lr=[0.005], alpha=[0.9], weight_decay=[0.0, 1e-2],
                           momentum=[0.0, 0.5], centered=[False, True],
                           maximize=[False, True])
ADAGRAD_OPTIONS = _product(lr=[0.05], lr_decay=[0.0, 0.01], weight_decay=[0.0, 1e-2],
                           initial_accumulator_value=[0.0, 0.1], maximize=[False, True])

CASES = (
    [("SGD", o) for o in SGD_OPTIONS]
    + [("Adam", o) for o in ADAM_OPTIONS]
    + [("AdamW", o) for o in ADAMW_OPTIONS]
    + [("RMSprop", o) for o in RMSPROP_OPTIONS]
    + [("Adagrad", o) for o in ADAGRAD_OPTIONS]
)


def _case_id(case) -> str:
    name, options = case
    flags = ",".join(f"{k}={v}" for k, v in options.items() if k not in ("lr", "betas"))
    return f"{name}[{flags}]"


def assert_same_params(ours: dict, theirs: dict, dtype) -> None:
    tol = tolerance(dtype)
    for name in ours:
        assert ours[name].dtype == np.dtype(dtype), name
        np.testing.assert_allclose(ours[name], theirs[name], rtol=tol, atol=tol,
                                   err_msg=f"parameter {name}")


def test_the_option_grid_covers_every_flag():
    assert len(SGD_OPTIONS) == 20  # 32 combinations, 12 invalid nesterov ones removed
    assert len(CASES) == 20 + 16 + 8 + 16 + 16


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_50_steps_match_pytorch(case, dtype):
    name, options = case
    ours = train_reseau(name, options, dtype)
    theirs = train_torch(torch, name, options, dtype)
    assert_same_params(ours, theirs, dtype)
    start = initial_arrays(dtype)
    # the parameters moved, and the one that never had a gradient did not
    assert not np.allclose(ours["W1"], start["W1"])
    np.testing.assert_array_equal(ours["unused"], start["unused"])


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_50_steps_with_nn_modules_match_pytorch(case, dtype):
    # nn.Linear layers in nn.Sequential, model.parameters() (a generator), a frozen bias
    # and a layer the forward pass never calls
    name, options = case
    ours = train_reseau_module(name, options, dtype)
    theirs = train_torch_module(torch, name, options, dtype)
    assert list(ours) == list(theirs)  # the same named_parameters, in the same order
    assert_same_params(ours, theirs, dtype)
    start = module_arrays(initial_arrays(dtype))
    assert not np.allclose(ours["body.0.weight"], start["body.0.weight"])
    for frozen in ("body.0.bias", "unused.weight", "unused.bias"):
        np.testing.assert_array_equal(ours[frozen], start[frozen], err_msg=frozen)


GROUP_CASES = [
    ("SGD", dict(lr=0.1, momentum=0.9), ({}, dict(lr=0.02, nesterov=True, weight_decay=0.1))),
    ("Adam", dict(lr=0.01), (dict(amsgrad=True), dict(lr=0.003, weight_decay=0.1))),
    ("AdamW", dict(lr=0.01), ({}, dict(betas=(0.5, 0.9), weight_decay=0.3))),
    ("RMSprop", dict(lr=0.01), (dict(centered=True), dict(momentum=0.9, alpha=0.5))),
    # initial_accumulator_value is given to the constructor: PyTorch ignores a per-group
    # value (it fills the state in __init__ from the argument); reseau honours it, see
    # test_adagrad_uses_the_groups_initial_accumulator_value in test_optim_steps.py
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.5),
     (dict(lr_decay=0.1), dict(lr=0.05, weight_decay=0.1))),
]


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("name,defaults,groups", GROUP_CASES, ids=[c[0] for c in GROUP_CASES])
def test_parameter_groups_with_their_own_options_and_mse_loss(name, defaults, groups, dtype):
    ours = train_reseau(name, defaults, dtype, loss="mse", group_options=groups)
    theirs = train_torch(torch, name, defaults, dtype, loss="mse", group_options=groups)
    assert_same_params(ours, theirs, dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("name,defaults,groups", GROUP_CASES, ids=[c[0] for c in GROUP_CASES])
def test_parameter_groups_of_nn_modules(name, defaults, groups, dtype):
    ours = train_reseau_module(name, defaults, dtype, group_options=groups)
    theirs = train_torch_module(torch, name, defaults, dtype, group_options=groups)
    assert_same_params(ours, theirs, dtype)
