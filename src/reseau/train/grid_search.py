"""``grid_search``: choose hyper-parameters on the dev set, as seed 003 says ("the size
of each layer is a hyper-parameter, often chosen by grid search so as to maximise the
score on the dev set"), then measure the chosen configuration once on the test set.

Every configuration of the grid is trained on the training set and scored on the dev
set, in parallel through joblib. Because joblib's backends are interchangeable, the
same call runs on the cores of one machine (``n_jobs=4``, the default "loky" processes)
or on a cluster: inside ``joblib.parallel_config(backend="dask")`` with a
``dask.distributed.Client`` connected to the cluster (or ``backend="ray"`` after
``ray.util.joblib.register_ray()``), each configuration becomes a task of the cluster.
See docs/grid_search.md.

Reproducibility: before building each configuration, reseau's generator is reseeded
with ``seed``, so a configuration gives the same model whichever worker, process or
machine trains it, and the table does not depend on ``n_jobs``. (Thread-based
backends share one generator between configurations and lose that guarantee; use
processes.) The caller's generator is left as it was.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

__all__ = ["grid_search", "GridSearchResult", "expand_grid"]

_SCORE_COLUMNS = ("dev_score", "train_score", "fit_time")


@dataclass
class GridSearchResult:
    """What :func:`grid_search` found.

    Attributes
    ----------
    table : list of dict
        One row per configuration, best dev score first (ties keep the grid's order;
        configurations whose dev score is NaN, e.g. diverged ones, come last; one whose
        training raises stops the search): the parameters, then
        ``dev_score``, ``train_score`` and ``fit_time`` (seconds of ``build`` + fit).
    params : list of str
        The parameter names, in the order of the grid (the first columns of the table).
    best_params : dict
    best_score : float
        The dev score of ``best_params``.
    best_model : object
        The chosen model: trained on train + dev when ``refit=True``, else the model of
        the search, trained on train only.
    test_score : float or None
        The chosen model's score on the test set (None when no test set was given): the
        only score ever computed on it.
    refit : bool
    """

    table: list
    params: list
    best_params: dict
    best_score: float
    best_model: Any = field(repr=False)
    test_score: float | None = None
    refit: bool = False

    @property
    def columns(self) -> list:
        return [*self.params, *_SCORE_COLUMNS]

    def to_csv(self, path) -> Path:
        """Write the table as CSV (a header row, then best first), atomically: a
        temporary file in the same folder, renamed over ``path``."""
        from ..files import atomic_write_text

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(self.columns)
        for row in self.table:
            writer.writerow([_cell(row[c]) for c in self.columns])
        return atomic_write_text(path, buffer.getvalue())

    def format(self) -> str:
        """The table as aligned text, the chosen configuration marked with ``*``."""
        header = ["", *self.columns]
        rows = [["*" if i == 0 else "", *(_cell(r[c]) for c in self.params),
                 *(_cell(r[c], digits=4) for c in _SCORE_COLUMNS)]
                for i, r in enumerate(self.table)]
        widths = [max(len(str(line[j])) for line in [header, *rows]) for j in range(len(header))]
        lines = ["  ".join(str(v).rjust(w) for v, w in zip(line, widths)).rstrip()
                 for line in [header, *rows]]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.format()


def _cell(value, digits: int | None = None) -> str:
    if isinstance(value, float) and digits is not None:
        return "nan" if math.isnan(value) else f"{value:.{digits}f}"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def expand_grid(param_grid) -> list[dict]:
    """Every configuration of ``param_grid``, in order.

    ``{"hidden": [2, 4], "lr": [0.1, 1]}`` gives the product of the lists, the last
    key varying fastest: ``[{hidden: 2, lr: 0.1}, {hidden: 2, lr: 1}, {hidden: 4, lr:
    0.1}, {hidden: 4, lr: 1}]``. A list of such dicts gives their grids one after the
    other (to search parameters that only make sense together).
    """
    grids = [param_grid] if isinstance(param_grid, dict) else param_grid
    if not isinstance(grids, (list, tuple)) or not grids:
        raise TypeError(
            "grid_search: param_grid must be a dict of lists, e.g. {'hidden': [2, 4, 8]}, "
            f"or a non-empty list of such dicts; got {type(param_grid).__name__}"
        )
    configs = []
    for grid in grids:
        if not isinstance(grid, dict):
            raise TypeError(f"grid_search: param_grid holds a {type(grid).__name__}; each "
                            "grid must be a dict of lists")
        for name, values in grid.items():
            if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
                raise TypeError(
                    f"grid_search: param_grid[{name!r}] must be a list of values, got "
                    f"{values!r}; write [{values!r}] to fix it"
                )
            if len(list(values)) == 0:
                raise ValueError(f"grid_search: param_grid[{name!r}] is empty; give it at "
                                 "least one value")
        names = list(grid)
        configs += [dict(zip(names, combo))
                    for combo in itertools.product(*(list(grid[n]) for n in names))]
    return configs


def _default_fit(model, X, y):
    fitted = model.fit(X, y)
    return model if fitted is None else fitted


def _default_score(model, X, y) -> float:
    if not hasattr(model, "score"):
        raise TypeError(
            f"grid_search: the model ({type(model).__name__}) has no score(X, y) method; "
            "pass score=lambda model, X, y: ... (higher is better)"
        )
    return model.score(X, y)


def _run_one(build, params, train, dev, fit, score, seed):
    """Build, train and score one configuration (runs in a worker)."""
    from ..backend import manual_seed

    if seed is not None:
        manual_seed(seed)
    start = time.perf_counter()
    try:
        model = fit(build(**params), *train)
        seconds = time.perf_counter() - start
        row = {"dev_score": float(score(model, *dev)), "train_score": float(score(model, *train)),
               "fit_time": seconds}
    except Exception as err:
        if hasattr(err, "add_note"):  # Python >= 3.11: say which configuration failed
            err.add_note(f"grid_search: while training the configuration {params}")
        raise
    return row, model


def _concat(a, b):
    """Train + dev rows, for arrays or reseau tensors."""
    from ..tensor import Tensor

    if isinstance(a, Tensor) or isinstance(b, Tensor):
        from ..creation import as_tensor
        from ..ops.shape import cat

        return cat([a if isinstance(a, Tensor) else as_tensor(a),
                    b if isinstance(b, Tensor) else as_tensor(b)])
    return np.concatenate([np.asarray(a), np.asarray(b)])


def _check_pair(data, name: str):
    if not (isinstance(data, (tuple, list)) and len(data) == 2):
        raise TypeError(f"grid_search: {name} must be a pair (X, y), got "
                        f"{type(data).__name__}")
    if len(data[0]) != len(data[1]):
        raise ValueError(f"grid_search: {name} has {len(data[0])} inputs but {len(data[1])} "
                         "targets; X and y need one row per sample")
    return tuple(data)


def _sort_key(indexed_row):
    index, row = indexed_row
    score = row["dev_score"]
    return (math.isnan(score), -score if not math.isnan(score) else 0.0, index)


def grid_search(build: Callable, param_grid, train, dev, test=None, *,
                fit: Callable | None = None, score: Callable | None = None, n_jobs=None,
                backend=None, refit: bool = False, csv_path=None, seed: int | None = 0,
                verbose: int = 0) -> GridSearchResult:
    """Train every configuration of ``param_grid`` on ``train``, score it on ``dev``,
    and keep the best.

    Parameters
    ----------
    build : callable
        ``build(**config)`` returns a new, untrained model for one configuration, e.g.
        ``lambda hidden, lr: MLPClassifier((hidden,), learning_rate_init=lr)`` or an
        estimator class itself.
    param_grid : dict of lists, or list of dicts of lists
        The values to try; every combination is a configuration (see
        :func:`expand_grid`).
    train, dev : (X, y)
        The training and dev sets, arrays or tensors.
    test : (X, y), optional
        The test set. Only the chosen configuration is scored on it, once, after the
        search (and after the refit, if any).
    fit : callable, optional
        ``fit(model, X, y)`` trains the model and returns it; by default
        ``model.fit(X, y)`` (scikit-learn's protocol, which the estimators of
        :mod:`reseau.sklearn` follow).
    score : callable, optional
        ``score(model, X, y)``, higher is better; by default ``model.score(X, y)``
        (accuracy for classifiers, R^2 for regressors).
    n_jobs : int or None
        Configurations trained at the same time (-1: one per core). None means 1, or
        what an enclosing ``joblib.parallel_config(n_jobs=...)`` says.
    backend : str or None
        joblib backend: None uses joblib's default ("loky" processes) or the one set by
        an enclosing ``joblib.parallel_config(backend=...)``, e.g. "dask" or "ray" to
        run on a cluster.
    refit : bool
        Train the best configuration again on train + dev (more data for the final
        model) before it is tested.
    csv_path : str or Path, optional
        Also write the table there as CSV (atomically).
    seed : int or None
        reseau's generator is reseeded with it before each configuration is built and
        trained (and before the refit), so results do not depend on the worker that
        runs them. None leaves the generator alone.
    verbose : int
        joblib's verbosity (progress messages on standard error).

    Returns
    -------
    GridSearchResult
        ``result.table`` (best first), ``best_params``, ``best_score``,
        ``best_model``, ``test_score``; ``print(result)`` shows the table.

    Examples
    --------
    >>> from reseau.data import circles, train_val_test_split
    >>> from reseau.sklearn import MLPClassifier
    >>> X, y = circles(300, noise=0.1, seed=0, as_tensor=False)
    >>> train, dev, test = train_val_test_split(X, y, (0.6, 0.2, 0.2), seed=0)
    >>> result = grid_search(
    ...     lambda hidden: MLPClassifier((hidden,), activation="tanh", max_iter=300,
    ...                                  learning_rate_init=0.05, random_state=0),
    ...     {"hidden": [1, 8]}, train, dev, test)
    >>> result.best_params, result.test_score > 0.9
    ({'hidden': 8}, True)
    """
    from joblib import Parallel, delayed

    from ..backend import fork_rng, manual_seed

    configs = expand_grid(param_grid)
    train, dev = _check_pair(train, "train"), _check_pair(dev, "dev")
    test = None if test is None else _check_pair(test, "test")
    fit = fit or _default_fit
    score = score or _default_score
    names = list(dict.fromkeys(name for config in configs for name in config))
    # the search reseeds reseau's generator: the caller's random stream is put back after
    with contextlib.nullcontext() if seed is None else fork_rng():
        results = Parallel(n_jobs=n_jobs, backend=backend, verbose=verbose)(
            delayed(_run_one)(build, config, train, dev, fit, score, seed) for config in configs)
        rows = [{**{n: config.get(n) for n in names}, **row}
                for config, (row, _) in zip(configs, results)]
        order = [i for i, _ in sorted(enumerate(rows), key=_sort_key)]
        best = order[0]
        model = results[best][1]
        if refit:
            if seed is not None:
                manual_seed(seed)
            model = fit(build(**configs[best]), _concat(train[0], dev[0]),
                        _concat(train[1], dev[1]))
        test_score = None if test is None else float(score(model, *test))
    result = GridSearchResult(table=[rows[i] for i in order], params=names,
                              best_params=dict(configs[best]),
                              best_score=rows[best]["dev_score"], best_model=model,
                              test_score=test_score, refit=refit)
    if csv_path is not None:
        result.to_csv(csv_path)
    return result
