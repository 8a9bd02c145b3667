"""Lab ``linear-activations`` (seed 000 question 4, seeds 001 and 003): with identity
activations, a network of any depth is one linear layer, ``U = V W`` (checked to
rounding error on trained networks), and cannot separate Circle; tanh can.
"""

from __future__ import annotations

import numpy as np

from .. import nn, optim
from ..backend import manual_seed
from ..creation import tensor
from ..models import SoftmaxRegression
from ..train import predict
from .common import circle_data, quiet_fit
from .registry import LabConfig, register
from .report import Report, pct, sci

HIDDEN = 8
LR = 0.1
BATCH = 10


def _linear_net(depth: int, activation=nn.Identity) -> nn.Sequential:
    return nn.MLP([2] + [HIDDEN] * depth + [2], activation=activation, dtype="float64")


def collapse(net: nn.Sequential):
    """The single linear layer ``x -> x U^T + c`` that a network of Linear and Identity
    layers computes: ``U = W_L ... W_2 W_1`` (seed 000: ``U = V W``) and
    ``c = W_L (... (W_2 b_1 + b_2) ...) + b_L``."""
    U, c = None, None
    for layer in net:
        if isinstance(layer, nn.Identity):
            continue
        W, b = layer.weight._array, layer.bias._array
        U, c = (W, b) if U is None else (W @ U, W @ c + b)
    return U, c


@register("linear-activations", "Linear activations collapse to one layer",
          "A network with identity activations equals one linear layer (U = V W, checked "
          "numerically) and cannot separate Circle, unlike tanh.",
          "seed 000 question 4, seeds 001 and 003")
def run(report: Report, config: LabConfig) -> None:
    from ..viz import plot_decision_boundary

    n, epochs = (300, 60) if config.quick else (800, 150)
    (X, y), _, (Xt, yt) = circle_data(n, config.seed, dtype=np.float64)
    runs = {"identity, 1 hidden layer": _linear_net(1),
            "identity, 3 hidden layers": _linear_net(3),
            "one linear layer (softmax regression)": None,
            "tanh, 1 hidden layer": _linear_net(1, nn.Tanh)}
    results, models = {}, {}
    for label in runs:
        manual_seed(config.seed)
        model = runs[label] or SoftmaxRegression(2, 2, dtype="float64")
        hist = quiet_fit(model, optim.SGD(model.parameters(), lr=LR), (X, y), (Xt, yt),
                         epochs=epochs, batch_size=BATCH, seed=config.seed, device=config.device)
        models[label] = model
        results[label] = {"train_acc": float(hist["accuracy"][-1]),
                          "test_acc": float(hist["val_accuracy"][-1]),
                          "loss": float(hist["loss"][-1])}
        if label.startswith("identity"):
            U, c = collapse(model)
            direct = predict(model, tensor(Xt))
            collapsed = Xt @ U.T + c
            results[label].update(
                U=U, c=c, max_gap=float(np.max(np.abs(direct - collapsed))),
                same_predictions=float(np.mean(direct.argmax(1) == collapsed.argmax(1))))

    report.heading("Setup")
    report.text(f"""
        Circle ({len(X)} training points, {len(Xt)} test points). Networks with
        {HIDDEN} units per hidden layer, trained by mini-batch SGD (step {LR}, batches
        of {BATCH}, {epochs} epochs), in float64. After training, the product of the
        weight matrices of each identity network is formed, ``U = W_L ... W_1`` (seed
        000 question 4 writes ``U = V W`` for one hidden layer), with the bias
        ``c = W_L(... (W_2 b_1 + b_2) ...) + b_L``, and the network's output is compared
        with the single layer ``x U^T + c`` on the test set.""")
    report.heading("The identity network is one linear layer")
    for label in ("identity, 1 hidden layer", "identity, 3 hidden layers"):
        r = results[label]
        report.text(f"**{label}**: U = ")
        report.code(np.array2string(r["U"], precision=4, suppress_small=True)
                    + f"\nc = {np.array2string(r['c'], precision=4)}")
    report.table(
        ["network", "max abs gap between net(x) and x U^T + c", "same predictions"],
        [[label, sci(results[label]["max_gap"]), pct(results[label]["same_predictions"])]
         for label in ("identity, 1 hidden layer", "identity, 3 hidden layers")])
    report.heading("And it cannot separate Circle")
    report.table(["network", "train acc", "test acc", "final train loss"],
                 [[label, pct(r["train_acc"]), pct(r["test_acc"]), r["loss"]]
                  for label, r in results.items()])
    worst_gap = max(results[k]["max_gap"] for k in results if k.startswith("identity"))
    best_linear = max(results[k]["test_acc"] for k in results if "tanh" not in k)
    tanh = results["tanh, 1 hidden layer"]["test_acc"]
    report.text(f"""
        The identity networks agree with their single layer to {sci(worst_gap)} (rounding
        error): "a linear combination of linear combinations is a linear combination"
        (seed 001). Their boundary is a straight line, so on two concentric classes
        they do no better than one linear layer (at best {pct(best_linear)}, where
        chance is 50%), while the same network with tanh reaches {pct(tanh)}.""")
    cells = []
    for label, name in (("identity, 3 hidden layers", "boundary_identity"),
                        ("one linear layer (softmax regression)", "boundary_linear"),
                        ("tanh, 1 hidden layer", "boundary_tanh")):
        fig = plot_decision_boundary(models[label], Xt, yt, title=label, figsize=(4.5, 3.8))
        cells.append((label, report.save_figure_file(fig, name)))
    report.images(cells, columns=3)
    report.text("*Decision regions on the test set: the identity networks draw a straight "
                "line, tanh a closed curve.*")
    report.results.update(networks=results, worst_gap=worst_gap, best_linear_acc=best_linear,
                           tanh_acc=tanh)
    report.headline = (f"Identity activations: the net equals x U^T + c to {sci(worst_gap)}; "
                       f"{pct(best_linear)} test accuracy at best, against {pct(tanh)} with tanh.")
