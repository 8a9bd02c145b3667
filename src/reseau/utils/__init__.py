"""``reseau.utils``: PyTorch's ``torch.utils``; ``reseau.utils.data`` holds the datasets,
samplers and ``DataLoader``."""

from . import data

__all__ = ["data"]
