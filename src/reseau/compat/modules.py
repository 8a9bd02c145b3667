"""Which parts of PyTorch reseau serves: the one table of ``torch`` module names and the
reseau module that stands in for each, and the PyTorch libraries reseau does not provide.

This table *is* the coverage claim of docs/pytorch.md (a test checks that the page lists
exactly these names). A ``torch.*`` module that is not here, and every name of
:data:`NOT_PROVIDED`, fails to import with one line saying that reseau does not provide it.
"""

from __future__ import annotations

__all__ = ["TORCH_MODULES", "NOT_PROVIDED", "is_torch_name", "not_provided_message"]

# torch module name -> the reseau module served in its place. Each reseau module keeps PyTorch's
# suffix, so that importing ``torch.nn.functional`` sets ``reseau.nn.functional`` on
# ``reseau.nn``, which a plain ``import reseau.nn.functional`` does too.
TORCH_MODULES: dict[str, str] = {
    "torch": "reseau",
    "torch.nn": "reseau.nn",
    "torch.nn.functional": "reseau.nn.functional",
    "torch.nn.init": "reseau.nn.init",
    "torch.nn.parameter": "reseau.nn.parameter",
    "torch.nn.utils": "reseau.nn.utils",
    "torch.nn.utils.clip_grad": "reseau.nn.utils.clip_grad",
    "torch.nn.utils.rnn": "reseau.nn.utils.rnn",
    "torch.nn.utils.convert_parameters": "reseau.nn.utils.convert_parameters",
    "torch.optim": "reseau.optim",
    "torch.optim.optimizer": "reseau.optim.optimizer",
    "torch.optim.lr_scheduler": "reseau.optim.lr_scheduler",
    "torch.autograd": "reseau.autograd",
    "torch.autograd.function": "reseau.autograd.function",
    "torch.utils": "reseau.utils",
    "torch.utils.data": "reseau.utils.data",
    "torch.utils.data.dataset": "reseau.utils.data.dataset",
    "torch.utils.data.dataloader": "reseau.utils.data.dataloader",
    "torch.utils.data.sampler": "reseau.utils.data.sampler",
    "torch.cuda": "reseau.cuda",
    "torch.backends": "reseau.backends",
    "torch.backends.cudnn": "reseau.backends.cudnn",
    "torch.backends.mps": "reseau.backends.mps",
    "torch.random": "reseau.random",
    "torch.linalg": "reseau.linalg",
    "torch.onnx": "reseau.onnx",
}

# The libraries of the PyTorch family that sit beside ``torch``: reseau has none of them, and
# importing one of them while torch is reseau would only fail later, deep inside.
NOT_PROVIDED: tuple[str, ...] = (
    "torchvision", "torchaudio", "torchtext", "torchdata", "torchrec", "torcheval",
    "functorch", "torch_xla",
)


def is_torch_name(fullname: str) -> bool:
    """Whether an import of ``fullname`` is the hook's to answer: ``torch``, a ``torch.*``
    module, or one of :data:`NOT_PROVIDED` (or a submodule of one)."""
    top = fullname.partition(".")[0]
    return top == "torch" or top in NOT_PROVIDED


def not_provided_message(fullname: str) -> str:
    """The one line an import of a part of PyTorch that reseau lacks fails with."""
    return (f"reseau does not provide {fullname}: here `torch` is reseau (served by `reseau "
            f"run` or reseau.install_as_torch()), which has only the torch modules listed in "
            f"docs/pytorch.md")
