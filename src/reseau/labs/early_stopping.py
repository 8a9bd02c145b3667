"""Lab ``early-stopping`` (seed 003): a network large for its data learns the training
set by heart, so its validation (dev) loss falls and then rises while the training
loss keeps falling. Early stopping watches the dev loss and keeps the weights of its
best epoch, and the test set, touched once at the end, says whether that helped.
"""

from __future__ import annotations

import numpy as np

from .. import nn, optim
from ..backend import manual_seed
from ..train import EarlyStopping, evaluate
from .common import circle_data, plot_boundary, quiet_fit
from .registry import LabConfig, register
from .report import Report, fmt, new_figure, pct

NOISE = 0.25
PATIENCE = 20


@register("early-stopping", "Early stopping",
          "Validation loss rising while the training loss falls; early stopping on the dev "
          "set picks the epoch and restores its weights.", "seed 003")
def run(report: Report, config: LabConfig) -> None:
    epochs = 120 if config.quick else 300
    (X, y), (Xv, yv), (Xt, yt) = circle_data(250, config.seed, noise=NOISE,
                                             sizes=(0.2, 0.4, 0.4))
    manual_seed(config.seed)
    start = nn.MLP([2, 64, 64, 2], activation="relu").state_dict()

    def train(callbacks=()):
        model = nn.MLP([2, 64, 64, 2], activation="relu")
        model.load_state_dict(start)
        hist = quiet_fit(model, optim.Adam(model.parameters(), lr=0.01), (X, y), (Xv, yv),
                         epochs=epochs, batch_size=10, seed=config.seed, callbacks=callbacks,
                         device=config.device)
        return model, hist

    full_model, full = train()
    stopper = EarlyStopping(monitor="val_loss", patience=PATIENCE, restore_best_weights=True)
    es_model, es = train([stopper])
    val_loss, train_loss = np.asarray(full["val_loss"]), np.asarray(full["loss"])
    best = int(np.argmin(val_loss))
    loss_fn = nn.CrossEntropyLoss()
    test_full = evaluate(full_model, loss_fn, (Xt, yt))
    test_es = evaluate(es_model, loss_fn, (Xt, yt))
    stopped = stopper.stopped_epoch

    report.heading("Setup")
    report.text(f"""
        Circle with noise {NOISE}, split into {len(X)} training, {len(Xv)} validation
        (dev) and {len(Xt)} test points: few examples for a 2-64-64-2 ReLU network
        ({sum(v.numel() for v in start.values()):,} parameters). Adam (step 0.01), batches
        of 10. The same initial weights and batches for two runs: one for {epochs} epochs, one with
        ``EarlyStopping(monitor="val_loss", patience={PATIENCE})``, which stops after
        {PATIENCE} epochs without a better dev loss and puts back the best weights.""")
    report.heading("The dev loss turns back up")
    rows = []
    for label, e in (("first epoch", 0), ("lowest dev loss", best), ("last epoch", len(full) - 1)):
        rows.append([f"{label} ({e})", fmt(train_loss[e]), fmt(val_loss[e]),
                     pct(full["accuracy"][e]), pct(full["val_accuracy"][e])])
    report.table(["epoch", "train loss", "dev loss", "train acc", "dev acc"], rows)
    report.text(f"""
        The dev loss is lowest at epoch {best} ({fmt(val_loss[best])}); from there the
        training loss keeps falling (from {fmt(train_loss[best])} to
        {fmt(train_loss[-1])}) while the dev loss climbs to {fmt(val_loss[-1])}: the
        network is learning the noise of its {len(X)} examples (overfitting).""")
    fig, axes = new_figure(1, 1, size=(7.0, 4.0))
    ax = axes[0, 0]
    ax.plot(train_loss, label="train loss")
    ax.plot(val_loss, label="dev loss")
    ax.axvline(best, color="green", ls="--", label=f"lowest dev loss (epoch {best})")
    if stopped is not None:
        ax.axvline(stopped, color="red", ls=":", label=f"early stopping stops (epoch {stopped})")
    ax.set(xlabel="epoch", ylabel="cross-entropy", yscale="log",
           title="Training loss falls, dev loss rises")
    ax.grid(alpha=0.3)
    ax.legend()
    report.figure(fig, "curves", "Training and dev loss of the full run; early stopping "
                  "waits for the patience to run out, then restores the best epoch.")

    report.heading("What early stopping keeps")
    report.table(["run", "epochs trained", "kept weights of epoch", "test loss", "test acc"],
                 [[f"{epochs} epochs", len(full), len(full) - 1, fmt(test_full["loss"]),
                   pct(test_full["accuracy"])],
                  [f"early stopping (patience {PATIENCE})", len(es), stopper.best_epoch,
                   fmt(test_es["loss"]), pct(test_es["accuracy"])]])
    same = bool(np.array_equal(np.asarray(es["val_loss"]), val_loss[:len(es)]))
    report.text(f"""
        Both runs follow {"the same" if same else "different"} path up to the stop; early
        stopping ran {len(es)} epochs instead of {len(full)} and kept epoch
        {stopper.best_epoch}, the epoch of the lowest dev loss. On the test set (used only
        now) its loss is {fmt(test_es['loss'])} against {fmt(test_full['loss'])} for the
        last epoch of the full run, and its accuracy {pct(test_es['accuracy'])} against
        {pct(test_full['accuracy'])}.""")
    plot_boundary(report, full_model, X, y, "boundary_full", f"The full run after {epochs} "
                  "epochs, on its training points.",
                  f"after {epochs} epochs")
    plot_boundary(report, es_model, X, y, "boundary_early", "The weights early stopping "
                  "kept, on the same training points.",
                  f"early stopping (epoch {stopper.best_epoch})")
    report.results.update(
        best_epoch=best, es_best_epoch=stopper.best_epoch, stopped_epoch=stopped,
        epochs=epochs, es_epochs=len(es), same_path=same, patience=PATIENCE,
        val_loss=val_loss.tolist(), train_loss=train_loss.tolist(),
        test={"full": test_full, "early_stopping": test_es})
    report.headline = (f"Dev loss lowest at epoch {best}, then rising to {fmt(val_loss[-1])}; "
                       f"early stopping keeps epoch {stopper.best_epoch}: test loss "
                       f"{fmt(test_es['loss'])} against {fmt(test_full['loss'])}.")
