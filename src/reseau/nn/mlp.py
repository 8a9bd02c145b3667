"""``MLP``: the fully connected networks of the courses in one line."""

from __future__ import annotations

from typing import Callable, Sequence

from . import activation as A
from .containers import Sequential
from .dropout import Dropout
from .linear import Identity, Linear
from .module import Module

__all__ = ["MLP"]

_ACTIVATIONS: dict[str, Callable[[], Module]] = {
    "relu": A.ReLU,
    "leaky_relu": A.LeakyReLU,
    "sigmoid": A.Sigmoid,
    "tanh": A.Tanh,
    "softplus": A.Softplus,
    "gelu": A.GELU,
    "silu": A.SiLU,
    "identity": Identity,
    "softmax": lambda: A.Softmax(dim=-1),
    "log_softmax": lambda: A.LogSoftmax(dim=-1),
}


def _make_activation(spec, what: str) -> Module:
    if isinstance(spec, str):
        key = spec.lower()
        if key not in _ACTIVATIONS:
            raise ValueError(f"MLP: unknown {what} {spec!r}; expected one of "
                             f"{', '.join(sorted(_ACTIVATIONS))}, or a Module class")
        return _ACTIVATIONS[key]()
    if isinstance(spec, Module):
        raise TypeError(
            f"MLP: {what} must be a name or a Module class (e.g. nn.Tanh), not an instance: "
            "one instance would be shared by every layer"
        )
    if callable(spec):
        module = spec()
        if not isinstance(module, Module):
            raise TypeError(f"MLP: {what} {spec!r} did not build a Module")
        return module
    raise TypeError(f"MLP: {what} must be a string or a Module class, got {type(spec).__name__}")


class MLP(Sequential):
    """Multilayer perceptron: ``Linear`` layers of the given ``sizes`` with an
    activation (and optional dropout) between them.

    ``MLP([d, d_h, m])`` is seed 002's network ``o = W2 relu(W1 x + b1) + b2``, with
    ``m + d_h + d_h d + m d_h`` parameters. The output layer has no activation unless
    ``output_activation`` is given (losses such as ``cross_entropy`` take raw scores).

    Parameters
    ----------
    sizes : sequence of int
        Input size, hidden sizes, output size (at least two numbers).
    activation : str or Module class
        'relu' (default), 'tanh', 'sigmoid', 'leaky_relu', 'gelu', 'softplus', 'silu',
        or a class such as ``nn.Tanh``.
    output_activation : str, Module class or None
        Also 'softmax' and 'log_softmax' (over the last axis).
    dropout : float
        Dropout probability after each hidden activation (0: none).
    bias : bool
        Whether the Linear layers have biases.

    Examples
    --------
    >>> from reseau import nn
    >>> net = nn.MLP([4, 16, 3])
    >>> sum(p.numel() for p in net.parameters())  # 3 + 16 + 16*4 + 3*16
    131
    """

    def __init__(self, sizes: Sequence[int], activation="relu", output_activation=None,
                 dropout: float = 0.0, bias: bool = True, dtype=None) -> None:
        sizes = list(sizes)
        if len(sizes) < 2 or not all(isinstance(s, int) and s > 0 for s in sizes):
            raise ValueError(
                f"MLP: sizes must list at least an input and an output size, all positive "
                f"ints, e.g. [784, 100, 10]; got {sizes!r}"
            )
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"MLP: dropout must be in [0, 1), got {dropout}")
        layers: list[Module] = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(Linear(n_in, n_out, bias=bias, dtype=dtype))
            if i < len(sizes) - 2:
                layers.append(_make_activation(activation, "activation"))
                if dropout > 0:
                    layers.append(Dropout(dropout))
        if output_activation is not None:
            layers.append(_make_activation(output_activation, "output_activation"))
        super().__init__(*layers)
        self.sizes = sizes
