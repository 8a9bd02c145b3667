"""Weight penalties: L1, squared L2, and the elastic net of seed 002,

    R + l11 |W1|_1 + l12 ||W1||^2 + l21 |W2|_1 + l22 ||W2||^2

written ``loss + elastic_net(model, {model.fc1: (l11, l12), model.fc2: (l21, l22)})``.

Given a Module, a penalty touches its *weights*: the parameters with two or more
dimensions (weight matrices). Biases and normalisation scales (1-D) are not
penalised. Given tensors, it penalises exactly those tensors.

The gradient of ``l |W|_1`` is ``l sign(W)`` (0 where W = 0), and that of
``l ||W||^2`` is ``2 l W``. (Seed 002's report writes the L1 term's gradient as
``l`` alone: the sign is missing.)
"""

from __future__ import annotations

from typing import Iterable, Mapping

from ..tensor import Tensor
from .module import Module

__all__ = ["penalized_weights", "l1_penalty", "l2_penalty", "elastic_net"]


def penalized_weights(obj) -> list[Tensor]:
    """The tensors a penalty applies to: a Module's weight matrices (parameters with
    ndim >= 2, each once), or the given tensor(s)."""
    if isinstance(obj, Module):
        return [p for p in obj.parameters() if p.ndim >= 2]
    if isinstance(obj, Tensor):
        return [obj]
    if isinstance(obj, Iterable) and not isinstance(obj, (str, bytes, Mapping)):
        tensors = list(obj)
        for i, t in enumerate(tensors):
            if not isinstance(t, Tensor):
                raise TypeError(f"penalty: item {i} is a {type(t).__name__}, not a Tensor")
        return tensors
    raise TypeError(
        f"penalty: expected a Module, a Tensor or an iterable of Tensors, got "
        f"{type(obj).__name__}"
    )


def _total(terms: list[Tensor]) -> Tensor:
    if not terms:
        raise ValueError("penalty: nothing to penalise (no weight matrix found)")
    out = terms[0]
    for t in terms[1:]:
        out = out + t
    return out


def l1_penalty(params) -> Tensor:
    """``sum_W sum_ij |W_ij|``: the L1 norm of the weights (sparsifying). Gradient
    ``sign(W)``."""
    return _total([w.abs().sum() for w in penalized_weights(params)])


def l2_penalty(params) -> Tensor:
    """``sum_W sum_ij W_ij^2``: the *squared* L2 (Frobenius) norm of the weights (weight
    decay). Gradient ``2 W``."""
    return _total([(w * w).sum() for w in penalized_weights(params)])


def elastic_net(model: Module, coefficients) -> Tensor:
    """``sum over layers of l1 * l1_penalty(layer) + l2 * l2_penalty(layer)``.

    Parameters
    ----------
    model : Module
        The network (used to look up layers given by name).
    coefficients : dict or (l1, l2)
        ``{layer: (l1, l2)}`` where a layer is a sub-module, its dotted name in
        ``model`` (``"0"``, ``"fc1"``) or a parameter; or one pair ``(l1, l2)`` for
        every weight of the model.

    Examples
    --------
    >>> import reseau
    >>> from reseau import nn
    >>> net = nn.MLP([2, 3, 2])
    >>> penalty = nn.elastic_net(net, {net[0]: (0.01, 0.001), net[2]: (0.0, 0.01)})
    >>> penalty.shape
    reseau.Size([])
    """
    if not isinstance(model, Module):
        raise TypeError(f"elastic_net: model must be a Module, got {type(model).__name__}")
    if not isinstance(coefficients, Mapping):
        coefficients = {model: coefficients}
    terms = []
    for layer, pair in coefficients.items():
        if isinstance(layer, str):
            layer = model.get_submodule(layer)
        try:
            l1, l2 = pair
        except (TypeError, ValueError):
            raise ValueError(f"elastic_net: expected a pair (l1, l2) for each layer, got "
                             f"{pair!r}") from None
        if l1:
            terms.append(l1 * l1_penalty(layer))
        if l2:
            terms.append(l2 * l2_penalty(layer))
    if not terms:
        zero = next(iter(model.parameters()))
        return (zero * 0).sum()
    return _total(terms)
