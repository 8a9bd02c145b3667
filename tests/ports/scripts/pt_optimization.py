"""The training and test loops: DataLoader over a TensorDataset, CrossEntropyLoss, SGD,
model.train()/model.eval(), accuracy with .type(torch.float), formatted log lines.

Port corpus: modelled on pytorch/tutorials beginner_source/basics/optimization_tutorial.py;
written anew, not copied (FashionMNIST replaced by synthetic 28x28 images: class k is a
bright band at rows 2k..2k+2 plus noise; two epochs).
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def synthetic(n):
    labels = torch.randint(0, 10, (n,))
    images = 0.3 * torch.randn(n, 1, 28, 28)
    for k in range(10):
        images[labels == k, 0, 2 * k:2 * k + 3, :] += 1.0
    return TensorDataset(images, labels)


train_dataloader = DataLoader(synthetic(640), batch_size=64, shuffle=True)
test_dataloader = DataLoader(synthetic(320), batch_size=64)


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(28 * 28, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(),
            nn.Linear(128, 10))

    def forward(self, x):
        return self.linear_relu_stack(self.flatten(x))


model = NeuralNetwork()
learning_rate = 1e-1
batch_size = 64
epochs = 3
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)


def train_loop(dataloader, model, loss_fn, optimizer):
    size = len(dataloader.dataset)
    model.train()
    for batch, (X, y) in enumerate(dataloader):
        pred = model(X)
        loss = loss_fn(pred, y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if batch % 5 == 0:
            loss, current = loss.item(), batch * batch_size + len(X)
            print(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")


def test_loop(dataloader, model, loss_fn):
    model.eval()
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    test_loss, correct = 0, 0
    with torch.no_grad():
        for X, y in dataloader:
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()
    test_loss /= num_batches
    correct /= size
    print(f"Test Error: \n Accuracy: {(100*correct):>0.1f}%, Avg loss: {test_loss:>8f} \n")


for t in range(epochs):
    print(f"Epoch {t+1}\n-------------------------------")
    train_loop(train_dataloader, model, loss_fn, optimizer)
    test_loop(test_dataloader, model, loss_fn)
print("Done!")
