"""A custom Dataset (__len__, __getitem__) with a transform, a DataLoader with batches
and shuffling, and iteration with next(iter(...)).

Port corpus: modelled on pytorch/tutorials beginner_source/basics/data_tutorial.py;
written anew, not copied (FashionMNIST replaced by small synthetic images built in the
script: no download).
"""
import torch
from torch.utils.data import DataLoader, Dataset


class TinyImages(Dataset):
    """n 8x8 'images': class k lights up row k (of 8 classes), plus a ramp."""

    def __init__(self, n, transform=None, target_transform=None):
        self.labels = torch.arange(n) % 8
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        label = int(self.labels[idx])
        image = torch.zeros(1, 8, 8)
        image[0, label, :] = 1.0
        image = image + torch.linspace(0, 0.5, 8)
        if self.transform:
            image = self.transform(image)
        if self.target_transform:
            label = self.target_transform(label)
        return image, label


labels_map = {0: "T-Shirt", 1: "Trouser", 2: "Pullover", 3: "Dress", 4: "Coat",
              5: "Sandal", 6: "Shirt", 7: "Sneaker"}
training_data = TinyImages(100, transform=lambda t: t * 2,
                           target_transform=lambda y: torch.zeros(8).scatter_(
                               0, torch.tensor(y), value=1))
test_data = TinyImages(30)
print(len(training_data), len(test_data))
img, label = test_data[13]
print(labels_map[label], img.shape, img.sum().item())

train_dataloader = DataLoader(training_data, batch_size=16, shuffle=True)
test_dataloader = DataLoader(test_data, batch_size=16, shuffle=False)
train_features, train_labels = next(iter(train_dataloader))
print(f"Feature batch shape: {train_features.size()}")
print(f"Labels batch shape: {train_labels.size()}")
print(train_labels.sum().item())

for X, y in test_dataloader:
    print(f"Shape of X [N, C, H, W]: {X.shape}")
    print(f"Shape of y: {y.shape} {y.dtype}")
    print(y.tolist())
print(len(train_dataloader), len(test_dataloader))
