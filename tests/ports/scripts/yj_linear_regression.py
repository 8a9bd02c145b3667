"""Linear regression with nn.Linear on a small NumPy float32 dataset converted with
torch.from_numpy, SGD, '{:.4f}'.format(loss.item()) log lines, predictions through
.detach().numpy(), and the state_dict saved to a checkpoint.

Port corpus: modelled on yunjey/pytorch-tutorial
tutorials/01-basics/linear_regression/main.py; written anew, not copied (own data
points; plotting left out).
"""
import numpy as np
import torch
import torch.nn as nn

input_size = 1
output_size = 1
num_epochs = 60
learning_rate = 0.001

x_train = np.linspace(2.0, 11.0, 15, dtype=np.float32).reshape(-1, 1)
noise = np.array([0.1, -0.3, 0.2, 0.0, -0.2, 0.3, -0.1, 0.1, 0.2, -0.3, 0.0, 0.1, -0.2,
                  0.2, -0.1], dtype=np.float32).reshape(-1, 1)
y_train = 0.25 * x_train + 0.8 + noise

model = nn.Linear(input_size, output_size)
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)

for epoch in range(num_epochs):
    inputs = torch.from_numpy(x_train)
    targets = torch.from_numpy(y_train)
    outputs = model(inputs)
    loss = criterion(outputs, targets)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if (epoch + 1) % 5 == 0:
        print("Epoch [{}/{}], Loss: {:.4f}".format(epoch + 1, num_epochs, loss.item()))

predicted = model(torch.from_numpy(x_train)).detach().numpy()
print(predicted.shape, predicted.dtype)
print("final loss", float(((predicted - y_train) ** 2).mean()))
torch.save(model.state_dict(), "model.ckpt")
state = torch.load("model.ckpt")
print(sorted(state.keys()), tuple(state["weight"].shape))
