"""The name tables of ``reseau.registry``: filled by the decorators where things are
defined, and one check of a name."""

import numpy as np
import pytest
import torch

import reseau
from reseau import nn, optim
from reseau.registry import (
    ACTIVATIONS, DATASETS, INITIALISERS, LOSSES, OPTIMIZERS, SCHEDULES, Registry,
)

TABLES = [ACTIVATIONS, LOSSES, OPTIMIZERS, INITIALISERS, SCHEDULES, DATASETS]

# the functional form of each activation, from PyTorch (the oracle), on a row of values
TORCH_FORMS = {
    "relu": torch.relu, "leaky_relu": torch.nn.functional.leaky_relu,
    "sigmoid": torch.sigmoid, "tanh": torch.tanh, "softplus": torch.nn.functional.softplus,
    "gelu": torch.nn.functional.gelu, "silu": torch.nn.functional.silu,
    "softmax": lambda t: torch.softmax(t, dim=-1),
    "log_softmax": lambda t: torch.log_softmax(t, dim=-1), "identity": lambda t: t,
}


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.kind)
def test_every_table_is_filled(table):
    assert len(table) > 0 and table.names() == list(table)


def test_the_names_used_by_the_command_are_registered():
    assert {"tanh", "relu", "sigmoid", "leaky_relu", "gelu", "softplus", "silu",
            "identity"} <= set(ACTIVATIONS.names(output_only=False))
    assert set(ACTIVATIONS.names(output_only=True)) == {"softmax", "log_softmax"}
    assert set(LOSSES) == {"cross-entropy", "bce", "hinge", "mse", "mae", "huber"}
    assert LOSSES.names(task="regression") == ["mae", "mse", "huber"]
    assert set(OPTIMIZERS) == {"sgd", "adam", "adamw", "rmsprop", "adagrad"}
    assert set(SCHEDULES) == {"step", "exponential", "cosine", "poly", "plateau"}
    assert set(DATASETS) == {"circles", "moons", "xor", "spiral", "blobs", "digits", "mnist",
                             "fashion-mnist"}
    assert OPTIMIZERS.get("adamw") is optim.AdamW and LOSSES.get("bce") is nn.BCEWithLogitsLoss
    assert INITIALISERS.get("xavier_uniform") is nn.init.xavier_uniform_
    assert DATASETS.get("moons") is reseau.data.moons


def test_unknown_name_names_the_kind_the_valid_names_and_the_closest():
    with pytest.raises(ValueError) as err:
        ACTIVATIONS.get("rleu")
    text = str(err.value)
    assert text.startswith("unknown activation 'rleu'; expected one of relu, leaky_relu")
    assert text.endswith("(did you mean 'relu'?)")
    with pytest.raises(ValueError, match=r"^MLP: unknown optimizer 'adamm' for layer 2; "
                                         r"expected one of .*sgd, or a class "
                                         r"\(did you mean 'adam'\?\)$"):
        OPTIMIZERS.get("adamm", "MLP", " for layer 2", ", or a class")
    with pytest.raises(ValueError, match="unknown data set 3; expected one of .*circles"):
        DATASETS.get(3)


def test_get_ignores_case_and_info_is_a_copy():
    assert ACTIVATIONS.get("ReLU") is nn.ReLU and "TANH" in ACTIVATIONS and 3 not in LOSSES
    info = OPTIMIZERS.info("sgd")
    info["default_lr"] = 5.0
    assert OPTIMIZERS.info("sgd") == {"default_lr": 0.1, "momentum": True}


@pytest.mark.parametrize("name", ACTIVATIONS.names())
def test_each_activation_builds_a_module_computing_its_function(name):
    x = np.array([[-2.5, -0.3, 0.0, 0.7, 3.0]], dtype=np.float64)
    module = ACTIVATIONS.build(name)
    assert isinstance(module, nn.Module)
    got = module(reseau.tensor(x)).numpy()
    want = TORCH_FORMS[name](torch.tensor(x)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", OPTIMIZERS.names())
def test_each_optimizer_has_a_positive_default_learning_rate(name):
    lr = OPTIMIZERS.info(name)["default_lr"]
    assert lr > 0
    opt = OPTIMIZERS.get(name)([reseau.zeros(2, requires_grad=True)], lr=lr)
    assert opt.param_groups[0]["lr"] == lr


def test_default_learning_rates_are_the_commands():
    # the values `reseau train --help` has always promised
    assert {n: OPTIMIZERS.info(n)["default_lr"] for n in OPTIMIZERS} == {
        "sgd": 0.1, "adam": 1e-3, "adamw": 1e-3, "rmsprop": 1e-2, "adagrad": 1e-2}
    assert set(OPTIMIZERS.names(momentum=True)) == {"sgd", "rmsprop"}


def test_register_unregister_and_the_context_manager():
    reg = Registry("colour")

    @reg.register("red", warm=True)
    class Red:
        pass

    assert reg.get("red") is Red and reg.names(warm=True) == ["red"]
    with pytest.raises(ValueError, match="'red' is already registered"):
        reg.register("red")(object)
    reg.register("red", warm=True)(Red)  # registering the same object again is harmless
    with pytest.raises(ValueError, match="lower-case"):
        reg.register("Blue")
    reg.unregister("red")
    assert "red" not in reg and len(reg) == 0
    with pytest.raises(ValueError, match="unknown colour 'red'"):
        reg.unregister("red")
    with reg.registered("blue", int) as obj:
        assert obj is int and reg.get("blue") is int
    assert reg.names() == []


def test_build_uses_the_kwargs_info():
    assert ACTIVATIONS.build("softmax").dim == -1
    assert ACTIVATIONS.build("softmax", dim=0).dim == 0
    assert isinstance(LOSSES.build("huber"), nn.HuberLoss)
