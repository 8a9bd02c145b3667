"""The micrograd lecture's cross-check in PyTorch: a single tanh neuron built from
legacy torch.Tensor([...]).double() leaves with requires_grad set by assignment,
o.data.item(), backward and the leaves' .grad.item(); then a tiny MLP of nn modules
fitted to four points. Deterministic.

Port corpus: modelled on karpathy/nn-zero-to-hero
lectures/micrograd/micrograd_lecture_second_half_roughly.ipynb (the PyTorch cells);
written anew as a script, not copied.
"""
import torch

x1 = torch.Tensor([2.0]).double()
x1.requires_grad = True
x2 = torch.Tensor([0.0]).double()
x2.requires_grad = True
w1 = torch.Tensor([-3.0]).double()
w1.requires_grad = True
w2 = torch.Tensor([1.0]).double()
w2.requires_grad = True
b = torch.Tensor([6.8813735870195432]).double()
b.requires_grad = True
n = x1 * w1 + x2 * w2 + b
o = torch.tanh(n)

print(o.data.item())
o.backward(retain_graph=True)  # the second formula below reuses n

print("---")
print("x2", x2.grad.item())
print("w2", w2.grad.item())
print("x1", x1.grad.item())
print("w1", w1.grad.item())
print(torch.Tensor([[1, 2, 3], [4, 5, 6]]).shape, torch.Tensor([2.0]).dtype,
      torch.Tensor([2.0]).double().dtype)

# the same neuron through the composite formula of tanh
e = (2 * n).exp()
o2 = (e - 1) / (e + 1)
x1.grad = None
o2.backward()
print("x1 via exp", x1.grad.item())

xs = torch.tensor([[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]],
                  dtype=torch.float64)
ys = torch.tensor([1.0, -1.0, -1.0, 1.0], dtype=torch.float64)
model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 4),
                            torch.nn.Tanh(), torch.nn.Linear(4, 1), torch.nn.Tanh()).double()
with torch.no_grad():
    for i, p in enumerate(model.parameters()):
        p.copy_(torch.linspace(-0.5, 0.5, p.numel(), dtype=torch.float64).view(p.shape)
                * (1 + 0.1 * i))
for k in range(20):
    ypred = model(xs).squeeze(1)
    loss = ((ypred - ys) ** 2).sum()
    for p in model.parameters():
        p.grad = None
    loss.backward()
    for p in model.parameters():
        p.data += -0.1 * p.grad
    print(k, loss.item())
print(ypred.tolist())
