"""From scratch to torch.nn, step by step: logistic regression written with raw tensors
(weights.requires_grad_(), a hand-written log_softmax and negative log-likelihood with
input[range(n), target]), then F.cross_entropy, nn.Module with nn.Parameter, nn.Linear,
optim, TensorDataset / DataLoader, a validation loop with model.eval(), and a small CNN
(Conv2d, F.relu, F.avg_pool2d, a Lambda module in nn.Sequential, AdaptiveAvgPool2d).

Port corpus: modelled on pytorch/tutorials beginner_source/nn_tutorial.py ("What is
torch.nn really?"); written anew, not copied. The MNIST pickle is replaced by synthetic
28x28 images built in the script (class k: a bright band at rows 2k..2k+2); fewer
images and epochs.
"""
import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

rng = np.random.default_rng(0)
n_train, n_valid = 500, 200
labels = rng.integers(0, 10, n_train + n_valid)
images = rng.normal(0.0, 0.3, (n_train + n_valid, 784)).astype(np.float32)
for i, k in enumerate(labels):
    images[i].reshape(28, 28)[2 * k:2 * k + 3, :] += 1.0
x_train, y_train, x_valid, y_valid = map(
    torch.tensor, (images[:n_train], labels[:n_train], images[n_train:], labels[n_train:]))
n, c = x_train.shape
print(x_train.shape, y_train.min(), y_train.max())

torch.manual_seed(0)
weights = torch.randn(784, 10) / math.sqrt(784)
weights.requires_grad_()
bias = torch.zeros(10, requires_grad=True)


def log_softmax(x):
    return x - x.exp().sum(-1).log().unsqueeze(-1)


def model(xb):
    return log_softmax(xb @ weights + bias)


def nll(input, target):
    return -input[range(target.shape[0]), target].mean()


def accuracy(out, yb):
    preds = torch.argmax(out, dim=1)
    return (preds == yb).float().mean()


bs = 64
loss_func = nll
xb, yb = x_train[0:bs], y_train[0:bs]
preds = model(xb)
print(preds[0].shape, "loss and accuracy before training are finite:",
      bool(torch.isfinite(loss_func(preds, yb))), 0 <= accuracy(preds, yb).item() <= 1)

lr = 0.5
epochs = 2
for epoch in range(epochs):
    for i in range((n - 1) // bs + 1):
        start_i = i * bs
        end_i = start_i + bs
        xb = x_train[start_i:end_i]
        yb = y_train[start_i:end_i]
        pred = model(xb)
        loss = loss_func(pred, yb)
        loss.backward()
        with torch.no_grad():
            weights -= weights.grad * lr
            bias -= bias.grad * lr
            weights.grad.zero_()
            bias.grad.zero_()
print("from scratch:", loss_func(model(xb), yb).item() < 1.0,
      accuracy(model(x_valid), y_valid).item() > 0.8)

loss_func = F.cross_entropy


class Mnist_Logistic(nn.Module):
    def __init__(self):
        super().__init__()
        self.weights = nn.Parameter(torch.randn(784, 10) / math.sqrt(784))
        self.bias = nn.Parameter(torch.zeros(10))

    def forward(self, xb):
        return xb @ self.weights + self.bias


class Mnist_Linear(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(784, 10)

    def forward(self, xb):
        return self.lin(xb)


def loss_batch(model, loss_func, xb, yb, opt=None):
    loss = loss_func(model(xb), yb)
    if opt is not None:
        loss.backward()
        opt.step()
        opt.zero_grad()
    return loss.item(), len(xb)


def fit(epochs, model, loss_func, opt, train_dl, valid_dl):
    for epoch in range(epochs):
        model.train()
        for xb, yb in train_dl:
            loss_batch(model, loss_func, xb, yb, opt)
        model.eval()
        with torch.no_grad():
            losses, nums = zip(*[loss_batch(model, loss_func, xb, yb) for xb, yb in valid_dl])
        val_loss = np.sum(np.multiply(losses, nums)) / np.sum(nums)
        print(epoch, f"valid loss {val_loss:.4f}")
    return val_loss


def get_data(train_ds, valid_ds, bs):
    return (DataLoader(train_ds, batch_size=bs, shuffle=True),
            DataLoader(valid_ds, batch_size=bs * 2))


train_ds = TensorDataset(x_train, y_train)
valid_ds = TensorDataset(x_valid, y_valid)
train_dl, valid_dl = get_data(train_ds, valid_ds, bs)
for make in (Mnist_Logistic, Mnist_Linear):
    model = make()
    opt = optim.SGD(model.parameters(), lr=lr)
    print(make.__name__, "linear valid loss", fit(2, model, loss_func, opt, train_dl, valid_dl))


class Lambda(nn.Module):
    def __init__(self, func):
        super().__init__()
        self.func = func

    def forward(self, x):
        return self.func(x)


def preprocess(x):
    return x.view(-1, 1, 28, 28)


model = nn.Sequential(
    Lambda(preprocess),
    nn.Conv2d(1, 8, kernel_size=3, stride=2, padding=1), nn.ReLU(),
    nn.Conv2d(8, 8, kernel_size=3, stride=2, padding=1), nn.ReLU(),
    nn.Conv2d(8, 10, kernel_size=3, stride=2, padding=1), nn.ReLU(),
    nn.AdaptiveAvgPool2d(1),
    Lambda(lambda x: x.view(x.size(0), -1)),
)
print(model)
opt = optim.SGD(model.parameters(), lr=0.3, momentum=0.9)
print("cnn valid loss", fit(4, model, loss_func, opt, train_dl, valid_dl))
with torch.no_grad():
    print("cnn valid accuracy", accuracy(model(x_valid), y_valid).item())
x = torch.randn(2, 1, 4, 4)
print(F.avg_pool2d(x, 4).shape, F.relu(x).min().item() >= 0)
