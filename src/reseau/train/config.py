"""The settings of a training run (``reseau train``): their defaults, their checks, and
reading and writing them as TOML.

The same keys are command-line options (``--batch-size 10``) and TOML keys
(``batch-size = 10`` or ``batch_size = 10``); the command line wins over the file, the
file over the defaults. Every value goes through the same check, so a bad value says the
same thing wherever it comes from.
"""

from __future__ import annotations

import difflib
import math
import os

__all__ = ["DEFAULTS", "ConfigError", "check_value", "load_toml", "resolve", "to_toml",
           "DATASETS", "ACTIVATIONS", "LOSSES", "OPTIMIZERS", "SCHEDULES"]

DATASETS = ("circles", "moons", "xor", "spiral", "blobs", "digits", "mnist", "fashion-mnist")
ACTIVATIONS = ("tanh", "relu", "sigmoid", "leaky_relu", "gelu", "softplus", "silu", "identity")
LOSSES = ("auto", "cross-entropy", "bce", "hinge", "mse", "mae", "huber")
OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop", "adagrad")
SCHEDULES = ("none", "step", "exponential", "cosine", "poly", "plateau")

# seed 003's Circle experiment: 2-4-2 tanh network, softmax cross-entropy, SGD lr 0.1,
# 150 epochs of mini-batches of 10
DEFAULTS = {
    "data": "circles", "target": None, "samples": 1000, "noise": None, "data_dir": None,
    "test_size": 0.25, "val_size": 0.2, "standardize": "auto",
    "hidden": [4], "activation": "tanh", "loss": "auto",
    "optimizer": "sgd", "lr": None, "momentum": 0.0, "weight_decay": None,
    "epochs": 150, "batch_size": 10, "schedule": "none", "early_stopping": 0,
    "seed": 0, "out": None, "log_every": None,
}


class ConfigError(ValueError):
    """A setting with a wrong name or value."""


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
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in ("", "none", "0"):
            return []
        try:
            value = [int(part) for part in text.split(",")]
        except ValueError:
            raise ConfigError(
                f"hidden must list layer sizes separated by commas, e.g. 64,32; got {value!r}"
            ) from None
    if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value):
        raise ConfigError(f"hidden must be positive layer sizes, e.g. 64,32; got {value!r}")
    return value


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


def _schedule(value):
    """``name[:arg[:arg]]``, e.g. ``step:30:0.5``."""
    if not isinstance(value, str):
        raise ConfigError(f"schedule must be text such as 'step:30:0.5', got {value!r}")
    name, *args = value.strip().lower().split(":")
    _choice("schedule", name, SCHEDULES)
    most = {"none": 0, "cosine": 0, "exponential": 1, "poly": 1, "step": 2, "plateau": 2}[name]
    if len(args) > most:
        raise ConfigError(f"schedule {name!r} takes at most {most} ':' argument(s), got "
                          f"{value!r}")
    for k, a in enumerate(args):
        if k == 0 and name in ("step", "plateau"):  # a number of epochs
            _int(f"schedule {name}'s {'EVERY' if name == 'step' else 'PATIENCE'}", a,
                 low=1 if name == "step" else 0)
        else:
            _float("schedule argument", a, low=0, open_low=True)
    return value.strip().lower()


def _bool_or_auto(key, value):
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("auto", "true", "false", "yes", "no", "1", "0"):
        return "auto" if text == "auto" else text in ("true", "yes", "1")
    raise ConfigError(f"{key} must be true, false or auto, got {value!r}")


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
    if value.lower() in DATASETS:
        return value.lower()
    if value.lower().endswith(".csv") or os.path.sep in value or os.path.exists(value):
        return value
    close = difflib.get_close_matches(value.lower(), DATASETS, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise ConfigError(
        f"data must be one of {', '.join(DATASETS)} or the path of a CSV file, got "
        f"{value!r}.{hint}"
    )


_CHECKS = {
    "data": _data,
    "target": _optional(_text("target")),
    "samples": lambda v: _int("samples", v, low=4),
    "noise": _optional(lambda v: _float("noise", v, low=0)),
    "data_dir": _optional(_text("data-dir")),
    "test_size": lambda v: _float("test-size", v, low=0, high=1, open_low=True),
    "val_size": lambda v: _float("val-size", v, low=0, high=1, open_low=True),
    "standardize": lambda v: _bool_or_auto("standardize", v),
    "hidden": _hidden,
    "activation": lambda v: _choice("activation", v, ACTIVATIONS),
    "loss": lambda v: _choice("loss", v, LOSSES),
    "optimizer": lambda v: _choice("optimizer", v, OPTIMIZERS),
    "lr": _optional(lambda v: _float("lr", v, low=0, open_low=True)),
    "momentum": lambda v: _float("momentum", v, low=0),
    "weight_decay": _optional(lambda v: _float("weight-decay", v, low=0)),
    "epochs": lambda v: _int("epochs", v, low=0),
    "batch_size": _batch_size,
    "schedule": _schedule,
    "early_stopping": lambda v: _int("early-stopping", v, low=0),
    "seed": lambda v: _int("seed", v, low=0),
    "out": _optional(_text("out")),
    "log_every": _optional(lambda v: _int("log-every", v, low=0)),
}
assert set(_CHECKS) == set(DEFAULTS)


def check_value(key: str, value):
    """The checked (and converted) value of one setting."""
    key = key.replace("-", "_")
    if key not in _CHECKS:
        known = [k.replace("_", "-") for k in DEFAULTS]
        close = difflib.get_close_matches(key.replace("_", "-"), known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ConfigError(f"unknown setting {key.replace('_', '-')!r}{hint}; the settings are "
                          f"{', '.join(known)}")
    return _CHECKS[key](value)


def load_toml(path) -> dict:
    """The settings in a TOML file, checked. Keys may use ``-`` or ``_``; a
    ``[train]`` table, if present, is read instead of the top level."""
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
            values[key.replace("-", "_")] = check_value(key, value)
        except ConfigError as err:
            raise ConfigError(f"{path}: {err}") from None
    return values


def resolve(cli_values: dict, config_path=None) -> dict:
    """Defaults, overridden by the TOML file, overridden by the command line."""
    settings = dict(DEFAULTS)
    if config_path is not None:
        settings.update(load_toml(config_path))
    for key, value in cli_values.items():
        settings[key] = check_value(key, value)
    return settings


def to_toml(settings: dict) -> str:
    """The settings as TOML text that ``--config`` reads back (unset ones commented)."""
    lines = ["# reseau train settings: rerun with  reseau train --config config.toml"]
    for key, value in settings.items():
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
