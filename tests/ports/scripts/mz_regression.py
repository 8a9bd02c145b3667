"""Regression of a noisy parabola with a one-hidden-layer Net (super(Net, self)
.__init__(), F.relu), SGD and MSELoss; print(net); losses read through .data.numpy().

Port corpus: modelled on MorvanZhou/PyTorch-Tutorial tutorial-contents/301_regression.py
and 303_build_nn_quickly.py; written anew, not copied (plotting left out).
"""
import torch
import torch.nn.functional as F

torch.manual_seed(1)
x = torch.unsqueeze(torch.linspace(-1, 1, 100), dim=1)
y = x.pow(2) + 0.2 * torch.rand(x.size())


class Net(torch.nn.Module):
    def __init__(self, n_feature, n_hidden, n_output):
        super(Net, self).__init__()
        self.hidden = torch.nn.Linear(n_feature, n_hidden)
        self.predict = torch.nn.Linear(n_hidden, n_output)

    def forward(self, x):
        x = F.relu(self.hidden(x))
        x = self.predict(x)
        return x


net = Net(n_feature=1, n_hidden=10, n_output=1)
print(net)
net2 = torch.nn.Sequential(torch.nn.Linear(1, 10), torch.nn.ReLU(), torch.nn.Linear(10, 1))
print(net2)

optimizer = torch.optim.SGD(net.parameters(), lr=0.2)
loss_func = torch.nn.MSELoss()
for t in range(200):
    prediction = net(x)
    loss = loss_func(prediction, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if t % 20 == 0 or t == 199:
        print("step %d Loss=%.4f" % (t, loss.data.numpy()))
