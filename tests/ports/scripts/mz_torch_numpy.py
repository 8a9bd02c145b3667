"""Torch and NumPy side by side: from_numpy / numpy(), torch.FloatTensor, abs, sin, mean,
mm and dot; the legacy Variable wrapper with a backward. Deterministic.

Port corpus: modelled on MorvanZhou/PyTorch-Tutorial tutorial-contents/201_torch_numpy.py
and 202_variable.py; written anew, not copied.
"""
import numpy as np
import torch
from torch.autograd import Variable

np_data = np.arange(6).reshape((2, 3))
torch_data = torch.from_numpy(np_data)
tensor2array = torch_data.numpy()
print("\nnumpy array:", np_data, "\ntorch tensor:", torch_data,
      "\ntensor to array:", tensor2array)

data = [-1, -2, 1, 2]
tensor = torch.FloatTensor(data)
print("\nabs", "\nnumpy: ", np.abs(data), "\ntorch: ", torch.abs(tensor))
print("\nsin", "\nnumpy: ", np.sin(data), "\ntorch: ", torch.sin(tensor))
print("\nmean", "\nnumpy: ", np.mean(data), "\ntorch: ", torch.mean(tensor))

data = [[1, 2], [3, 4]]
tensor = torch.FloatTensor(data)
print("\nmatmul", "\nnumpy: ", np.matmul(data, data), "\ntorch: ", torch.mm(tensor, tensor))
flat = tensor.view(-1)
print("\ndot", "\nnumpy: ", np.array(data).ravel().dot(np.array(data).ravel()),
      "\ntorch: ", torch.dot(flat, flat), flat.dot(flat).item())

tensor = torch.FloatTensor([[1, 2], [3, 4]])
variable = Variable(tensor, requires_grad=True)
print(tensor)
print(variable)
t_out = torch.mean(tensor * tensor)
v_out = torch.mean(variable * variable)
print(t_out)
print(v_out)
v_out.backward()
print(variable.grad)
print(variable.data)
print(variable.data.numpy())
print(torch.LongTensor([1, 2, 3]).dtype, torch.DoubleTensor([1.5]).dtype,
      torch.FloatTensor(2, 3).shape)
