"""``reseau.nn``: modules and parameters, layers, activations, losses, initialisers
and weight penalties, with PyTorch's names (``from reseau import nn``).

Sub-modules: ``functional`` (the stateless functions, ``import reseau.nn.functional as
F``), ``init`` (initialisers), ``utils`` (gradient clipping).
"""

from . import functional, init
from . import utils
from .activation import (
    CELU, ELU, GELU, GLU, SELU, Hardshrink, Hardsigmoid, Hardswish, Hardtanh, LeakyReLU,
    LogSigmoid, LogSoftmax, Mish, PReLU, ReLU, ReLU6, SiLU, Sigmoid, Softmax, Softmax2d,
    Softmin, Softplus, Softshrink, Softsign, Tanh, Tanhshrink, Threshold,
)
from .attention import MultiheadAttention
from .batchnorm import BatchNorm1d, BatchNorm2d
from .conv import Conv1d, Conv2d, ConvTranspose2d
from .containers import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .distance import CosineSimilarity, PairwiseDistance
from .dropout import Dropout, Dropout1d, Dropout2d, Dropout3d
from .embedding import Embedding, EmbeddingBag
from .linear import Flatten, Identity, Linear, Unflatten
from .loss import (
    BCELoss, BCEWithLogitsLoss, CosineEmbeddingLoss, CrossEntropyLoss, GaussianNLLLoss,
    HingeEmbeddingLoss, HuberLoss, KLDivLoss, L1Loss, MarginRankingLoss, MSELoss,
    MultiMarginLoss, NLLLoss, SmoothL1Loss,
)
from .mlp import MLP
from .module import Module, StateDictError
from .normalization import GroupNorm, InstanceNorm1d, InstanceNorm2d, LayerNorm
from .padding import (
    CircularPad1d, CircularPad2d, ConstantPad1d, ConstantPad2d, ReflectionPad1d,
    ReflectionPad2d, ReplicationPad1d, ReplicationPad2d, ZeroPad1d, ZeroPad2d,
)
from .parameter import Buffer, Parameter
from .pooling import (
    AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d, Upsample,
    UpsamplingNearest2d,
)
from .regularization import elastic_net, l1_penalty, l2_penalty, penalized_weights
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from .transformer import TransformerEncoder, TransformerEncoderLayer

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
    "ELU", "CELU", "SELU", "GLU", "Hardtanh", "ReLU6", "Hardsigmoid", "Hardswish", "Mish",
    "Softsign", "Tanhshrink", "Threshold", "Hardshrink", "Softshrink", "Softmin", "Softmax2d",
    "PReLU", "Embedding", "EmbeddingBag", "LayerNorm", "ZeroPad1d", "ZeroPad2d",
    "ConstantPad1d", "ConstantPad2d", "ReflectionPad1d", "ReflectionPad2d", "ReplicationPad1d",
    "ReplicationPad2d", "CircularPad1d", "CircularPad2d", "CosineSimilarity", "PairwiseDistance",
    "Upsample", "UpsamplingNearest2d", "RNNCell", "LSTMCell", "GRUCell", "RNN", "LSTM", "GRU",
    "GroupNorm", "InstanceNorm1d", "InstanceNorm2d", "MultiheadAttention", "Dropout1d",
    "Dropout3d", "ParameterList", "ParameterDict", "TransformerEncoderLayer",
    "TransformerEncoder",
]
