"""The run folder of ``reseau train`` and ``reseau search``: ``runs/<date>-<time>/`` unless
``--out`` names one.

A run folder is always either a complete run or absent, never a mix of two runs:

- the run is written into ``<out>.incomplete/`` beside it (a sibling, so that renaming
  it stays on one file system), and renamed to ``<out>`` when it ends (completed,
  stopped early, diverged or interrupted by Ctrl-C: each writes a complete folder);
- an existing ``<out>`` that is not empty is never replaced without ``--force``; with it,
  the old folder is renamed away, the new one renamed in, then the old one deleted
  (Ctrl-C is held back during these renames);
- a process killed outright (``kill -9``, a power cut) leaves ``<out>`` as it was and its
  work in ``<out>.incomplete/``, where ``model.npz`` holds the last checkpoint; the next
  ``reseau train`` with that ``--out`` replaces it, ``reseau search --resume`` continues it.
  (Killed in the microseconds between the two renames of ``--force``, it leaves the old
  run in ``.<out>.old-XXXX`` and the new one complete in ``<out>.incomplete``: POSIX has no
  portable exchange of two folders.)

Every file is also written atomically (:mod:`reseau.files`): a file is either complete or
absent, never half written.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import secrets
import shutil
import signal
import sys
from pathlib import Path

import numpy as np

from ..files import _fsync_folder, atomic_path, atomic_write_text
from .preparation import Data
from .settings import ConfigError

__all__ = ["RunFolder", "incomplete_path", "write_json", "write_plots", "write_run",
           "INCOMPLETE"]

INCOMPLETE = ".incomplete"   # suffix of the folder a run is written into


def _has_content(path: Path) -> bool:
    try:
        return any(True for _ in os.scandir(path))
    except OSError:
        return True


@contextlib.contextmanager
def _no_ctrl_c():
    """Hold SIGINT back (it is delivered when the block ends), so that Ctrl-C cannot
    stop a swap of folders half way; a no-op where signals cannot be masked."""
    mask = getattr(signal, "pthread_sigmask", None)
    if mask is None:
        yield
        return
    old = mask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        mask(signal.SIG_SETMASK, old)


def _lock(work: Path):
    """An exclusive lock on ``work/.lock``, held while the process lives (None where
    file locks are not available); raises BlockingIOError when another process holds it."""
    try:
        import fcntl
    except ImportError:
        return None
    fd = os.open(work / ".lock", os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise BlockingIOError from None
    return fd


class RunFolder:
    """A run folder being written: files go into :attr:`path` (``<out>.incomplete``),
    :meth:`commit` puts it in place as :attr:`final`.

    ``start`` refuses an ``--out`` that holds something unless ``force``; an
    ``<out>.incomplete`` left by a process that stopped is taken over (``keep``: its files
    are kept, as ``reseau search --resume`` wants; otherwise they are deleted, after a
    note on standard error, unless ``refuse_stale`` names the options that would handle
    it)."""

    def __init__(self, final: Path, path: Path, force: bool, lock):
        self.final, self.path, self.force, self._lock = final, path, force, lock

    @classmethod
    def start(cls, out=None, force: bool = False, keep: bool = False,
              refuse_stale: str | None = None, err=None) -> RunFolder:
        if out is None:
            stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
            Path("runs").mkdir(exist_ok=True)
            for k in range(1000):  # two runs started in the same second get two names
                final = Path("runs") / (stamp if k == 0 else f"{stamp}-{k + 1}")
                if not final.exists():
                    try:
                        incomplete_path(final).mkdir()
                        break
                    except FileExistsError:
                        continue
            else:
                raise OSError("could not find a new folder name under runs/")
        else:
            final = Path(out)
            if final.name in ("", ".", "..") or final.name.endswith(INCOMPLETE):
                raise ConfigError(f"--out {out} cannot be a run folder; name a folder, "
                                  "e.g. runs/first")
            if final.exists() and not final.is_dir():
                raise ConfigError(f"--out {final} is a file, not a folder; choose another "
                                  "--out")
            if final.is_dir() and _has_content(final) and not force and not keep:
                raise ConfigError(f"--out {final} already holds a run; add --force to "
                                  "replace it, or choose another --out")
        work = incomplete_path(final)
        try:
            fresh = out is None  # made above
            if not fresh:
                work.parent.mkdir(parents=True, exist_ok=True)
                try:
                    work.mkdir()
                    fresh = True
                except FileExistsError:
                    pass
            lock = _lock(work)
        except BlockingIOError:
            raise ConfigError(f"another reseau process is writing {work} now; wait for it, "
                              "or choose another --out") from None
        except OSError as err_:
            raise OSError(f"cannot create the run folder {work} ({err_.strerror or err_}); "
                         "choose another --out") from None
        folder = cls(final, work, force, lock)
        if not fresh and not keep:
            # hidden names are the lock and what a killed atomic write left: no run's files
            left = [p.name for p in work.iterdir() if not p.name.startswith(".")]
            if left and refuse_stale:
                folder.release()
                raise ConfigError(f"{work} holds an unfinished run, left by a process that "
                                  f"stopped; {refuse_stale}")
            if left:
                print(f"note: deleting {work}, the unfinished run of a process that "
                      "stopped", file=err or sys.stderr)
            for p in work.iterdir():
                if p.name != ".lock":
                    shutil.rmtree(p) if p.is_dir() and not p.is_symlink() else p.unlink()
        return folder

    def release(self) -> None:
        """Let go of the lock (the folder stays)."""
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    def commit(self) -> Path:
        """Rename the finished run into place (after moving an old run away, which
        ``start`` allowed); returns the final path."""
        old = None
        with _no_ctrl_c():
            if self.final.is_dir() and _has_content(self.final) and not self.force:
                raise OSError(f"{self.final} was created while this run was written; the run "
                             f"is in {self.path}")
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path / ".lock")
            self.release()
            if self.final.exists():
                old = self.final.parent / f".{self.final.name}.old-{secrets.token_hex(4)}"
                os.rename(self.final, old)
            os.rename(self.path, self.final)
            _fsync_folder(self.final.parent)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        return self.final


def incomplete_path(final) -> Path:
    """``<final>.incomplete``: where the run of ``final`` is written until it ends."""
    final = Path(final)
    return final.with_name(final.name + INCOMPLETE)


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

        device = next(iter(model.parameters())).device

        def raw_model(t):  # the plot works in the data's own units, on the model's device
            return model(as_tensor(data.prep.inputs(np.asarray(t._array))).to(device))
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
