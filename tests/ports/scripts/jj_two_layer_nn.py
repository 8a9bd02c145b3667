"""The two-layer network from torch.nn (Sequential, Linear, ReLU, MSELoss), moved with
.to(device), updated by hand through param.data.

Port corpus: modelled on jcjohnson/pytorch-examples nn/two_layer_net_nn.py; written
anew, not copied. 300 steps instead of 500.
"""
import torch

device = torch.device("cpu")
N, D_in, H, D_out = 64, 1000, 100, 10
x = torch.randn(N, D_in, device=device)
y = torch.randn(N, D_out, device=device)

model = torch.nn.Sequential(
    torch.nn.Linear(D_in, H),
    torch.nn.ReLU(),
    torch.nn.Linear(H, D_out),
).to(device)
loss_fn = torch.nn.MSELoss(reduction="sum")

learning_rate = 1e-4
for t in range(300):
    y_pred = model(x)
    loss = loss_fn(y_pred, y)
    if t % 20 == 0 or t == 299:
        print(t, loss.item())
    model.zero_grad()
    loss.backward()
    with torch.no_grad():
        for param in model.parameters():
            param.data -= learning_rate * param.grad
