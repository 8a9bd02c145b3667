"""The memory a run needs, estimated from its sizes before anything is allocated, and the
limit it must stay under.

A run holds the data (with the copies that splitting and standardising make), the model's
parameters with their gradients, the optimizer's state and the copies that checkpoints
keep, and one batch's activations (forward values and their gradients). Each is counted
from the settings alone, so that ``reseau train --hidden 1000000000`` is refused in a
fraction of a second instead of growing until the kernel kills it. The estimate is
rough (within a factor of about two) and errs on the large side.

The limit is ``--memory-limit`` (``64GB``, ``512MB``, ``1.5GiB`` or bytes) or, by default,
three quarters of the memory available now (``MemAvailable`` of ``/proc/meminfo``, else
``os.sysconf``, else 4 GiB), lowered to what an address-space limit (``ulimit -v``) leaves.
"""

from __future__ import annotations

import math
import os

from ..registry import DATASETS
from .settings import ConfigError, TrainSettings

__all__ = ["ResourceError", "format_size", "available_memory", "memory_limit", "estimate",
           "check_run", "check_steps", "MAX_STEPS"]

# at tens of microseconds a step for the smallest network, 10**9 steps are days of work
MAX_STEPS = 10 ** 9
_FRACTION = 0.75            # of the available memory, when --memory-limit is not given
_FALLBACK = 4 * 2 ** 30     # when the system does not say
_FLOAT = 4                  # bytes of a float32 value
# copies of the parameters alive in training: the values, their gradients, up to two
# optimizer moments, the epoch-start and best-so-far weights, the buffer of a checkpoint
_PARAMETER_COPIES = 7
_ACTIVATION_COPIES = 3      # per unit and example: pre-activation, activation, gradient
_EVAL_BATCH = 1024          # evaluation runs in batches of this size (reseau.train.fit)
_HISTORY_EPOCH = 1024       # bytes of one epoch's row of the history, generously
# images of the size of MNIST (70,000 x 784 bytes): loaded as bytes, then float32 copies
_IMAGE_SET = 70_000 * 784 * (1 + 3 * _FLOAT)
_CNN_PARAMETERS = 1_300_000          # more than the largest network of MODELS (mnist-net)
_CNN_UNITS = 100_000                 # values per example in its feature maps, rounded up

class ResourceError(ConfigError):
    """A run that would need more memory (or more steps) than allowed: exit status 2."""


def format_size(n: float) -> str:
    """Bytes for people: ``29.8 GB``, ``512 MB``."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{int(n)} bytes"


def _meminfo(key: str) -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _address_space_left() -> int | None:
    """What ``ulimit -v`` still lets this process map, or None without such a limit."""
    try:
        import resource
        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    except (ImportError, OSError, ValueError):
        return None
    if soft == resource.RLIM_INFINITY:
        return None
    used = 0
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    used = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return max(0, soft - used)


def available_memory() -> tuple[int, str]:
    """The memory this process may still use, and where the figure comes from."""
    found, source = _meminfo("MemAvailable"), "available"
    if found is None:
        try:
            found = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (AttributeError, OSError, ValueError):
            found, source = _FALLBACK, "assumed"
    left = _address_space_left()
    if left is not None and left < found:
        found, source = left, "left under the address-space limit (ulimit -v)"
    return found, source


def memory_limit(setting: int | None) -> tuple[int, str]:
    """The limit in bytes and how it was chosen, for the message."""
    if setting is not None:
        return setting, "--memory-limit"
    found, source = available_memory()
    return int(found * _FRACTION), f"{int(_FRACTION * 100)}% of the {format_size(found)} " \
                                   f"{source}"


def _data_rows(settings: TrainSettings) -> tuple[int, int] | None:
    """Rows and values per row of the data, from the settings alone (None: unknown)."""
    name = settings.data
    if name in DATASETS:
        kind = DATASETS.info(name)["kind"]
        if kind == "toy":
            return settings.samples, 8   # a few features, a label, float64 while generated
        return None
    return None


def _data_bytes(settings: TrainSettings) -> int:
    """The data and the copies ``prepare`` makes of it (loaded, split, standardised)."""
    rows = _data_rows(settings)
    if rows is not None:
        return rows[0] * rows[1] * 8 * 4
    if settings.data in DATASETS:
        return _IMAGE_SET if DATASETS.info(settings.data)["kind"] == "images" else 0
    try:  # a CSV file: a value takes two characters at least (a digit and a separator)
        size = os.path.getsize(settings.data)
    except OSError:
        return 0  # the loader will say that the file is missing
    return size // 2 * 8 * 4


def estimate(settings: TrainSettings, n_in: int = 1, n_out: int = 1,
             n_train: int | None = None, n_eval: int = 0) -> dict:
    """The bytes a run of ``settings`` needs, by part: ``data``, ``model`` (parameters,
    gradients, optimizer state, checkpoints), ``activations`` (one training batch or one
    evaluation batch, the larger) and ``history``. Unknown sizes (``n_train`` before the
    data are loaded) are replaced by lower bounds, so that an estimate made early is never
    larger than the one made once they are known."""
    if settings.model == "mlp":
        widths = [n_in, *settings.hidden, n_out]
        parameters = sum((a + 1) * b for a, b in zip(widths, widths[1:]))
        units = sum(widths)
    else:
        parameters, units = _CNN_PARAMETERS, _CNN_UNITS
    rows = n_train if n_train is not None else (_data_rows(settings) or (1,))[0]
    batch = rows if settings.batch_size == "full" else min(settings.batch_size, rows)
    batch = max(batch, min(_EVAL_BATCH, max(rows, n_eval)))
    return {"data": _data_bytes(settings),
            "model": parameters * _FLOAT * _PARAMETER_COPIES,
            "activations": batch * units * _FLOAT * _ACTIVATION_COPIES,
            "history": settings.epochs * _HISTORY_EPOCH,
            "parameters": parameters}


def _describe(parts: dict) -> str:
    shown = [f"{name} {format_size(parts[name])}"
             for name in ("model", "activations", "data", "history") if parts[name]]
    return f"{', '.join(shown)}; {parts['parameters']:,} parameters"


def _suggested(needed: int) -> str:
    """A round limit above ``needed``, for the message: ``64GB``."""
    gb = max(1, 2 ** math.ceil(math.log2(max(needed / 1e9, 1))))
    return f"{gb}GB" if gb < 1000 else f"{gb // 1000}TB"


def check_run(settings: TrainSettings, parts: dict, copies: int = 1, what: str = "this run",
              option: str = "--memory-limit") -> int:
    """Raise :class:`ResourceError` when ``parts`` (from :func:`estimate`), times ``copies``
    for the model and activations (configurations trained at once), exceed the limit;
    return the total otherwise."""
    total = parts["data"] * copies + (parts["model"] + parts["activations"]
                                      + parts["history"]) * copies
    limit, how = memory_limit(settings.memory_limit)
    if total > limit:
        raise ResourceError(
            f"{what} needs about {format_size(total)} of memory ({_describe(parts)}"
            f"{f', times {copies} at once' if copies > 1 else ''}), more than the limit of "
            f"{format_size(limit)} ({how}); use smaller sizes (--hidden, --batch-size, "
            f"--samples, --epochs), or raise the limit on purpose with {option} "
            f"{_suggested(total)}")
    return total


def check_steps(settings: TrainSettings, n_train: int) -> int:
    """Refuse a run of more than :data:`MAX_STEPS` optimizer steps; return the count."""
    batch = n_train if settings.batch_size == "full" else min(settings.batch_size, n_train)
    steps = settings.epochs * math.ceil(max(n_train, 1) / max(batch, 1))
    if steps > MAX_STEPS:
        raise ResourceError(
            f"{settings.epochs:,} epochs of {math.ceil(n_train / batch):,} steps are "
            f"{steps:,} optimizer steps, more than the {MAX_STEPS:,} a run may take (days of "
            "computing); lower --epochs or raise --batch-size")
    return steps
