"""The run folder of ``reseau train`` and ``reseau search``: ``runs/<date>-<time>/`` unless
``--out`` names one.

Every file in it is written atomically (:mod:`reseau.files`): a crash or Ctrl-C leaves
each file either complete or as it was, never half written.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import numpy as np

from ..files import atomic_path, atomic_write_text
from .preparation import Data

__all__ = ["new_run_dir", "write_json", "write_plots", "write_run"]


def new_run_dir(out) -> Path:
    """``out`` if given (created if needed), else ``runs/<timestamp>`` (a suffix is
    added when two runs start in the same second)."""
    if out is not None:
        path = Path(out)
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise OSError(f"cannot create the run folder {path} ({err.strerror or err}); "
                          "choose another --out") from None
        return path
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    for k in range(1000):
        path = Path("runs") / (stamp if k == 0 else f"{stamp}-{k + 1}")
        try:
            path.mkdir(parents=True)
            return path
        except FileExistsError:
            continue
    raise OSError("could not create a new folder under runs/")


def write_json(path: Path, value) -> None:
    """``value`` as indented JSON text, atomically."""
    atomic_write_text(path, json.dumps(value, indent=2) + "\n")


def _save_png(fig, path: Path) -> None:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=fig.dpi, format="png")


def write_plots(run_dir: Path, model, history, data: Data, notes: list) -> list:
    """``learning_curve.png`` and, for a classifier of two input features,
    ``decision_boundary.png``; the names of the files written. Without matplotlib, none,
    and a line for the user in ``notes``."""
    try:
        import matplotlib  # noqa: F401  (viz imports it only when drawing)
    except ImportError:
        notes.append("matplotlib is not installed, so no plots were drawn "
                     "(pip install 'reseau[viz]')")
        return []
    from ..viz import plot_decision_boundary, plot_history

    written = []
    if len(history):
        curves = dict(history.history)
        if data.X_val is None:  # fit's validation data was the test set: say so
            curves = {k.replace("val_", "test_", 1): v for k, v in curves.items()}
        _save_png(plot_history(curves), run_dir / "learning_curve.png")
        written.append("learning_curve.png")
    if (data.prep.task == "classification" and data.X_train.ndim == 2
            and data.X_train.shape[1] == 2):
        from ..creation import as_tensor

        def raw_model(t):  # the plot works in the data's own units
            return model(as_tensor(data.prep.inputs(np.asarray(t._array))))
        was = model.training
        model.eval()
        fig = plot_decision_boundary(raw_model, data.prep.raw_inputs(data.X_test),
                                     np.asarray(data.y_test).reshape(-1),
                                     title="Decision boundary (test set)")
        model.train(was)
        _save_png(fig, run_dir / "decision_boundary.png")
        written.append("decision_boundary.png")
    return written


def write_run(run_dir: Path, model, history, data: Data, config: dict, results: dict,
              settings_toml: str, notes: list) -> list:
    """The folder of a training run: ``model.npz`` (with ``config``, the settings and the
    preprocessing), ``history.csv``, ``metrics.json`` (``results``), ``config.toml`` and
    the plots. Returns the names of the files written; lines for the user go to
    ``notes``."""
    from .. import io

    io.save(model, run_dir / "model.npz", config=config,
            metadata={k: results[k] for k in ("epochs_run", "stop_reason", "best_epoch")})
    atomic_write_text(run_dir / "history.csv", history.to_csv())
    write_json(run_dir / "metrics.json", results)
    atomic_write_text(run_dir / "config.toml", settings_toml)
    written = ["model.npz", "history.csv", "metrics.json", "config.toml"]
    return written + write_plots(run_dir, model, history, data, notes)
