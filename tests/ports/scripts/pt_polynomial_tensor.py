"""Cubic fit of sin(x) with hand-written gradients on plain tensors.

Port corpus: modelled on pytorch/tutorials beginner_source/examples_tensor/
polynomial_tensor.py ("Learning PyTorch with Examples"); written anew, not copied.
"""
import math

import torch

dtype = torch.float
device = torch.device("cpu")

x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
y = torch.sin(x)

# four random scalar coefficients of y = a + b x + c x^2 + d x^3
a = torch.randn((), device=device, dtype=dtype)
b = torch.randn((), device=device, dtype=dtype)
c = torch.randn((), device=device, dtype=dtype)
d = torch.randn((), device=device, dtype=dtype)

lr = 1e-6
for step in range(1000):
    y_pred = a + b * x + c * x.pow(2) + d * x.pow(3)
    loss = (y_pred - y).pow(2).sum().item()
    if step % 100 == 99:
        print(step, loss)
    g = 2.0 * (y_pred - y)
    grad_a = g.sum()
    grad_b = torch.matmul(input=g, other=x).sum()
    grad_c = torch.matmul(input=g, other=x.pow(2)).sum()
    grad_d = torch.matmul(input=g, other=x.pow(3)).sum()
    a -= lr * grad_a
    b -= lr * grad_b
    c -= lr * grad_c
    d -= lr * grad_d

print(f"Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3")
