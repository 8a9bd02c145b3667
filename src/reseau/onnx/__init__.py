"""`reseau.onnx`: models to and from ONNX files (PyTorch's `torch.onnx`).

`export(model, example_input, path)` writes the graph one forward pass draws; the file is
checked by `onnx.checker` and runs in `onnxruntime`. The `onnx` package is an optional extra
(`pip install "reseau[onnx]"`), imported only inside the functions that need it.
"""

from .export import OPSET, OnnxExportError, export

__all__ = ["OPSET", "OnnxExportError", "export"]

# `load` (ONNX import) lives in load.py; its owner adds `from .load import load` here
# together with "load" in __all__, in one edit.
