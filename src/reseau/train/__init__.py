"""Training: the ``fit`` loop, its ``History``, callbacks (``EarlyStopping``,
``ModelCheckpoint``) and the evaluation metrics.

Examples
--------
>>> from reseau.train import fit, EarlyStopping, accuracy
>>> accuracy([0, 1, 1], [0, 1, 0])
0.6666666666666666
"""

from . import metrics
from .callbacks import Callback, EarlyStopping, ModelCheckpoint, TrainState
from .fit import METRICS, evaluate, fit, predict
from .grid_search import GridSearchResult, grid_search
from .history import History
from .metrics import (
    accuracy, confusion_matrix, f1_score, mean_absolute_error, mean_squared_error, precision,
    precision_recall_f1, r2_score, recall,
)
from .progress import format_epoch_line

__all__ = [
    "fit", "evaluate", "predict", "History", "Callback", "TrainState", "EarlyStopping",
    "ModelCheckpoint", "METRICS", "metrics", "accuracy", "confusion_matrix", "precision",
    "recall", "f1_score", "precision_recall_f1", "mean_squared_error", "mean_absolute_error",
    "r2_score", "format_epoch_line", "grid_search", "GridSearchResult",
]
