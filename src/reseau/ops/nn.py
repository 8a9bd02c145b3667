"""Fused primitives for neural networks: ``linear``, ``cross_entropy`` and
``binary_cross_entropy_with_logits``. Each is one node with a closed-form VJP, cheaper
and more stable than the composition of its parts."""

from __future__ import annotations

import numpy as np

from .. import backend
from ..dtypes import promote_float
from ..tensor import Tensor
from ._args import arange_on
from .registry import apply, register

__all__ = ["linear", "cross_entropy", "binary_cross_entropy_with_logits"]


@register("linear")
class Linear:
    """z = x @ W^T + b; dx = g @ W, dW = g^T @ x, db = sum of g over the batch"""

    def forward(ctx, x, w, b=None):
        ctx.x, ctx.w = x, w
        z = x @ w.T
        if b is not None:
            z += b
        return z

    def vjp(ctx, g):
        x, w = ctx.x, ctx.w
        needs = ctx.needs_input_grad
        gx = g @ w if needs[0] else None
        gw = gb = None
        g2 = g.reshape(-1, g.shape[-1]) if g.ndim != 2 else g
        if needs[1]:
            x2 = x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x
            gw = g2.T @ x2
        if len(needs) == 3 and needs[2]:
            gb = g2.sum(axis=0)
        return gx, gw, gb


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """Affine map ``x @ weight.T + bias``; ``weight`` has shape (out_features,
    in_features), ``x`` (..., in_features)."""
    xd, wd = x._array, weight._array
    if wd.ndim != 2:
        raise ValueError(f"linear: weight must be 2-D (out_features, in_features), got {wd.shape}")
    if xd.ndim == 0 or xd.shape[-1] != wd.shape[1]:
        raise ValueError(
            f"linear: input has {xd.shape[-1] if xd.ndim else 0} features but the layer expects "
            f"{wd.shape[1]} (input shape {tuple(xd.shape)}, weight shape {tuple(wd.shape)})"
        )
    if xd.dtype is not wd.dtype and promote_float(xd.dtype, wd.dtype) is wd.dtype:
        x = x.to(wd.dtype)  # integer or bool inputs (e.g. pixels) meet float weights
    if bias is None:
        return apply(Linear, x, weight)
    if bias._array.shape != (wd.shape[0],):
        raise ValueError(
            f"linear: bias must have shape ({wd.shape[0]},), got {bias._array.shape}"
        )
    return apply(Linear, x, weight, bias)


def _weighted_nll(ctx, logp, target, weight, ignore_index, eps):
    """Per-sample losses of ``CrossEntropy`` with class weights, ignored targets or
    label smoothing (its docstring's formula); saves what the VJP needs."""
    n, c = logp.shape
    keep = np.ones_like(target, dtype=bool) if ignore_index is None else target != ignore_index
    safe_t = np.where(keep, target, 0)
    w_all = np.ones_like(logp, shape=c) if weight is None else weight
    wy = w_all[safe_t] * keep  # weight of each sample's class, 0 if ignored
    losses = -(1 - eps) * wy * logp[arange_on(logp, n), safe_t]
    if eps:
        losses -= (eps / c) * (logp @ w_all) * keep
    ctx.target, ctx.wy, ctx.w_all, ctx.keep, ctx.denom = safe_t, wy, w_all, keep, wy.sum()
    return losses


#: the unsigned dtype of each integer size (a dtype object: no string to parse per call)
_UNSIGNED = {k: np.dtype(f"u{k}") for k in (1, 2, 4, 8)}


def check_class_indices(t: np.ndarray, c: int, ignore_index: int | None, op: str) -> bool:
    """Validate integer class indices in [0, c) (or equal to ``ignore_index``, if not
    None); return whether any target is ignored. Two reductions in the common case."""
    if t.dtype.kind not in "iu":
        raise TypeError(
            f"{op}: target must hold integer class indices, got dtype {t.dtype}; "
            "convert it with target.long()"
        )
    if t.size == 0:
        return False
    # one reduction: seen as unsigned, a negative index is huge, so max < c checks both ends
    if t.view(_UNSIGNED[t.dtype.itemsize]).max() < c:
        return ignore_index is not None and bool(
            0 <= ignore_index < c and (t == ignore_index).any())
    ignored = np.zeros_like(t, dtype=bool) if ignore_index is None else t == ignore_index
    bad = ~ignored & ((t < 0) | (t >= c))
    if bad.any():
        extra = "" if ignore_index is None else f", or ignore_index={ignore_index}"
        raise IndexError(
            f"{op}: target {int(t[bad].flat[0])} is out of range for {c} classes "
            f"(expected 0..{c - 1}{extra})"
        )
    return bool(ignored.any())


@register("cross_entropy", saves_inputs=False)
class CrossEntropy:
    """l_i = -(1-e) w_{y_i} log p_{i,y_i} - (e/C) sum_c w_c log p_{i,c}, p = softmax(z_i);
    dz_i = (1-e) w_{y_i} (p_i - onehot(y_i)) + (e/C)(sum(w) p_i - w)
    (without weights and smoothing: p_i - onehot(y_i)); mean divides by sum of w_{y_i}"""

    def forward(ctx, logits, target, weight, ignore_index, reduction, label_smoothing):
        n, c = logits.shape
        # checked here, not by the caller: a replayed step (compile) checks every batch
        if not check_class_indices(target, c, ignore_index, "cross_entropy"):
            ignore_index = None
        shifted = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        s = e.sum(axis=1, keepdims=True)
        logp = shifted - np.log(s)
        ctx.p = e / s  # softmax, kept for the backward
        ctx.eps, ctx.reduction = label_smoothing, reduction
        if weight is None and ignore_index is None and not label_smoothing:
            # the common case: no class weights, nothing ignored, no smoothing
            losses = -logp[arange_on(logp, n), target]
            ctx.target, ctx.wy, ctx.denom = target, None, n
        else:
            losses = _weighted_nll(ctx, logp, target, weight, ignore_index, label_smoothing)
        if reduction == "mean":  # all ignored: NaN, as PyTorch
            total = losses.sum() / ctx.denom if ctx.denom else np.nan
            return backend.asarray(total, dtype=logits.dtype)
        if reduction == "sum":
            return backend.asarray(losses.sum(), dtype=logits.dtype)
        return losses.astype(logits.dtype, copy=False)

    def vjp(ctx, g):
        p = ctx.p
        n, c = p.shape
        rows = arange_on(p, n)
        eps, wy = ctx.eps, ctx.wy
        if wy is None:
            grad = p.copy()
            grad[rows, ctx.target] -= 1
        else:
            grad = p * ((1 - eps) * wy)[:, None]
            grad[rows, ctx.target] -= (1 - eps) * wy
            if eps:
                grad += (eps / c) * (ctx.w_all.sum() * p - ctx.w_all) * ctx.keep[:, None]
        if ctx.reduction == "mean":
            grad *= g / ctx.denom if ctx.denom else np.nan
        elif ctx.reduction == "sum":
            grad *= g
        else:
            grad *= g[:, None]
        return grad, None


def cross_entropy(
    logits: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy of class-index targets, fused: log-softmax then negative
    log-likelihood, with gradient ``softmax(logits) - onehot(target)``.

    ``logits``: (N, C) or (C,); ``target``: (N,) or () integer class indices.
    """
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(
            f"cross_entropy: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    tdata = target._array if isinstance(target, Tensor) else backend.asarray(target)
    ldata = logits._array  # the array's attributes: Tensor.shape would build a Size per call
    if ldata.ndim == 1:
        out = cross_entropy(logits.reshape(1, -1), Tensor._make(tdata.reshape(1)), weight,
                            ignore_index, reduction, label_smoothing)
        return out.reshape(())
    if ldata.ndim != 2:
        raise ValueError(f"cross_entropy: logits must be (N, C) or (C,), got shape"
                         f" {ldata.shape}")
    n, c = ldata.shape
    if tdata.shape != (n,):
        raise ValueError(
            f"cross_entropy: target must have shape ({n},) to match logits {ldata.shape}, "
            f"got {tuple(tdata.shape)}"
        )
    w = None
    if weight is not None:
        w = backend.asarray(weight._array if isinstance(weight, Tensor) else weight,
                            device=backend.device_of(ldata)).astype(logits.dtype)
        if w.shape != (c,):
            raise ValueError(f"cross_entropy: weight must have shape ({c},), got {tuple(w.shape)}")
    return apply(CrossEntropy, logits, Tensor._make(tdata), weight=w,
                 ignore_index=ignore_index,
                 reduction=reduction, label_smoothing=float(label_smoothing))


@register("binary_cross_entropy_with_logits", saves_inputs=False)
class BCEWithLogits:
    """l = -w [p_w y log s(z) + (1 - y) log(1 - s(z))], s = sigmoid, p_w = pos_weight;
    dz = w [(p_w y + 1 - y) s(z) - p_w y], dy = -w [p_w log s(z) - log(1 - s(z))]"""

    def forward(ctx, z, y, weight, pos_weight, reduction):
        log_s = np.minimum(z, 0) - np.log1p(np.exp(-np.abs(z)))  # log sigmoid(z)
        log_1ms = log_s - z  # log(1 - sigmoid(z))
        pw = 1.0 if pos_weight is None else pos_weight
        losses = -(pw * y * log_s + (1 - y) * log_1ms)
        if weight is not None:
            losses = losses * weight
        ctx.z, ctx.y, ctx.w, ctx.pw, ctx.reduction = z, y, weight, pw, reduction
        ctx.log_s, ctx.log_1ms, ctx.shape = log_s, log_1ms, losses.shape
        if reduction == "mean":
            return backend.asarray(losses.mean(), dtype=z.dtype)
        if reduction == "sum":
            return backend.asarray(losses.sum(), dtype=z.dtype)
        return losses

    def vjp(ctx, g):
        if ctx.reduction == "mean":
            g = g / int(np.prod(ctx.shape))
        w = 1.0 if ctx.w is None else ctx.w
        y, pw = ctx.y, ctx.pw
        gz = gy = None
        if ctx.needs_input_grad[0]:
            s = np.exp(ctx.log_s)
            gz = g * w * ((pw * y + 1 - y) * s - pw * y)
        if ctx.needs_input_grad[1]:
            gy = -g * w * (pw * ctx.log_s - ctx.log_1ms)
        return gz, gy


def binary_cross_entropy_with_logits(
    logits: Tensor, target: Tensor, weight=None, reduction: str = "mean", pos_weight=None
) -> Tensor:
    """Binary cross-entropy on logits, stable for any logit (log-sigmoid computed as
    ``min(z, 0) - log(1 + exp(-|z|))``)."""
    from ._convert import binary_operands

    if reduction not in ("mean", "sum", "none"):
        raise ValueError(
            f"binary_cross_entropy_with_logits: reduction must be 'mean', 'sum' or 'none', "
            f"got {reduction!r}"
        )
    logits, target = binary_operands(logits, target, "binary_cross_entropy_with_logits")
    if logits.shape != target.shape:
        raise ValueError(
            f"binary_cross_entropy_with_logits: target shape {tuple(target.shape)} must equal the "
            f"input shape {tuple(logits.shape)}"
        )

    def arr(v):
        return None if v is None else backend.asarray(
            v._array if isinstance(v, Tensor) else v, dtype=logits.dtype,
            device=backend.device_of(logits._array))

    return apply(BCEWithLogits, logits, target, weight=arr(weight), pos_weight=arr(pos_weight),
                 reduction=reduction)
