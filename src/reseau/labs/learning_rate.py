"""Lab ``learning-rate`` (seed 003): the step size η from 1e-4 to 100. Too small is
slow, too large diverges; then a decaying η (step and polynomial decay), the good
practice the seed recommends ("reach the target region fast, then gain precision").
"""

from __future__ import annotations

import math

import numpy as np

from .. import nn, optim
from ..backend import manual_seed
from ..optim import lr_scheduler
from ..train import evaluate
from .common import circle_data, circle_net, quiet_fit
from .registry import LabConfig, register
from .report import Report, fmt, new_figure, pct

BATCH = 10
SWEEP = (1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0)


def _status(initial: float, hist) -> str:
    """How a run went: ``diverged`` (fit stopped it, or its loss ended above where it
    started), ``too slow`` (the loss fell by less than a fifth), else ``converges``."""
    if hist.stop_reason == "diverged" or len(hist) == 0:
        return "diverged"
    final = hist["loss"][-1]
    if not math.isfinite(final) or final > initial:
        return "diverged"
    return "too slow" if final > 0.8 * initial else "converges"


def _start(config: LabConfig, hidden: int):
    manual_seed(config.seed)
    return circle_net(hidden)


@register("learning-rate", "The learning rate",
          "A sweep of the learning rate from 1e-4 to 100: too small is slow, too large "
          "diverges; then step and polynomial decay.", "seed 003")
def run(report: Report, config: LabConfig) -> None:
    n, epochs = (300, 30) if config.quick else (800, 150)
    hidden = 4
    (X, y), _, (Xt, yt) = circle_data(n, config.seed)
    initial = evaluate(_start(config, hidden), nn.CrossEntropyLoss(), (X, y))["loss"]

    report.heading("A sweep over the learning rate")
    report.text(f"""
        The 2-{hidden}-2 tanh network on Circle ({len(X)} training points, {len(Xt)} test
        points), mini-batch SGD with batches of {BATCH}, {epochs} epochs, the same
        initial weights and the same batches for every η. The initial training loss
        is {fmt(initial)}. A run is marked *diverged* when its loss becomes infinite or
        explodes (``reseau.train.fit`` then stops it and keeps the last good weights),
        or when it ends above the initial loss; *too slow* when the loss fell by less
        than a fifth.""")
    sweep, rows = {}, []
    for lr in SWEEP:
        model = _start(config, hidden)
        hist = quiet_fit(model, optim.SGD(model.parameters(), lr=lr), (X, y), (Xt, yt),
                         epochs=epochs, batch_size=BATCH, seed=config.seed, device=config.device)
        status = _status(initial, hist)
        final = hist["loss"][-1] if len(hist) else math.nan
        acc = hist["val_accuracy"][-1] if len(hist) else math.nan
        sweep[lr] = {"status": status, "epochs_run": len(hist), "final_loss": final,
                     "test_acc": acc, "loss": list(hist["loss"]) if len(hist) else [],
                     "message": hist.message or ""}
        rows.append([fmt(lr), f"**{status}**" if status == "diverged" else status,
                     len(hist), fmt(final), pct(acc)])
    report.table(["η", "outcome", "epochs completed", "final train loss", "test acc"], rows)
    good = [lr for lr in SWEEP if sweep[lr]["status"] == "converges"]
    best = min(good, key=lambda lr: sweep[lr]["final_loss"]) if good else None
    diverged = [lr for lr in SWEEP if sweep[lr]["status"] == "diverged"]
    slow = [lr for lr in SWEEP if sweep[lr]["status"] == "too slow"]
    notes = [m for lr in diverged if (m := sweep[lr]["message"])]
    report.text(
        f"Too small (η ≤ {fmt(max(slow))}): the loss barely moves in {epochs} epochs. "
        if slow else "",
        f"Too large (η ≥ {fmt(min(diverged))}): training diverges. " if diverged else "",
        f"In between (η = {', '.join(fmt(lr) for lr in good)}) the network learns; the "
        f"lowest final loss is at η = {fmt(best)}." if good else "")
    if notes:
        report.text("What ``fit`` said about the divergent run(s):")
        report.code("\n".join(notes))
    fig, axes = new_figure(1, 1, size=(7.0, 4.0))
    ax = axes[0, 0]
    for lr in SWEEP:
        curve = [initial] + sweep[lr]["loss"]
        ax.plot(np.arange(len(curve)), curve, marker="x" if len(curve) < 3 else None,
                label=f"η = {fmt(lr)} ({sweep[lr]['status']})")
    ax.set(xlabel="epoch", ylabel="training loss", yscale="log",
           title="Training loss for each learning rate")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    report.figure(fig, "sweep", "Training loss against epochs for each η (epoch 0: the "
                  "initial weights). A diverged run stops early or climbs.")

    schedules = _schedules(report, config, X, y, Xt, yt, epochs, hidden)
    report.results.update(initial_loss=initial, sweep=sweep, best_lr=best,
                          diverged=diverged, too_slow=slow, schedules=schedules)
    report.headline = (f"η from {fmt(SWEEP[0])} to {fmt(SWEEP[-1])}: too slow up to "
                       f"{fmt(max(slow)) if slow else '-'}, diverges from "
                       f"{fmt(min(diverged)) if diverged else '-'}, best {fmt(best)}; "
                       "step and polynomial decay compared.")


def _schedules(report: Report, config, X, y, Xt, yt, epochs: int, hidden: int) -> dict:
    """Constant η against step decay and polynomial decay, from the same start."""
    lr0 = 1.0
    step_size = max(epochs // 3, 1)
    makers = {
        "constant": lambda opt: None,
        f"StepLR (÷10 every {step_size} epochs)":
            lambda opt: lr_scheduler.StepLR(opt, step_size=step_size, gamma=0.1),
        "PolynomialLR (power 2)":
            lambda opt: lr_scheduler.PolynomialLR(opt, total_iters=epochs, power=2.0),
    }
    report.heading("Decaying the learning rate")
    report.text(f"""
        Starting from η = {lr0} (large but stable here), the step is kept constant,
        divided by 10 every {step_size} epochs (``StepLR``), or decayed as
        ``η (1 - t/T)^2`` (``PolynomialLR``; seed 004 quotes YOLO9000's polynomial decay
        of power 4).""")
    out, rows = {}, []
    fig, axes = new_figure(1, 2)
    for name, make in makers.items():
        model = _start(config, hidden)
        opt = optim.SGD(model.parameters(), lr=lr0)
        hist = quiet_fit(model, opt, (X, y), (Xt, yt), epochs=epochs, batch_size=BATCH,
                         seed=config.seed, scheduler=make(opt), device=config.device)
        losses = list(hist["loss"])
        # how much the loss jitters over the last fifth of training
        tail = np.asarray(losses[-max(epochs // 5, 2):])
        out[name] = {"lr": list(hist["lr"]), "loss": losses, "final_loss": losses[-1],
                     "test_acc": hist["val_accuracy"][-1], "tail_std": float(tail.std())}
        rows.append([name, fmt(hist["lr"][-1]), fmt(losses[-1]), fmt(out[name]["tail_std"]),
                     pct(hist["val_accuracy"][-1])])
        axes[0, 0].plot(hist["lr"], label=name)
        axes[0, 1].plot(losses, label=name)
    report.table(["schedule", "η at the last epoch", "final train loss",
                  "std of the loss (last fifth)", "test acc"], rows)
    calm = min(out, key=lambda k: out[k]["tail_std"])
    if out["constant"]["tail_std"] > 3 * out[calm]["tail_std"]:
        report.text(f"""
            With a constant large step the loss keeps jumping from epoch to epoch
            (standard deviation {fmt(out['constant']['tail_std'])} over the last fifth);
            decaying the step settles it ({fmt(out[calm]['tail_std'])} with {calm}).""")
    else:
        report.text("Here the constant step is already steady at the end; the decays "
                    "change little.")
    axes[0, 0].set(xlabel="epoch", ylabel="η", yscale="log", title="Learning rate")
    axes[0, 1].set(xlabel="epoch", ylabel="training loss", yscale="log", title="Training loss")
    for ax in axes[0]:
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    report.figure(fig, "schedules", "Constant, step and polynomial learning rates, and the "
                  "training loss they give.")
    return out
