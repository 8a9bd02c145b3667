"""``reseau export MODEL --to onnx|pt|safetensors``: a trained model in a format other tools
read.

- ``pt``: the state dict as ``torch.save`` writes it; ``torch.load(path,
  weights_only=True)`` reads it, and ``model.load_state_dict`` of the same PyTorch
  architecture takes it (reseau's parameter names are PyTorch's).
- ``safetensors``: the same state dict in the safetensors format (the ``safetensors``
  package, ``pip install "reseau[safetensors]"``).
- ``onnx``: the network as an ONNX graph with a dynamic batch dimension
  (:func:`reseau.onnx.export`; ``pip install "reseau[onnx]"``), for onnxruntime and the
  other ONNX runtimes.

Only the network is exported: the standardisation of the inputs and the class labels that
``reseau predict`` applies stay in the model file (``reseau.io.read_info`` shows them).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["add_parser", "run", "FORMATS"]

# format name -> file suffix
FORMATS = {"onnx": ".onnx", "pt": ".pt", "safetensors": ".safetensors"}


def add_parser(subparsers) -> None:
    e = subparsers.add_parser(
        "export", help="write a saved model as ONNX, PyTorch .pt or safetensors",
        description="Write a model file (a model.npz written by reseau train, or any file "
                    "reseau.load reads) in another format: the weights as PyTorch's .pt or "
                    "safetensors, or the whole network as ONNX. Only the network is "
                    "exported: the input standardisation and the class labels stay in the "
                    "model file.")
    e.add_argument("model", metavar="MODEL", help="the model file, e.g. runs/x/model.npz")
    e.add_argument("--to", required=True, choices=list(FORMATS), dest="format",
                   help="the format to write")
    e.add_argument("--output", "-o", metavar="PATH", default=None,
                   help="the file to write (default: MODEL with the format's suffix, e.g. "
                        "runs/x/model.onnx)")
    e.add_argument("--input-shape", metavar="DIMS", default=None,
                   help="ONNX only: the shape of one example, e.g. 1,28,28 (default: read "
                        "from the model file, or the first layer's input features)")


def _input_shape(text: str | None, model, source: Path) -> tuple[int, ...]:
    """The shape of one example: the option, the run's preprocessing, or the first
    layer's ``in_features``."""
    if text is not None:
        try:
            shape = tuple(int(d) for d in text.replace("x", ",").split(","))
        except ValueError:
            shape = ()
        if not shape or min(shape) < 1:
            raise ValueError(f"--input-shape: expected positive sizes separated by commas, "
                             f"e.g. 1,28,28; got {text!r}")
        return shape
    from .. import io

    try:  # the settings reseau train stored with the model (a CNN's image shape)
        config = io.read_info(source).get("config") or {}
    except (io.ModelFileError, ValueError):  # not a reseau model file: nothing stored
        config = {}
    stored = (config.get("preprocessing") or {}).get("input_shape")
    if stored:
        return tuple(int(d) for d in stored)
    for module in model.modules():
        if hasattr(module, "in_features"):
            return (int(module.in_features),)
        if hasattr(module, "in_channels"):
            break
    raise ValueError("the shape of the network's input is not recorded in the model file; "
                     "give it with --input-shape, e.g. --input-shape 1,28,28")


def run(args) -> int:
    """Run ``reseau export`` with the parsed ``args``; returns the exit status."""
    from .. import io
    from ..nn import Module

    if args.format != "onnx" and args.input_shape is not None:
        raise ValueError("--input-shape is for --to onnx only (a state dict has no input)")
    source = Path(args.model)
    model = io.load(source)  # first: a folder or a missing file gets its own message
    target = Path(args.output) if args.output else source.with_suffix(FORMATS[args.format])
    if target.resolve() == source.resolve():
        raise ValueError(f"--output {target} is the model file itself; choose another name")
    if args.format == "onnx":
        if not isinstance(model, Module):
            raise ValueError(f"{source} holds weights only, not a network: ONNX needs the "
                             "network; export it from Python with reseau.onnx.export")
        from ..creation import zeros
        from ..onnx import export

        example = zeros(1, *_input_shape(args.input_shape, model, source),
                        dtype=next(model.parameters()).dtype)
        export(model, example, target)
    else:
        io.save(model.state_dict() if isinstance(model, Module) else model, target)
    print(f"Wrote {target} ({args.format})")
    return 0
