"""``ReduceLROnPlateau``: lower the learning rate when a monitored metric (typically the
validation loss) stops improving. The metric is passed explicitly to ``step``."""

from __future__ import annotations

import math
import numbers

from ..registry import SCHEDULES
from .optimizer import Optimizer
from .scheduler import LRScheduler, _check_optimizer

__all__ = ["ReduceLROnPlateau"]


@SCHEDULES.register("plateau")
class ReduceLROnPlateau(LRScheduler):
    """Multiply the learning rate by ``factor`` when a metric stops improving.

    Once more than ``patience`` epochs in a row bring no improvement (in
    ``mode="min"``, an improvement is a value below ``best * (1 - threshold)`` for
    ``threshold_mode="rel"``, below ``best - threshold`` for ``"abs"``; reversed for
    ``"max"``)::

        lr = max(lr * factor, min_lr)     (unless that changes lr by less than eps)

    then wait ``cooldown`` epochs before counting again. The metric is passed
    explicitly: ``scheduler.step(val_loss)``.

    Examples
    --------
    >>> import reseau
    >>> from reseau.optim.lr_scheduler import ReduceLROnPlateau
    >>> opt = reseau.optim.SGD([reseau.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = ReduceLROnPlateau(opt, patience=1, factor=0.5)
    >>> for val_loss in [3.0, 2.0, 2.0, 2.0]:   # two epochs without improvement
    ...     sched.step(val_loss)
    >>> sched.get_last_lr()
    [0.5]
    """

    _needs_metric = True  # SequentialLR and ChainedScheduler cannot step it

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1,
                 patience: int = 10, threshold: float = 1e-4, threshold_mode: str = "rel",
                 cooldown: int = 0, min_lr=0, eps: float = 1e-8) -> None:
        name = "ReduceLROnPlateau"
        _check_optimizer(name, optimizer)
        if not factor < 1.0:
            raise ValueError(f"{name}: factor must be < 1.0 (it multiplies lr), got {factor!r}")
        if mode not in ("min", "max"):
            raise ValueError(f"{name}: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"{name}: threshold_mode must be 'rel' or 'abs', got "
                             f"{threshold_mode!r}")
        if isinstance(patience, bool) or not isinstance(patience, numbers.Integral) \
                or patience < 0:
            raise ValueError(f"{name}: patience must be an integer >= 0, got {patience!r}")
        self.optimizer = optimizer
        self.factor = factor
        n = len(optimizer.param_groups)
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != n:
                raise ValueError(f"{name}: expected {n} min_lrs (one per group), got {len(min_lr)}")
            self.default_min_lr = None
            self.min_lrs = list(min_lr)
        else:
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * n
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.last_epoch = 0
        self._last_lr = self._current_lrs()
        self._reset()

    def _reset(self) -> None:
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def is_better(self, a: float, best: float) -> bool:
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        if self.mode == "min":
            return a < best - self.threshold
        if self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold

    def step(self, metrics=None) -> None:  # type: ignore[override]
        """Record this epoch's metric (e.g. the validation loss) and reduce the
        learning rates if it has not improved for more than ``patience`` epochs."""
        if metrics is None:
            raise TypeError("ReduceLROnPlateau.step: pass the monitored metric, e.g. "
                            "scheduler.step(val_loss)")
        current = float(metrics)
        self.last_epoch += 1
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs during the cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = self._current_lrs()

    def _reduce_lr(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(f"ReduceLROnPlateau: the optimizer now has {len(groups)} "
                                   f"parameter groups but min_lr gave {len(self.min_lrs)}; "
                                   "set scheduler.min_lrs to one value per group")
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, min_lr in zip(groups, self.min_lrs):
            old = float(group["lr"])
            new = max(old * self.factor, min_lr)
            if old - new > self.eps:
                group["lr"] = new
