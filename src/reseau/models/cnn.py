"""Two classic convolutional networks for 28x28 digits, built from ``reseau.nn`` layers:
``lenet5`` (LeNet-5 as the PyTorch tutorials write it) and ``mnist_net`` (the network of
PyTorch's MNIST example).

Each builder returns an ``nn.Sequential``, so that ``io.save`` / ``io.load``, the
``reseau train --model`` command and ``viz.summary`` handle it like any other stack of
layers; both are in the ``MODELS`` table of :mod:`reseau.registry`. They output logits
(no softmax): train them with ``nn.CrossEntropyLoss``.
"""

from __future__ import annotations

from .. import nn
from ..registry import ACTIVATIONS, MODELS

__all__ = ["lenet5", "mnist_net"]


def _check(caller: str, num_classes, in_channels) -> None:
    for name, value in (("num_classes", num_classes), ("in_channels", in_channels)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{caller}: {name} must be a positive int, got {value!r}")
    if num_classes < 2:
        raise ValueError(f"{caller}: num_classes must be at least 2, got {num_classes}")


@MODELS.register("lenet5", input_shape=(1, 28, 28))
def lenet5(num_classes: int = 10, in_channels: int = 1, activation: str = "relu",
           pool: str = "max") -> nn.Sequential:
    """LeNet-5 on 28x28 images (LeCun et al. 1998, as the PyTorch tutorials write it):
    the first convolution pads by 2, so that a 28x28 digit is seen as the paper's 32x32.

    ::

        input                 1 x 28 x 28
        conv 5x5, pad 2       6 x 28 x 28     6 * (1*5*5) + 6       =    156 parameters
        activation, pool 2    6 x 14 x 14
        conv 5x5             16 x 10 x 10    16 * (6*5*5) + 16      =  2,416
        activation, pool 2   16 x  5 x  5
        flatten                       400
        linear 400 -> 120             120    400*120 + 120          = 48,120
        linear 120 -> 84               84    120*84 + 84            = 10,164
        linear 84 -> 10                10    84*10 + 10             =    850
                                                              total   61,706

    Parameters
    ----------
    num_classes : int
        Outputs (logits) of the last layer.
    in_channels : int
        1 for grey images (each extra channel adds 150 parameters to the first layer).
    activation : str
        After each convolution and hidden linear layer: ``"relu"`` (the tutorials'), or
        ``"tanh"`` (the paper's), or any name of ``reseau.registry.ACTIVATIONS``.
    pool : str
        ``"max"`` (the tutorials') or ``"avg"`` (the paper's subsampling).

    Examples
    --------
    >>> from reseau.models import lenet5
    >>> net = lenet5()
    >>> sum(p.numel() for p in net.parameters())
    61706
    """
    _check("lenet5", num_classes, in_channels)
    act = ACTIVATIONS.get(activation, "lenet5")
    pools = {"max": nn.MaxPool2d, "avg": nn.AvgPool2d}
    if pool not in pools:
        raise ValueError(f"lenet5: pool must be 'max' or 'avg', got {pool!r}")
    return nn.Sequential(
        nn.Conv2d(in_channels, 6, 5, padding=2), act(), pools[pool](2),
        nn.Conv2d(6, 16, 5), act(), pools[pool](2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), act(),
        nn.Linear(120, 84), act(),
        nn.Linear(84, num_classes))


@MODELS.register("mnist-net", input_shape=(1, 28, 28))
def mnist_net(num_classes: int = 10, in_channels: int = 1) -> nn.Sequential:
    """The network of PyTorch's MNIST example (``examples/mnist/main.py``), with logits
    out (the example ends with ``log_softmax`` and the NLL loss, which is the same
    training as logits with the cross-entropy loss)::

        input                     1 x 28 x 28
        conv 3x3, ReLU           32 x 26 x 26    32 * (1*3*3) + 32     =       320
        conv 3x3, ReLU           64 x 24 x 24    64 * (32*3*3) + 64    =    18,496
        max pool 2               64 x 12 x 12
        dropout 0.25, flatten           9,216
        linear 9216 -> 128, ReLU          128    9216*128 + 128        = 1,179,776
        dropout 0.5
        linear 128 -> 10                   10    128*10 + 10           =     1,290
                                                                total    1,199,882

    Nine parameters in ten sit in the first linear layer; nine multiply-adds in ten in
    the second convolution.

    Examples
    --------
    >>> from reseau.models import mnist_net
    >>> sum(p.numel() for p in mnist_net().parameters())
    1199882
    """
    _check("mnist_net", num_classes, in_channels)
    return nn.Sequential(
        nn.Conv2d(in_channels, 32, 3), nn.ReLU(),
        nn.Conv2d(32, 64, 3), nn.ReLU(),
        nn.MaxPool2d(2), nn.Dropout(0.25), nn.Flatten(),
        nn.Linear(9216, 128), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(128, num_classes))
