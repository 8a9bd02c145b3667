"""Every case of the op table (tests/ops/op_cases.py) on the stand-in's cuda: the forward
result and every input's gradient are bit-identical to the cpu run from the same inputs,
and no NumPy call that CuPy would refuse was made."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import reseau

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ops"))
from op_cases import CASES  # noqa: E402
from standin_helpers import assert_same, backward  # noqa: E402


def _run(case, device: str, default=None):
    """The case's result and its inputs (with their gradients) on ``device``, with
    ``default`` as the default device (where the tensors a case builds inside land)."""
    xs = [reseau.tensor(x, requires_grad=a.grad, device=device)
          for x, a in zip(case.arrays(np.float64), case.args)]
    reseau.set_default_device(default)
    try:
        out = case.fn(*xs)
        if out.requires_grad:
            backward(out, device)
    finally:
        reseau.set_default_device(None)
    return out, xs


def _run_cuda(case, cuda):
    """The case on cuda with the cpu as the default device, as a script that moves its
    data runs: an op that allocates on the default device instead of its input's fails
    here. A case that builds a constant tensor inside (on the default device, so the op
    rightly refuses to mix it with cuda) runs again with cuda as the default device."""
    try:
        return _run(case, cuda)
    except RuntimeError as e:
        if "expected all tensors on the same device" not in str(e):
            raise
        return _run(case, cuda, default=cuda)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_op_on_cuda_is_the_cpu_op(case, cuda):
    index = 0
    out_cpu, xs_cpu = _run(case, "cpu")
    out_cuda, xs_cuda = _run_cuda(case, f"{cuda}:{index}")
    # to_device's case copies to the cpu: its result is there on both runs
    assert_same(out_cuda, out_cpu, f"{case.name}: forward",
                "cpu" if case.op == "to_device" else f"cuda:{index}")
    for i, (xd, xc) in enumerate(zip(xs_cuda, xs_cpu)):
        assert_same(xd.grad, xc.grad, f"{case.name}: gradient of input {i}", f"cuda:{index}")
