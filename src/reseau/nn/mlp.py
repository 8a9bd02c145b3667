"""``MLP``: the fully connected networks of the courses in one line."""

from __future__ import annotations

import numbers
from typing import Sequence

from ..registry import ACTIVATIONS
from .containers import Sequential
from .dropout import Dropout
from .linear import Linear
from .module import Module

__all__ = ["MLP"]


def _make_activation(spec, what: str, layer: int | None = None) -> Module:
    """The module a name (looked up in ``reseau.registry.ACTIVATIONS``) or a Module
    class builds; ``layer`` numbers the hidden layer in messages when each has its own."""
    where = "" if layer is None else f" for hidden layer {layer}"
    if isinstance(spec, str):
        ACTIVATIONS.get(spec, "MLP", where, ", or a Module class")
        return ACTIVATIONS.build(spec)
    if isinstance(spec, Module):
        raise TypeError(
            f"MLP: {what}{where} must be a name or a Module class (e.g. nn.Tanh), not an "
            "instance: one instance would be shared by every layer"
        )
    if callable(spec):
        module = spec()
        if not isinstance(module, Module):
            raise TypeError(f"MLP: {what}{where} {spec!r} did not build a Module")
        return module
    raise TypeError(f"MLP: {what}{where} must be a name or a Module class (e.g. nn.Tanh), "
                    f"got {spec!r}")


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
    activation : str, Module class, or a sequence of them
        A name of ``reseau.registry.ACTIVATIONS`` ('relu' (default), 'tanh', 'sigmoid',
        'leaky_relu', 'gelu', 'softplus', 'silu', 'identity'...) or a class such as
        ``nn.Tanh``: one for every hidden layer, or a list with one per hidden layer.
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
        if len(sizes) < 2 or not all(isinstance(s, numbers.Integral) and s > 0 for s in sizes):
            raise ValueError(
                f"MLP: sizes must list at least an input and an output size, all positive "
                f"ints, e.g. [784, 100, 10]; got {sizes!r}"
            )
        sizes = [int(s) for s in sizes]
        n_hidden = len(sizes) - 2
        if isinstance(activation, (list, tuple)):
            if len(activation) != n_hidden:
                raise ValueError(f"MLP: got {len(activation)} activations for {n_hidden} "
                                 f"hidden layers (sizes {sizes}); give one per hidden layer")
            hidden = [_make_activation(a, "activation", k + 1) for k, a in enumerate(activation)]
        else:
            hidden = [_make_activation(activation, "activation") for _ in range(n_hidden)]
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"MLP: dropout must be in [0, 1), got {dropout}")
        layers: list[Module] = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(Linear(n_in, n_out, bias=bias, dtype=dtype))
            if i < n_hidden:
                layers.append(hidden[i])
                if dropout > 0:
                    layers.append(Dropout(dropout))
        if output_activation is not None:
            layers.append(_make_activation(output_activation, "output_activation"))
        super().__init__(*layers)
        self.sizes = sizes

    def init_kwargs(self) -> dict:
        """The arguments that rebuild this MLP (for ``reseau.io``): the activations are
        given as the layers of the first hidden layer and of the output (None without
        one), which ``io`` saves as their own descriptions."""
        layers = list(self._modules.values())
        first_linear = next((m for m in layers if isinstance(m, Linear)), None)
        return {"sizes": list(self.sizes),
                "activation": layers[1] if len(self.sizes) > 2 else None,
                "output_activation": None if isinstance(layers[-1], Linear) else layers[-1],
                "dropout": next((m.p for m in layers if isinstance(m, Dropout)), 0.0),
                "bias": first_linear is not None and first_linear.bias is not None}
