"""``History``: what ``fit`` records, one row per epoch."""

from __future__ import annotations

import csv
import io
import math

__all__ = ["History"]


class History:
    """The per-epoch record of a training run.

    ``history.history`` maps each column to its list of values, one per completed epoch:
    ``epoch`` (0, 1, ...), ``loss`` and each training metric (``accuracy``...), the same
    on the validation data prefixed with ``val_`` (``val_loss``, ``val_accuracy``...),
    ``lr`` (the learning rate used during the epoch) and ``time`` (seconds the epoch
    took). Columns are also attributes and keys: ``history.loss``,
    ``history["val_accuracy"]``.

    ``val_name`` is what the validation data are (``fit``'s argument: ``"val"``, or
    ``"test"`` when the held-out data are the test set); :meth:`to_csv` names their
    columns by it (``test_loss``, ``test_accuracy``), so that a file read later says which
    split the numbers describe.

    ``stop_reason`` says why training ended: ``"completed"``, ``"early_stopping"``,
    ``"diverged"`` (the loss became NaN or inf, or exploded) or ``"interrupted"``
    (Ctrl-C); ``message`` explains it in a sentence for people.
    """

    def __init__(self) -> None:
        self.history: dict[str, list] = {}
        self.stop_reason: str = "completed"
        self.message: str = ""
        self.best_epoch: int | None = None
        self.val_name: str = "val"

    def append(self, row: dict) -> None:
        """Add one epoch's values; a column missing from earlier rows is filled with NaN
        for them, so that every column has one value per epoch."""
        n = len(self)
        for key, value in row.items():
            column = self.history.setdefault(key, [math.nan] * n)
            column.append(value)
        for key, column in self.history.items():
            if len(column) < n + 1:
                column.append(math.nan)

    def __len__(self) -> int:
        return len(self.history.get("epoch", ()))

    @property
    def columns(self) -> list[str]:
        return list(self.history)

    def __getitem__(self, key: str) -> list:
        if key not in self.history:
            raise KeyError(f"History has no column {key!r}; its columns are {self.columns}")
        return self.history[key]

    def __contains__(self, key: str) -> bool:
        return key in self.history

    def __getattr__(self, name: str):
        # only called when normal lookup fails: columns read as attributes
        history = self.__dict__.get("history", {})
        if name in history:
            return history[name]
        raise AttributeError(
            f"'History' object has no attribute {name!r}; its columns are {list(history)}"
        )

    def rows(self) -> list[dict]:
        """One dict per epoch."""
        keys = self.columns
        return [dict(zip(keys, values)) for values in zip(*(self.history[k] for k in keys))]

    def last(self) -> dict:
        """The last epoch's values (an empty dict before any epoch)."""
        return {k: v[-1] for k, v in self.history.items() if v}

    def to_csv(self, path=None) -> str:
        """The history as CSV text (a header, then one line per epoch, the validation
        columns named by ``val_name``); written atomically to ``path`` when one is
        given."""
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        prefix = f"{self.val_name}_"
        writer.writerow([prefix + k[4:] if k.startswith("val_") else k for k in self.columns])
        for row in self.rows():
            writer.writerow([_format(v) for v in row.values()])
        text = buf.getvalue()
        if path is not None:
            from ..files import atomic_write_text
            atomic_write_text(path, text)
        return text

    def __repr__(self) -> str:
        last = ", ".join(f"{k}={_format(v)}" for k, v in self.last().items())
        return f"History({len(self)} epochs, stop_reason={self.stop_reason!r}; last: {last})"


def _format(value) -> str:
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    return str(value)
