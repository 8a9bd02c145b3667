"""`reseau.onnx`: models to and from ONNX files (PyTorch's `torch.onnx`).

`export(model, example_input, path)` writes the graph one forward pass draws; the file is
checked by `onnx.checker` and runs in `onnxruntime`. The `onnx` package is an optional extra
(`pip install "reseau[onnx]"`), imported only inside the functions that need it.
"""

from .export import OPSET, OnnxExportError, export
from .load import OnnxGraph, load

__all__ = ["OPSET", "OnnxExportError", "export", "load", "OnnxGraph"]
