"""Tensor basics: creation from lists and NumPy, shapes and dtypes, indexing, joining,
arithmetic, in-place operations and the NumPy bridge. Deterministic.

Port corpus: modelled on pytorch/tutorials beginner_source/basics/tensorqs_tutorial.py;
written anew, not copied (the random tensors of the tutorial replaced by arange/linspace
so that the numbers can be compared exactly).
"""
import numpy as np
import torch

data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)
print(x_data)
np_array = np.array(data)
x_np = torch.from_numpy(np_array)
print(x_np)

x_ones = torch.ones_like(x_data)
print(f"Ones Tensor: \n {x_ones} \n")
x_float = torch.full_like(x_data, 0.25, dtype=torch.float)
print(f"Float Tensor: \n {x_float} \n")

shape = (2, 3,)
print(torch.ones(shape))
print(torch.zeros(shape))

tensor = torch.arange(12, dtype=torch.float32).reshape(3, 4)
print(f"Shape of tensor: {tensor.shape}")
print(f"Datatype of tensor: {tensor.dtype}")
print(f"Device tensor is stored on: {tensor.device}")
if torch.cuda.is_available():
    tensor = tensor.to("cuda")

tensor = torch.ones(4, 4)
print(f"First row: {tensor[0]}")
print(f"First column: {tensor[:, 0]}")
print(f"Last column: {tensor[..., -1]}")
tensor[:, 1] = 0
print(tensor)

t1 = torch.cat([tensor, tensor, tensor], dim=1)
print(t1)
print(t1.size(), t1.numel())

y1 = tensor @ tensor.T
y2 = tensor.matmul(tensor.T)
y3 = torch.ones_like(y1)
torch.matmul(tensor, tensor.T, out=y3)
print(y1, torch.equal(y1, y2), torch.equal(y1, y3))

z1 = tensor * tensor
z2 = tensor.mul(tensor)
z3 = torch.zeros_like(tensor)
torch.mul(tensor, tensor, out=z3)
print(z1, (z1 == z3).all())

agg = tensor.sum()
agg_item = agg.item()
print(agg_item, type(agg_item))

print(f"{tensor} \n")
tensor.add_(5)
print(tensor)

t = torch.ones(5)
print(f"t: {t}")
n = t.numpy()
print(f"n: {n}")
t.add_(1)
print(f"t: {t}")
print(f"n: {n}")

n = np.ones(5)
t = torch.from_numpy(n)
np.add(n, 1, out=n)
print(f"t: {t}")
print(f"n: {n}")

w = torch.linspace(0, 1, 6).view(2, 3)
print(w.t().contiguous().view(-1), w.max(), w.argmax(), w.mean(dim=0))
print(torch.stack([w, w]).shape, w.unsqueeze(0).shape, w.flatten().tolist())
