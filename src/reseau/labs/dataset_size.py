"""Lab ``dataset-size`` (seed 003, "influence of the number N of examples"): train and
test accuracy of the same network trained on N examples, for N over two decades. With
few examples the network learns them by heart; the gap to the test accuracy closes as
N grows.
"""

from __future__ import annotations

import numpy as np

from .. import nn, optim
from ..backend import manual_seed
from ..creation import tensor
from ..data import circles
from .common import accuracy_of
from .registry import LabConfig, register
from .report import Report, new_figure, pct

NOISE = 0.15
SIZES = [10, 20, 50, 100, 200, 500, 1000]
QUICK_SIZES = [10, 40, 160, 640]


def _train(X, y, steps: int, seed: int):
    """A 2-32-32-2 tanh network trained by full-batch Adam for ``steps`` steps (the
    same number of updates whatever N, so that small sets are fitted as well)."""
    manual_seed(seed)
    net = nn.MLP([2, 32, 32, 2], activation="tanh")
    opt = optim.Adam(net.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    Xs, ys = tensor(X), tensor(y)
    for _ in range(steps):
        loss = loss_fn(net(Xs), ys)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return net


@register("dataset-size", "The number of training examples",
          "Train and test accuracy against the number N of training examples: the gap "
          "closes as N grows.", "seed 003")
def run(report: Report, config: LabConfig) -> None:
    sizes, repeats, steps = (QUICK_SIZES, 1, 300) if config.quick else (SIZES, 3, 600)
    n_test = 500 if config.quick else 2000
    Xt, yt = circles(n_test, noise=NOISE, seed=config.seed + 10_000, as_tensor=False)
    table = {}
    for n in sizes:
        scores = []
        for r in range(repeats):
            # a fresh training set for each (N, repeat), never overlapping the test draw
            X, y = circles(n, noise=NOISE, seed=config.seed * 1000 + 17 * r + n,
                           as_tensor=False)
            net = _train(X, y, steps, config.seed + r)
            scores.append((accuracy_of(net, X, y), accuracy_of(net, Xt, yt)))
        train_acc, test_acc = np.mean(scores, axis=0)
        table[n] = {"train_acc": float(train_acc), "test_acc": float(test_acc),
                    "gap": float(train_acc - test_acc)}

    report.heading("Setup")
    report.text(f"""
        Circle with noise {NOISE} (more overlap than the default, so that learning by
        heart shows). For each N a fresh training set of N points is drawn; a
        2-32-32-2 tanh network is trained by full-batch Adam (step 0.01) for {steps}
        steps, the same number of updates for every N. Accuracy on the training set and
        on a fixed test set of {n_test} points, averaged over {repeats} draw(s).""")
    report.table(["N", "train acc", "test acc", "gap (train - test)"],
                 [[n, pct(r["train_acc"]), pct(r["test_acc"]), pct(r["gap"])]
                  for n, r in table.items()])
    first, last = table[sizes[0]], table[sizes[-1]]
    report.text(f"""
        With N = {sizes[0]} the network classifies its training set at
        {pct(first['train_acc'])} but only {pct(first['test_acc'])} of new points: it has
        learnt the examples, not the circle. As N grows the training accuracy falls
        towards what the noise allows and the test accuracy rises to meet it: with
        N = {sizes[-1]} the gap is {pct(last['gap'])} (against {pct(first['gap'])}).
        More examples are slower to fit but generalise better (seed 003).""")
    fig, axes = new_figure(1, 1, size=(6.0, 4.0))
    ax = axes[0, 0]
    ax.plot(sizes, [table[n]["train_acc"] for n in sizes], "o-", label="train")
    ax.plot(sizes, [table[n]["test_acc"] for n in sizes], "s--", label="test")
    ax.fill_between(sizes, [table[n]["test_acc"] for n in sizes],
                    [table[n]["train_acc"] for n in sizes], alpha=0.15, label="gap")
    ax.set(xscale="log", xlabel="N (training examples)", ylabel="accuracy",
           title="Accuracy against the size of the training set")
    ax.grid(alpha=0.3)
    ax.legend()
    report.figure(fig, "accuracy_vs_n", "Train and test accuracy against N: the gap closes.")
    report.results.update(sizes=sizes, by_size={str(n): r for n, r in table.items()},
                          repeats=repeats, steps=steps)
    report.headline = (f"Gap between train and test accuracy: {pct(first['gap'])} at "
                       f"N = {sizes[0]}, {pct(last['gap'])} at N = {sizes[-1]}.")
