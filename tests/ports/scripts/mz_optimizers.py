"""Four copies of a small Net trained side by side on the same mini-batches with SGD,
SGD with momentum, RMSprop (alpha=) and Adam (betas=); losses recorded with
loss.data.numpy().

Port corpus: modelled on MorvanZhou/PyTorch-Tutorial tutorial-contents/306_optimizer.py;
written anew, not copied (plotting left out; 4 epochs of 500 points instead of 12 of 1000).
"""
import torch
import torch.nn.functional as F
import torch.utils.data as Data

LR = 0.01
BATCH_SIZE = 32
EPOCH = 4
x = torch.unsqueeze(torch.linspace(-1, 1, 500), dim=1)
y = x.pow(2) + 0.1 * torch.normal(torch.zeros(*x.size()))
torch_dataset = Data.TensorDataset(x, y)
loader = Data.DataLoader(dataset=torch_dataset, batch_size=BATCH_SIZE, shuffle=True,
                         num_workers=2)


class Net(torch.nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.hidden = torch.nn.Linear(1, 20)
        self.predict = torch.nn.Linear(20, 1)

    def forward(self, x):
        x = F.relu(self.hidden(x))
        return self.predict(x)


if __name__ == "__main__":
    nets = [Net(), Net(), Net(), Net()]
    optimizers = [
        torch.optim.SGD(nets[0].parameters(), lr=LR),
        torch.optim.SGD(nets[1].parameters(), lr=LR, momentum=0.8),
        torch.optim.RMSprop(nets[2].parameters(), lr=LR, alpha=0.9),
        torch.optim.Adam(nets[3].parameters(), lr=LR, betas=(0.9, 0.99)),
    ]
    loss_func = torch.nn.MSELoss()
    losses_his = [[], [], [], []]
    for epoch in range(EPOCH):
        print("Epoch: ", epoch)
        for step, (b_x, b_y) in enumerate(loader):
            for net, opt, l_his in zip(nets, optimizers, losses_his):
                output = net(b_x)
                loss = loss_func(output, b_y)
                opt.zero_grad()
                loss.backward()
                opt.step()
                l_his.append(loss.data.numpy())
    labels = ["SGD", "Momentum", "RMSprop", "Adam"]
    for label, l_his in zip(labels, losses_his):
        print(f"{label} last-10 mean loss: {sum(float(v) for v in l_his[-10:]) / 10:.4f}")
