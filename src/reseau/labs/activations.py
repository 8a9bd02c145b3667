"""Lab ``activations`` (seed 001): sigmoid, tanh and ReLU networks on the same task,
from the same initialisation rule, and what their derivatives do to the gradients
layer by layer: sigmoid' <= 0.25 shrinks the gradient at every layer it crosses.
"""

from __future__ import annotations

import numpy as np

from .. import nn, optim
from ..autograd import no_grad
from ..backend import manual_seed
from ..creation import tensor
from ..data import spiral, train_val_test_split
from .common import quiet_fit
from .registry import LabConfig, register
from .report import Report, fmt, new_figure, pct, sci

ACTIVATIONS = ("sigmoid", "tanh", "relu")
HIDDEN = [32] * 5
LR = 0.1
BATCH = 32


def derivative(name: str, a: np.ndarray) -> np.ndarray:
    """f'(a) for the activations of the lab (seed 001's formulas)."""
    if name == "sigmoid":
        s = 0.5 * (np.tanh(0.5 * a) + 1.0)
        return s * (1.0 - s)
    if name == "tanh":
        return 1.0 - np.tanh(a) ** 2
    return (a > 0).astype(a.dtype)  # relu'(0) = 0, as in PyTorch


def layer_statistics(net, name: str, X, y) -> dict:
    """Per Linear layer, the norm of the loss gradient of its weights; per hidden
    layer, the mean derivative of the activation over the batch (how much of the
    gradient it lets through) and the fraction of units with f'(a) < 0.01."""
    net.zero_grad()
    nn.CrossEntropyLoss()(net(tensor(X)), tensor(y)).backward()
    linears = [m for m in net if isinstance(m, nn.Linear)]
    grad_norms = [float(np.linalg.norm(m.weight.grad._array)) for m in linears]
    net.zero_grad()
    mean_derivative, saturated = [], []
    with no_grad():
        h = tensor(X)
        for m in net:
            h = m(h)
            if isinstance(m, nn.Linear) and m is not linears[-1]:
                d = derivative(name, h._array.astype(np.float64))
                mean_derivative.append(float(d.mean()))
                saturated.append(float(np.mean(d < 0.01)))
    return {"grad_norm": grad_norms, "mean_derivative": mean_derivative,
            "saturated": saturated}


@register("activations", "Sigmoid, tanh and ReLU",
          "Sigmoid, tanh and ReLU networks on the same task, with the saturation of the "
          "gradients shown layer by layer.", "seed 001")
def run(report: Report, config: LabConfig) -> None:
    from ..viz import plot_activations

    epochs = 60 if config.quick else 150
    X, y = spiral(600, noise=0.05, seed=config.seed, as_tensor=False)
    (X, y), _, (Xt, yt) = train_val_test_split(X, y, (0.75, 0.0, 0.25), stratify=True,
                                               seed=config.seed + 1)
    sizes = [2] + HIDDEN + [3]
    report.heading("The three non-linearities")
    report.text("""
        Seed 001 analyses a non-linearity by whether it saturates, what its derivative
        looks like and whether it can block learning: sigmoid saturates on both sides and
        its derivative never exceeds 0.25; tanh saturates on both sides with a derivative
        up to 1; ReLU is "semi-saturating": derivative 1 for positive inputs, 0 for
        negative ones (a unit stuck there is dead).""")
    fig = plot_activations(ACTIVATIONS, figsize=(12.0, 3.3))
    report.figure(fig, "functions", "The activations and their derivatives (shaded: "
                  "saturated zones where |f'| < 0.05).")

    results, histories = {}, {}
    for name in ACTIVATIONS:
        manual_seed(config.seed)  # the same initialisation rule and draws for all three
        net = nn.MLP(sizes, activation=name)
        start = layer_statistics(net, name, X, y)
        hist = quiet_fit(net, optim.SGD(net.parameters(), lr=LR), (X, y), (Xt, yt),
                         epochs=epochs, batch_size=BATCH, seed=config.seed, device=config.device)
        end = layer_statistics(net, name, X, y)
        histories[name] = hist
        g = start["grad_norm"]
        results[name] = {"start": start, "end": end, "first_over_last": g[0] / g[-1],
                         "train_acc": float(hist["accuracy"][-1]),
                         "test_acc": float(hist["val_accuracy"][-1]),
                         "final_loss": float(hist["loss"][-1])}

    report.heading("Gradients layer by layer, at initialisation")
    report.text(f"""
        An MLP {'-'.join(map(str, sizes))} on a three-arm spiral ({len(X)} training
        points, {len(Xt)} test points), the same initial draws for the three
        activations. Norm of the gradient of the loss with respect to each layer's
        weights (layer 1 is next to the input), before any training:""")
    n_layers = len(sizes) - 1
    report.table(["activation"] + [f"layer {k + 1}" for k in range(n_layers)]
                 + ["layer 1 / last"],
                 [[name] + [sci(v) for v in r["start"]["grad_norm"]]
                  + [sci(r["first_over_last"])] for name, r in results.items()])
    report.text("Mean derivative of the activation in each hidden layer (the factor by "
                "which, on average, it scales the gradient passing through it):")
    report.table(["activation"] + [f"hidden {k + 1}" for k in range(len(HIDDEN))]
                 + ["product"],
                 [[name] + [fmt(v, 3) for v in r["start"]["mean_derivative"]]
                  + [sci(float(np.prod(r["start"]["mean_derivative"])))]
                  for name, r in results.items()])
    s = results["sigmoid"]
    product = {k: float(np.prod(r["start"]["mean_derivative"])) for k, r in results.items()}
    report.text(f"""
        Every sigmoid layer multiplies the gradient by at most 0.25, so after
        {len(HIDDEN)} of them the first layer gets {sci(s['first_over_last'])} of the
        gradient of the last: it vanishes. Tanh passes most of it at initialisation (its
        derivative is near 1 around 0: product {fmt(product['tanh'], 2)})
        and ReLU the share of units that are active (product
        {fmt(product['relu'], 2)}).""")
    fig, axes = new_figure(1, 2)
    for name, r in results.items():
        axes[0, 0].semilogy(range(1, n_layers + 1), r["start"]["grad_norm"], "o-", label=name)
        axes[0, 1].plot(histories[name]["loss"], label=name)
    axes[0, 0].set(xlabel="layer (1 = input side)", ylabel="||dL/dW||",
                   title="Gradient norm per layer at initialisation")
    axes[0, 1].set(xlabel="epoch", ylabel="training loss", title="Training")
    for ax in axes[0]:
        ax.grid(alpha=0.3, which="both")
        ax.legend()
    report.figure(fig, "gradients", "Left: the gradient reaching each layer; right: the "
                  "training loss of the three networks.")

    report.heading("After training")
    report.table(["activation", "train acc", "test acc", "final loss",
                  "share of f'(a) < 0.01 per hidden layer (relu: inactive)"],
                 [[name, pct(r["train_acc"]), pct(r["test_acc"]), fmt(r["final_loss"]),
                   " / ".join(pct(v, 0) for v in r["end"]["saturated"])]
                  for name, r in results.items()])
    best = max(results, key=lambda k: results[k]["test_acc"])
    report.text(f"""
        With plain SGD (step {LR}, {epochs} epochs) the sigmoid network
        {"stays at chance" if s['test_acc'] < 0.45 else "learns slowly"}
        ({pct(s['test_acc'])} on three classes): its first layers receive almost no
        gradient. The best network here uses {best} ({pct(results[best]['test_acc'])}).""")
    report.results.update(activations=results, sizes=sizes, epochs=epochs)
    report.headline = (f"Gradient at layer 1 / last layer at init: sigmoid "
                       f"{sci(s['first_over_last'])}, tanh "
                       f"{sci(results['tanh']['first_over_last'])}, relu "
                       f"{sci(results['relu']['first_over_last'])}; test accuracy "
                       + ", ".join(f"{k} {pct(r['test_acc'])}" for k, r in results.items())
                       + ".")
