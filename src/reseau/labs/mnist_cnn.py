"""Lab ``mnist-cnn`` (the lab seed 003 announces): convolutional networks on MNIST.
LeNet-5 (61,706 parameters) and the network of PyTorch's MNIST example (1.2 million),
trained with Adam and a cosine-decaying step, LeNet-5 also with random shifts of up to
2 pixels; LeNet-5 passes 99.2% test accuracy in the full run. The report shows the networks
layer by layer, the learned first-layer filters, the feature maps of one digit, the
confusion matrix, the worst-classified digits, and compares with the MLP of lab ``mnist``
(accuracy, parameters, time per epoch).
"""

from __future__ import annotations

import numpy as np

from .. import nn, optim
from ..backend import manual_seed
from ..data import DataLoader, TensorDataset
from ..data.augmentation import RandomShift, TransformedDataset
from ..models import lenet5, mnist_net
from ..optim import lr_scheduler
from ..train import confusion_matrix, fit, predict
from . import mnist as mlp_lab
from .registry import LabConfig, register
from .report import Report, new_figure, pct

# Per network: Adam's step (decayed to 0 along a cosine over the run), epochs, and the
# largest random shift in pixels (0: none). mlp: lab mnist's recipe, for the comparison.
FULL = {"n_train": None, "n_test": None, "batch": 64,
        "nets": {"lenet5": {"lr": 2e-3, "epochs": 10, "shift": 2},
                 "mnist-net": {"lr": 1e-3, "epochs": 3, "shift": 0}},
        "mlp": mlp_lab.FULL}
QUICK = {"n_train": 1500, "n_test": 500, "batch": 64,
         "nets": {"lenet5": {"lr": 2e-3, "epochs": 1, "shift": 2},
                  "mnist-net": {"lr": 1e-3, "epochs": 1, "shift": 0}},
         "mlp": {**mlp_lab.QUICK, "epochs": 1}}
BUILDERS = {"lenet5": lenet5, "mnist-net": mnist_net}
TITLES = {"lenet5": "LeNet-5", "mnist-net": "PyTorch's example network", "mlp": "MLP (lab mnist)"}


def _train(name: str, model, data, p: dict, batch: int, seed: int, fill: float, tee,
           device: str = "cpu"):
    """Train ``model`` with Adam and a cosine schedule; the history and the test scores."""
    X, y, Xt, yt = data
    opt = optim.Adam(model.parameters(), lr=p["lr"])
    schedule = lr_scheduler.CosineAnnealingLR(opt, T_max=p["epochs"])
    dataset = TensorDataset(X, y)
    if p.get("shift"):
        dataset = TransformedDataset(dataset, RandomShift(p["shift"], fill=fill,
                                                          generator=seed))
    loader = DataLoader(dataset, batch_size=batch, shuffle=True, generator=seed)
    tee.write(f"{TITLES[name]}\n")
    # eval_train=False: the training numbers are running means (one pass less per epoch)
    history = fit(model, nn.CrossEntropyLoss(), opt, loader, (Xt, yt), epochs=p["epochs"],
                  scheduler=schedule, eval_train=False, val_name="test", progress=None,
                  out=tee, device=device)
    return history, predict(model, Xt)


def _mlp(p: dict, data, batch_seed: int, tee, device: str = "cpu"):
    """Lab mnist's MLP and recipe (SGD, Nesterov momentum, cosine), on the same data."""
    X, y, Xt, yt = data
    model = nn.MLP(p["sizes"], activation="relu", dropout=p["dropout"])
    opt = optim.SGD(model.parameters(), lr=p["lr"], momentum=0.9, nesterov=True,
                    weight_decay=1e-4)
    schedule = lr_scheduler.CosineAnnealingLR(opt, T_max=p["epochs"])
    loader = DataLoader(TensorDataset(X.reshape(len(X), -1), y), batch_size=mlp_lab.BATCH,
                        shuffle=True, generator=batch_seed)
    tee.write(f"{TITLES['mlp']}\n")
    history = fit(model, nn.CrossEntropyLoss(), opt, loader, (Xt.reshape(len(Xt), -1), yt),
                  epochs=p["epochs"], scheduler=schedule, eval_train=False, val_name="test",
                  progress=None, out=tee, device=device)
    return model, history, predict(model, Xt.reshape(len(Xt), -1))


def _layers(model) -> list[dict]:
    """One row per layer of the model (a Sequential): its output shape on one digit,
    parameters and multiply-adds (``viz.summary``)."""
    from ..viz import summary

    s = summary(model, (1, 1, 28, 28))
    return [{"name": r.name, "type": r.kind, "shape": list(r.output_shape[1:]),
             "params": r.params, "mult_adds": r.mult_adds} for r in s.rows if r.depth == 1]


@register("mnist-cnn", "Convolutional networks on MNIST",
          "LeNet-5 and PyTorch's example network on real MNIST (Adam, cosine step; LeNet-5 "
          "with random shifts); LeNet-5 passes 99.2% test accuracy in the full run; filters, "
          "feature maps, confusion matrix, worst digits, comparison with the MLP.",
          "seed 003 (next lab), PyTorch's MNIST example, LeCun et al. 1998")
def run(report: Report, config: LabConfig) -> None:
    from ..viz import plot_feature_maps, plot_filters

    p = QUICK if config.quick else FULL
    X, y, Xt, yt, mean, std = mlp_lab._data(config, p["n_train"], p["n_test"])
    images = (X.reshape(-1, 1, 28, 28), y, Xt.reshape(-1, 1, 28, 28), yt)
    fill = (0.0 - mean) / std  # the background: a black pixel, standardised
    tee = mlp_lab._Tee()
    nets, histories, scores, layers = {}, {}, {}, {}
    for name, recipe in p["nets"].items():
        manual_seed(config.seed)
        nets[name] = BUILDERS[name]()
        layers[name] = _layers(nets[name])
        histories[name], scores[name] = _train(name, nets[name], images, recipe, p["batch"],
                                               config.seed, fill, tee, config.device)
    manual_seed(config.seed)
    mlp, histories["mlp"], scores["mlp"] = _mlp(p["mlp"], images, config.seed, tee,
                                                config.device)

    acc = {k: float(np.mean(s.argmax(1) == yt)) for k, s in scores.items()}
    params = {k: sum(q.numel() for q in m.parameters())
              for k, m in {**nets, "mlp": mlp}.items()}
    per_epoch = {k: float(np.mean(h["time"])) for k, h in histories.items()}
    mult_adds = {k: sum(r["mult_adds"] for r in rows) for k, rows in layers.items()}
    mult_adds["mlp"] = sum(a * b + b for a, b in zip(p["mlp"]["sizes"], p["mlp"]["sizes"][1:]))

    _setup(report, p, X, Xt, mean, std)
    report.heading("The networks, layer by layer")
    report.text("""
        Output shape for one digit, parameters and multiply-adds of each layer
        (`reseau.viz.summary(model, (1, 1, 28, 28))`, counted as torchinfo counts them:
        a convolution's parameters times its output positions, a linear layer's
        parameters once).""")
    for name, rows in layers.items():
        report.text(f"**{TITLES[name]}**: {params[name]:,} parameters, "
                    f"{mult_adds[name]:,} multiply-adds per digit.")
        report.table(["layer", "type", "output shape", "parameters", "multiply-adds"],
                     [[r["name"], r["type"], " x ".join(map(str, r["shape"])),
                       f"{r['params']:,}", f"{r['mult_adds']:,}"] for r in rows])
    report.heading("Training log")
    report.text("One line per epoch (training numbers: running means over the epoch's "
                "batches, in training mode; test numbers: the whole test set).")
    report.code("\n".join(tee.lines))
    _curves(report, histories)

    report.heading("Convolutions against the MLP")
    report.table(["network", "parameters", "multiply-adds per digit", "epochs",
                  "seconds per epoch", "test accuracy", "test errors"],
                 [[TITLES[k], f"{params[k]:,}", f"{mult_adds[k]:,}", len(histories[k]),
                   f"{per_epoch[k]:.1f}", pct(acc[k], 2), int(round((1 - acc[k]) * len(yt)))]
                  for k in ("mlp", *nets)])
    report.text(f"""
        LeNet-5 has {params['mlp'] / params['lenet5']:.0f} times fewer parameters than
        the MLP and makes {_fewer(acc['mlp'], acc['lenet5'])} errors: a convolution
        shares one small filter over every position of the image, so it learns a stroke
        detector once instead of once per pixel, and pooling makes it tolerate a shift.
        The example network spends {mult_adds['mnist-net'] / mult_adds['lenet5']:.0f}
        times LeNet-5's multiply-adds (nine in ten in its second convolution, 64 filters
        over 32 channels at 24x24 positions), which is where its epochs go. Seconds per
        epoch: the training pass plus the test-set evaluation, on this machine.""")

    report.heading("Learned first-layer filters")
    for name, net in nets.items():
        report.figure(plot_filters(net[0], figsize=(5.5, 4.0) if name == "lenet5" else
                                   (7.0, 7.0), title=f"{TITLES[name]}: first-layer filters"),
                      f"filters-{name}", f"The {net[0].weight.shape[0]} filters of "
                      f"{TITLES[name]}'s first convolution (red: positive weights, blue: "
                      "negative). Many are oriented edge or stroke detectors.")
    report.heading("Feature maps of one digit")
    digit = images[2][0]
    report.figure(plot_feature_maps(nets["lenet5"], digit, figsize=(10.0, 8.0),
                                    title=f"LeNet-5 on a test digit (a {yt[0]})"),
                  "feature-maps", "The first test digit and what each layer of LeNet-5 "
                  "makes of it: after the first convolution, edges in several orientations; "
                  "after pooling, the same at half the resolution; the second convolution "
                  "combines them into parts of strokes at 10x10, then 5x5.")

    best = max(nets, key=lambda k: acc[k])
    pred = scores[best].argmax(1)
    cm = confusion_matrix(yt, pred, num_classes=10)
    mlp_lab._confusion(report, cm, TITLES[best])
    worst = mlp_lab._worst(report, scores[best], Xt * std + mean, yt)
    report.results.update(
        test_acc=acc, params=params, mult_adds=mult_adds, seconds_per_epoch=per_epoch,
        epochs={k: len(h) for k, h in histories.items()}, layers=layers, log=tee.lines,
        best=best, confusion=cm, worst=worst, n_train=len(X), n_test=len(Xt),
        recipes=p["nets"])
    report.headline = (f"LeNet-5 {pct(acc['lenet5'], 2)}, PyTorch's example network "
                       f"{pct(acc['mnist-net'], 2)} test accuracy (the MLP: "
                       f"{pct(acc['mlp'], 2)}); LeNet-5 has {params['lenet5']:,} parameters.")


def _fewer(mlp_acc: float, cnn_acc: float) -> str:
    if cnn_acc >= mlp_acc:
        return f"{(1 - mlp_acc) / max(1 - cnn_acc, 1e-9):.1f} times fewer"
    return "more (in this short run)"


def _setup(report: Report, p: dict, X, Xt, mean: float, std: float) -> None:
    report.heading("Setup")
    report.text(f"""
        {len(X):,} training and {len(Xt):,} test images of 28x28 pixels, standardised
        with the training set's mean ({mean:.4f}) and standard deviation ({std:.4f}), kept
        as images: a batch is N x 1 x 28 x 28. Softmax cross-entropy, batches of
        {p['batch']}, Adam, its step decayed to 0 along a cosine over the run.""")
    report.table(["network", "Adam's step", "epochs", "augmentation"],
                 [[TITLES[k], f"{r['lr']:g}", r["epochs"],
                   f"random shifts of up to {r['shift']} pixels" if r["shift"] else "none "
                   "(dropout 0.25 and 0.5 in the network)"] for k, r in p["nets"].items()])


def _curves(report: Report, histories: dict) -> None:
    fig, axes = new_figure(1, 1, size=(6.0, 3.6))
    ax = axes[0, 0]
    for name, h in histories.items():
        epochs = np.arange(1, len(h) + 1)
        ax.plot(epochs, 100 * (1 - np.asarray(h["val_accuracy"])), marker="o",
                label=TITLES[name])
    ax.set(xlabel="epoch", ylabel="test error (%)", yscale="log",
           title="Test error, epoch by epoch")
    ax.legend()
    report.figure(fig, "curves", "The test error of each network after each epoch.")
