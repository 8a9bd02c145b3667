"""Tensors for a single neuron and a small network: torch.manual_seed, randn_like, a
sigmoid written with torch.exp, torch.sum vs torch.mm with view / reshape, and the NumPy
bridge with in-place mul_ shared between the two.

Port corpus: modelled on udacity/deep-learning-v2-pytorch intro-to-pytorch/Part 1 -
Tensors in PyTorch (Solution).ipynb; written anew as a script, not copied.
"""
import numpy as np
import torch


def activation(x):
    return 1 / (1 + torch.exp(-x))


torch.manual_seed(7)
features = torch.randn((1, 5))
weights = torch.randn_like(features)
bias = torch.randn((1, 1))
print(features, weights, bias)

y = activation(torch.sum(features * weights) + bias)
print(y)
y = activation((features * weights).sum() + bias)
print(y)
y = activation(torch.mm(features, weights.view(5, 1)) + bias)
print(y)
print(weights.reshape(5, 1).shape, weights.view(5, 1).shape)

torch.manual_seed(7)
features = torch.randn((1, 3))
n_input = features.shape[1]
n_hidden = 2
n_output = 1
W1 = torch.randn(n_input, n_hidden)
W2 = torch.randn(n_hidden, n_output)
B1 = torch.randn((1, n_hidden))
B2 = torch.randn((1, n_output))
h = activation(torch.mm(features, W1) + B1)
output = activation(torch.mm(h, W2) + B2)
print(output)

a = np.arange(12, dtype=np.float64).reshape(4, 3) / 10
b = torch.from_numpy(a)
print(b)
print(b.numpy())
b.mul_(2)
print(a)
