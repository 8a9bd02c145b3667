"""Comparisons: boolean results, outside the graph (no gradient)."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from ._convert import binary_operands
from .registry import apply, register

__all__ = ["eq", "ne", "lt", "le", "gt", "ge"]


def _comparison(name: str, ufunc):
    @register(name, differentiable=False, saves_inputs=False)
    class Compare:
        __doc__ = f"z = ({ufunc.__name__}(x, y)) as bool; not differentiable"

        def forward(ctx, x, y):
            return ufunc(x, y)

    def compare(input, other) -> Tensor:
        return apply(Compare, *binary_operands(input, other, name))

    compare.__name__ = name
    compare.__doc__ = f"Elementwise ``{ufunc.__name__}`` as a bool tensor (no gradient)."
    return compare


eq = _comparison("eq", np.equal)
ne = _comparison("ne", np.not_equal)
lt = _comparison("lt", np.less)
le = _comparison("le", np.less_equal)
gt = _comparison("gt", np.greater)
ge = _comparison("ge", np.greater_equal)
