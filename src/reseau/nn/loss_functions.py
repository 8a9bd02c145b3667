"""The loss functions of ``reseau.nn.functional``, with PyTorch's names, arguments and
values.

Each takes ``reduction``: ``'mean'`` (the default) averages the per-element losses,
``'sum'`` adds them, ``'none'`` returns them. The cross-entropies and the logistic
losses are fused primitives (``reseau.ops``) with stable formulas; the others are
composed from differentiable ops, so their gradients come from the engine.

A multi-term loss is a weighted sum of these: ``loss = ce + 0.1 * mse``.
"""

from __future__ import annotations

import math

import numpy as np

from .. import backend
from ..ops import nn as _fused
from ..ops._args import arange_on
from ..ops.elementwise import clamp, log, where
from ..ops.losses import BinaryCrossEntropy, MseLoss
from ..ops.nn import check_class_indices
from ..ops.reduce import log_softmax
from ..ops.registry import apply
from ..tensor import Tensor

__all__ = [
    "l1_loss", "mse_loss", "huber_loss", "smooth_l1_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss", "multi_margin_loss",
    "hinge_embedding_loss", "cosine_embedding_loss", "margin_ranking_loss",
    "gaussian_nll_loss", "gaussian_nll_loss_precision", "kl_div",
]

_REDUCTIONS = ("mean", "sum", "none")


# --------------------------------------------------------------------- helpers
def _check_reduction(reduction: str, name: str, allowed=_REDUCTIONS) -> None:
    if reduction not in allowed:
        raise ValueError(
            f"{name}: reduction must be one of {', '.join(map(repr, allowed))}, got {reduction!r}"
        )


def _reduce(losses: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    return losses


def _tensor(x, name: str, arg: str) -> Tensor:
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (np.ndarray, list, tuple, int, float, np.number)):
        return Tensor._of(x)
    raise TypeError(f"{name}: {arg} must be a Tensor, got {type(x).__name__}")


def _floating_input(x, name: str, arg: str = "input") -> Tensor:
    x = _tensor(x, name, arg)
    if not x.is_floating_point():
        raise TypeError(
            f"{name}: {arg} must be a floating tensor, got dtype {x.dtype}; "
            f"convert it with {arg}.float()"
        )
    return x


def _float_target(input: Tensor, target, name: str, *, allow_int: bool) -> Tensor:
    """The target as a floating tensor of the input's shape and dtype."""
    target = _tensor(target, name, "target")
    if not target.is_floating_point():
        if not allow_int:
            raise TypeError(
                f"{name}: target must be floating (0/1 labels or probabilities), got dtype "
                f"{target.dtype}; convert it with target.float(). (Integer class indices "
                "go to cross_entropy or nll_loss.)"
            )
        target = target.to(input.dtype)
    elif target.dtype != input.dtype:
        target = target.to(input.dtype)
    if target.shape != input.shape:
        raise ValueError(
            f"{name}: target shape {target._array.shape} must equal the input shape"
            f" {input._array.shape}; "
            "reshape one of them (e.g. a (N, 1) output against a (N,) target: "
            "output.squeeze(1))"
        )
    return target


def _const(x, like: Tensor, name: str, arg: str, shape=None) -> np.ndarray | None:
    """An optional per-class or per-element weight as a constant array."""
    if x is None:
        return None
    arr = backend.asarray(x._array if isinstance(x, Tensor) else x, like.dtype,
                          device=backend.device_of(like._array))  # where the input is
    if shape is not None and arr.shape != shape:
        raise ValueError(f"{name}: {arg} must have shape {tuple(shape)}, got "
                         f"{tuple(arr.shape)}")
    return arr


def _class_indices(target, n_classes: int, ignore_index: int | None, name: str) -> np.ndarray:
    t = target._array if isinstance(target, Tensor) else backend.asarray(target)
    check_class_indices(t, n_classes, ignore_index, name)
    return t


def _classes_last(input: Tensor, target_shape: tuple, name: str) -> Tensor:
    """(N, C, d1, ...) -> (N * d1 * ..., C), checking the target shape (N, d1, ...)."""
    expected = (input.shape[0],) + input.shape[2:]
    if target_shape != expected:
        raise ValueError(
            f"{name}: for input of shape {tuple(input.shape)} (N, C, ...) the class-index target "
            f"must have shape {expected}, got {target_shape}"
        )
    c = input.shape[1]
    if input.ndim > 2:
        input = input.permute(0, *range(2, input.ndim), 1)
    return input.reshape(-1, c)


# --------------------------------------------------------------------- regression
def l1_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Mean absolute error: ``l = |x - y|`` (gradient ``sign(x - y)``, 0 at a tie)."""
    _check_reduction(reduction, "l1_loss")
    input = _floating_input(input, "l1_loss")
    target = _float_target(input, target, "l1_loss", allow_int=True)
    return _reduce((input - target).abs(), reduction)


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Mean squared error: ``l = (x - y)^2``."""
    _check_reduction(reduction, "mse_loss")
    input = _floating_input(input, "mse_loss")
    target = _float_target(input, target, "mse_loss", allow_int=True)
    if reduction != "none" and input._array.size:  # one node, MseLossBackward0 as PyTorch's
        return apply(MseLoss, input, target, mean=reduction == "mean")
    d = input - target
    return d * d


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean",
               delta: float = 1.0) -> Tensor:
    """Huber loss, with ``d = x - y``: ``l = d^2 / 2`` if ``|d| < delta``, else
    ``delta (|d| - delta / 2)``: quadratic near 0, linear (robust to outliers) beyond."""
    _check_reduction(reduction, "huber_loss")
    if not delta > 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    input = _floating_input(input, "huber_loss")
    target = _float_target(input, target, "huber_loss", allow_int=True)
    d = input - target
    a = d.abs()
    return _reduce(where(a < delta, 0.5 * d * d, delta * (a - 0.5 * delta)), reduction)


def smooth_l1_loss(input: Tensor, target: Tensor, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """Smooth L1, with ``d = x - y``: ``l = d^2 / (2 beta)`` if ``|d| < beta``, else
    ``|d| - beta / 2`` (Huber divided by beta; ``beta = 0`` is the L1 loss)."""
    _check_reduction(reduction, "smooth_l1_loss")
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    input = _floating_input(input, "smooth_l1_loss")
    target = _float_target(input, target, "smooth_l1_loss", allow_int=True)
    d = input - target
    a = d.abs()
    if beta == 0:
        return _reduce(a, reduction)
    return _reduce(where(a < beta, (0.5 / beta) * d * d, a - 0.5 * beta), reduction)


def gaussian_nll_loss(input: Tensor, target: Tensor, var, full: bool = False,
                      eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of ``target`` under N(input, var):
    ``l = (log(max(var, eps)) + (x - y)^2 / max(var, eps)) / 2`` (+ ``log(2 pi) / 2``
    if ``full``).

    ``var`` has the input's shape (one variance per output), or the input's shape
    without its last dimension or with a 1 in one dimension (shared variance), or is
    a float. As in PyTorch, the clamp at ``eps`` lets the gradient through unchanged.
    """
    return _gaussian_nll("gaussian_nll_loss", input, target, var, full, eps, reduction,
                         precision=False)


def gaussian_nll_loss_precision(input: Tensor, target: Tensor, precision, full: bool = False,
                                eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """Gaussian negative log-likelihood with the network predicting the *precision*
    ``beta = 1 / sigma^2`` instead of the variance (seed 004; Goodfellow et al.,
    6.2.2.4): ``l = (beta (x - y)^2 - log(max(beta, eps))) / 2`` (+ ``log(2 pi) / 2``).

    The same value as ``gaussian_nll_loss(input, target, 1 / precision)`` but with no
    division: the gradient in ``beta``, ``((x - y)^2 - 1 / beta) / 2``, stays
    well-behaved. Make the precision positive with e.g. ``softplus`` or ``exp``.
    Shapes as for ``gaussian_nll_loss``.
    """
    return _gaussian_nll("gaussian_nll_loss_precision", input, target, precision, full, eps,
                         reduction, precision=True)


def _gaussian_nll(name, input, target, var, full, eps, reduction, precision: bool) -> Tensor:
    _check_reduction(reduction, name)
    what = "precision" if precision else "var"
    input = _floating_input(input, name)
    target = _float_target(input, target, name, allow_int=True)
    if isinstance(var, (int, float)) and not isinstance(var, bool):
        var = Tensor._make(np.full_like(input._array, float(var)))
    var = _floating_input(var, name, what)
    if var.dtype != input.dtype:
        var = var.to(input.dtype)
    if var.shape != input.shape:
        mismatched = [(a, b) for a, b in zip(input.shape, var.shape) if a != b]
        if input.shape[:-1] == var.shape:
            var = var.unsqueeze(-1)
        elif not (var.ndim == input.ndim and len(mismatched) == 1 and mismatched[0][1] == 1):
            raise ValueError(
                f"{name}: {what} has shape {tuple(var.shape)}, which does not fit the input "
                f"{input._array.shape}: expected {input._array.shape},"
                f" {input._array.shape[:-1]}, or the input's "
                "shape with a 1 in one dimension"
            )
    if (var._array < 0).any():
        raise ValueError(f"{name}: {what} has negative entries (min {var._array.min()}); "
                         f"it must be >= 0")
    # clamp the value at eps but let the gradient through unchanged (PyTorch's
    # no_grad clamp_): add the constant max(v, eps) - v
    v = var._array
    var = var + Tensor._make(np.maximum(v, eps) - v)
    d2 = (input - target) ** 2
    if precision:
        loss = 0.5 * (var * d2 - log(var))
    else:
        loss = 0.5 * (log(var) + d2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


# --------------------------------------------------------------------- binary
def binary_cross_entropy(input: Tensor, target: Tensor, weight=None,
                         reduction: str = "mean") -> Tensor:
    """Binary cross-entropy on probabilities ``x`` in [0, 1]:
    ``l = -w [y log x + (1 - y) log(1 - x)]``, each log clamped at -100 (so that
    x = 0 or 1 gives a finite loss). Prefer ``binary_cross_entropy_with_logits``
    on the raw scores: it is stable without clamping."""
    _check_reduction(reduction, "binary_cross_entropy")
    input = _floating_input(input, "binary_cross_entropy")
    target = _float_target(input, target, "binary_cross_entropy", allow_int=False)
    x = input._array
    outside = (x < 0) | (x > 1) | np.isnan(x)
    if outside.any():
        raise ValueError(
            f"binary_cross_entropy: input must hold probabilities in [0, 1], got "
            f"{float(x[outside].flat[0]):.6g}; apply sigmoid first, or use "
            "binary_cross_entropy_with_logits on the raw scores"
        )
    w = _const(weight, input, "binary_cross_entropy", "weight")
    if w is not None and np.broadcast_shapes(w.shape, input.shape) != input.shape:
        raise ValueError(
            f"binary_cross_entropy: weight of shape {tuple(w.shape)} does not broadcast to the "
            f"input shape {tuple(input.shape)}"
        )
    return _reduce(apply(BinaryCrossEntropy, input, target, weight=w), reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight=None,
                                     reduction: str = "mean", pos_weight=None) -> Tensor:
    """Binary cross-entropy on logits ``z``, stable for any ``z``:
    ``l = -w [p y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))]``; ``pos_weight`` (p)
    weighs the positive examples, one value per class (last dimension)."""
    name = "binary_cross_entropy_with_logits"
    _check_reduction(reduction, name)
    input = _floating_input(input, name)
    target = _float_target(input, target, name, allow_int=False)
    for arg, value in (("weight", weight), ("pos_weight", pos_weight)):
        arr = _const(value, input, name, arg)
        if arr is not None and np.broadcast_shapes(arr.shape, input.shape) != input.shape:
            raise ValueError(f"{name}: {arg} of shape {tuple(arr.shape)} does not broadcast to the "
                             f"input shape {tuple(input.shape)}")
    return _fused.binary_cross_entropy_with_logits(input, target, weight, reduction, pos_weight)


# --------------------------------------------------------------------- classes
def cross_entropy(input: Tensor, target: Tensor, weight=None, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy between softmax(input) along dim 1 and the target:
    ``l = -w_y log softmax(x)_y = -w_y (x_y - logsumexp(x))``.

    ``input``: logits of shape (N, C), (C,) or (N, C, d1, ...). ``target``: integer
    class indices of shape (N,) (or (), (N, d1, ...)), or class probabilities of the
    input's shape (floating). ``label_smoothing`` e mixes the target with the uniform
    distribution: ``(1 - e) y + e / C``. With indices, 'mean' divides by the sum of the
    weights of the non-ignored targets; with probabilities, by N.
    """
    name = "cross_entropy"
    if (type(input) is Tensor and type(target) is Tensor and input._array.ndim == 2
            and target._array.ndim == 1 and input._array.dtype.kind == "f"
            and target._array.dtype.kind in "iu"):
        # the common case: the fused op checks the reduction, weight and indices itself
        return _fused.cross_entropy(input, target, weight, ignore_index, reduction,
                                    label_smoothing)
    _check_reduction(reduction, name)
    input = _floating_input(input, name)
    if input.ndim == 0:
        raise ValueError(f"{name}: input must have a class dimension, got a 0-d tensor")
    target = _tensor(target, name, "target")
    class_dim = 1 if input.ndim >= 2 else 0
    c = input.shape[class_dim]
    w = _const(weight, input, name, "weight", shape=(c,))
    if target.is_floating_point():
        if target.shape != input.shape:
            raise TypeError(
                f"{name}: got a floating target of shape {tuple(target.shape)} for input "
                f"{tuple(input.shape)}: class indices must be integers (target.long()), class "
                f"probabilities must have the input's shape {tuple(input.shape)}"
            )
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"{name}: label_smoothing must be in [0, 1], got {label_smoothing}")
        target = target.to(input.dtype) if target.dtype != input.dtype else target
        if label_smoothing:
            target = target * (1 - label_smoothing) + label_smoothing / c
        terms = log_softmax(input, class_dim) * target
        if w is not None:
            terms = terms * Tensor._make(w.reshape((c,) + (1,) * (input.ndim - class_dim - 1)))
        return _reduce(-terms.sum(class_dim), reduction)
    if target.shape == input.shape and input.ndim >= 2:
        raise TypeError(
            f"{name}: target has the input's shape {tuple(input.shape)} but integer dtype "
            f"{target.dtype}: class probabilities must be floating (target.float()); class "
            f"indices must have shape {(input.shape[0],) + input.shape[2:]}"
        )
    t = _class_indices(target, c, ignore_index, name)
    if input.ndim == 1:
        if t.shape != ():
            raise ValueError(f"{name}: for input of shape {input._array.shape} (C,) the target"
                             f" must "
                             f"be a single class index of shape (), got {tuple(t.shape)}")
        return _fused.cross_entropy(input, Tensor._make(t), w, ignore_index, reduction,
                                    label_smoothing)
    flat = _classes_last(input, t.shape, name)
    out = _fused.cross_entropy(flat, Tensor._make(t.reshape(-1)), w, ignore_index, reduction,
                               label_smoothing)
    return out.reshape(t.shape) if reduction == "none" else out


def nll_loss(input: Tensor, target: Tensor, weight=None, ignore_index: int = -100,
             reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of class indices given log-probabilities (the output of
    ``log_softmax``): ``l = -w_y x_y``; 'mean' divides by the sum of the weights of the
    non-ignored targets. Shapes as for ``cross_entropy`` with indices."""
    name = "nll_loss"
    _check_reduction(reduction, name)
    input = _floating_input(input, name)
    if input.ndim == 0:
        raise ValueError(f"{name}: input must have a class dimension, got a 0-d tensor")
    c = input.shape[1] if input.ndim >= 2 else input.shape[0]
    t = _class_indices(target, c, ignore_index, name)
    if input.ndim == 1:
        if t.shape != ():
            raise ValueError(f"{name}: for input of shape {input._array.shape} (C,) the target"
                             f" must "
                             f"be a single class index of shape (), got {tuple(t.shape)}")
        flat, tf = input.reshape(1, c), t.reshape(1)
    else:
        flat, tf = _classes_last(input, t.shape, name), t.reshape(-1)
    w = _const(weight, input, name, "weight", shape=(c,))
    keep = tf != ignore_index
    safe = np.where(keep, tf, 0)
    wy = (np.ones_like(input._array, shape=c) if w is None else w)[safe] * keep
    losses = -flat[arange_on(tf, tf.shape[0]), safe] * Tensor._make(wy)
    if reduction == "mean":
        return losses.sum() / Tensor._make(backend.asarray(wy.sum(), input.dtype))
    if reduction == "sum":
        return losses.sum()
    return losses.reshape(t.shape)


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,
                      weight=None, reduction: str = "mean") -> Tensor:
    """Multiclass hinge loss (the multiclass SVM of seed 004):
    ``l_i = sum_{j != y_i} w_{y_i} max(0, margin - x_{y_i} + x_j)^p / C``.

    PyTorch divides by the number of classes C: the course's
    ``L_i = sum_{j != y_i} max(0, s_j - s_{y_i} + 1)`` is ``C`` times this with p = 1.
    """
    name = "multi_margin_loss"
    _check_reduction(reduction, name)
    if p not in (1, 2):
        raise ValueError(f"{name}: only p = 1 and p = 2 are supported, got {p}")
    input = _floating_input(input, name)
    if input.ndim not in (1, 2):
        raise ValueError(f"{name}: input must be (N, C) or (C,), got shape {tuple(input.shape)}")
    c = input.shape[-1]
    t = _class_indices(target, c, None, name)
    expected = input.shape[:1] if input.ndim == 2 else ()
    if t.shape != expected:
        raise ValueError(f"{name}: target must have shape {tuple(expected)} for input "
                         f"{tuple(input.shape)}, got {tuple(t.shape)}")
    x = input.reshape(-1, c)
    tf = t.reshape(-1)
    rows = arange_on(tf, tf.shape[0])
    z = margin - x[rows, tf].unsqueeze(1) + x  # (N, C)
    h = z.relu()
    if p == 2:
        h = h * h
    others = np.ones_like(input._array, shape=x.shape)
    others[rows, tf] = 0  # the true class does not count against itself
    w = _const(weight, input, name, "weight", shape=(c,))
    if w is not None:
        others *= w[tf][:, None]
    losses = (h * Tensor._make(others)).sum(1) / c
    return _reduce(losses.reshape(expected), reduction)


# --------------------------------------------------------------------- embeddings, rankings
def _pm_one_target(target, shape, dtype, name: str) -> Tensor:
    target = _tensor(target, name, "target")
    if target.shape != shape:
        raise ValueError(f"{name}: target must have shape {tuple(shape)}, got "
                         f"{tuple(target.shape)}")
    return target.to(dtype) if target.dtype != dtype else target


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0,
                         reduction: str = "mean") -> Tensor:
    """Hinge loss on a distance ``x`` with a target ``y`` of 1 (similar pair: ``l = x``)
    or -1 (dissimilar pair: ``l = max(0, margin - x)``)."""
    name = "hinge_embedding_loss"
    _check_reduction(reduction, name)
    input = _floating_input(input, name)
    target = _pm_one_target(target, input.shape, input.dtype, name)
    y = target._array
    margin_part = where(Tensor._make(y != 1), clamp(margin - input, min=0), 0.0)
    self_part = where(Tensor._make(y != -1), input, 0.0)
    return _reduce(margin_part + self_part, reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                          reduction: str = "mean") -> Tensor:
    """Cosine embedding loss on pairs of embeddings (rows of ``input1``, ``input2``):
    ``l = 1 - cos(a, b)`` if y = 1, ``max(0, cos(a, b) - margin)`` if y = -1, with
    ``cos = a.b / sqrt((|a|^2 + 1e-12)(|b|^2 + 1e-12))``."""
    name = "cosine_embedding_loss"
    _check_reduction(reduction, name)
    a = _floating_input(input1, name, "input1")
    b = _floating_input(input2, name, "input2")
    if a.shape != b.shape or a.ndim not in (1, 2):
        raise ValueError(f"{name}: input1 and input2 must have the same shape (N, D) or (D,), "
                         f"got {tuple(a.shape)} and {tuple(b.shape)}")
    target = _pm_one_target(target, a.shape[:-1], a.dtype, name)
    eps = 1e-12  # PyTorch's EPSILON: a zero vector gives cos = 0, not NaN
    dot = (a * b).sum(-1)
    cos = dot / ((((a * a).sum(-1) + eps) * ((b * b).sum(-1) + eps)).sqrt())
    y = target._array
    pos = where(Tensor._make(y == 1), 1 - cos, 0.0)
    neg = where(Tensor._make(y == -1), clamp(cos - margin, min=0), 0.0)
    return _reduce(pos + neg, reduction)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                        reduction: str = "mean") -> Tensor:
    """Ranking hinge: ``l = max(0, -y (x1 - x2) + margin)``; y = 1 means x1 should rank
    higher than x2 (by at least ``margin``), y = -1 the reverse."""
    name = "margin_ranking_loss"
    _check_reduction(reduction, name)
    x1 = _floating_input(input1, name, "input1")
    x2 = _floating_input(input2, name, "input2")
    if x1.shape != x2.shape:
        raise ValueError(f"{name}: input1 and input2 must have the same shape, got "
                         f"{tuple(x1.shape)} and {tuple(x2.shape)}")
    target = _pm_one_target(target, x1.shape, x1.dtype, name)
    return _reduce(clamp(-target * (x1 - x2) + margin, min=0), reduction)


# --------------------------------------------------------------------- distributions
def kl_div(input: Tensor, target: Tensor, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """Kullback-Leibler divergence KL(target || model) with ``input`` the model's
    log-probabilities: ``l = y (log y - x)`` (0 where y = 0), or with
    ``log_target=True`` and the target given as log-probabilities,
    ``l = exp(y) (y - x)``. ``'batchmean'`` divides the sum by the batch size N: the
    mathematical KL divergence averaged over examples ('mean' divides by every
    element)."""
    name = "kl_div"
    _check_reduction(reduction, name, ("mean", "sum", "none", "batchmean"))
    input = _floating_input(input, name)
    target = _float_target(input, target, name, allow_int=False)
    if log_target:
        losses = target.exp() * (target - input)
    else:
        y = target._array
        # y log y with 0 log 0 = 0 (xlogy); log(1) = 0 keeps the gradient finite at y = 0
        safe = where(Tensor._make(y == 0), 1.0, target)
        losses = target * log(safe) - target * input
    if reduction == "batchmean":
        n = input.shape[0] if input.ndim else 1
        return losses.sum() / n
    return _reduce(losses, reduction)
