"""Mini-batches from torch.utils.data imported as Data: TensorDataset and DataLoader with
keyword arguments (dataset=, batch_size=, shuffle=True, num_workers=2) and a seeded
shuffle; the batches printed through .numpy().

Port corpus: modelled on MorvanZhou/PyTorch-Tutorial tutorial-contents/305_batch_train.py;
written anew, not copied.
"""
import torch
import torch.utils.data as Data

torch.manual_seed(1)
BATCH_SIZE = 5
x = torch.linspace(1, 10, 10)
y = torch.linspace(10, 1, 10)
torch_dataset = Data.TensorDataset(x, y)
loader = Data.DataLoader(dataset=torch_dataset, batch_size=BATCH_SIZE, shuffle=True,
                         num_workers=2)


def show_batch():
    total = 0.0
    for epoch in range(3):
        for step, (batch_x, batch_y) in enumerate(loader):
            print("Epoch: ", epoch, "| Step: ", step, "| batch x: ", batch_x.numpy(),
                  "| batch y: ", batch_y.numpy())
            total += float((batch_x + batch_y).sum())
    print("every pair sums to 11:", total == 3 * 10 * 11.0)


if __name__ == "__main__":
    show_batch()
