"""Overfitting against dropout: two Sequential nets, one with nn.Dropout(0.5), trained
with Adam; net.eval() / net.train() around the test evaluation.

Port corpus: modelled on MorvanZhou/PyTorch-Tutorial tutorial-contents/503_dropout.py;
written anew, not copied (plotting left out; 200 steps and 100 hidden units).
"""
import torch

torch.manual_seed(1)
N_SAMPLES = 20
N_HIDDEN = 100
x = torch.unsqueeze(torch.linspace(-1, 1, N_SAMPLES), 1)
y = x + 0.3 * torch.normal(torch.zeros(N_SAMPLES, 1), torch.ones(N_SAMPLES, 1))
test_x = torch.unsqueeze(torch.linspace(-1, 1, N_SAMPLES), 1)
test_y = test_x + 0.3 * torch.normal(torch.zeros(N_SAMPLES, 1), torch.ones(N_SAMPLES, 1))

net_overfitting = torch.nn.Sequential(
    torch.nn.Linear(1, N_HIDDEN), torch.nn.ReLU(),
    torch.nn.Linear(N_HIDDEN, N_HIDDEN), torch.nn.ReLU(),
    torch.nn.Linear(N_HIDDEN, 1),
)
net_dropped = torch.nn.Sequential(
    torch.nn.Linear(1, N_HIDDEN), torch.nn.Dropout(0.5), torch.nn.ReLU(),
    torch.nn.Linear(N_HIDDEN, N_HIDDEN), torch.nn.Dropout(0.5), torch.nn.ReLU(),
    torch.nn.Linear(N_HIDDEN, 1),
)
print(net_overfitting)
print(net_dropped)
optimizer_ofit = torch.optim.Adam(net_overfitting.parameters(), lr=0.01)
optimizer_drop = torch.optim.Adam(net_dropped.parameters(), lr=0.01)
loss_func = torch.nn.MSELoss()
for t in range(200):
    loss_ofit = loss_func(net_overfitting(x), y)
    loss_drop = loss_func(net_dropped(x), y)
    optimizer_ofit.zero_grad()
    optimizer_drop.zero_grad()
    loss_ofit.backward()
    loss_drop.backward()
    optimizer_ofit.step()
    optimizer_drop.step()
    if t % 50 == 0 or t == 199:
        net_overfitting.eval()
        net_dropped.eval()
        test_ofit = loss_func(net_overfitting(test_x), test_y).data.numpy()
        test_drop = loss_func(net_dropped(test_x), test_y).data.numpy()
        print("step %d train loss %.4f overfitting test loss=%.4f dropout test loss=%.4f"
              % (t, loss_ofit.item(), test_ofit, test_drop))
        net_overfitting.train()
        net_dropped.train()
print("train loss of the overfitting net below 0.06:", loss_ofit.item() < 0.06)
