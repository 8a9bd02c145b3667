"""``summary(model, input_shape)``: each layer's output shape, parameter count and
multiply-adds, printed as torchinfo prints them; and :func:`trace`, which runs a model
once and records what every layer returned (``plot_feature_maps`` draws from it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..autograd import no_grad
from ..tensor import Tensor

__all__ = ["summary", "ModelSummary", "LayerRow", "trace"]

_WIDTH = 25     # torchinfo's column width
_FIRST = 40     # and the width of its first column


@dataclass
class LayerRow:
    """One call of one layer: ``name`` is its path in the model (``"0"``, ``"fc.1"``),
    ``depth`` 0 for the model itself, ``output`` what it returned (a Tensor)."""

    name: str
    kind: str
    depth: int
    module: object
    output: object = None
    index: int = 0  # torchinfo's depth-idx: the n-th layer met at this depth

    @property
    def output_shape(self) -> tuple | None:
        return tuple(self.output.shape) if isinstance(self.output, Tensor) else None

    @property
    def is_leaf(self) -> bool:
        return not self.module._modules

    @property
    def params(self) -> int:
        """Parameters of a layer without sub-layers; the parameters a container holds
        itself (not in its sub-layers) otherwise."""
        return sum(p.numel() for p in self.module.parameters(recurse=self.is_leaf))

    @property
    def mult_adds(self) -> int:
        """As torchinfo counts them: a convolution's parameters (bias included) times the
        batch size and the number of output positions; any other layer's parameters times
        the batch size; containers count through their layers."""
        shape = self.output_shape
        if not self.is_leaf or shape is None or not self.params:
            return 0
        positions = math.prod(shape[2:]) if "Conv" in self.kind else 1
        return self.params * shape[0] * positions


def trace(model, x) -> list[LayerRow]:
    """Run ``model(x)`` once (evaluation mode, no graph) and return one :class:`LayerRow`
    per layer call, in the order the calls began (a layer before its sub-layers), the
    model itself first."""
    rows: list[LayerRow] = []
    patched = []
    counters: dict[int, int] = {}

    def wrap(name, module, depth):
        forward = module.forward

        def recorded(*args, **kwargs):
            counters[depth] = counters.get(depth, 0) + 1
            row = LayerRow(name, type(module).__name__, depth, module, index=counters[depth])
            rows.append(row)
            row.output = forward(*args, **kwargs)
            return row.output
        return recorded

    for name, module in model.named_modules():
        depth = 0 if not name else name.count(".") + 1
        # an instance attribute hides the class's forward until it is deleted below
        object.__setattr__(module, "forward", wrap(name, module, depth))
        patched.append(module)
    training = model.training
    model.eval()
    try:
        with no_grad():
            model(x)
    finally:
        for module in patched:
            object.__delattr__(module, "forward")
        model.train(training)
    return rows


@dataclass
class ModelSummary:
    """What :func:`summary` returns; ``str()`` (or ``print``) gives torchinfo's table."""

    rows: list[LayerRow]
    input_shape: tuple
    total_params: int
    trainable_params: int
    itemsize: int
    columns: list = field(default_factory=lambda: ["Output Shape", "Param #", "Mult-Adds"])

    @property
    def total_mult_adds(self) -> int:
        return sum(r.mult_adds for r in self.rows)

    def layer(self, name: str) -> LayerRow:
        """The (first) row of the layer called ``name`` in the model."""
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(f"summary: no layer named {name!r}; the layers are "
                       f"{', '.join(r.name for r in self.rows if r.name)}")

    def _label(self, row: LayerRow) -> str:
        if row.depth == 0:
            return row.kind
        indent = "│    " * (row.depth - 1)
        return f"{indent}└─{row.kind}: {row.depth}-{row.index}" if row.depth > 1 else \
            f"├─{row.kind}: {row.depth}-{row.index}"

    def __str__(self) -> str:
        rule = "=" * (_FIRST + _WIDTH * len(self.columns))
        head = "Layer (type:depth-idx)".ljust(_FIRST) + "".join(
            c.ljust(_WIDTH) for c in self.columns)
        lines = [rule, head.rstrip(), rule]
        for row in self.rows:
            shape = "--" if row.output_shape is None else str(list(row.output_shape))
            params = f"{row.params:,}" if row.params else "--"
            macs = f"{row.mult_adds:,}" if row.mult_adds else "--"
            lines.append((self._label(row).ljust(_FIRST) + shape.ljust(_WIDTH)
                          + params.ljust(_WIDTH) + macs).rstrip())
        leaf_out = sum(math.prod(r.output_shape) for r in self.rows
                       if r.is_leaf and r.output_shape is not None)
        mb = 1e6
        sizes = (math.prod(self.input_shape) * self.itemsize / mb,
                 2 * leaf_out * self.itemsize / mb,  # outputs and their gradients
                 self.total_params * self.itemsize / mb)
        lines += [rule, f"Total params: {self.total_params:,}",
                  f"Trainable params: {self.trainable_params:,}",
                  f"Non-trainable params: {self.total_params - self.trainable_params:,}",
                  f"Total mult-adds (M): {self.total_mult_adds / 1e6:.2f}", rule,
                  f"Input size (MB): {sizes[0]:.2f}",
                  f"Forward/backward pass size (MB): {sizes[1]:.2f}",
                  f"Params size (MB): {sizes[2]:.2f}",
                  f"Estimated Total Size (MB): {sum(sizes):.2f}", rule]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)


def summary(model, input_shape, dtype=None) -> ModelSummary:
    """The layers of ``model`` on an input of ``input_shape`` (batch dimension included,
    as torchinfo's ``input_size``): each call's output shape, parameters and
    multiply-adds, then the totals. ``print(summary(...))`` shows torchinfo's table.

    Multiply-adds are counted as torchinfo counts them: a convolution with ``P``
    parameters (bias included) and an output of ``N x C x H x W`` costs ``P * N * H * W``;
    a linear layer ``P * N``; layers without parameters (activations, pooling) nothing.

    Examples
    --------
    >>> from reseau import nn
    >>> from reseau.viz import summary
    >>> s = summary(nn.Sequential(nn.Linear(4, 3), nn.ReLU()), (2, 4))
    >>> [(r.kind, r.output_shape, r.params, r.mult_adds) for r in s.rows[1:]]
    [('Linear', (2, 3), 15, 30), ('ReLU', (2, 3), 0, 0)]
    """
    shape = tuple(int(n) for n in input_shape)
    if not shape or any(n < 1 for n in shape):
        raise ValueError(f"summary: input_shape must be positive sizes with the batch "
                         f"first, e.g. (1, 1, 28, 28); got {input_shape!r}")
    params = list(model.parameters())
    if dtype is None:
        dtype = params[0].dtype if params else np.float32
    from .plots import _model_input

    rows = trace(model, _model_input(model, np.zeros(shape, dtype=dtype)))
    return ModelSummary(rows, shape, sum(p.numel() for p in params),
                        sum(p.numel() for p in params if p.requires_grad),
                        np.dtype(dtype).itemsize)
