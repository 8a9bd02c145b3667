"""Lab ``mnist`` (seed 003, "application to MNIST"): a fully connected network on the
real MNIST digits, logged in the seed's format (``Iter 80: Acc train 93.1% (0.23), acc
test 93.2% (0.22)``). The seed reached 93%; the full run here, a 784-512-256-10 ReLU
network with SGD (Nesterov momentum) and a cosine-decaying step, passes 98%. Then the
confusion matrix and the digits the network gets most wrong.
"""

from __future__ import annotations

import sys

import numpy as np

from .. import nn, optim
from ..backend import manual_seed
from ..data import DataLoader, DownloadError, TensorDataset, load_mnist
from ..optim import lr_scheduler
from ..train import confusion_matrix, fit, predict
from .registry import LabConfig, register
from .report import Report, new_figure, pct

FULL = {"sizes": [784, 512, 256, 10], "dropout": 0.1, "epochs": 16, "lr": 0.05,
        "n_train": None, "n_test": None}
QUICK = {"sizes": [784, 128, 64, 10], "dropout": 0.0, "epochs": 3, "lr": 0.05,
         "n_train": 6000, "n_test": 1000}
BATCH = 128


class _Tee:
    """Log lines to the terminal (a long run shows its progress) and into the report."""

    def __init__(self):
        self.lines: list[str] = []

    def write(self, text: str) -> None:
        sys.stdout.write(text)
        self.lines.extend(line for line in text.splitlines() if line.strip())

    def flush(self) -> None:
        sys.stdout.flush()


def _data(config: LabConfig, n_train, n_test):
    root = None if config.data_dir is None else str(config.data_dir)
    try:
        X, y = load_mnist(True, root=root, as_tensor=False)
        Xt, yt = load_mnist(False, root=root, as_tensor=False)
    except DownloadError as exc:
        raise DownloadError(f"{exc} For this lab: `reseau lab mnist --data-dir DIR`, with "
                            "DIR a folder holding the four MNIST .gz files.") from None
    if n_train is not None:  # a stratified-enough random subset for --quick
        rng = np.random.default_rng(config.seed)
        keep, keep_t = rng.permutation(len(X))[:n_train], rng.permutation(len(Xt))[:n_test]
        X, y, Xt, yt = X[keep], y[keep], Xt[keep_t], yt[keep_t]
    # one mean and one standard deviation for every pixel, from the training set only
    mean, std = float(X.mean()), float(X.std())
    return (X - mean) / std, y, (Xt - mean) / std, yt, mean, std


@register("mnist", "MNIST digits",
          "An MLP on real MNIST (downloaded, or --data-dir), logged in the seed's format; "
          "the full run passes 98% test accuracy; confusion matrix and worst digits.",
          "seed 003, MNIST")
def run(report: Report, config: LabConfig) -> None:
    from ..viz import plot_history

    p = QUICK if config.quick else FULL
    X, y, Xt, yt, mean, std = _data(config, p["n_train"], p["n_test"])
    manual_seed(config.seed)
    model = nn.MLP(p["sizes"], activation="relu", dropout=p["dropout"])
    opt = optim.SGD(model.parameters(), lr=p["lr"], momentum=0.9, nesterov=True,
                    weight_decay=1e-4)
    schedule = lr_scheduler.CosineAnnealingLR(opt, T_max=p["epochs"])
    loader = DataLoader(TensorDataset(X, y), batch_size=BATCH, shuffle=True,
                        generator=config.seed)
    tee = _Tee()
    history = fit(model, nn.CrossEntropyLoss(), opt, loader, (Xt, yt), epochs=p["epochs"],
                  scheduler=schedule, val_name="test", progress=None, out=tee,
                  device=config.device)
    scores = predict(model, Xt)
    pred = scores.argmax(1)
    test_acc = float(np.mean(pred == yt))
    cm = confusion_matrix(yt, pred, num_classes=10)

    report.heading("Setup")
    n_params = sum(q.numel() for q in model.parameters())
    report.text(f"""
        {len(X):,} training and {len(Xt):,} test images of 28x28 pixels, flattened to
        784 values and standardised with the training set's mean ({mean:.4f}) and
        standard deviation ({std:.4f}). An MLP {'-'.join(map(str, p['sizes']))} with ReLU
        hidden units{f" and dropout {p['dropout']}" if p['dropout'] else ""}
        ({n_params:,} parameters), softmax cross-entropy, SGD with Nesterov momentum 0.9,
        weight decay 1e-4, batches of {BATCH}, a step of {p['lr']} decayed to 0 along a
        cosine over {p['epochs']} epochs. Like the seed, the network sees each image as a
        vector: nothing tells it which pixels are neighbours.""")
    report.heading("Training log")
    report.text("One line per epoch, in the seed's format (accuracy, and the loss in "
                "parentheses):")
    report.code("\n".join(tee.lines))
    report.figure(plot_history({"loss": history["loss"], "test_loss": history["val_loss"],
                                "accuracy": history["accuracy"],
                                "test_accuracy": history["val_accuracy"]},
                               title="MNIST learning curves", figsize=(10.0, 3.6)),
                  "curves", "Loss and accuracy on the training and test sets, epoch by epoch.")
    report.text(f"""
        **Test accuracy: {pct(test_acc, 2)}** ({int((pred != yt).sum())} errors out of
        {len(yt):,}), against 93% for the seed's network. The training accuracy ends at
        {pct(history['accuracy'][-1], 2)}.""")

    _confusion(report, cm)

    worst = _worst(report, scores, Xt * std + mean, yt)
    report.results.update(
        test_acc=test_acc, train_acc=float(history["accuracy"][-1]),
        epochs=len(history), log=tee.lines, confusion=cm, worst=worst,
        sizes=p["sizes"], n_train=len(X), n_test=len(Xt))
    report.headline = (f"{pct(test_acc, 2)} test accuracy after {len(history)} epochs "
                       f"({'-'.join(map(str, p['sizes']))} ReLU MLP); the seed reached 93%.")


def _confusion(report: Report, cm: np.ndarray, what: str = "") -> None:
    """The confusion matrix as a table, the most frequent confusion, and a figure of
    where the errors go; ``what`` names the network when a lab has several."""
    report.heading(f"Confusion matrix{what and f' ({what})'}")
    report.text("Rows: the true digit; columns: the predicted digit (test set).")
    report.table(["true \\ predicted"] + [str(d) for d in range(10)] + ["accuracy"],
                 [[f"**{d}**"] + [int(v) for v in cm[d]]
                  + [pct(cm[d, d] / max(cm[d].sum(), 1))] for d in range(10)])
    off = cm.copy()
    np.fill_diagonal(off, 0)
    i, j = np.unravel_index(int(off.argmax()), off.shape)
    report.text(f"The most frequent confusion: a {i} read as a {j} ({off[i, j]} times).")
    fig, axes = new_figure(1, 1, size=(5.5, 4.6))
    im = axes[0, 0].imshow(np.log1p(off), cmap="Reds")
    axes[0, 0].set(xticks=range(10), yticks=range(10), xlabel="predicted", ylabel="true",
                   title="Errors (log scale; the diagonal left out)")
    for a in range(10):
        for b in range(10):
            if off[a, b]:
                axes[0, 0].text(b, a, str(off[a, b]), ha="center", va="center", fontsize=7)
    fig.colorbar(im, ax=axes[0, 0], label="log(1 + count)")
    report.figure(fig, "confusion", "Where the errors go.")


def _worst(report: Report, scores: np.ndarray, images: np.ndarray, y: np.ndarray,
           count: int = 24) -> list:
    """The test digits given the lowest probability of their true class."""
    z = scores - scores.max(1, keepdims=True)
    prob = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    p_true = prob[np.arange(len(y)), y]
    order = np.argsort(p_true, kind="stable")[:count]
    fig, axes = new_figure(3, count // 3, size=(1.5, 1.75))
    rows = []
    for ax, k in zip(axes.ravel(), order):
        ax.imshow(images[k].reshape(28, 28), cmap="gray_r")
        ax.set_title(f"{y[k]} → {prob[k].argmax()} ({p_true[k]:.0e})", fontsize=8)
        ax.axis("off")
        rows.append({"index": int(k), "true": int(y[k]), "predicted": int(prob[k].argmax()),
                     "p_true": float(p_true[k])})
    report.heading("The worst-classified digits")
    report.figure(fig, "worst", f"The {count} test images with the lowest probability on "
                  "their true class; title: true → predicted (probability the network gave "
                  "the true digit).")
    return rows
