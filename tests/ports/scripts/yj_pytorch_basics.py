"""The basics tour: autograd on scalars, a Linear layer's weights and gradients after
one step, the NumPy round trip, a TensorDataset input pipeline, a custom Dataset, and
saving / loading a state_dict.

Port corpus: modelled on yunjey/pytorch-tutorial
tutorials/01-basics/pytorch_basics/main.py; written anew, not copied (the CIFAR-10 and
pretrained-ResNet parts, which need torchvision and downloads, left out).
"""
import numpy as np
import torch
import torch.nn as nn

x = torch.tensor(1., requires_grad=True)
w = torch.tensor(2., requires_grad=True)
b = torch.tensor(3., requires_grad=True)
y = w * x + b
y.backward()
print(x.grad)
print(w.grad)
print(b.grad)

x = torch.randn(10, 3)
y = torch.randn(10, 2)
linear = nn.Linear(3, 2)
print("w: ", linear.weight.shape, linear.weight.requires_grad)
print("b: ", linear.bias.shape)
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(linear.parameters(), lr=0.01)
pred = linear(x)
loss = criterion(pred, y)
before = loss.item()
loss.backward()
print("dL/dw: ", linear.weight.grad.shape)
print("dL/db: ", linear.bias.grad.shape)
expected = 2 * (pred - y).detach().sum(0) / y.numel()
print("dL/db as 2 mean(pred - y):", torch.allclose(linear.bias.grad, expected, atol=1e-6))
optimizer.step()
linear.weight.data.sub_(0.01 * linear.weight.grad.data)
linear.bias.data.sub_(0.01 * linear.bias.grad.data)
pred = linear(x)
loss = criterion(pred, y)
print("loss decreased after 1-step optimization:", loss.item() < before)

x = np.array([[1, 2], [3, 4]])
y = torch.from_numpy(x)
z = y.numpy()
print(y, z, y.dtype)

images = torch.arange(40, dtype=torch.float32).view(10, 4)
labels = torch.arange(10) % 3
train_dataset = torch.utils.data.TensorDataset(images, labels)
image, label = train_dataset[0]
print(image.size())
print(label)
train_loader = torch.utils.data.DataLoader(dataset=train_dataset, batch_size=4,
                                           shuffle=False)
data_iter = iter(train_loader)
images, labels = next(data_iter)
print(images.shape, labels)
for images, labels in train_loader:
    pass
print(images.shape, labels)


class CustomDataset(torch.utils.data.Dataset):
    def __init__(self):
        self.items = [(i, i * i) for i in range(7)]

    def __getitem__(self, index):
        return torch.tensor([self.items[index][0]]), self.items[index][1]

    def __len__(self):
        return len(self.items)


custom_dataset = CustomDataset()
train_loader = torch.utils.data.DataLoader(dataset=custom_dataset, batch_size=3,
                                           shuffle=False)
for inputs, targets in train_loader:
    print(inputs.view(-1).tolist(), targets.tolist())

torch.save(linear.state_dict(), "params.ckpt")
fresh = nn.Linear(3, 2)
fresh.load_state_dict(torch.load("params.ckpt"))
print(torch.equal(fresh.weight, linear.weight), torch.equal(fresh.bias, linear.bias))
