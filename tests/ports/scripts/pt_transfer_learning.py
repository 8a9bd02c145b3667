"""The transfer-learning training loop: train and val phases over a dict of DataLoaders,
torch.set_grad_enabled(phase == "train"), torch.max(outputs, 1), running_corrects +=
torch.sum(preds == labels.data), .double() / dataset_sizes, lr_scheduler.StepLR with
scheduler.step() per epoch, the best weights kept with torch.save / load_state_dict in a
temporary directory, and a frozen feature extractor (requires_grad = False) whose last
layer alone is optimized.

Port corpus: modelled on pytorch/tutorials beginner_source/transfer_learning_tutorial.py;
written anew, not copied. The torchvision ResNet-18 and the ants/bees images are
replaced by a small network (its first layers trained, then frozen, here) and synthetic
8x8 images of two classes; 4 epochs instead of 25.
"""
import os
import time
from tempfile import TemporaryDirectory

import torch
import torch.nn as nn
import torch.optim as optim
from torch.optim import lr_scheduler
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)


def make_split(n):
    labels = torch.randint(0, 2, (n,))
    images = 0.5 * torch.randn(n, 1, 8, 8)
    images[labels == 1, 0, :, :4] += 1.0
    images[labels == 0, 0, :, 4:] += 1.0
    return TensorDataset(images, labels)


image_datasets = {"train": make_split(240), "val": make_split(80)}
dataloaders = {x: DataLoader(image_datasets[x], batch_size=16, shuffle=True, num_workers=4)
               for x in ["train", "val"]}
dataset_sizes = {x: len(image_datasets[x]) for x in ["train", "val"]}
class_names = ["ants", "bees"]
device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
print(dataset_sizes, device)


def train_model(model, criterion, optimizer, scheduler, num_epochs=4):
    since = time.time()
    with TemporaryDirectory() as tempdir:
        best_model_params_path = os.path.join(tempdir, "best_model_params.pt")
        torch.save(model.state_dict(), best_model_params_path)
        best_acc = 0.0
        for epoch in range(num_epochs):
            print(f"Epoch {epoch}/{num_epochs - 1}")
            print("-" * 10)
            for phase in ["train", "val"]:
                if phase == "train":
                    model.train()
                else:
                    model.eval()
                running_loss = 0.0
                running_corrects = 0
                for inputs, labels in dataloaders[phase]:
                    inputs = inputs.to(device)
                    labels = labels.to(device)
                    optimizer.zero_grad()
                    with torch.set_grad_enabled(phase == "train"):
                        outputs = model(inputs)
                        _, preds = torch.max(outputs, 1)
                        loss = criterion(outputs, labels)
                        if phase == "train":
                            loss.backward()
                            optimizer.step()
                    running_loss += loss.item() * inputs.size(0)
                    running_corrects += torch.sum(preds == labels.data)
                if phase == "train":
                    scheduler.step()
                epoch_loss = running_loss / dataset_sizes[phase]
                epoch_acc = running_corrects.double() / dataset_sizes[phase]
                print(f"{phase} Loss: {epoch_loss:.4f} Acc: {epoch_acc:.4f}")
                if phase == "val" and epoch_acc > best_acc:
                    best_acc = epoch_acc
                    torch.save(model.state_dict(), best_model_params_path)
            print()
        time_elapsed = time.time() - since
        print(f"Training complete in {time_elapsed // 60:.0f}m {time_elapsed % 60:.0f}s"
              if time_elapsed < 0 else "Training complete")
        print(f"Best val Acc: {best_acc:4f}")
        model.load_state_dict(torch.load(best_model_params_path, weights_only=True))
    return model


model_ft = nn.Sequential(nn.Flatten(), nn.Linear(64, 16), nn.ReLU(), nn.Linear(16, 2))
num_ftrs = model_ft[3].in_features
model_ft[3] = nn.Linear(num_ftrs, len(class_names))
model_ft = model_ft.to(device)
criterion = nn.CrossEntropyLoss()
optimizer_ft = optim.SGD(model_ft.parameters(), lr=0.01, momentum=0.9)
exp_lr_scheduler = lr_scheduler.StepLR(optimizer_ft, step_size=2, gamma=0.1)
model_ft = train_model(model_ft, criterion, optimizer_ft, exp_lr_scheduler, num_epochs=4)
print(optimizer_ft.param_groups[0]["lr"])

model_conv = model_ft
for param in model_conv.parameters():
    param.requires_grad = False
model_conv[3] = nn.Linear(num_ftrs, 2)
model_conv = model_conv.to(device)
optimizer_conv = optim.SGD(model_conv[3].parameters(), lr=0.01, momentum=0.9)
exp_lr_scheduler = lr_scheduler.StepLR(optimizer_conv, step_size=2, gamma=0.1)
model_conv = train_model(model_conv, criterion, optimizer_conv, exp_lr_scheduler,
                         num_epochs=2)
was_training = model_conv.training
model_conv.eval()
with torch.no_grad():
    inputs, labels = next(iter(dataloaders["val"]))
    outputs = model_conv(inputs)
    _, preds = torch.max(outputs, 1)
    print([class_names[preds[j]] for j in range(4)], was_training)
