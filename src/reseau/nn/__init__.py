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
from .batchnorm import BatchNorm1d
from .conv import Conv1d, Conv2d, ConvTranspose2d
from .containers import ModuleDict, ModuleList, Sequential
from .dropout import Dropout
from .linear import Flatten, Identity, Linear
from .loss import (
    BCELoss, BCEWithLogitsLoss, CosineEmbeddingLoss, CrossEntropyLoss, GaussianNLLLoss,
    HingeEmbeddingLoss, HuberLoss, KLDivLoss, L1Loss, MarginRankingLoss, MSELoss,
    MultiMarginLoss, NLLLoss, SmoothL1Loss,
)
from .mlp import MLP
from .module import Module, StateDictError
from .parameter import Buffer, Parameter
from .regularization import elastic_net, l1_penalty, l2_penalty, penalized_weights

__all__ = [
    "functional", "init", "utils", "Module", "Parameter", "Buffer", "StateDictError", "Sequential",
    "ModuleList", "ModuleDict", "Linear", "Identity", "Flatten", "Conv1d", "Conv2d",
    "ConvTranspose2d", "Dropout", "BatchNorm1d",
    "MLP", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softplus", "GELU", "SiLU", "LogSigmoid",
    "Softmax", "LogSoftmax", "L1Loss", "MSELoss", "HuberLoss", "SmoothL1Loss", "BCELoss",
    "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss", "MultiMarginLoss",
    "HingeEmbeddingLoss", "CosineEmbeddingLoss", "MarginRankingLoss", "GaussianNLLLoss",
    "KLDivLoss", "l1_penalty", "l2_penalty", "elastic_net", "penalized_weights",
]
