"""ONNX export: the forward pass of a model written as an ONNX graph (work in progress)."""

from __future__ import annotations

# The opset every exported file declares: 18 is read by onnx 1.16+ and onnxruntime 1.14+, and
# torch.onnx.export writes it too, so files from both libraries use the same operators.
OPSET = 18


class OnnxExportError(ValueError):
    """A model that cannot be written as ONNX: the message names the layer or op."""


def export(model, example_input, path, *, input_names=None, output_names=None,
           dynamic_axes=None, opset_version=None):
    """Write `model` as an ONNX file at `path` (not yet implemented)."""
    raise OnnxExportError("reseau.onnx.export: not written yet")
