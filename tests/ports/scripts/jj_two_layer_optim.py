"""The two-layer network trained with torch.optim.Adam, and a custom nn.Module variant
trained with SGD (super(Class, self).__init__()).

Port corpus: modelled on jcjohnson/pytorch-examples nn/two_layer_net_optim.py and
nn/two_layer_net_module.py; written anew, not copied. 300 steps instead of 500.
"""
import torch

N, D_in, H, D_out = 64, 1000, 100, 10
x = torch.randn(N, D_in)
y = torch.randn(N, D_out)

model = torch.nn.Sequential(
    torch.nn.Linear(D_in, H),
    torch.nn.ReLU(),
    torch.nn.Linear(H, D_out),
)
loss_fn = torch.nn.MSELoss(reduction="sum")
optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
for t in range(300):
    y_pred = model(x)
    loss = loss_fn(y_pred, y)
    if t % 20 == 0 or t == 299:
        print("adam", t, loss.item())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


class TwoLayerNet(torch.nn.Module):
    def __init__(self, D_in, H, D_out):
        super(TwoLayerNet, self).__init__()
        self.linear1 = torch.nn.Linear(D_in, H)
        self.linear2 = torch.nn.Linear(H, D_out)

    def forward(self, x):
        h_relu = self.linear1(x).clamp(min=0)
        return self.linear2(h_relu)


model = TwoLayerNet(D_in, H, D_out)
optimizer = torch.optim.SGD(model.parameters(), lr=1e-4)
for t in range(300):
    loss = loss_fn(model(x), y)
    if t % 20 == 0 or t == 299:
        print("sgd", t, loss.item())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
