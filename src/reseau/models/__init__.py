"""The course models: ridge regression, logistic and softmax regression, the linear SVM
with seed 004's multiclass hinge, the MLP, and ``ManualMLP``, whose backprop is written
by hand to check the engine's."""

from .manual_mlp import ManualMLP

__all__ = ["ManualMLP"]
