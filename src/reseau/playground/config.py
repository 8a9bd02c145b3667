"""The set-up of a playground session: the page's controls as one JSON object, checked.

The same keys are the page's URL fragment (``#dataset=circle&lr=0.03&layers=4,2``), so a
teacher shares a set-up by sharing the address. ``check_config`` turns what a page sent
into a complete, valid set-up (defaults for what is absent) or raises ``RequestError``,
which the server answers with a 400 and its one-line message.
"""

from __future__ import annotations

import math

__all__ = ["DEFAULTS", "DATASETS", "FEATURES", "ACTIVATIONS", "RequestError", "check_config",
           "MAX_LAYERS", "MAX_NEURONS"]

# data set -> (problem, number of classes; 0 for regression)
DATASETS = {"circle": ("classification", 2), "xor": ("classification", 2),
            "gauss": ("classification", 2), "spiral": ("classification", 2),
            "spiral3": ("classification", 3), "plane": ("regression", 0),
            "multigauss": ("regression", 0), "csv": (None, None)}
FEATURES = ("x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2")
ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
OPTIMIZERS = ("sgd", "momentum", "adam")
INITS = ("default", "xavier", "zeros")
REGULARIZATIONS = ("none", "l1", "l2")
SCHEDULES = ("none", "step", "exp")
# TensorFlow Playground stops at 6 layers of 8; the cap here only keeps a frame small
MAX_LAYERS, MAX_NEURONS = 10, 16

DEFAULTS = {
    "dataset": "circle", "problem": "classification", "noise": 0, "ratio": 50, "batch": 10,
    "features": ["x1", "x2"], "layers": [4, 2], "activation": "tanh", "acts": [],
    "lr": 0.03, "reg": "none", "regRate": 0.0, "optimizer": "sgd", "init": "default",
    "seed": 0, "samples": 500, "dropout": 0.0, "schedule": "none",
}


class RequestError(ValueError):
    """A request the playground cannot serve; ``status`` is the HTTP status to answer."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _number(cfg: dict, key: str, low: float, high: float, integer: bool) -> float | int:
    value = cfg[key]
    if isinstance(value, str):  # the URL fragment gives strings
        try:
            value = float(value)
        except ValueError:
            raise RequestError(f"{key} must be a number, got {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise RequestError(f"{key} must be a number, got {value!r}")
    if not low <= value <= high:
        raise RequestError(f"{key} must be between {low:g} and {high:g}, got {value:g}")
    if integer:
        if value != int(value):
            raise RequestError(f"{key} must be a whole number, got {value:g}")
        return int(value)
    return float(value)


def _choice(cfg: dict, key: str, allowed) -> str:
    if cfg[key] not in allowed:
        raise RequestError(f"{key} must be one of {', '.join(allowed)}; got {cfg[key]!r}")
    return cfg[key]


def _as_list(value, key: str) -> list:
    if isinstance(value, str):
        return [v for v in value.split(",") if v]
    if not isinstance(value, list):
        raise RequestError(f"{key} must be a list, got {type(value).__name__}")
    return value


def check_config(sent, base: dict | None = None) -> dict:
    """The complete set-up: ``base`` (the defaults when None) updated by ``sent``, each
    value checked. Raises ``RequestError`` naming the key, what is allowed and what came."""
    if not isinstance(sent, dict):
        raise RequestError(f"the set-up must be a JSON object, got {type(sent).__name__}")
    unknown = sorted(set(sent) - set(DEFAULTS))
    if unknown:
        raise RequestError(f"unknown setting {unknown[0]!r}; the settings are "
                           f"{', '.join(DEFAULTS)}")
    cfg = {**(DEFAULTS if base is None else base), **sent}
    _choice(cfg, "dataset", tuple(DATASETS))
    _choice(cfg, "problem", ("classification", "regression"))
    problem = DATASETS[cfg["dataset"]][0]
    if "dataset" in sent and "problem" not in sent and problem is not None:
        cfg["problem"] = problem  # choosing a data set chooses its problem
    if problem not in (None, cfg["problem"]):
        raise RequestError(f"the data set {cfg['dataset']!r} is a {problem} problem, not "
                           f"{cfg['problem']}; choose a {cfg['problem']} data set")
    for key, low, high, integer in (("noise", 0, 50, True), ("ratio", 10, 90, True),
                                    ("batch", 1, 500, True), ("lr", 1e-6, 10.0, False),
                                    ("regRate", 0.0, 10.0, False),
                                    ("dropout", 0.0, 0.9, False),
                                    ("seed", 0, 2**31 - 1, True), ("samples", 20, 2000, True)):
        cfg[key] = _number(cfg, key, low, high, integer)
    for key, allowed in (("activation", ACTIVATIONS), ("reg", REGULARIZATIONS),
                         ("optimizer", OPTIMIZERS), ("init", INITS),
                         ("schedule", SCHEDULES)):
        _choice(cfg, key, allowed)
    features = _as_list(cfg["features"], "features")
    bad = [f for f in features if f not in FEATURES]
    if bad or not features:
        raise RequestError(f"features must be a non-empty list of {', '.join(FEATURES)}; "
                           f"got {features!r}")
    cfg["features"] = [f for f in FEATURES if f in features]  # one order, no repeats
    layers = _as_list(cfg["layers"], "layers")
    if len(layers) > MAX_LAYERS:
        raise RequestError(f"at most {MAX_LAYERS} hidden layers, got {len(layers)}")
    cfg["layers"] = [_number({"neurons": n}, "neurons", 1, MAX_NEURONS, True) for n in layers]
    acts = _as_list(cfg["acts"], "acts")
    if acts and len(acts) != len(cfg["layers"]):
        acts = (acts + [""] * len(cfg["layers"]))[:len(cfg["layers"])]  # layers changed
    bad = [a for a in acts if a not in ("",) + ACTIVATIONS]
    if bad:
        raise RequestError(f"acts must list, per hidden layer, one of {', '.join(ACTIVATIONS)} "
                           f"or '' (the common activation); got {bad[0]!r}")
    cfg["acts"] = acts if any(acts) else []
    return cfg
