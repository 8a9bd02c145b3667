"""``Embedding`` and ``EmbeddingBag``: a table of vectors looked up by integer index
(a word's vector, a character's...), and the functions ``embedding`` and
``embedding_bag``. The lookup is indexing (``weight[idx]``), whose gradient adds into
the rows used; ``padding_idx``, ``scale_grad_by_freq`` and the bag reductions are
composed of differentiable ops."""

from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import no_grad
from ..dtypes import dtype_or_default
from ..ops.elementwise import where
from ..ops.shape import stack
from ..tensor import Tensor
from . import init
from .module import Module
from .parameter import Parameter

__all__ = ["Embedding", "EmbeddingBag", "embedding", "embedding_bag"]


def _indices(input, what: str) -> np.ndarray:
    idx = input._array if isinstance(input, Tensor) else backend.asarray(input)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{what}: expected integer indices (int64, e.g. reseau.tensor([1, 2])"
                        f" or x.long()), got dtype {idx.dtype}")
    return idx


def _check_range(idx: np.ndarray, n: int, what: str) -> None:
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = int(idx.min()) if idx.min() < 0 else int(idx.max())
        raise IndexError(f"{what}: index {bad} is out of range for a table of {n} rows; "
                         f"indices must lie in [0, {n})")


def _padding(padding_idx, n: int, what: str) -> int | None:
    if padding_idx is None:
        return None
    if not -n <= padding_idx < n:
        raise ValueError(f"{what}: padding_idx must be within num_embeddings ({n}), got "
                         f"{padding_idx}")
    return padding_idx % n


def _renorm_(weight: Tensor, idx: np.ndarray, max_norm: float, norm_type: float) -> None:
    """Rescale in place (no gradient) each row used whose ``norm_type``-norm exceeds
    ``max_norm`` to norm ``max_norm`` (PyTorch's ``embedding_renorm_``, with its 1e-7)."""
    rows = np.unique(idx)
    w = weight._array
    norms = np.linalg.norm(w[rows], ord=norm_type, axis=1)
    big = norms > max_norm
    if big.any():
        scale = (max_norm / (norms[big] + 1e-7)).astype(w.dtype)
        w[rows[big]] *= scale[:, None]
        weight._version += 1


def embedding(input, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """The rows of ``weight`` (num_embeddings, embedding_dim) at the integer indices
    ``input`` (any shape): the output has shape ``input.shape + (embedding_dim,)``.

    The row ``padding_idx`` receives no gradient. ``max_norm`` first rescales, in place,
    the rows looked up whose norm exceeds it. ``scale_grad_by_freq`` divides each
    row's gradient by how often its index appears in ``input``. ``sparse`` is accepted;
    gradients are always dense.

    Examples
    --------
    >>> import reseau
    >>> import reseau.nn.functional as F
    >>> w = reseau.tensor([[0.0, 0.0], [1.0, 2.0], [3.0, 4.0]])
    >>> F.embedding(reseau.tensor([[2, 1], [1, 1]]), w).tolist()
    [[[3.0, 4.0], [1.0, 2.0]], [[1.0, 2.0], [1.0, 2.0]]]
    """
    idx = _indices(input, "embedding")
    if weight.ndim != 2:
        raise ValueError(f"embedding: weight must be a 2-D table (num_embeddings, "
                         f"embedding_dim), got shape {tuple(weight.shape)}")
    n = weight.shape[0]
    _check_range(idx, n, "embedding")
    padding_idx = _padding(padding_idx, n, "embedding")
    if max_norm is not None:
        with no_grad():
            _renorm_(weight, idx, max_norm, norm_type)
    out = weight[idx]
    if not weight.requires_grad:
        return out
    if padding_idx is not None:
        frozen = Tensor._make(weight._array[idx])
        out = where(Tensor._make((idx == padding_idx)[..., None]), frozen, out)
    if scale_grad_by_freq:
        counts = np.bincount(idx.ravel(), minlength=n)[idx].astype(weight._array.dtype)
        scale = Tensor._make((1 / counts - 1)[..., None])
        # out + (out - out.detach()) * (1/count - 1): the same values (the difference is
        # exactly 0), and the gradient g / count
        out = out + (out - Tensor._make(out._array)) * scale
    return out


class Embedding(Module):
    """A lookup table of ``num_embeddings`` vectors of size ``embedding_dim``:
    ``Embedding(n, d)(idx)`` is ``weight[idx]``, of shape ``idx.shape + (d,)``.

    ``weight`` is drawn from N(0, 1), as in PyTorch, and the row ``padding_idx`` (if
    given) is zero and receives no gradient. ``max_norm``, ``norm_type`` and
    ``scale_grad_by_freq``: see :func:`embedding`. ``Embedding.from_pretrained``
    builds one from a table.

    Examples
    --------
    >>> import reseau
    >>> from reseau import nn
    >>> emb = nn.Embedding(10, 3, padding_idx=0)
    >>> emb
    Embedding(10, 3, padding_idx=0)
    >>> tuple(emb(reseau.tensor([[1, 2, 0]])).shape)
    (1, 3, 3)
    >>> emb.weight[0].tolist()
    [0.0, 0.0, 0.0]
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, sparse: bool = False, _weight=None,
                 _freeze: bool = False, device=None, dtype=None) -> None:
        super().__init__()
        for arg, v in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 0:
                raise ValueError(f"Embedding: {arg} must be a non-negative int, got {v!r}")
        self.num_embeddings = int(num_embeddings)
        self.embedding_dim = int(embedding_dim)
        self.padding_idx = _padding(padding_idx, self.num_embeddings, "Embedding")
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        if _weight is None:
            shape = (self.num_embeddings, self.embedding_dim)
            self.weight = Parameter(backend.empty(shape, dtype_or_default(dtype)))
            self.reset_parameters()
        else:
            table = _weight._array if isinstance(_weight, Tensor) else backend.asarray(_weight)
            if table.shape != (self.num_embeddings, self.embedding_dim):
                raise ValueError(f"Embedding: _weight has shape {tuple(table.shape)}, expected "
                                 f"({self.num_embeddings}, {self.embedding_dim})")
            self.weight = Parameter(table, requires_grad=not _freeze)  # shares, as PyTorch

    def reset_parameters(self, generator=None) -> None:
        """Draw ``weight`` from N(0, 1) again, the padding row set to zero."""
        init.normal_(self.weight, generator=generator)
        if self.padding_idx is not None:
            with no_grad():
                self.weight._array[self.padding_idx] = 0
                self.weight._version += 1

    def forward(self, input) -> Tensor:
        return embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                         self.scale_grad_by_freq, self.sparse)

    @classmethod
    def from_pretrained(cls, embeddings, freeze: bool = True, padding_idx: int | None = None,
                        max_norm: float | None = None, norm_type: float = 2.0,
                        scale_grad_by_freq: bool = False, sparse: bool = False) -> "Embedding":
        """An ``Embedding`` holding a copy of the 2-D table ``embeddings``, frozen
        (``requires_grad=False``) unless ``freeze=False``."""
        if embeddings.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-D, got shape "
                             f"{tuple(embeddings.shape)}")
        rows, dim = embeddings.shape
        return cls(rows, dim, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
                   _weight=embeddings, _freeze=freeze)

    def init_kwargs(self) -> dict:
        return {"num_embeddings": self.num_embeddings, "embedding_dim": self.embedding_dim,
                "padding_idx": self.padding_idx, "max_norm": self.max_norm,
                "norm_type": self.norm_type, "scale_grad_by_freq": self.scale_grad_by_freq}

    def extra_repr(self) -> str:
        padding = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return _table_repr(self, padding) + (", sparse=True" if self.sparse else "")


_BAG_MODES = ("sum", "mean", "max")


def _bags(idx: np.ndarray, offsets, include_last_offset: bool) -> list[tuple[int, int]]:
    """The (start, stop) of each bag in the flattened indices."""
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError("embedding_bag: offsets must be None when the input is 2-D "
                             "(each row is one bag)")
        n = idx.shape[1]
        return [(r * n, (r + 1) * n) for r in range(idx.shape[0])]
    if idx.ndim != 1:
        raise ValueError(f"embedding_bag: input must be 1-D (with offsets) or 2-D (one bag "
                         f"per row), got shape {tuple(idx.shape)}")
    if offsets is None:
        raise ValueError("embedding_bag: a 1-D input needs offsets (the start of each bag)")
    starts = [int(o) for o in _indices(offsets, "embedding_bag offsets").ravel()]
    if not starts or starts[0] != 0 or any(b < a for a, b in zip(starts, starts[1:])) \
            or starts[-1] > idx.size:
        raise ValueError(f"embedding_bag: offsets must start at 0 and increase up to the "
                         f"input's length ({idx.size}), got {starts}")
    stops = starts[1:] + ([] if include_last_offset else [idx.size])
    return list(zip(starts, stops))


def embedding_bag(input, weight: Tensor, offsets=None, max_norm: float | None = None,
                  norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                  mode: str = "mean", sparse: bool = False, per_sample_weights=None,
                  include_last_offset: bool = False, padding_idx: int | None = None) -> Tensor:
    """Look up bags of indices and reduce each bag to one vector (sum, mean or max of
    its rows), without building the (bag, index, dim) tensor of ``embedding``.

    ``input`` is 2-D (B, N), one bag per row, or 1-D with ``offsets``, the start of each
    bag. ``per_sample_weights`` (same shape as ``input``, mode ``"sum"`` only) weighs
    each row. Indices equal to ``padding_idx`` are left out (a mean divides by the
    others' count); an empty bag gives zeros. Output: (B, embedding_dim).

    Examples
    --------
    >>> import reseau
    >>> import reseau.nn.functional as F
    >>> w = reseau.tensor([[1.0, 0.0], [0.0, 1.0], [2.0, 2.0]])
    >>> F.embedding_bag(reseau.tensor([0, 2, 1]), w, reseau.tensor([0, 2]), mode="sum").tolist()
    [[3.0, 2.0], [0.0, 1.0]]
    """
    if mode not in _BAG_MODES:
        raise ValueError(f"embedding_bag: mode must be 'sum', 'mean' or 'max', got {mode!r}")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights is only supported for "
                                  f"mode='sum' (got mode={mode!r})")
    idx = _indices(input, "embedding_bag")
    bags = _bags(idx, offsets, include_last_offset)
    flat = idx.reshape(-1)
    n = weight.shape[0]
    _check_range(flat, n, "embedding_bag")
    padding_idx = _padding(padding_idx, n, "embedding_bag")
    rows = embedding(flat, weight, None, max_norm, norm_type, scale_grad_by_freq)
    dtype = weight._array.dtype
    if mode == "max":
        outs = []
        for a, b in bags:
            keep = [i for i in range(a, b) if flat[i] != padding_idx]
            outs.append(rows[backend.asarray(keep, np.int64)].max(0).values if keep
                        else Tensor._make(np.zeros_like(weight._array, shape=weight.shape[1:])))
        if not outs:
            return Tensor._make(np.zeros_like(weight._array, shape=(0, weight.shape[1])))
        return stack(outs)
    # sum and mean: a (bags, indices) matrix of coefficients times the rows
    coef = np.zeros_like(weight._array, shape=(len(bags), flat.size))
    for k, (a, b) in enumerate(bags):
        used = flat[a:b] != padding_idx
        if used.any():
            coef[k, a:b] = used / used.sum() if mode == "mean" else used
    matrix = Tensor._make(coef)
    if per_sample_weights is not None:
        psw = per_sample_weights
        if tuple(psw.shape) != idx.shape:
            raise ValueError(f"embedding_bag: per_sample_weights must have the input's shape "
                             f"{tuple(idx.shape)}, got {tuple(psw.shape)}")
        matrix = matrix * psw.reshape(1, -1)
    return matrix @ rows


class EmbeddingBag(Module):
    """``Embedding`` followed by a sum, mean or max over bags of indices, computed
    without the intermediate (bag, index, dim) tensor; see :func:`embedding_bag`.
    ``weight`` ~ N(0, 1) as in PyTorch.

    Examples
    --------
    >>> import reseau
    >>> from reseau import nn
    >>> bag = nn.EmbeddingBag(10, 3, mode="sum")
    >>> bag
    EmbeddingBag(10, 3, mode='sum')
    >>> tuple(bag(reseau.tensor([1, 2, 4, 5, 4]), reseau.tensor([0, 2])).shape)
    (2, 3)
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm: float | None = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                 sparse: bool = False, _weight=None, include_last_offset: bool = False,
                 padding_idx: int | None = None, device=None, dtype=None) -> None:
        super().__init__()
        if mode not in _BAG_MODES:
            raise ValueError(f"EmbeddingBag: mode must be 'sum', 'mean' or 'max', got {mode!r}")
        table = Embedding(num_embeddings, embedding_dim, padding_idx, max_norm, norm_type,
                          scale_grad_by_freq, sparse, _weight, dtype=dtype)
        self.num_embeddings, self.embedding_dim = table.num_embeddings, table.embedding_dim
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        self.mode = mode
        self.include_last_offset = include_last_offset
        self.padding_idx = table.padding_idx
        self.weight = table.weight

    def reset_parameters(self, generator=None) -> None:
        """Draw ``weight`` from N(0, 1) again, the padding row set to zero."""
        Embedding.reset_parameters(self, generator)

    def forward(self, input, offsets=None, per_sample_weights=None) -> Tensor:
        return embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type,
                             self.scale_grad_by_freq, self.mode, self.sparse,
                             per_sample_weights, self.include_last_offset, self.padding_idx)

    @classmethod
    def from_pretrained(cls, embeddings, freeze: bool = True, max_norm: float | None = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        mode: str = "mean", sparse: bool = False,
                        include_last_offset: bool = False,
                        padding_idx: int | None = None) -> "EmbeddingBag":
        """An ``EmbeddingBag`` holding a copy of the 2-D table ``embeddings``, frozen
        unless ``freeze=False``."""
        rows, dim = embeddings.shape
        bag = cls(rows, dim, max_norm, norm_type, scale_grad_by_freq, mode, sparse, embeddings,
                  include_last_offset, padding_idx)
        bag.weight.requires_grad_(not freeze)
        return bag

    def init_kwargs(self) -> dict:
        return {"num_embeddings": self.num_embeddings, "embedding_dim": self.embedding_dim,
                "max_norm": self.max_norm, "norm_type": self.norm_type,
                "scale_grad_by_freq": self.scale_grad_by_freq, "mode": self.mode,
                "include_last_offset": self.include_last_offset,
                "padding_idx": self.padding_idx}

    def extra_repr(self) -> str:
        s = _table_repr(self) + f", mode={self.mode!r}"
        return s + ("" if self.padding_idx is None else f", padding_idx={self.padding_idx}")


def _table_repr(layer, after_sizes: str = "") -> str:
    """What PyTorch prints of a table's settings: the sizes, ``after_sizes``, then the
    options that differ from their defaults."""
    s = f"{layer.num_embeddings}, {layer.embedding_dim}" + after_sizes
    if layer.max_norm is not None:
        s += f", max_norm={layer.max_norm}"
    if layer.norm_type != 2:
        s += f", norm_type={layer.norm_type}"
    if layer.scale_grad_by_freq:
        s += ", scale_grad_by_freq=True"
    return s
