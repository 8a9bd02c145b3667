"""``MultiheadAttention`` with PyTorch's parameters (``in_proj_weight``, ``out_proj``),
masks and shapes, composed of matmuls, ``softmax`` and ``where``
(``F.scaled_dot_product_attention`` is in ``functional.py``)."""

from __future__ import annotations

import math

import numpy as np

from .. import backend
from ..dtypes import dtype_or_default
from ..ops.nn import linear
from ..tensor import Tensor
from . import functional as F
from . import init
from .functional import _apply_mask, _mask_array
from .linear import Linear
from .module import Module
from .parameter import Parameter

__all__ = ["MultiheadAttention", "NonDynamicallyQuantizableLinear"]


class NonDynamicallyQuantizableLinear(Linear):
    """``Linear`` under the name PyTorch gives ``MultiheadAttention.out_proj`` (so
    that the module prints as PyTorch's)."""


class MultiheadAttention(Module):
    """Multi-head attention (Vaswani et al., 2017), as PyTorch's: queries, keys and
    values projected by ``in_proj_weight`` (3E, E) and ``in_proj_bias``, split into
    ``num_heads`` heads of size E / num_heads, ``softmax(q k^T / sqrt(d)) v`` per head,
    heads joined and projected by ``out_proj``.

    ``forward(query, key, value, key_padding_mask=None, need_weights=True,
    attn_mask=None, average_attn_weights=True, is_causal=False)`` takes (L, N, E)
    inputs ((N, L, E) with ``batch_first``, or unbatched (L, E)) and returns
    ``(output, weights)``: output like the query, weights (N, L, S) averaged over the
    heads (or (N, heads, L, S)), None without ``need_weights``. Masks follow PyTorch's
    convention here: True (or -inf) marks what may *not* be attended.

    Examples
    --------
    >>> import reseau
    >>> from reseau import nn
    >>> mha = nn.MultiheadAttention(8, 2, batch_first=True)
    >>> x = reseau.randn(3, 5, 8)
    >>> out, w = mha(x, x, x)
    >>> tuple(out.shape), tuple(w.shape)
    ((3, 5, 8), (3, 5, 5))
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim=None, vdim=None,
                 batch_first: bool = False, device=None, dtype=None) -> None:
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0 or embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim ({embed_dim}) must be divisible "
                             f"by num_heads ({num_heads})")
        if add_bias_kv or add_zero_attn or kdim not in (None, embed_dim) \
                or vdim not in (None, embed_dim):
            raise NotImplementedError("MultiheadAttention: add_bias_kv, add_zero_attn and "
                                      "kdim/vdim other than embed_dim are not implemented")
        self.embed_dim, self.num_heads, self.dropout = embed_dim, num_heads, dropout
        self.batch_first, self.head_dim = batch_first, embed_dim // num_heads
        self.kdim = self.vdim = embed_dim
        dtype = dtype_or_default(dtype)
        self.in_proj_weight = Parameter(backend.empty((3 * embed_dim, embed_dim), dtype))
        if bias:
            self.in_proj_bias = Parameter(backend.empty((3 * embed_dim,), dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        # built before the initialisation below, as in PyTorch (the order of the draws)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias, dtype=dtype)
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        init.xavier_uniform_(self.in_proj_weight)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)

    def forward(self, query: Tensor, key: Tensor, value: Tensor, key_padding_mask=None,
                need_weights: bool = True, attn_mask=None, average_attn_weights: bool = True,
                is_causal: bool = False):
        unbatched = query.ndim == 2
        if unbatched:
            query, key, value = (t.unsqueeze(1) for t in (query, key, value))
            if key_padding_mask is not None:
                key_padding_mask = _mask_array(key_padding_mask)[None]
        elif self.batch_first:
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        tgt, batch, e = query.shape
        src = key.shape[0]
        if e != self.embed_dim:
            raise ValueError(f"MultiheadAttention: expected inputs of embedding size "
                             f"{self.embed_dim}, got query of shape {tuple(query.shape)}")
        w, b = self.in_proj_weight, self.in_proj_bias
        parts = [(w[k * e:(k + 1) * e], None if b is None else b[k * e:(k + 1) * e])
                 for k in range(3)]
        q, k, v = (linear(t, pw, pb) for t, (pw, pb) in zip((query, key, value), parts))
        heads, d = self.num_heads, self.head_dim

        def split(t, length):  # (length, N, E) -> (N * heads, length, d)
            return t.reshape(length, batch * heads, d).transpose(0, 1)

        q, k, v = split(q, tgt), split(k, src), split(v, src)
        scores = (q * math.sqrt(1.0 / d)) @ k.transpose(1, 2)
        if is_causal and attn_mask is None:
            attn_mask = np.triu(np.ones_like(scores._array, shape=(tgt, src), dtype=np.bool_), 1)
        if attn_mask is not None:
            mask = _mask_array(attn_mask)
            mask = mask.reshape((1,) + mask.shape) if mask.ndim == 2 else mask
            scores = _apply_mask(scores, Tensor._make(mask) if mask.dtype == np.bool_
                                 else Tensor._make(mask.astype(scores.dtype)), True)
        if key_padding_mask is not None:
            pad = _mask_array(key_padding_mask)
            pad = np.repeat(pad, heads, axis=0)[:, None, :]  # (N * heads, 1, S)
            scores = _apply_mask(scores, Tensor._make(pad) if pad.dtype == np.bool_
                                 else Tensor._make(pad.astype(scores.dtype)), True)
        weights = F.softmax(scores, -1)
        dropped = F.dropout(weights, self.dropout, self.training) if self.dropout else weights
        out = (dropped @ v).transpose(0, 1).reshape(tgt * batch, e)
        out = self.out_proj(out).reshape(tgt, batch, e)
        if unbatched:
            out = out.squeeze(1)
        elif self.batch_first:
            out = out.transpose(0, 1)
        if not need_weights:
            return out, None
        weights = weights.reshape(batch, heads, tgt, src)
        if average_attn_weights:
            weights = weights.mean(1)
        return out, (weights.squeeze(0) if unbatched else weights)

    def init_kwargs(self) -> dict:
        return {"embed_dim": self.embed_dim, "num_heads": self.num_heads,
                "dropout": self.dropout, "bias": self.in_proj_bias is not None,
                "batch_first": self.batch_first}
