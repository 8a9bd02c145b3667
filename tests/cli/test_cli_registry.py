"""The command reads its names from reseau.registry: a new optimizer or activation is
accepted, built and shown in the help with no edit of the command; the schedules it
offers are registered schedulers; docs/cli.md says what the registry says."""

import inspect
from pathlib import Path

import pytest

from reseau import nn, optim
from reseau.cli import build_parser
from reseau.cli.experiment import build_optimizer, build_scheduler
from reseau.cli.options import default_rates
from reseau.cli.settings import SCHEDULE_SPECS, ConfigError, TrainSettings
from reseau.registry import ACTIVATIONS, LOSSES, OPTIMIZERS, SCHEDULES

DOCS = Path(__file__).resolve().parents[2] / "docs"


def train_help() -> str:
    train = build_parser()._subparsers._group_actions[0].choices["train"]
    return " ".join(train.format_help().split())


class Nesterov(optim.SGD):
    """SGD with Nesterov momentum on by default: a stand-in for a new optimizer."""

    def __init__(self, params, lr=0.05, momentum=0.5, weight_decay=0.0):
        super().__init__(params, lr=lr, momentum=momentum, weight_decay=weight_decay,
                         nesterov=True)


def test_a_registered_optimizer_is_accepted_built_and_in_the_help():
    with pytest.raises(ConfigError, match="optimizer must be one of"):
        TrainSettings(optimizer="nesterov")
    with OPTIMIZERS.registered("nesterov", Nesterov, default_lr=0.05, momentum=True):
        settings = TrainSettings(optimizer="nesterov", momentum=0.5)
        opt = build_optimizer(settings, nn.Linear(2, 2).parameters())
        assert isinstance(opt, Nesterov)
        assert opt.param_groups[0]["lr"] == 0.05 and opt.param_groups[0]["nesterov"]
        text = train_help()
        assert "0.05 for nesterov" in text and "momentum of sgd, rmsprop or nesterov" in text
    assert "nesterov" not in train_help()


def test_the_lr_help_gives_each_optimizers_default_from_the_registry():
    text = train_help()
    assert "learning rate (default: 0.1 for sgd, 0.01 for adagrad and rmsprop, 0.001 for " \
           "adam and adamw)" in text
    for name in OPTIMIZERS.names():
        assert f"{OPTIMIZERS.info(name)['default_lr']:g} for" in text


def test_hidden_activations_are_the_registrys_except_output_only_ones():
    for name in ACTIVATIONS.names():
        if ACTIVATIONS.info(name).get("output_only"):
            with pytest.raises(ConfigError, match="activation must be one of"):
                TrainSettings(activation=name)
        else:
            assert TrainSettings(activation=name).activation == name


def test_each_offered_schedule_is_a_registered_scheduler_taking_its_arguments():
    for name, schedule in SCHEDULE_SPECS.items():
        params = inspect.signature(SCHEDULES.get(name)).parameters
        assert all(arg.keyword in params for arg in schedule.args), name
        assert schedule.run_length is None or schedule.run_length in params, name


@pytest.mark.parametrize("spec, epochs, expected", [
    ("step", 9, {"step_size": 3, "gamma": 0.1}),             # a third of the run
    ("step:2:0.5", 9, {"step_size": 2, "gamma": 0.5}),
    ("plateau", 5, {"patience": 5, "factor": 0.1}),
    ("plateau:0:0.5", 5, {"patience": 0, "factor": 0.5}),
    ("exponential", 5, {"gamma": 0.97}),
    ("poly:2", 8, {"power": 2.0, "total_iters": 8}),
    ("cosine", 6, {"T_max": 6}),
])
def test_schedule_specs_build_the_scheduler_with_their_defaults(spec, epochs, expected):
    opt = optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1)
    scheduler = build_scheduler(spec, opt, epochs)
    assert isinstance(scheduler, SCHEDULES.get(spec.split(":")[0]))
    assert {k: getattr(scheduler, k) for k in expected} == expected
    assert build_scheduler("none", opt, epochs) is None


def test_the_cli_guide_lists_the_registrys_names_and_default_rates():
    rows = {line.split("|")[1].strip(): line for line in (DOCS / "cli.md").read_text()
            .splitlines() if line.startswith("| `--")}
    for name in ACTIVATIONS.names(output_only=False):
        assert f"`{name}`" in rows["`--activation NAME`"], name
    for name in OPTIMIZERS.names():
        assert f"`{name}`" in rows["`--optimizer NAME`"], name
    for name in LOSSES.names():
        assert f"`{name}`" in rows["`--loss NAME`"], name
    assert default_rates() in rows["`--lr RATE`"]
