"""Lab ``zero-init`` (seed 000, question 3): what starting every weight at zero does.

Logistic regression is convex, so gradient descent from zeros reaches the same
minimum as from anywhere else. A network with one hidden layer started at zeros keeps
its hidden units identical (their weight rows stay equal, exactly), so it is no better
than a network with a single hidden unit; random initialisation, or dropout on the
hidden layer, breaks the symmetry.
"""

from __future__ import annotations

import numpy as np

from .. import nn, optim
from ..backend import manual_seed
from ..data import moons
from ..models import LogisticRegression
from ..train import Callback
from .common import circle_data, plot_boundary, quiet_fit
from .registry import LabConfig, register
from .report import Report, fmt, new_figure, pct, sci

HIDDEN = 8
LR = 0.5
BATCH = 10
# (label, activation, initialisation, dropout)
RUNS = [("sigmoid, zeros", "sigmoid", "zeros", 0.0),
        ("tanh, zeros", "tanh", "zeros", 0.0),
        ("sigmoid, zeros + dropout 0.5", "sigmoid", "zeros", 0.5),
        ("sigmoid, random", "sigmoid", "random", 0.0),
        ("tanh, random", "tanh", "random", 0.0)]


class _RecordHidden(Callback):
    """Keeps a copy of the hidden layer's weight matrix after every epoch."""

    def __init__(self, layer):
        self.layer, self.snapshots = layer, []

    def on_epoch_end(self, state, logs) -> None:
        self.snapshots.append(self.layer.weight.detach().cpu().numpy().copy())


def _spread(w: np.ndarray) -> float:
    """How far the hidden units' weight rows are from the first one: 0 when all the
    hidden units are identical."""
    return float(np.max(np.abs(w - w[0])))


def _network(activation: str, init: str, dropout: float) -> nn.Sequential:
    net = nn.MLP([2, HIDDEN, 2], activation=activation, dropout=dropout)
    if init == "zeros":
        for p in net.parameters():
            nn.init.zeros_(p)
    return net


def _logistic(report: Report, config: LabConfig) -> dict:
    n, epochs = (200, 300) if config.quick else (400, 2000)
    X, y = moons(n, noise=0.2, seed=config.seed, as_tensor=False)
    X = X.astype(np.float64)
    rho = 0.01
    fits = {}
    for init in ("zeros", "random"):
        model = LogisticRegression(2, weight_decay=rho, dtype="float64")
        if init == "zeros":
            for p in model.parameters():
                nn.init.zeros_(p)
        else:  # far from the optimum on purpose
            rng = np.random.default_rng(config.seed + 7)
            model.linear.weight._array[...] = rng.normal(0.0, 5.0, (1, 2))
            model.linear.bias._array[...] = rng.normal(0.0, 5.0, (1,))
        history = model.fit(X, y, lr=1.0, epochs=epochs)
        w = np.concatenate([model.linear.weight._array.ravel(), model.linear.bias._array])
        fits[init] = {"history": history, "w": w,
                      "objective": float(model.objective(X, y).item()),
                      "acc": float(np.mean(model.predict(X) == y))}
    gap = float(np.max(np.abs(fits["zeros"]["w"] - fits["random"]["w"])))
    report.heading("Logistic regression: zeros are fine")
    report.text(f"""
        Logistic regression (seed 000, question 2, with ρ = {rho}) on {n} points of the
        two moons, {epochs} steps of full-batch gradient descent (step 1.0), once from
        all-zero weights and once from weights drawn far away (standard deviation 5).
        The objective is convex, so both runs end at the same minimum.""")
    report.table(["start", "final objective", "w1", "w2", "b", "training accuracy"],
                 [[k, fmt(f["objective"], 8), fmt(f["w"][0], 6), fmt(f["w"][1], 6),
                   fmt(f["w"][2], 6), pct(f["acc"])] for k, f in fits.items()])
    report.text(f"The two solutions differ by at most {sci(gap)} in any parameter.")
    fig, axes = new_figure(1, 1, size=(6.0, 3.6))
    for k, f in fits.items():
        axes[0, 0].plot(np.arange(1, epochs + 1), f["history"], label=f"from {k}")
    axes[0, 0].set(xlabel="gradient step", ylabel="objective F(w, b)", xscale="log",
                   yscale="log", title="Logistic regression: two starts, one minimum")
    axes[0, 0].grid(alpha=0.3)
    axes[0, 0].legend()
    report.figure(fig, "logistic", "Logistic regression from zeros and from a random "
                  "start converge to the same objective value.")
    return {"objective": {k: f["objective"] for k, f in fits.items()}, "max_weight_gap": gap}


@register("zero-init", "Initialising the weights at zero",
          "Logistic regression from zeros converges (convex); a hidden layer started at "
          "zeros keeps identical units; random init and dropout break the symmetry.",
          "seed 000, question 3")
def run(report: Report, config: LabConfig) -> None:
    logistic = _logistic(report, config)

    n, epochs = (400, 100) if config.quick else (800, 150)
    (X, y), _, (Xt, yt) = circle_data(n, config.seed)
    report.heading("A network with one hidden layer: zeros keep the units identical")
    report.text(f"""
        A 2-{HIDDEN}-2 network on Circle ({len(X)} training points, {len(Xt)} test
        points), mini-batch SGD (step {LR}, batches of {BATCH}, {epochs} epochs, the
        same batches for every run). "Spread" is the largest difference between a
        hidden unit's incoming weights and those of the first unit: 0 means all
        {HIDDEN} hidden units are the same unit.""")
    rows, records, nets, results = [], {}, {}, {}
    for label, act, init, dropout in RUNS:
        manual_seed(config.seed)
        net = _network(act, init, dropout)
        rec = _RecordHidden(net[0])
        hist = quiet_fit(net, optim.SGD(net.parameters(), lr=LR), (X, y), (Xt, yt),
                         epochs=epochs, batch_size=BATCH, seed=config.seed, callbacks=[rec],
                         device=config.device)
        w1 = net[0].weight._array
        w2 = net[len(net) - 1].weight._array
        results[label] = {"spread": _spread(w1), "output_spread": _spread(w2.T),
                          "hidden_norm": float(np.abs(w1).max()),
                          "output_norm": float(np.abs(w2).max()),
                          "train_acc": float(hist["accuracy"][-1]),
                          "test_acc": float(hist["val_accuracy"][-1])}
        records[label], nets[label] = rec.snapshots, net
        r = results[label]
        rows.append([label, sci(r["spread"]) if r["spread"] else "0 (identical)",
                     fmt(r["hidden_norm"]), pct(r["train_acc"]), pct(r["test_acc"])])
    report.table(["run", "spread of hidden rows", "largest hidden weight", "train acc",
                  "test acc"], rows)
    sz, tz = results["sigmoid, zeros"], results["tanh, zeros"]
    dz, rz = results["sigmoid, zeros + dropout 0.5"], results["sigmoid, random"]
    learns = (f"the network learns ({pct(dz['test_acc'])} against {pct(sz['test_acc'])})"
              if dz["test_acc"] > sz["test_acc"] + 0.1 else
              f"yet after {epochs} epochs the network is still at {pct(dz['test_acc'])} "
              f"(against {pct(sz['test_acc'])} without dropout)")
    report.text(f"""
        - **Sigmoid from zeros**: the hidden weights do move (largest
          {fmt(sz['hidden_norm'])}) but every row stays equal to the others
          (spread {fmt(sz['spread'])}): the output weights change at the first step,
          the hidden ones from the second, always identically (seed 000: "the gradients
          associated with the weights of each hidden neuron will be the same"). The
          network is a one-unit network and reaches {pct(sz['test_acc'])} on the test set.
        - **Tanh from zeros**: tanh(0) = 0, so the hidden outputs and the output weights'
          gradients are zero; the hidden and output weights never move (largest
          {fmt(tz['hidden_norm'])} and {fmt(tz['output_norm'])}): only the output bias learns
          ({pct(tz['test_acc'])}).
        - **Dropout from zeros**: each batch silences different units, so their
          gradients differ and the rows separate (spread {fmt(dz['spread'])}), as seed
          000 question 3(c) says; {learns}.
        - **Random initialisation**: {pct(rz['test_acc'])} with sigmoid,
          {pct(results['tanh, random']['test_acc'])} with tanh.""")
    _trajectories(report, records, epochs)
    for key, name in (("sigmoid, zeros", "boundary_zeros"),
                      ("sigmoid, zeros + dropout 0.5", "boundary_dropout")):
        nets[key].eval()
        plot_boundary(report, nets[key], Xt, yt, name, f"Decision regions: {key}.", key)
    report.results.update(logistic=logistic, network=results)
    report.headline = (f"Logistic regression: same minimum from zeros (gap "
                       f"{sci(logistic['max_weight_gap'])}); "
                       f"a hidden layer from zeros keeps identical units (spread "
                       f"{fmt(sz['spread'])}, {pct(sz['test_acc'])}); dropout breaks it "
                       f"({pct(dz['test_acc'])}).")


def _trajectories(report: Report, records: dict, epochs: int) -> None:
    keys = ["sigmoid, zeros", "sigmoid, zeros + dropout 0.5", "sigmoid, random"]
    fig, axes = new_figure(1, 3, size=(4.2, 3.4))
    x = np.arange(1, epochs + 1)
    for ax, key in zip(axes[0], keys):
        w = np.stack(records[key])  # (epochs, hidden, 2)
        for unit in range(HIDDEN):
            ax.plot(x, w[:, unit, 0], lw=1)
        ax.set(xlabel="epoch", title=key)
        ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel("first input weight of each hidden unit")
    report.figure(fig, "hidden_weights", f"The first incoming weight of each of the {HIDDEN} "
                  "hidden units, epoch by epoch: from zeros the eight curves are one curve; "
                  "dropout or a random start separates them.")
