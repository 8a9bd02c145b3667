"""The course models: ridge regression, logistic and softmax regression, the linear SVM
with seed 004's multiclass hinge, the MLP classifier, and ``ManualMLP``, whose backprop
is written by hand to check the engine's; and two convolutional networks for digits,
``lenet5`` and ``mnist_net`` (builders of ``nn.Sequential`` stacks, in the ``MODELS`` table
of :mod:`reseau.registry`).

Each model is an ``nn.Module`` (except ``ManualMLP``, plain NumPy) with ``objective(x,
y)``, the function its docstring writes out with its gradient, and ``fit(x, y)``,
full-batch gradient descent on it.
"""

from .cnn import lenet5, mnist_net
from .logistic import LogisticRegression, SoftmaxRegression
from .manual_mlp import ManualMLP
from .mlp import MLP
from .ridge import Ridge
from .svm import LinearSVM, multiclass_hinge_loss

__all__ = [
    "Ridge", "LogisticRegression", "SoftmaxRegression", "LinearSVM", "multiclass_hinge_loss",
    "MLP", "ManualMLP", "lenet5", "mnist_net",
]
