"""``reseau.nn.functional``: the stateless functions behind the layers, with the names
of ``torch.nn.functional`` (``import reseau.nn.functional as F``).

Activations and ``linear`` are the primitives of ``reseau.ops``; ``dropout`` and
``batch_norm`` are written here; the losses live in ``loss_functions`` and are
re-exported.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .. import backend
from ..autograd import no_grad
from ..random import draw_bernoulli
from ..ops.activation import gelu, sigmoid, softplus, tanh
from ..ops.activation import leaky_relu as _leaky_relu
from ..ops.activation import log_sigmoid as logsigmoid
from ..ops.activation import relu as _relu
from ..ops.conv import conv1d, conv2d, conv_transpose2d, fold, unfold
from ..ops.elementwise import where as _where
from ..ops.nn import linear
from ..ops.pool import (
    adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool1d, avg_pool2d, interpolate, max_pool1d,
    max_pool2d,
)
from ..ops.reduce import log_softmax as _log_softmax
from ..ops.reduce import softmax as _softmax
from ..ops.registry import effect
from ..tensor import Tensor
from .activation_functions import (
    celu, elu, glu, hardshrink, hardsigmoid, hardswish, hardtanh, mish, prelu, relu6, selu,
    softmin, softshrink, softsign, tanhshrink, threshold,
)
from .distance import cosine_similarity, pairwise_distance
from .embedding import embedding, embedding_bag
from .loss_functions import (
    binary_cross_entropy, binary_cross_entropy_with_logits, cosine_embedding_loss,
    cross_entropy, gaussian_nll_loss, gaussian_nll_loss_precision, hinge_embedding_loss,
    huber_loss, kl_div, l1_loss, margin_ranking_loss, mse_loss, multi_margin_loss, nll_loss,
    smooth_l1_loss,
)
from .normalization import group_norm, instance_norm, layer_norm, normalize
from .padding import pad

__all__ = [
    "linear", "relu", "leaky_relu", "sigmoid", "tanh", "softplus", "gelu", "logsigmoid",
    "silu", "softmax", "log_softmax", "dropout", "batch_norm", "one_hot",
    "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "adaptive_max_pool2d", "max_pool1d",
    "avg_pool1d", "interpolate", "dropout2d",
    "conv1d", "conv2d", "conv_transpose2d", "unfold", "fold",
    "l1_loss", "mse_loss", "huber_loss", "smooth_l1_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss", "multi_margin_loss",
    "hinge_embedding_loss", "cosine_embedding_loss", "margin_ranking_loss",
    "gaussian_nll_loss", "gaussian_nll_loss_precision", "kl_div",
    "elu", "celu", "selu", "glu", "hardtanh", "relu6", "hardsigmoid", "hardswish", "mish",
    "softsign", "tanhshrink", "threshold", "hardshrink", "softshrink", "softmin", "prelu",
    "embedding", "embedding_bag", "layer_norm", "normalize", "pad", "cosine_similarity",
    "pairwise_distance", "group_norm", "instance_norm", "scaled_dot_product_attention",
    "dropout1d", "dropout3d",
]


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``max(x, 0)``. ``inplace`` is accepted for compatibility; the result is always
    a new tensor (same values)."""
    return _relu(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``x`` for x > 0, ``negative_slope * x`` otherwise. ``inplace`` is accepted for
    compatibility; the result is always a new tensor."""
    return _leaky_relu(input, negative_slope)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """SiLU (swish): ``x sigmoid(x)``."""
    return input * sigmoid(input)


def _softmax_dim(ndim: int, name: str) -> int:
    # PyTorch's implicit choice when dim is not given (deprecated there too)
    warnings.warn(
        f"{name}: implicit dimension choice is deprecated; pass dim explicitly "
        "(dim=-1 for the last axis, dim=1 for (N, C) scores)",
        UserWarning,
        stacklevel=3,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype=None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim``, stable (shifted by the max); ``dtype``
    casts the input first, as PyTorch."""
    if dim is None:
        dim = _softmax_dim(input.ndim, "softmax")
    return _softmax(input if dtype is None else input.to(dtype), dim)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
                dtype=None) -> Tensor:
    """``x - logsumexp(x)`` along ``dim``: stable log-probabilities; ``dtype`` casts the
    input first, as PyTorch."""
    if dim is None:
        dim = _softmax_dim(input.ndim, "log_softmax")
    return _log_softmax(input if dtype is None else input.to(dtype), dim)


def dropout(input: Tensor, p: float = 0.5, training: bool = True,
            inplace: bool = False) -> Tensor:
    """Inverted dropout: each entry is zeroed with probability ``p`` and the others are
    scaled by ``1 / (1 - p)``, so the expectation is unchanged and evaluation needs no
    rescaling. Identity when ``training`` is False or ``p == 0``; all zeros when
    ``p == 1``. The mask is PyTorch's for the same seed (``reseau.random``).
    ``inplace`` is accepted for compatibility; the result is always a new tensor.
    """
    if not isinstance(p, (int, float)) or isinstance(p, bool) or not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: probability p must be between 0 and 1, got {p!r}")
    return _dropout(input, p, training, input.shape)


def _dropout(input: Tensor, p: float, training: bool, mask_shape: tuple) -> Tensor:
    """``input`` times a mask of shape ``mask_shape`` (broadcast): 0 with probability p,
    ``1 / (1 - p)`` otherwise."""
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * Tensor._make(np.zeros_like(input._array, shape=()))
    # an effect: a compiled step (reseau.compile) draws a new mask at each replay
    device = None if type(input._array) is np.ndarray else backend.device_of(input._array)
    return input * effect(_dropout_mask, shape=mask_shape, dtype=input.dtype, p=p, device=device)


def _dropout_mask(shape, dtype, p, device):
    """PyTorch's CPU dropout noise: ``bernoulli_(1 - p)``, then divided by ``1 - p``
    (``device`` None: the cpu; a cuda device: its generator draws)."""
    if device is None:  # the cpu
        keep = draw_bernoulli(shape, dtype, 1.0 - p)
    else:
        keep = backend.draw("bernoulli", shape, dtype, 1.0 - p, device=device)
    return keep / np.dtype(dtype).type(1.0 - p)  # a NumPy scalar: any device takes it


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Channel dropout: each channel of an (N, C, H, W) or (C, H, W) input is zeroed
    whole with probability ``p``, the others scaled by ``1 / (1 - p)`` (neighbouring
    pixels are correlated, so dropping single pixels regularises little). As PyTorch, a
    3-D input is read as (N, C, L) with a warning."""
    if not isinstance(p, (int, float)) or isinstance(p, bool) or not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout2d: probability p must be between 0 and 1, got {p!r}")
    if input.ndim not in (3, 4):
        raise ValueError(f"dropout2d: expected a 4-D input (N, C, H, W) (or 3-D), got shape "
                         f"{tuple(input.shape)}")
    if input.ndim == 3:
        warnings.warn("dropout2d: received a 3-D input; as PyTorch, it is read as (N, C, L) "
                      "and whole (n, c) rows are dropped. Use dropout1d for (N, C, L) "
                      "inputs, or x.unsqueeze(0) for an unbatched image", UserWarning,
                      stacklevel=2)
    return _dropout(input, p, training, input.shape[:2] + (1,) * (input.ndim - 2))


def _feature_dropout(input: Tensor, p: float, training: bool, positions: int,
                     name: str) -> Tensor:
    """Whole channels dropped from an (N, C, *positions) input, or from an unbatched
    (C, *positions) one (read as a batch of one, as PyTorch)."""
    if not isinstance(p, (int, float)) or isinstance(p, bool) or not 0.0 <= p <= 1.0:
        raise ValueError(f"{name}: probability p must be between 0 and 1, got {p!r}")
    if input.ndim not in (positions + 1, positions + 2):
        raise ValueError(f"{name}: expected a {positions + 2}-D (batched) or "
                         f"{positions + 1}-D (unbatched) input, got shape {tuple(input.shape)}")
    batched = input.ndim == positions + 2
    x = input if batched else input.unsqueeze(0)
    out = _dropout(x, p, training, x.shape[:2] + (1,) * positions)
    return out if batched else out.squeeze(0)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Channel dropout of an (N, C, L) or (C, L) input: each channel zeroed whole with
    probability ``p``, the others scaled by ``1 / (1 - p)``."""
    return _feature_dropout(input, p, training, 1, "dropout1d")


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Channel dropout of an (N, C, D, H, W) or (C, D, H, W) input."""
    return _feature_dropout(input, p, training, 3, "dropout3d")


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1,
               eps: float = 1e-5) -> Tensor:
    """Batch normalisation over every axis but the channels of an (N, C, ...) input
    ((N, C), (N, C, L), (N, C, H, W)...), per channel C:
    ``y = (x - mean) / sqrt(var + eps) * weight + bias``.

    In training (or without running statistics) mean and var are the batch's, var
    biased (divided by n); the running statistics, when given, are updated in place:
    ``running = (1 - momentum) running + momentum * batch``, with the *unbiased* batch
    variance (divided by n - 1). In evaluation the running statistics are used.
    """
    if input.ndim < 2:
        raise ValueError(
            f"batch_norm: expected an (N, C, ...) input of at least 2 dimensions, got shape "
            f"{tuple(input.shape)}"
        )
    c = input.shape[1]
    for arg, t in (("running_mean", running_mean), ("running_var", running_var),
                   ("weight", weight), ("bias", bias)):
        if t is not None and t.shape != (c,):
            raise ValueError(
                f"batch_norm: {arg} has shape {tuple(t.shape)} but the input has {c} channels "
                f"(input shape {tuple(input.shape)}); expected ({c},)"
            )
    axes = (0,) + tuple(range(2, input.ndim))  # every axis but the channels
    bshape = (1, c) + (1,) * (input.ndim - 2)
    use_batch = training or running_mean is None or running_var is None
    if use_batch:
        n = input.numel() // c if c else 0
        if n <= 1:
            raise ValueError(
                f"batch_norm: expected more than 1 value per channel when training, got "
                f"input shape {tuple(input.shape)}; use a batch of 2 or more, or call .eval()"
            )
        mean = input.mean(axes, keepdim=True)
        var = input.var(axes, keepdim=True, correction=0)
        if training and running_mean is not None and running_var is not None:
            m = momentum
            with no_grad():  # an effect: a compiled step repeats it at each replay
                effect(_update_running, running_mean, running_var, mean, var, m=m, n=n)
                running_mean._version += 1
                running_var._version += 1
        out = (input - mean) / (var + eps).sqrt()
    else:
        mean = running_mean._array.reshape(bshape).astype(input.dtype)
        inv_std = 1.0 / np.sqrt(running_var._array.reshape(bshape).astype(input.dtype) + eps)
        out = (input - Tensor._make(mean)) * Tensor._make(inv_std.astype(input.dtype))
    if weight is not None:
        out = out * weight.reshape(bshape)
    if bias is not None:
        out = out + bias.reshape(bshape)
    return out


def _update_running(running_mean, running_var, mean, var, m, n):
    """``running = (1 - m) running + m * batch`` in place, the variance unbiased."""
    c = running_mean.shape[0]
    unbiased = var.reshape(c) * (n / (n - 1))
    running_mean[...] = (1 - m) * running_mean + m * mean.reshape(c)
    running_var[...] = (1 - m) * running_var + m * unbiased


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Integer class indices (any shape) to one-hot vectors along a new last axis
    (int64). ``num_classes=-1`` takes the largest index + 1."""
    t = tensor._array if isinstance(tensor, Tensor) else backend.asarray(tensor)
    if not np.issubdtype(t.dtype, np.integer):
        raise TypeError(f"one_hot: expected integer class indices, got dtype {t.dtype}")
    if t.size and t.min() < 0:
        raise ValueError(f"one_hot: class indices must be non-negative, got {int(t.min())}")
    n = int(t.max()) + 1 if num_classes == -1 and t.size else num_classes
    if num_classes != -1 and t.size and t.max() >= num_classes:
        raise ValueError(
            f"one_hot: class index {int(t.max())} is out of range for num_classes={num_classes}"
        )
    out = np.zeros_like(t, shape=t.shape + (max(n, 0),), dtype=np.int64)
    if t.size:
        np.put_along_axis(out, t[..., None], 1, axis=-1)
    return Tensor._make(out)


def _mask_array(mask) -> np.ndarray:
    return mask._array if isinstance(mask, Tensor) else backend.asarray(mask)


def _apply_mask(scores: Tensor, mask, masked_where_true: bool) -> Tensor:
    """Scores with a boolean mask (-inf where masked) or a float mask added."""
    if mask is None:
        return scores
    arr = _mask_array(mask)
    if arr.dtype == np.bool_:
        hidden = arr if masked_where_true else ~arr
        return _where(Tensor._make(hidden), float("-inf"), scores)
    return scores + (mask if isinstance(mask, Tensor) else Tensor._make(arr))


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask=None,
                                 dropout_p: float = 0.0, is_causal: bool = False,
                                 scale: float | None = None, enable_gqa: bool = False) -> Tensor:
    """``softmax(Q K^T * scale + mask) V`` over the last two dimensions, ``scale``
    ``1 / sqrt(E)`` by default. A boolean ``attn_mask`` marks the pairs that may attend
    (True: kept, PyTorch's convention here); a float mask is added to the scores;
    ``is_causal`` keeps ``j <= i``. ``dropout_p`` drops attention weights (always: pass
    0 in evaluation, as PyTorch).

    Examples
    --------
    >>> import reseau
    >>> import reseau.nn.functional as F
    >>> q = k = v = reseau.eye(2).reshape(1, 2, 2)
    >>> F.scaled_dot_product_attention(q, k, v, is_causal=True)[0, 0].tolist()
    [1.0, 0.0]
    """
    if enable_gqa:
        raise NotImplementedError("scaled_dot_product_attention: enable_gqa is not supported")
    if is_causal and attn_mask is not None:
        raise ValueError("scaled_dot_product_attention: give attn_mask or is_causal, not both")
    factor = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = (query @ key.transpose(-2, -1)) * factor
    if is_causal:
        n, m = query.shape[-2], key.shape[-2]
        attn_mask = np.tril(np.ones_like(scores._array, shape=(n, m), dtype=np.bool_))
    weights = softmax(_apply_mask(scores, attn_mask, masked_where_true=False), -1)
    if dropout_p:
        weights = dropout(weights, dropout_p, True)
    return weights @ value
