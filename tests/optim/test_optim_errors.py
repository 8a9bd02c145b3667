"""Bad constructor arguments raise clear errors, where PyTorch raises them too."""

from __future__ import annotations

import pytest

import reseau
from reseau.optim import SGD, Adagrad, Adam, AdamW, RMSprop

pytestmark = pytest.mark.optim


def _w():
    return reseau.tensor([1.0, 2.0], requires_grad=True)


ALL = [SGD, Adam, AdamW, RMSprop, Adagrad]


@pytest.mark.parametrize("cls", ALL)
def test_negative_lr(cls):
    with pytest.raises(ValueError, match=rf"{cls.__name__}: invalid lr -0.1; it must be >= 0"):
        cls([_w()], lr=-0.1)


@pytest.mark.parametrize("cls", ALL)
def test_negative_weight_decay(cls):
    with pytest.raises(ValueError, match="invalid weight_decay -1e-05"):
        cls([_w()], lr=0.1, weight_decay=-1e-5)


@pytest.mark.parametrize("cls", [SGD, RMSprop])
def test_negative_momentum(cls):
    with pytest.raises(ValueError, match="invalid momentum -0.9"):
        cls([_w()], lr=0.1, momentum=-0.9)


def test_nan_lr_and_non_number():
    with pytest.raises(ValueError, match="invalid lr nan"):
        SGD([_w()], lr=float("nan"))
    with pytest.raises(TypeError, match="lr must be a number, got '0.1'"):
        SGD([_w()], lr="0.1")


def test_nesterov_needs_momentum_and_no_dampening():
    with pytest.raises(ValueError, match="Nesterov momentum requires a momentum > 0"):
        SGD([_w()], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="zero dampening, got momentum=0.9 and dampening=0.1"):
        SGD([_w()], lr=0.1, momentum=0.9, dampening=0.1, nesterov=True)


@pytest.mark.parametrize("betas", [(1.0, 0.999), (0.9, -0.1), (0.9,)])
def test_adam_betas(betas):
    with pytest.raises(ValueError, match="beta"):
        Adam([_w()], betas=betas)


def test_other_hyperparameters():
    with pytest.raises(ValueError, match="invalid eps"):
        Adam([_w()], eps=-1e-8)
    with pytest.raises(ValueError, match="invalid alpha"):
        RMSprop([_w()], alpha=-0.5)
    with pytest.raises(ValueError, match="invalid lr_decay"):
        Adagrad([_w()], lr_decay=-0.1)
    with pytest.raises(ValueError, match="invalid initial_accumulator_value"):
        Adagrad([_w()], initial_accumulator_value=-1.0)


@pytest.mark.parametrize("cls", ALL)
def test_empty_parameter_list(cls):
    with pytest.raises(ValueError, match="empty parameter list"):
        cls([], lr=0.1)


def test_an_exhausted_generator_is_an_empty_list():
    params = (p for p in [_w()])
    list(params)
    with pytest.raises(ValueError, match="empty parameter list.*generator"):
        SGD(params, lr=0.1)


def test_non_leaf_tensor():
    w = _w()
    with pytest.raises(ValueError, match=r"can't optimize a non-leaf Tensor \(parameter 1"):
        SGD([w, w * 2.0], lr=0.1)


def test_same_parameter_in_two_groups():
    w, v = _w(), _w()
    with pytest.raises(ValueError, match="more than one parameter group.*group 0"):
        SGD([{"params": [w, v]}, {"params": [w]}], lr=0.1)
    opt = SGD([w], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [v, w]})
    assert len(opt.param_groups) == 1  # the failed group was not added


def test_same_parameter_twice_in_one_group():
    w = _w()
    with pytest.raises(ValueError, match="parameters 1 and 2 of the group are the same tensor"):
        SGD([_w(), w, w], lr=0.1)


def test_wrong_kinds_of_params():
    with pytest.raises(TypeError, match="single Tensor of shape \\(2,\\); wrap it in a list"):
        SGD(_w(), lr=0.1)
    with pytest.raises(TypeError, match="not a set"):
        SGD({_w()}, lr=0.1)
    with pytest.raises(TypeError, match="got a dict"):
        SGD({"w": _w()}, lr=0.1)
    with pytest.raises(TypeError, match="parameter 1 of the group is a list"):
        SGD([_w(), [1.0]], lr=0.1)
    with pytest.raises(TypeError, match="got int"):
        SGD(3, lr=0.1)
    with pytest.raises(ValueError, match="no 'params' entry"):
        SGD([{"lr": 0.1}], lr=0.1)


def test_invalid_value_in_a_later_group():
    with pytest.raises(ValueError, match="invalid lr -1"):
        Adam([{"params": [_w()]}, {"params": [_w()], "lr": -1}])


def test_groups_must_all_be_named_or_all_unnamed():
    with pytest.raises(ValueError, match="all parameters with names"):
        SGD([("w", _w()), _w()], lr=0.1)
    opt = SGD([("w", _w())], lr=0.1)
    with pytest.raises(ValueError, match="all parameter groups should be with names or all"):
        opt.add_param_group({"params": [_w()]})
    with pytest.raises(TypeError, match="expected a dict with a 'params' entry, got list"):
        opt.add_param_group([_w()])
