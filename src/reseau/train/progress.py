"""What ``fit`` shows while it trains: a progress bar on the terminal (tqdm, on standard
error) and one log line per epoch in seed 003's format (on standard output)::

    Iter 80: Acc train 93.1% (0.23), acc test 93.2% (0.22)

The accuracy is a percentage with one decimal, the loss in parentheses with two.
"""

from __future__ import annotations

import math
import sys

__all__ = ["format_epoch_line", "ProgressBar"]


def format_epoch_line(epoch: int, logs: dict, val_name: str = "test") -> str:
    """The log line of one epoch.

    With an ``accuracy`` in ``logs`` it is seed 003's line; otherwise the losses alone
    (four significant digits, since a regression loss may be far below 0.01).

    Examples
    --------
    >>> format_epoch_line(80, {"loss": 0.231, "accuracy": 0.9312, "val_loss": 0.224,
    ...                        "val_accuracy": 0.9321})
    'Iter 80: Acc train 93.1% (0.23), acc test 93.2% (0.22)'
    >>> format_epoch_line(3, {"loss": 0.012345})
    'Iter 3: Loss train 0.01235'
    """
    if "accuracy" in logs:
        line = f"Iter {epoch}: Acc train {_pct(logs['accuracy'])} ({logs['loss']:.2f})"
        if "val_accuracy" in logs:
            line += f", acc {val_name} {_pct(logs['val_accuracy'])} ({logs['val_loss']:.2f})"
        return line
    line = f"Iter {epoch}: Loss train {logs['loss']:.4g}"
    if "val_loss" in logs:
        line += f", loss {val_name} {logs['val_loss']:.4g}"
    return line


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%" if math.isfinite(x) else "nan%"


class ProgressBar:
    """A tqdm bar over every batch of the run, shown only when standard error is a
    terminal (so logs redirected to a file or read by a test hold no bar) and tqdm is
    installed (``pip install reseau[cli]``). ``write`` prints a line to standard output
    without breaking the bar."""

    def __init__(self, total_batches: int | None, epochs: int, enabled: bool | None = None,
                 out=None) -> None:
        self.out = out if out is not None else sys.stdout
        self.epochs = epochs
        self._bar = None
        if enabled is None:
            enabled = _isatty(sys.stderr)
        if enabled:
            try:
                from tqdm.auto import tqdm
            except ImportError:  # the bar is a comfort, not a requirement
                return
            self._bar = tqdm(total=total_batches, unit="batch", leave=False,
                             dynamic_ncols=True, file=sys.stderr)

    def start_epoch(self, epoch: int) -> None:
        if self._bar is not None:
            self._bar.set_description(f"epoch {epoch + 1}/{self.epochs}")

    def update(self, loss: float) -> None:
        if self._bar is not None:
            self._bar.update(1)
            self._bar.set_postfix(loss=f"{loss:.4f}", refresh=False)

    def write(self, line: str) -> None:
        if self._bar is not None:
            self._bar.write(line, file=self.out)
        else:
            print(line, file=self.out, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _isatty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
