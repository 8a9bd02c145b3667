"""Autograd in the 60-minute blitz: Q = 3a^3 - b^2 with a vector gradient passed to
backward(gradient=...), checking a.grad == 9a^2, which tensors require gradients after
an operation, freezing a model's parameters (requires_grad = False) and replacing its
last layer, and an optimizer over that layer only.

Port corpus: modelled on pytorch/tutorials beginner_source/blitz/autograd_tutorial.py;
written anew, not copied (the pretrained torchvision ResNet replaced by a small
Sequential model built in the script).
"""
import torch
from torch import nn, optim

a = torch.tensor([2., 3.], requires_grad=True)
b = torch.tensor([6., 4.], requires_grad=True)
Q = 3 * a ** 3 - b ** 2
external_grad = torch.tensor([1., 1.])
Q.backward(gradient=external_grad)
print(9 * a ** 2 == a.grad)
print(-2 * b == b.grad)
print(a.grad, b.grad)

x = torch.rand(5, 5)
y = torch.rand(5, 5)
z = torch.rand((5, 5), requires_grad=True)
a = x + y
print(f"Does `a` require gradients?: {a.requires_grad}")
b = x + z
print(f"Does `b` require gradients?: {b.requires_grad}")

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
for param in model.parameters():
    param.requires_grad = False
model[2] = nn.Linear(16, 3)
print(model)
print([p.requires_grad for p in model.parameters()])
optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
data = torch.linspace(-1, 1, 16).view(2, 8)
labels = torch.tensor([0, 2])
for step in range(3):
    optimizer.zero_grad()
    loss = nn.functional.cross_entropy(model(data), labels)
    loss.backward()
    optimizer.step()
print(model[0].weight.grad is None, model[2].weight.grad is not None)
print(round(loss.item(), 3) > 0)
