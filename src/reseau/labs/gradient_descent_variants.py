"""Lab ``gradient-descent-variants`` (seed 003): batch, mini-batch and online
(stochastic) gradient descent on the Circle network, from the same initial weights
with the same step: the loss against epochs and against wall-clock time.
"""

from __future__ import annotations

import time

import numpy as np

from .. import cuda, nn, optim
from ..autograd import no_grad
from ..backend import manual_seed
from ..creation import tensor
from .common import circle_data, circle_net
from .registry import LabConfig, register
from .report import Report, fmt, new_figure, pct

LR = 0.1


def _train(model, X, y, Xt, yt, batch: int, epochs: int, seed: int,
           device: str = "cpu") -> dict:
    """``epochs`` passes of SGD with batches of ``batch`` examples on ``device`` (the
    data and the model moved there once); the clock runs only during the updates (on a
    GPU, until its queued work is done), and the losses are measured on the whole sets
    after each epoch."""
    loss_fn = nn.CrossEntropyLoss()
    model.to(device)
    opt = optim.SGD(model.parameters(), lr=LR)
    rng = np.random.default_rng(seed)
    Xs, ys, Xts, yts = (tensor(a, device=device) for a in (X, y, Xt, yt))
    on_gpu = device != "cpu"

    def measure():
        with no_grad():
            out, out_t = model(Xs), model(Xts)
            return (float(loss_fn(out, ys).item()), float(loss_fn(out_t, yts).item()),
                    float(np.mean(out_t.argmax(1).cpu().numpy() == yt)))

    loss, test_loss, test_acc = measure()
    curve = {"loss": [loss], "test_loss": [test_loss], "test_acc": [test_acc], "time": [0.0]}
    clock, updates = 0.0, 0
    for _ in range(epochs):
        order = rng.permutation(len(X)) if batch < len(X) else np.arange(len(X))
        if on_gpu:  # the batches' indices too: one copy per epoch, not one per batch
            order = tensor(order, device=device)
        start = time.perf_counter()
        for s in range(0, len(X), batch):
            idx = order[s:s + batch]
            batch_loss = loss_fn(model(Xs[idx]), ys[idx])
            opt.zero_grad()
            batch_loss.backward()
            opt.step()
            updates += 1
        if on_gpu:
            cuda.synchronize()
        clock += time.perf_counter() - start
        loss, test_loss, test_acc = measure()
        for k, v in (("loss", loss), ("test_loss", test_loss), ("test_acc", test_acc),
                     ("time", clock)):
            curve[k].append(v)
    curve["updates"] = updates
    return curve


@register("gradient-descent-variants", "Batch, mini-batch and online gradient descent",
          "Batch, mini-batch and online SGD on the Circle network from the same start: "
          "the loss against epochs and against wall-clock time.", "seed 003")
def run(report: Report, config: LabConfig) -> None:
    n, epochs = (240, 30) if config.quick else (800, 100)
    (X, y), _, (Xt, yt) = circle_data(n, config.seed)
    variants = {"batch": len(X), "mini-batch (10)": 10, "online (1)": 1}
    manual_seed(config.seed)
    start = circle_net().state_dict()
    curves = {}
    for name, batch in variants.items():
        model = circle_net()
        model.load_state_dict(start)
        curves[name] = _train(model, X, y, Xt, yt, batch, epochs, config.seed, config.device)

    report.heading("Setup")
    report.text(f"""
        The 2-4-2 tanh network on Circle ({len(X)} training points, {len(Xt)} test
        points), {epochs} epochs of SGD with the same step η = {LR} and the same initial
        weights. *Batch* descent makes one update per epoch with the gradient of the
        whole training set; *mini-batch* one per batch of 10 examples; *online* one per
        example, in a new random order each epoch. The clock counts the updates only,
        not the evaluations between epochs.""")
    rows, results = [], {}
    for name, c in curves.items():
        rises = int(np.sum(np.diff(c["loss"]) > 0))  # epochs that undid progress
        results[name] = {"batch_size": variants[name],
                         "updates_per_epoch": c["updates"] // epochs,
                         "seconds_per_epoch": c["time"][-1] / epochs,
                         "final_loss": c["loss"][-1], "test_acc": c["test_acc"][-1],
                         "initial_loss": c["loss"][0], "rises": rises,
                         "loss": c["loss"], "time": c["time"]}
        r = results[name]
        rows.append([name, r["updates_per_epoch"], f"{1e3 * r['seconds_per_epoch']:.2f} ms",
                     fmt(r["final_loss"]), f"{rises} of {epochs}", pct(r["test_acc"])])
    report.table(["variant", "updates per epoch", "time per epoch", "final train loss",
                  "epochs where the loss rose", "test acc"], rows)
    b, m, o = (results[k] for k in variants)
    report.text(f"""
        Per epoch, batch descent is the cheapest ({1e3 * b['seconds_per_epoch']:.2f} ms)
        but makes a single update, so after {epochs} epochs its loss is still
        {fmt(b['final_loss'])}. Online descent makes {o['updates_per_epoch']} updates per
        epoch and costs {o['seconds_per_epoch'] / b['seconds_per_epoch']:.0f} times more
        time per epoch, for a final loss of {fmt(o['final_loss'])}; each update follows a
        single example, so the loss goes up in {o['rises']} of the {epochs} epochs
        (mini-batches: {m['rises']}, batch: {b['rises']}). Mini-batches combine the two:
        many updates per epoch, each on vectorised work,
        which is why they are the default in practice (seed 003).""")
    fig, axes = new_figure(1, 2)
    for name, c in curves.items():
        axes[0, 0].plot(np.arange(epochs + 1), c["loss"], label=name)
        axes[0, 1].plot(c["time"], c["loss"], label=name)
    axes[0, 0].set(xlabel="epoch", ylabel="training loss", title="Against epochs")
    axes[0, 1].set(xlabel="seconds of updates (log scale after 1 ms)",
                   ylabel="training loss", title="Against wall-clock time")
    axes[0, 1].set_xscale("symlog", linthresh=1e-3)  # starts at 0 s, spans decades
    for ax in axes[0]:
        ax.set_yscale("log")
        ax.grid(alpha=0.3)
        ax.legend()
    report.figure(fig, "variants", "Training loss of the three variants against epochs "
                  "and against the time spent updating.")
    report.results.update(variants=results, epochs=epochs)
    report.headline = (f"After {epochs} epochs: batch {fmt(b['final_loss'])}, mini-batch "
                       f"{fmt(m['final_loss'])}, online {fmt(o['final_loss'])} training loss; "
                       f"online costs {o['seconds_per_epoch'] / b['seconds_per_epoch']:.0f}x "
                       "batch per epoch.")
