"""How a tensor prints: PyTorch's format, so that a course's printed outputs read the
same (``tensor([[1., 2.]], requires_grad=True)``, ``tensor(0.5000)``).

The rules, as PyTorch applies them: floats whose finite values are all integers print
as ``1.``; otherwise with four decimals (``0.5000``), or in scientific notation
(``1.0000e-05``) when the largest and smallest magnitudes are more than a factor 1000
apart, or one is above 1e8 or below 1e-4. Every element is right-aligned to the widest;
rows wrap at 80 columns; tensors of more than 1000 elements show their first and last
three entries along each dimension, with ``...`` between.
"""

from __future__ import annotations

import numpy as np

from .dtypes import get_default_dtype, public_dtype

__all__ = ["format_array", "tensor_repr", "PRINT_OPTIONS", "set_printoptions"]

PRINT_OPTIONS = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80,
                 "sci_mode": None}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None) -> None:
    """PyTorch's ``set_printoptions``: the same names, the same defaults."""
    if profile == "default":
        PRINT_OPTIONS.update(precision=4, threshold=1000, edgeitems=3, linewidth=80)
    elif profile == "short":
        PRINT_OPTIONS.update(precision=2, threshold=1000, edgeitems=2, linewidth=80)
    elif profile == "full":
        PRINT_OPTIONS.update(precision=4, threshold=np.inf, edgeitems=3, linewidth=80)
    for key, value in (("precision", precision), ("threshold", threshold),
                       ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if value is not None:
            PRINT_OPTIONS[key] = value
    PRINT_OPTIONS["sci_mode"] = sci_mode


def _shown(a: np.ndarray, summarize: bool) -> np.ndarray:
    """The entries that will be printed (the edges only, when summarised)."""
    if not summarize:
        return a.reshape(-1)
    k = PRINT_OPTIONS["edgeitems"]
    for axis in range(a.ndim):
        if a.shape[axis] > 2 * k:
            a = np.concatenate([a.take(range(k), axis), a.take(range(-k, 0), axis)], axis)
    return a.reshape(-1)


def _float_formatter(values: np.ndarray):
    """The function that turns one float into text, chosen from all shown values."""
    p = PRINT_OPTIONS["precision"]
    finite = values[np.isfinite(values)].astype(np.float64)
    nonzero = np.abs(finite[finite != 0])
    sci = PRINT_OPTIONS["sci_mode"]
    spec, suffix = f".{p}f", ""
    if np.all(nonzero == np.ceil(nonzero)):  # whole numbers (or none): "1."
        if sci is None:
            sci = nonzero.size > 0 and (nonzero.max() / nonzero.min() > 1000.0
                                        or nonzero.max() > 1e8)
        spec, suffix = ".0f", "."
    elif nonzero.size and sci is None:
        hi, lo = nonzero.max(), nonzero.min()
        sci = hi / lo > 1000.0 or hi > 1e8 or lo < 1e-4
    if sci:
        spec, suffix = f".{p}e", ""
    return lambda v: f"{v:{spec}}{suffix}" if np.isfinite(v) else f"{v}"


def _formatter(a: np.ndarray, summarize: bool):
    shown = _shown(a, summarize)
    if a.dtype.kind == "f":
        fmt = _float_formatter(shown)
    elif a.dtype.kind == "b":
        fmt = lambda v: "True" if v else "False"  # noqa: E731
    else:
        fmt = lambda v: str(int(v))  # noqa: E731
    width = max((len(fmt(v)) for v in shown), default=1)
    return lambda v: fmt(v).rjust(width), width


def _block(a: np.ndarray, fmt, width: int, indent: int, summarize: bool) -> str:
    k = PRINT_OPTIONS["edgeitems"]
    n = a.shape[0]
    cut = summarize and n > 2 * k
    items = list(range(k)) + [None] + list(range(n - k, n)) if cut else list(range(n))
    if a.ndim == 1:
        texts = [" ..." if i is None else fmt(a[i]) for i in items]
        per_line = max(1, (PRINT_OPTIONS["linewidth"] - indent) // (width + 2))
        lines = [", ".join(texts[j:j + per_line]) for j in range(0, len(texts), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    sep = "," + "\n" * (a.ndim - 1) + " " * (indent + 1)
    parts = ["..." if i is None else _block(a[i], fmt, width, indent + 1, summarize)
             for i in items]
    return "[" + sep.join(parts) + "]"


def format_array(a: np.ndarray, indent: int = 7) -> str:
    """The body of ``tensor(...)``: ``a`` laid out as PyTorch lays it out, assuming the
    text starts ``indent`` columns in (``len("tensor(")``)."""
    if a.ndim == 0:
        return _formatter(a.reshape(1), False)[0](a.item()).strip()
    if a.size == 0:
        return "[]"
    summarize = a.size > PRINT_OPTIONS["threshold"]
    fmt, width = _formatter(a, summarize)
    return _block(a, fmt, width, indent, summarize)


def tensor_repr(a: np.ndarray, grad_fn_name: str | None, requires_grad: bool,
                device: str | None = None) -> str:
    """``tensor(...)`` with PyTorch's suffixes: ``device='cuda:0'`` off the default
    device; ``dtype=`` unless the default float, int64 or bool; ``grad_fn=<MulBackward0>``
    or ``requires_grad=True``; each on a new line when it would pass the line width."""
    text = "tensor(" + format_array(a)
    extras = [] if device is None else [f"device='{device}'"]
    if a.size == 0 and a.ndim > 1:
        extras.append(f"size={tuple(a.shape)}")
    if a.dtype not in (get_default_dtype(), np.int64, np.bool_):
        extras.append(f"dtype={public_dtype(a.dtype)!r}")
    if grad_fn_name is not None:
        extras.append(f"grad_fn=<{grad_fn_name}>")
    elif requires_grad:
        extras.append("requires_grad=True")
    for extra in extras:
        last = len(text) - text.rfind("\n") - 1
        wrap = last + len(extra) + 2 > PRINT_OPTIONS["linewidth"]
        text += (",\n       " if wrap else ", ") + extra
    return text + ")"
