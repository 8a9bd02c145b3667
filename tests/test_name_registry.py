"""The name tables of ``reseau.registry``: filled by the decorators where things are
defined, and one check of a name."""

import numpy as np
import pytest

import reseau
from reseau import nn, optim
from reseau.registry import (
    ACTIVATIONS, DATASETS, INITIALISERS, LOSSES, OPTIMIZERS, SCHEDULES, Registry,
)

TABLES = [ACTIVATIONS, LOSSES, OPTIMIZERS, INITIALISERS, SCHEDULES, DATASETS]

# the functional form of each activation, from PyTorch (the oracle), on a row of values
def torch_form(name: str):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    return {
        "relu": torch.relu, "leaky_relu": F.leaky_relu, "sigmoid": torch.sigmoid,
        "tanh": torch.tanh, "softplus": F.softplus, "gelu": F.gelu, "silu": F.silu,
        "softmax": lambda t: torch.softmax(t, dim=-1),
        "log_softmax": lambda t: torch.log_softmax(t, dim=-1), "identity": lambda t: t,
    }[name], torch


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
    form, torch = torch_form(name)
    want = form(torch.tensor(x)).numpy()
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


def test_a_registered_activation_is_a_name_for_every_mlp():
    from reseau.models import MLP as CourseMLP
    from reseau.sklearn._network import build_network

    class Cube(nn.Module):
        def forward(self, x):
            return x * x * x

    with ACTIVATIONS.registered("cube", Cube):
        assert [type(m).__name__ for m in nn.MLP([2, 3, 1], activation="cube")] == \
            ["Linear", "Cube", "Linear"]
        net = CourseMLP([2, 3, 4, 2], activation=["cube", "tanh"])
        assert [type(m).__name__ for m in net][1:4] == ["Cube", "Linear", "Tanh"]
    with pytest.raises(ValueError, match="MLP: unknown activation 'cube'; expected one of"):
        nn.MLP([2, 3, 1], activation="cube")
    # scikit-learn's names: "logistic" is reseau's sigmoid
    coefs = [np.ones((2, 3)), np.ones((3, 1))]
    layers = build_network(coefs, [np.zeros(3), np.zeros(1)], "logistic")
    assert [type(m).__name__ for m in layers] == ["Linear", "Sigmoid", "Linear"]


def test_one_generator_rule_for_seeds_and_random_states():
    from reseau.data._random import check_generator

    gen = np.random.default_rng(5)
    assert check_generator(gen, "f") is gen  # a seed argument: used as it is
    own = check_generator(gen, "f", own=True)  # a random_state: a generator of its own,
    assert own is not gen                      # seeded by one draw
    assert own.integers(100) == np.random.default_rng(
        np.random.default_rng(5).integers(2**63)).integers(100)
    legacy = check_generator(np.random.RandomState(0), "f", own=True)
    assert isinstance(legacy, np.random.Generator)
    reseau.manual_seed(3)
    a = check_generator(None, "f", own=True).random()
    reseau.manual_seed(3)
    assert check_generator(None, "f", own=True).random() == a
    with pytest.raises(TypeError, match="Est: random_state must be None, an int or a numpy"):
        check_generator("0", "Est", own=True, name="random_state")
    with pytest.raises(ValueError, match="f: seed must be a non-negative integer, got -1"):
        check_generator(-1, "f")
