"""Gradient check of a whole model: backprop against central finite differences for
every parameter tensor, in float64, reported as a table (seed 004's "gradient check")."""

from __future__ import annotations

import sys

import numpy as np

from .autograd import no_grad
from .gradcheck import central_difference
from .tensor import Tensor

__all__ = ["gradcheck_module"]


def _as_float64(v):
    if isinstance(v, Tensor):
        return Tensor._make(v._array.astype(np.float64)) if v.is_floating_point() else v
    arr = np.asarray(v)
    return Tensor._make(arr.astype(np.float64)) if arr.dtype.kind == "f" else v


def gradcheck_module(model, loss_fn, x, y, *, eps: float = 1e-6, tol: float = 1e-6,
                     atol: float = 1e-8, max_entries: int | None = None, generator=None,
                     verbose: bool = True, file=None) -> dict:
    r"""Compare backprop with finite differences for each parameter tensor of ``model``.

    For each parameter ``W`` the gradient of ``L = loss_fn(model(x), y)`` is computed by
    ``backward()`` and by central differences,
    ``dL/dW_j ~ (L(W + eps e_j) - L(W - eps e_j)) / (2 eps)``, and compared by the
    relative error::

        ||backprop - numeric|| / max(||backprop||, ||numeric||)

    It is 0 when both norms are below ``atol``: both gradients are then zero to the
    precision of finite differences (whose rounding noise is about
    ``1e-16 |L| / eps``), and their ratio would only measure that noise.

    The whole check runs in float64: the parameters are converted in place for the
    check and restored afterwards, as are the buffers (e.g. batch-norm running
    statistics).

    Parameters
    ----------
    model : nn.Module
    loss_fn : callable or None
        ``loss_fn(output, y)`` returning a scalar tensor (e.g. ``nn.CrossEntropyLoss()``).
        ``None`` uses the model's own ``objective(x, y)`` (the course models).
    x, y : Tensor or array
        A small batch; floating inputs are converted to float64.
    eps : float
        Finite-difference step.
    tol : float
        Relative error above which a tensor is marked ``FAIL`` in the table.
    atol : float
        Gradient norm below which a gradient counts as zero (see above).
    max_entries : int, optional
        Check at most this many entries of each tensor, chosen at random from
        ``generator`` (default: all; each entry costs two forward passes).
    verbose : bool
        Print the table (to ``file``, default standard output).

    Returns
    -------
    dict
        ``{parameter name: relative error}``.

    Examples
    --------
    >>> import reseau
    >>> from reseau import nn
    >>> _ = reseau.manual_seed(0)
    >>> net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    >>> x, y = reseau.randn(5, 3), reseau.tensor([0, 1, 1, 0, 1])
    >>> errors = reseau.gradcheck_module(net, nn.CrossEntropyLoss(), x, y, verbose=False)
    >>> max(errors.values()) < 1e-6
    True
    """
    if not callable(getattr(model, "named_parameters", None)):
        raise TypeError(f"gradcheck_module: model must be an nn.Module, got "
                        f"{type(model).__name__}")
    if loss_fn is None and not callable(getattr(model, "objective", None)):
        raise TypeError(f"gradcheck_module: loss_fn is None but {type(model).__name__} has no "
                        "objective(x, y); pass a loss, e.g. nn.CrossEntropyLoss()")
    params = [(name, p) for name, p in model.named_parameters() if p.requires_grad]
    if not params:
        raise ValueError("gradcheck_module: the model has no parameter that requires a gradient")
    buffers = list(model.buffers()) if callable(getattr(model, "buffers", None)) else []
    saved_params = [p._array for _, p in params]
    saved_grads = [p.grad for _, p in params]
    saved_buffers = [b._array.copy() for b in buffers]
    x64, y64 = _as_float64(x), _as_float64(y)

    def loss() -> Tensor:
        out = model.objective(x64, y64) if loss_fn is None else loss_fn(model(x64), y64)
        if not isinstance(out, Tensor) or out._array.size != 1:
            raise ValueError(f"gradcheck_module: the loss must be a scalar Tensor, got "
                             f"{type(out).__name__} of shape {getattr(out, 'shape', None)}")
        return out

    def value() -> float:
        with no_grad():
            return float(loss()._array)

    rows, errors = [], {}
    try:
        for _, p in params:
            p._array = p._array.astype(np.float64)
            p.grad = None
        loss().reshape(()).backward()
        first, second = value(), value()
        if first != second:
            raise ValueError(
                f"gradcheck_module: the loss is not deterministic ({first!r} then {second!r} "
                "at the same parameters): dropout in training mode? call model.eval() first"
            )
        rng = generator if generator is not None else np.random.default_rng(0)
        for name, p in params:
            analytic = np.zeros(p.shape) if p.grad is None else p.grad._array.astype(np.float64)
            size = p._array.size
            picked = np.arange(size)
            if max_entries is not None and size > max_entries:
                picked = np.sort(rng.choice(size, size=max_entries, replace=False))
            numeric = central_difference(value, p._array, eps, picked)
            a = analytic.reshape(-1)[picked]
            scale = max(np.linalg.norm(a), np.linalg.norm(numeric))
            rel = float(np.linalg.norm(a - numeric) / scale) if scale > atol else 0.0
            max_abs = float(np.abs(a - numeric).max()) if picked.size else 0.0
            errors[name] = rel
            rows.append((name, str(tuple(p.shape)), f"{picked.size}/{size}",
                         f"{max_abs:.2e}", f"{rel:.2e}", "ok" if rel <= tol else "FAIL"))
    finally:
        for (_, p), data, grad in zip(params, saved_params, saved_grads):
            p._array, p.grad = data, grad
        for b, data in zip(buffers, saved_buffers):
            b._array[...] = data
    if verbose:
        header = ("parameter", "shape", "entries", "max abs diff", "relative error", "")
        widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
        out = sys.stdout if file is None else file
        for r in [header] + rows:
            print("  ".join(c.ljust(w) if i in (0, 1) else c.rjust(w)
                            for i, (c, w) in enumerate(zip(r, widths))).rstrip(), file=out)
    return errors
