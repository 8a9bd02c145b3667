"""The settings of a training run (``reseau train``, ``reseau search``): one typed record,
:class:`TrainSettings`, built once from the defaults, a TOML file and the command line
(each overriding the one before), and written back as TOML.

The same keys are command-line options (``--batch-size 10``) and TOML keys
(``batch-size = 10`` or ``batch_size = 10``). Each setting's check is written once, next
to its default, and runs whenever a ``TrainSettings`` is made: a bad value says the same
thing wherever it comes from, and a ``TrainSettings`` never holds an unchecked value.
The names of activations, losses, optimizers, schedules and data sets are those of
:mod:`reseau.registry`.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import os
import re
from dataclasses import dataclass, field, fields
from typing import NamedTuple

from ..registry import ACTIVATIONS, DATASETS, LOSSES, MODELS, OPTIMIZERS

__all__ = ["TrainSettings", "ConfigError", "check_value", "load_toml", "schedule_arguments",
           "SCHEDULE_SPECS", "dataset_names", "loss_names", "optimizer_names",
           "activation_names", "model_names", "parse_size"]


class ConfigError(ValueError):
    """A setting with a wrong name or value (the command exits with status 2)."""


class ScheduleArg(NamedTuple):
    """One ``:ARG`` of ``--schedule NAME:ARG:ARG``."""

    label: str            # its name in messages and help: EVERY
    keyword: str          # the scheduler's argument it sets
    default: float | None  # None: a third of the run (as ``shown`` says)
    least: int | None = None  # a whole number of epochs, at least this; None: a number > 0
    shown: str = ""       # the default as the help says it, when it is not a number


class ScheduleSpec(NamedTuple):
    """What ``--schedule NAME[:ARG[:ARG]]`` means for one scheduler of the registry."""

    args: tuple[ScheduleArg, ...]
    summary: str  # for the help; {LABEL} is replaced by that argument's default
    run_length: str | None = None  # the scheduler's argument set to the number of epochs


# The schedulers of the registry that --schedule offers (which of a scheduler's arguments
# a short spec sets is the command's choice, not the scheduler's).
SCHEDULE_SPECS: dict[str, ScheduleSpec] = {
    "step": ScheduleSpec(
        (ScheduleArg("EVERY", "step_size", None, least=1, shown="a third of the run"),
         ScheduleArg("GAMMA", "gamma", 0.1)),
        "lr x GAMMA ({GAMMA}) every EVERY epochs ({EVERY})"),
    "exponential": ScheduleSpec(
        (ScheduleArg("GAMMA", "gamma", 0.97),),
        "lr x GAMMA ({GAMMA}) each epoch"),
    "cosine": ScheduleSpec((), "cosine annealing to 0 over the run", run_length="T_max"),
    "poly": ScheduleSpec(
        (ScheduleArg("POWER", "power", 1.0),),
        "polynomial decay to 0 over the run (power {POWER}: linear)", run_length="total_iters"),
    "plateau": ScheduleSpec(
        (ScheduleArg("PATIENCE", "patience", 5, least=0), ScheduleArg("FACTOR", "factor", 0.1)),
        "lr x FACTOR ({FACTOR}) after PATIENCE ({PATIENCE}) epochs without a better "
        "validation loss (a validation set is held out)"),
}


def default_first(names: list[str], default: str) -> list[str]:
    """``names`` in the registry's order, the command's default first (for help texts
    and messages)."""
    return sorted(names, key=lambda n: n != default)


def optimizer_names(**where) -> list[str]:
    """The optimizers (``where``: as in ``Registry.names``), sgd, the default, first."""
    return default_first(OPTIMIZERS.names(**where), TrainSettings.optimizer)


def activation_names() -> list[str]:
    """The activations a hidden layer may have, tanh, the default, first."""
    return default_first(ACTIVATIONS.names(output_only=False), TrainSettings.activation)


def dataset_names() -> list[str]:
    """The named data sets: generated points first, then tables and images."""
    order = ("toy", "table", "images")
    return sorted(DATASETS.names(), key=lambda n: order.index(DATASETS.info(n)["kind"]))


def model_names() -> list[str]:
    """``mlp`` (built from ``--hidden`` and ``--activation``), then the ready-made networks
    of the ``MODELS`` registry (``lenet5``...)."""
    from .. import models  # noqa: F401  (importing the models fills MODELS)
    return ["mlp", *MODELS.names()]


def loss_names() -> list[str]:
    """``auto`` (chosen from the targets), then the losses of the registry."""
    return ["auto", *LOSSES.names()]


# ----------------------------------------------------------------- checks of one value
def _int(key, value, low=0):
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise ConfigError(f"{key} must be a whole number, got {value!r}") from None
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise ConfigError(f"{key} must be a whole number >= {low}, got {value!r}")
    return value


def _float(key, value, low=None, high=None, open_low=False):
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise ConfigError(f"{key} must be a number, got {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"{key} must be a finite number, got {value!r}")
    if low is not None and (value < low or (open_low and value == low)):
        raise ConfigError(f"{key} must be {'>' if open_low else '>='} {low:g}, got {value:g}")
    if high is not None and value >= high:
        raise ConfigError(f"{key} must be < {high:g}, got {value:g}")
    return float(value)


def _choice(key, value, choices):
    if not isinstance(value, str) or value.lower() not in choices:
        close = difflib.get_close_matches(str(value), choices, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ConfigError(f"{key} must be one of {', '.join(choices)}; got {value!r}{hint}")
    return value.lower()


def _hidden(value):
    """Layer sizes. No hidden layer is ``none`` (or an empty list); a layer of 0 units is
    an error wherever it is (``0`` and ``4,0`` alike), never a silent "no layer"."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in ("", "none"):
            return ()
        try:
            value = [int(part) for part in text.split(",")]
        except ValueError:
            raise ConfigError(
                f"hidden must list layer sizes separated by commas, e.g. 64,32; got {value!r}"
            ) from None
    if not isinstance(value, (list, tuple)) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise ConfigError(f"hidden must be positive layer sizes, e.g. 64,32; got {value!r}")
    if any(v <= 0 for v in value):
        raise ConfigError(f"hidden: a layer needs at least 1 unit, got {list(value)}; write "
                          "'none' for no hidden layer")
    return tuple(value)


_UNITS = {"": 1, "b": 1, "k": 10 ** 3, "kb": 10 ** 3, "m": 10 ** 6, "mb": 10 ** 6,
          "g": 10 ** 9, "gb": 10 ** 9, "t": 10 ** 12, "tb": 10 ** 12,
          "kib": 2 ** 10, "mib": 2 ** 20, "gib": 2 ** 30, "tib": 2 ** 40}


def parse_size(text) -> int:
    """A memory size in bytes: ``"64GB"`` -> 64e9; ``512MB``, ``1.5GiB`` (2**30), ``2e9`` and
    whole numbers of bytes too."""
    if isinstance(text, bool):
        raise ConfigError(f"memory-limit must be a size such as 64GB or 512MB, got {text!r}")
    if isinstance(text, (int, float)):
        value, unit = text, ""
    else:
        match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:e[0-9]+)?)\s*([a-z]*)\s*", str(text).lower())
        if match is None or match.group(2) not in _UNITS:
            raise ConfigError(f"memory-limit must be a size such as 64GB, 512MB or 1.5GiB, "
                              f"got {text!r}")
        value, unit = float(match.group(1)), match.group(2)
    if not math.isfinite(value) or value * _UNITS[unit] < 1:
        raise ConfigError(f"memory-limit must be a positive size such as 64GB, got {text!r}")
    return int(value * _UNITS[unit])


def _batch_size(value):
    if isinstance(value, str) and value.strip().lower() == "full":
        return "full"
    try:
        return _int("batch-size", value, low=1)
    except ConfigError:
        raise ConfigError(
            f"batch-size must be a whole number >= 1 or 'full' (one batch of all the "
            f"training data), got {value!r}"
        ) from None


def schedule_arguments(spec: str) -> tuple[str, dict]:
    """``NAME[:ARG[:ARG]]`` checked: the schedule's name and the scheduler arguments the
    spec sets (``"step:30:0.5"`` -> ``("step", {"step_size": 30, "gamma": 0.5})``)."""
    if not isinstance(spec, str):
        raise ConfigError(f"schedule must be text such as 'step:30:0.5', got {spec!r}")
    name, *args = spec.strip().lower().split(":")
    _choice("schedule", name, ["none", *SCHEDULE_SPECS])
    known = SCHEDULE_SPECS[name].args if name != "none" else ()
    if len(args) > len(known):
        raise ConfigError(f"schedule {name!r} takes at most {len(known)} ':' argument(s), "
                          f"got {spec!r}")
    kwargs = {}
    for arg, text in zip(known, args):
        if arg.least is not None:  # a number of epochs
            kwargs[arg.keyword] = _int(f"schedule {name}'s {arg.label}", text, low=arg.least)
        else:
            kwargs[arg.keyword] = _float("schedule argument", text, low=0, open_low=True)
    return name, kwargs


def _schedule(value):
    schedule_arguments(value)
    return value.strip().lower()


def _bool_or_auto(key, value):
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("auto", "true", "false", "yes", "no", "1", "0"):
        return "auto" if text == "auto" else text in ("true", "yes", "1")
    raise ConfigError(f"{key} must be true, false or auto, got {value!r}")


def _flag(key):
    def check(value):
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "false", "yes", "no", "1", "0"):
            return text in ("true", "yes", "1")
        raise ConfigError(f"{key} must be true or false, got {value!r}")
    return check


def _optional(check):
    return lambda v: None if v is None or (isinstance(v, str) and v.lower() == "none") \
        else check(v)


def _text(key):
    def check(value):
        if not isinstance(value, (str, os.PathLike)):
            raise ConfigError(f"{key} must be text, got {value!r}")
        return os.fspath(value)
    return check


def _data(value):
    value = _text("data")(value)
    names = dataset_names()
    if value.lower() in names:
        return value.lower()
    if value.lower().endswith(".csv") or os.path.sep in value or os.path.exists(value):
        # absolute, so that the run folder's config.toml and model work from anywhere
        return os.path.abspath(value)
    close = difflib.get_close_matches(value.lower(), names, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise ConfigError(
        f"data must be one of {', '.join(names)} or the path of a CSV file, got "
        f"{value!r}.{hint}"
    )


def _delimiter(value):
    """The field separator of a CSV file: one character (``tab`` or ``\\t`` for a tab)."""
    text = _text("delimiter")(value)
    text = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";"}.get(text.lower(), text)
    if len(text) != 1 or text in "\"\r\n" or text.isalnum():
        raise ConfigError(f"delimiter must be one character such as ',' ';' or tab, got "
                          f"{value!r}")
    return text


def _device(value):
    """``cpu``, ``cuda`` or ``cuda:N``: the name only; whether this machine has the
    device is checked when a run starts (``experiment.require_device``), so that settings
    stored by a GPU run still load on a machine without one."""
    text = _text("device")(value).strip().lower()
    kind, colon, index = text.partition(":")
    if kind not in ("cpu", "cuda") or (colon and (kind == "cpu" or not index.isdigit())):
        raise ConfigError(f"device must be cpu, cuda or cuda:N (N: a GPU's index), got "
                          f"{value!r}")
    return text


def _setting(default, check):
    """A field of :class:`TrainSettings`: its default and its check, side by side."""
    return field(default=default, metadata={"check": check})


# ----------------------------------------------------------------- the settings
@dataclass(frozen=True)
class TrainSettings:
    """Every setting of a training run. The defaults are seed 003's Circle experiment:
    a 2-4-2 tanh network, softmax cross-entropy, SGD with learning rate 0.1 (the
    optimizer's default in the registry), 150 epochs of mini-batches of 10.

    Making one checks and converts every value (``TrainSettings(epochs="5").epochs ==
    5``); a bad one raises :class:`ConfigError`.
    """

    data: str = _setting("circles", _data)
    delimiter: str = _setting(",", _delimiter)
    target: str | None = _setting(None, _optional(_text("target")))
    samples: int = _setting(1000, lambda v: _int("samples", v, low=4))
    noise: float | None = _setting(None, _optional(lambda v: _float("noise", v, low=0)))
    data_dir: str | None = _setting(
        None, _optional(lambda v: os.path.abspath(_text("data-dir")(v))))
    test_size: float = _setting(
        0.25, lambda v: _float("test-size", v, low=0, high=1, open_low=True))
    val_size: float = _setting(
        0.2, lambda v: _float("val-size", v, low=0, high=1, open_low=True))
    standardize: bool | str = _setting("auto", lambda v: _bool_or_auto("standardize", v))
    model: str = _setting("mlp", lambda v: _choice("model", v, model_names()))
    hidden: tuple[int, ...] = _setting((4,), _hidden)
    activation: str = _setting(
        "tanh", lambda v: _choice("activation", v, activation_names()))
    loss: str = _setting("auto", lambda v: _choice("loss", v, loss_names()))
    optimizer: str = _setting("sgd", lambda v: _choice("optimizer", v, optimizer_names()))
    lr: float | None = _setting(None, _optional(lambda v: _float("lr", v, low=0,
                                                                 open_low=True)))
    momentum: float = _setting(0.0, lambda v: _float("momentum", v, low=0))
    weight_decay: float | None = _setting(
        None, _optional(lambda v: _float("weight-decay", v, low=0)))
    epochs: int = _setting(150, lambda v: _int("epochs", v, low=0))
    batch_size: int | str = _setting(10, _batch_size)
    schedule: str = _setting("none", _schedule)
    early_stopping: int = _setting(0, lambda v: _int("early-stopping", v, low=0))
    seed: int = _setting(0, lambda v: _int("seed", v, low=0))
    device: str = _setting("cpu", _device)
    compile: bool = _setting(False, _flag("compile"))
    out: str | None = _setting(None, _optional(_text("out")))
    log_every: int | None = _setting(None, _optional(lambda v: _int("log-every", v, low=0)))
    memory_limit: int | None = _setting(None, _optional(parse_size))

    def __post_init__(self):
        for f in fields(self):
            object.__setattr__(self, f.name, f.metadata["check"](getattr(self, f.name)))
        if self.momentum and not OPTIMIZERS.info(self.optimizer).get("momentum"):
            takes = " and ".join(optimizer_names(momentum=True))
            raise ConfigError(f"--momentum applies to {takes}, not {self.optimizer}")

    @classmethod
    def resolve(cls, options=None, config_path=None) -> TrainSettings:
        """The defaults, overridden by the TOML file at ``config_path``, overridden by
        ``options`` (a mapping of setting names to values, as text or typed)."""
        from_file = {} if config_path is None else load_toml(config_path)
        return cls().replace(**{**from_file, **(options or {})})

    @classmethod
    def from_stored(cls, config: dict) -> TrainSettings:
        """The settings saved with a model (:meth:`stored`); other keys are ignored."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in config.items() if k in names})

    def replace(self, **options) -> TrainSettings:
        """A copy with ``options`` changed (names with ``-`` or ``_``), checked."""
        changes = {}
        for key, value in options.items():
            _known(key)
            changes[key.replace("-", "_")] = value
        return dataclasses.replace(self, **changes)

    def stored(self) -> dict:
        """The settings as a JSON-able dict, saved with the model (no ``out`` folder, so
        that a rerun from them makes its own; no memory limit, which belongs to a machine).
        Paths are absolute: the run can be scored and rerun from any folder."""
        values = dataclasses.asdict(self)
        values["hidden"] = list(values["hidden"])
        return {**values, "out": None, "memory_limit": None}

    def to_toml(self) -> str:
        """The settings as TOML text that ``--config`` reads back (unset ones commented)."""
        lines = ["# reseau train settings: rerun with  reseau train --config config.toml"]
        for key, value in self.stored().items():
            name = key.replace("_", "-")
            if value is None:
                lines.append(f"# {name} = (not set)")
            elif isinstance(value, bool):
                lines.append(f"{name} = {'true' if value else 'false'}")
            elif isinstance(value, (int, float)):
                lines.append(f"{name} = {value!r}")
            elif isinstance(value, list):
                lines.append(f"{name} = [{', '.join(str(v) for v in value)}]")
            else:
                escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
                lines.append(f'{name} = "{escaped}"')
        return "\n".join(lines) + "\n"


_FIELDS = {f.name: f for f in fields(TrainSettings)}


def _known(key: str) -> str:
    """``key`` as a field name, or a ConfigError that suggests the closest setting."""
    name = key.replace("-", "_")
    if name not in _FIELDS:
        known = [k.replace("_", "-") for k in _FIELDS]
        close = difflib.get_close_matches(key.replace("_", "-"), known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ConfigError(f"unknown setting {key.replace('_', '-')!r}{hint}; the settings are "
                          f"{', '.join(known)}")
    return name


def check_value(key: str, value):
    """The checked (and converted) value of one setting, e.g. a value of a grid."""
    return _FIELDS[_known(key)].metadata["check"](value)


def load_toml(path) -> dict:
    """The settings in a TOML file, checked (an error names the file). Keys may use ``-``
    or ``_``; a ``[train]`` table, if present, is read instead of the top level."""
    try:
        import tomllib
    except ImportError:  # Python < 3.11
        try:
            import tomli as tomllib
        except ImportError:
            raise ConfigError(
                "reading a TOML config needs Python 3.11 or the tomli package: "
                "pip install 'reseau[cli]'"
            ) from None
    try:
        with open(path, "rb") as f:
            raw = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"config file {path} is not valid TOML: {err}") from None
    if isinstance(raw.get("train"), dict):
        raw = raw["train"]
    values = {}
    for key, value in raw.items():
        try:
            values[_known(key)] = check_value(key, value)
        except ConfigError as err:
            raise ConfigError(f"{path}: {err}") from None
    return values
