"""``reseau.nn``: modules and parameters, layers, activations, losses, initialisers
and weight penalties, with PyTorch's names (``from reseau import nn``).

Sub-modules: ``functional`` (the stateless functions, ``import reseau.nn.functional as
F``), ``init`` (initialisers), ``utils`` (gradient clipping).
"""

from . import functional, init
from . import utils
from .activation import (
    GELU, LeakyReLU, LogSigmoid, LogSoftmax, ReLU, SiLU, Sigmoid, Softmax, Softplus, Tanh,
)
from .batchnorm import BatchNorm1d, BatchNorm2d
from .conv import Conv1d, Conv2d, ConvTranspose2d
from .containers import ModuleDict, ModuleList, Sequential
from .dropout import Dropout, Dropout2d
from .linear import Flatten, Identity, Linear, Unflatten
from .loss import (
    BCELoss, BCEWithLogitsLoss, CosineEmbeddingLoss, CrossEntropyLoss, GaussianNLLLoss,
    HingeEmbeddingLoss, HuberLoss, KLDivLoss, L1Loss, MarginRankingLoss, MSELoss,
    MultiMarginLoss, NLLLoss, SmoothL1Loss,
)
from .mlp import MLP
from .module import Module, StateDictError
from .parameter import Buffer, Parameter
from .pooling import (
    AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d,
)
from .regularization import elastic_net, l1_penalty, l2_penalty, penalized_weights

__all__ = [
    "functional", "init", "utils", "Module", "Parameter", "Buffer", "StateDictError", "Sequential",
    "ModuleList", "ModuleDict", "Linear", "Identity", "Flatten", "Conv1d", "Conv2d",
    "ConvTranspose2d", "Dropout", "BatchNorm1d",
    "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d",
    "BatchNorm2d", "Dropout2d", "Unflatten",
    "MLP", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softplus", "GELU", "SiLU", "LogSigmoid",
    "Softmax", "LogSoftmax", "L1Loss", "MSELoss", "HuberLoss", "SmoothL1Loss", "BCELoss",
    "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss", "MultiMarginLoss",
    "HingeEmbeddingLoss", "CosineEmbeddingLoss", "MarginRankingLoss", "GaussianNLLLoss",
    "KLDivLoss", "l1_penalty", "l2_penalty", "elastic_net", "penalized_weights",
]
