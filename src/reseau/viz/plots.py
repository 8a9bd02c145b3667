"""Teaching plots: decision boundaries with probability shading, learning curves,
activation functions and their derivatives, loss landscapes, weight histograms.

Every function returns a ``matplotlib.figure.Figure`` of the requested ``figsize``
(inches) and ``dpi`` and, given ``path``, saves it there (the format follows the file
extension). Figures are made without pyplot: no global state, nothing to close; in
Jupyter a returned figure shows as an image.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..autograd import no_grad
from ..tensor import Tensor

__all__ = [
    "plot_decision_boundary",
    "plot_history",
    "plot_activations",
    "plot_loss_landscape",
    "plot_weight_histograms",
]


# ---------------------------------------------------------------------- helpers
def _figure(figsize, dpi):
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, dpi=dpi, layout="constrained")


def _finish(fig, path):
    if path is not None:
        fig.savefig(path, dpi=fig.dpi)  # the figure's own dpi: the size asked for
    return fig


def _array(x, what: str, caller: str) -> np.ndarray:
    if isinstance(x, Tensor):
        x = x.detach().cpu()._array  # a cuda tensor is drawn from its host copy
    try:
        return np.asarray(x)
    except Exception:  # noqa: BLE001  (anything NumPy cannot read)
        raise TypeError(f"{caller}: {what} must be an array or a Tensor, got "
                        f"{type(x).__name__}") from None


def _model_dtype(model):
    params = getattr(model, "parameters", None)
    if callable(params):
        found = params()
        first = next(iter(found.values() if isinstance(found, Mapping) else found), None)
        if first is not None:
            return first._array.dtype if isinstance(first, Tensor) else np.asarray(first).dtype
    from ..backend import get_default_dtype

    return get_default_dtype()


def _model_input(model, points: np.ndarray) -> Tensor:
    """``points`` as a tensor on the device of the model's parameters (the cpu for a
    model without any, or a function), ready to be given to it."""
    x = Tensor._make(points)
    params = getattr(model, "parameters", None)
    first = next(iter(params()), None) if callable(params) else None
    if isinstance(first, Tensor) and type(first._array) is not type(points):
        x = x.to(first.device)
    return x


def _evaluate(model, points: np.ndarray, output: str | None):
    """The model's output on ``points`` as float64, shape (n,) or (n, C), and what it
    is: ``"probabilities"``, ``"logits"`` or ``"scores"``."""
    if output in (None, "logits", "probabilities") and hasattr(model, "predict_proba"):
        out, output = model.predict_proba(points), "probabilities"
    elif output in (None, "scores") and hasattr(model, "decision_function"):
        out, output = model.decision_function(points), "scores"  # an SVM
    else:
        # a Module is evaluated in eval mode (no dropout), then put back as it was
        training = getattr(model, "training", None)
        if training and callable(getattr(model, "eval", None)):
            model.eval()
        try:
            with no_grad():
                out = model(_model_input(model, points.astype(_model_dtype(model))))
        finally:
            if training and callable(getattr(model, "train", None)):
                model.train(True)
        output = output or "logits"
    out = _array(out, "the model's output", "plot_decision_boundary").astype(np.float64)
    if out.ndim == 2 and out.shape[1] == 1:
        out = out[:, 0]
    if out.shape[:1] != (len(points),) or out.ndim not in (1, 2):
        raise ValueError(
            f"plot_decision_boundary: the model must give one row of scores per point, "
            f"got an output of shape {tuple(out.shape)} for {len(points)} points"
        )
    return out, output


def _probabilities(out: np.ndarray, output: str) -> np.ndarray:
    """Class probabilities from probabilities or logits, shape (n, C) with C >= 2."""
    from ..train.metrics import probabilities

    if out.ndim == 1:  # one score per point: the probability of class 1
        p1 = probabilities(out) if output == "logits" else out
        return np.stack([1.0 - p1, p1], axis=1)
    return probabilities(out) if output == "logits" else out


# ------------------------------------------------------------ decision boundary
def plot_decision_boundary(model, X, y, *, output: str | None = None, resolution: int = 200,
                           margin: float = 0.5, title: str | None = None,
                           figsize=(6.0, 5.0), dpi: int = 100, path=None):
    """The decision regions of a 2-D classifier, shaded by its confidence.

    Each point of a grid over the data is coloured by the class the model predicts,
    faded towards white where the model hesitates: the transition zone of seed 003
    (a hard SVM boundary has none; a network's has a width).

    With two classes the shading is ``P(class 1)`` on a blue-red scale with the 0.5
    contour drawn. For a model that gives scores rather than probabilities (an SVM),
    the shading is the score ``s`` of class 1 (``s_1 - s_0`` for two scores), with the
    boundary ``s = 0`` and the margins ``s = +-1`` dashed (``+-model.margin`` for
    ``LinearSVM``); with more classes a point is pale inside the margin, where the best
    score leads the second by less than the margin.

    Parameters
    ----------
    model : callable
        An ``nn.Module`` (or any function of a ``Tensor``) returning one score per
        class, or a single score for two classes; or an object with ``predict_proba``
        (``ManualMLP``, the course models) or ``decision_function`` (``LinearSVM``,
        scikit-learn's SVMs) taking an array.
    X : array or Tensor, shape (n, 2)
    y : array or Tensor of int, shape (n,)
    output : {None, "logits", "probabilities", "scores"}
        What the model gives: logits go through softmax (sigmoid for one score);
        scores (an SVM's decision function) are shown as they are. ``None``: the
        output of ``predict_proba`` if the model has it, else of ``decision_function``
        (scores), else the logits of ``model(x)``.
    resolution : int
        Grid points along each axis.
    margin : float
        Space around the data, in the data's units.

    Examples
    --------
    >>> import numpy as np
    >>> from reseau.viz import plot_decision_boundary
    >>> X = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    >>> y = np.array([0, 1, 1, 0])
    >>> fig = plot_decision_boundary(lambda t: t[:, 1] * 4 - 2, X, y)
    >>> fig.axes[0].get_xlabel(), fig.axes[1].get_ylabel()
    ('x1', 'P(class 1)')
    >>> fig = plot_decision_boundary(lambda t: t[:, 1] * 4 - 2, X, y, output="scores")
    >>> fig.axes[1].get_ylabel()
    'score of class 1 (decision function)'
    """
    caller = "plot_decision_boundary"
    X = _array(X, "X", caller).astype(np.float64)
    y = _array(y, "y", caller)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"{caller}: X must have shape (n, 2) (two features to plot), got "
                         f"{tuple(X.shape)}; project the data to 2-D first")
    if y.shape != (X.shape[0],):
        raise ValueError(f"{caller}: y must have shape ({X.shape[0]},) to match X, got {y.shape}")
    if output not in (None, "logits", "probabilities", "scores"):
        raise ValueError(f"{caller}: output must be 'logits', 'probabilities', 'scores' or "
                         f"None (guess from the model), got {output!r}")
    import matplotlib as mpl

    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], resolution),
                         np.linspace(lo[1], hi[1], resolution))
    out, output = _evaluate(model, np.column_stack([gx.ravel(), gy.ravel()]), output)
    n_scores = 2 if out.ndim == 1 else out.shape[1]
    hinge = getattr(model, "margin", 1.0)  # LinearSVM's margin; 1 for other SVMs
    hinge = float(hinge) if isinstance(hinge, (int, float)) and hinge > 0 else 1.0
    n_classes = max(n_scores, int(y.max()) + 1 if y.size else 0)
    fig = _figure(figsize, dpi)
    ax = fig.add_subplot()
    extent = (lo[0], hi[0], lo[1], hi[1])
    if n_scores == 2 and output == "scores":
        s = (out if out.ndim == 1 else out[:, 1] - out[:, 0]).reshape(gx.shape)
        top = max(float(np.abs(s).max()), hinge)  # a symmetric scale: white at s = 0
        shade = ax.contourf(gx, gy, s, levels=np.linspace(-top, top, 21), cmap="RdBu_r",
                            alpha=0.8)
        ax.contour(gx, gy, s, levels=[0.0], colors="black", linewidths=1.2)
        ax.contour(gx, gy, s, levels=[-hinge, hinge], colors="black", linewidths=0.8,
                   linestyles="--")
        label = ("score of class 1 (decision function)" if out.ndim == 1
                 else "score difference s1 - s0")
        fig.colorbar(shade, ax=ax, label=label,
                     ticks=mpl.ticker.MaxNLocator(nbins=8, symmetric=True))
        point_colors = mpl.colormaps["RdBu_r"](np.where(y == 1, 0.95, 0.05))
    elif n_scores == 2:
        p1 = _probabilities(out, output)[:, 1].reshape(gx.shape)
        shade = ax.contourf(gx, gy, p1, levels=np.linspace(0, 1, 21), cmap="RdBu_r", alpha=0.8)
        ax.contour(gx, gy, p1, levels=[0.5], colors="black", linewidths=1.2)
        fig.colorbar(shade, ax=ax, label="P(class 1)", ticks=[0, 0.25, 0.5, 0.75, 1])
        point_colors = mpl.colormaps["RdBu_r"](np.where(y == 1, 0.95, 0.05))
    else:
        palette = mpl.colormaps["tab10"](np.arange(n_classes) % 10)[:, :3]
        if output == "scores":
            best = out.argmax(axis=1)
            # confidence: how far the best score leads the second, 1 beyond the margin
            ranked = np.sort(out, axis=1)
            conf = np.clip((ranked[:, -1] - ranked[:, -2]) / hinge, 0.0, 1.0)
        else:
            probs = _probabilities(out, output)
            best = probs.argmax(axis=1)
            # confidence 0 at the uniform distribution, 1 when one class takes it all
            conf = (probs.max(axis=1) - 1 / probs.shape[1]) / (1 - 1 / probs.shape[1])
        rgb = 1 - conf[:, None] * (1 - palette[best])
        ax.imshow(rgb.reshape(*gx.shape, 3), origin="lower", extent=extent, aspect="auto",
                  interpolation="bilinear")
        point_colors = palette[y.astype(int)]
        handles = [mpl.patches.Patch(color=palette[c], label=f"class {c}")
                   for c in range(n_classes)]
        ax.legend(handles=handles, loc="best", fontsize=8)
    ax.scatter(X[:, 0], X[:, 1], c=point_colors, edgecolors="black", linewidths=0.6, s=25)
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_title(title or ("Decision regions (pale: inside the margin)" if output == "scores"
                           else "Decision regions (pale: the model hesitates)"))
    return _finish(fig, path)


# ------------------------------------------------------------------- history
_SPLITS = (("validation_", "validation"), ("valid_", "validation"), ("val_", "validation"),
           ("test_", "test"), ("train_", "train"))


def _history_dict(history) -> dict:
    if isinstance(history, Mapping):
        return dict(history)
    inner = getattr(history, "history", None)
    if isinstance(inner, Mapping):
        return dict(inner)
    for method in ("to_dict", "as_dict"):
        if callable(getattr(history, method, None)):
            return dict(getattr(history, method)())
    if hasattr(history, "__dict__"):
        return {k: v for k, v in vars(history).items() if not k.startswith("_")}
    raise TypeError(
        f"plot_history: expected a dict of per-epoch lists (e.g. {{'loss': [...], "
        f"'val_loss': [...]}}) or a History object, got {type(history).__name__}"
    )


def plot_history(history, *, metrics=None, title: str | None = None, figsize=(10.0, 4.0),
                 dpi: int = 100, path=None):
    """Learning curves: one panel per metric (loss, accuracy...), training and
    validation on the same axes, against the epoch.

    ``history`` is a dict of per-epoch lists, or a History-like object (with a
    ``history`` dict, a ``to_dict()`` method, or list attributes). Keys name the
    split by a prefix: ``loss`` or ``train_loss`` (training), ``val_loss`` (also
    ``valid_``, ``validation_``), ``test_loss``; accuracy keys work the same way
    (``accuracy``/``acc``). A key ``epoch`` gives the x values. ``metrics`` names the
    panels to draw (default: every metric but ``lr`` and ``time``, which
    ``reseau.train.History`` also records).

    Examples
    --------
    >>> from reseau.viz import plot_history
    >>> fig = plot_history({"loss": [0.9, 0.5, 0.3], "val_loss": [1.0, 0.6, 0.5],
    ...                     "accuracy": [0.6, 0.8, 0.9], "val_accuracy": [0.5, 0.7, 0.8]})
    >>> [ax.get_ylabel() for ax in fig.axes]
    ['loss', 'accuracy']
    """
    from matplotlib.ticker import MaxNLocator

    data = _history_dict(history)
    epochs = data.pop("epoch", None)
    panels: dict[str, list] = {}
    for key, values in data.items():
        try:
            series = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            continue  # not a list of numbers
        if series.ndim != 1 or series.size == 0:
            continue
        metric, split = str(key), "train"
        for prefix, name in _SPLITS:
            if metric.startswith(prefix):
                metric, split = metric[len(prefix):], name
                break
        metric = {"acc": "accuracy"}.get(metric, metric)
        panels.setdefault(metric, []).append((split, series))
    if metrics is not None:
        wanted = [{"acc": "accuracy"}.get(m, m) for m in ([metrics] if isinstance(metrics, str)
                                                          else metrics)]
        missing = [m for m in wanted if m not in panels]
        if missing:
            raise ValueError(f"plot_history: no series for {missing}; the history has "
                             f"{sorted(panels)}")
        panels = {m: panels[m] for m in wanted}
    else:
        panels = {m: v for m, v in panels.items() if m not in ("lr", "time")}
    if not panels:
        raise ValueError(
            f"plot_history: found no per-epoch series of numbers in the history (keys: "
            f"{sorted(map(str, data))}); expected e.g. {{'loss': [...], 'val_loss': [...]}}"
        )
    order = list(panels) if metrics is not None else sorted(
        panels, key=lambda m: (m != "loss", "loss" not in m, m))
    fig = _figure(figsize, dpi)
    axes = fig.subplots(1, len(order), squeeze=False)[0]
    styles = {"train": "-", "validation": "--", "test": ":"}
    for ax, metric in zip(axes, order):
        for split, series in panels[metric]:
            x = (np.arange(1, series.size + 1) if epochs is None
                 else np.asarray(epochs)[:series.size])
            ax.plot(x, series, styles[split], marker="o" if series.size <= 30 else None,
                    markersize=3, label=split)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # no epoch 1.5
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    return _finish(fig, path)


# --------------------------------------------------------------- activations
def plot_activations(names=("sigmoid", "tanh", "relu"), *, x_range=(-6.0, 6.0),
                     saturation: float = 0.05, figsize=(12.0, 3.5), dpi: int = 100,
                     path=None):
    """Activation functions and their derivatives, one panel each.

    The derivatives are computed by reseau's own backward pass. Where ``|f'(x)|`` is
    below ``saturation`` the panel is shaded: the saturated zones where gradients
    vanish (seed 001). The maximum of each derivative is marked: ``sigmoid' <= 0.25``
    (at 0), ``tanh' <= 1``, ``relu'`` is 0 or 1.

    Examples
    --------
    >>> from reseau.viz import plot_activations
    >>> fig = plot_activations(["sigmoid"])
    >>> fig.axes[0].get_title()
    "sigmoid (max f' = 0.25)"
    """
    from ..registry import ACTIVATIONS

    known = ACTIVATIONS.names(output_only=False)  # the element-wise ones
    if isinstance(names, str):
        names = [names]
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        raise ValueError(f"plot_activations: unknown activation(s) {unknown}; expected names "
                         f"among {', '.join(known)}")
    grid = np.linspace(x_range[0], x_range[1], 801)
    fig = _figure(figsize, dpi)
    axes = fig.subplots(1, len(names), squeeze=False)[0]
    for ax, name in zip(axes, names):
        x = Tensor._make(grid.copy())
        x.requires_grad = True
        fx = ACTIVATIONS.build(name)(x)
        fx.sum().backward()  # d/dx_i of sum_j f(x_j) = f'(x_i)
        f, df = fx._array, x.grad._array
        ax.plot(grid, f, label=f"{name}(x)")
        ax.plot(grid, df, "--", label=f"{name}'(x)")
        flat = np.abs(df) < saturation
        ax.fill_between(grid, 0, 1, where=flat, transform=ax.get_xaxis_transform(),
                        color="grey", alpha=0.15, linewidth=0, label="saturated (f' ~ 0)")
        top = int(np.argmax(df))
        ax.axhline(df[top], color="grey", linestyle=":", linewidth=0.8)
        ax.plot(grid[top], df[top], "o", color="C1", markersize=4)
        ax.set_title(f"{name} (max f' = {df[top]:.3g})")
        ax.set_xlabel("x")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper left")
    return _finish(fig, path)


# ------------------------------------------------------------- loss landscape
def _param_arrays(params, caller: str) -> list:
    if callable(getattr(params, "parameters", None)):
        params = params.parameters()
    if isinstance(params, Mapping):
        params = params.values()
    if isinstance(params, (Tensor, np.ndarray)):
        params = [params]
    params = list(params)
    away = next((p.device for p in params if isinstance(p, Tensor) and p.device.type != "cpu"),
                None)
    if away is not None:  # the landscape is walked by changing the weights on the host
        raise ValueError(f"{caller}: the parameters are on {away}; move the model to the cpu "
                         "first (model.cpu())")
    arrays = [p._array if isinstance(p, Tensor) else p for p in params]
    if not arrays or not all(isinstance(a, np.ndarray) and a.dtype.kind == "f" for a in arrays):
        raise TypeError(f"{caller}: params must be a Module or floating tensors/arrays "
                        "(e.g. model.parameters()), got none or a non-float entry")
    return arrays


def plot_loss_landscape(loss_fn, params, *, directions=None, dims: int = 1,
                        span: float = 1.0, steps: int = 41, generator=None,
                        title: str | None = None, figsize=(6.0, 4.5), dpi: int = 100,
                        path=None):
    """The loss along a 1-D or 2-D slice through the parameters.

    With ``theta`` the current parameters and ``d1, d2`` directions, plots
    ``L(theta + a d1)`` for ``a`` in ``[-span, span]`` (a curve) or
    ``L(theta + a d1 + b d2)`` (filled contours): the valleys and saddle points of
    seed 004. The parameters are moved in place and restored afterwards.

    Parameters
    ----------
    loss_fn : callable
        Takes no argument and returns the loss (a Tensor or a float) at the
        parameters' current values; it runs under ``no_grad``.
    params : Module, or sequence of Tensors or float arrays
        The parameters to move (``model.parameters()``, ``ManualMLP.parameters()``).
    directions : sequence of 1 or 2 directions, optional
        Each direction is a list of arrays, one per parameter, of the same shapes.
        Default: ``dims`` random Gaussian directions, each array rescaled to the norm
        of its parameter (per-tensor normalisation, Li et al. 2018; unit norm for a
        zero parameter), drawn from ``generator`` (default: reseau's generator).
    dims : {1, 2}
        Number of random directions when ``directions`` is not given.

    Examples
    --------
    >>> import numpy as np, reseau
    >>> from reseau.viz import plot_loss_landscape
    >>> p = reseau.zeros(2)
    >>> saddle = lambda: p[0] ** 2 - p[1] ** 2
    >>> fig = plot_loss_landscape(saddle, [p], directions=[[np.array([1.0, 0.0])],
    ...                                                    [np.array([0.0, 1.0])]])
    >>> fig.axes[0].get_xlabel(), p.tolist()
    ('direction 1', [0.0, 0.0])
    """
    caller = "plot_loss_landscape"
    arrays = _param_arrays(params, caller)
    if directions is None:
        if dims not in (1, 2):
            raise ValueError(f"{caller}: dims must be 1 or 2, got {dims}")
        from ..backend import default_generator

        rng = default_generator() if generator is None else generator
        directions = []
        for _ in range(dims):
            direction = []
            for a in arrays:
                d = rng.standard_normal(a.shape)
                norm_d, norm_a = np.linalg.norm(d), np.linalg.norm(a)
                direction.append(d * ((norm_a if norm_a > 0 else 1.0) / max(norm_d, 1e-12)))
            directions.append(direction)
    if len(directions) not in (1, 2):
        raise ValueError(f"{caller}: give 1 or 2 directions, got {len(directions)}")
    dirs = []
    for k, direction in enumerate(directions):
        if isinstance(direction, np.ndarray) or len(direction) != len(arrays):
            raise ValueError(f"{caller}: direction {k + 1} must be a list of {len(arrays)} "
                             "arrays, one per parameter")
        ds = [_array(d, "a direction", caller).astype(np.float64) for d in direction]
        for j, (d, a) in enumerate(zip(ds, arrays)):
            if d.shape != a.shape:
                raise ValueError(f"{caller}: direction {k + 1}, entry {j} has shape {d.shape} "
                                 f"but the parameter has shape {tuple(a.shape)}")
        dirs.append(ds)

    alphas = np.linspace(-span, span, steps)
    originals = [a.copy() for a in arrays]

    def loss_at(*coords) -> float:
        for a, orig, *ds in zip(arrays, originals, *dirs):
            a[...] = orig + sum(c * d for c, d in zip(coords, ds))
        with no_grad():
            value = loss_fn()
        return float(value.item() if isinstance(value, Tensor) else value)

    try:
        if len(dirs) == 1:
            values = np.array([loss_at(a) for a in alphas])
        else:
            values = np.array([[loss_at(a, b) for a in alphas] for b in alphas])
        current = loss_at(*([0.0] * len(dirs)))
    finally:  # put the parameters back, even if loss_fn raised
        for a, orig in zip(arrays, originals):
            a[...] = orig

    fig = _figure(figsize, dpi)
    ax = fig.add_subplot()
    if len(dirs) == 1:
        ax.plot(alphas, values)
        ax.plot([0.0], [current], "o", color="C3", label="current parameters")
        ax.set_ylabel("loss")
        ax.grid(alpha=0.3)
    else:
        filled = ax.contourf(alphas, alphas, values, levels=30, cmap="viridis")
        ax.contour(alphas, alphas, values, levels=15, colors="white", linewidths=0.4,
                   alpha=0.6)
        fig.colorbar(filled, ax=ax, label="loss")
        ax.plot([0.0], [0.0], "o", color="C3", label="current parameters")
        ax.set_ylabel("direction 2")
    ax.set_xlabel("direction 1")
    ax.legend(loc="best", fontsize=8)
    ax.set_title(title or ("Loss along a line through the parameters" if len(dirs) == 1
                           else "Loss on a plane through the parameters"))
    return _finish(fig, path)


# -------------------------------------------------------------- weight histograms
def _named_arrays(model) -> list:
    if callable(getattr(model, "named_parameters", None)):
        items = list(model.named_parameters())
    elif isinstance(model, Mapping):
        items = list(model.items())
    elif callable(getattr(model, "parameters", None)):
        found = model.parameters()
        items = (list(found.items()) if isinstance(found, Mapping)
                 else [(f"param{i}", p) for i, p in enumerate(found)])
    else:
        raise TypeError(
            f"plot_weight_histograms: expected a Module, a mapping {{name: tensor}} or an "
            f"object with parameters(), got {type(model).__name__}"
        )
    return [(str(name), _array(p, name, "plot_weight_histograms")) for name, p in items]


def plot_weight_histograms(model, *, bins: int = 30, include_bias: bool = True,
                           columns: int = 3, figsize=(10.0, 6.0), dpi: int = 100, path=None):
    """A histogram of the values of each parameter tensor (one panel per layer's
    weight and bias), titled with its shape, mean and standard deviation.

    ``model`` is a Module, a mapping ``{name: tensor or array}``, or an object whose
    ``parameters()`` gives such a mapping (``ManualMLP``). ``include_bias=False``
    leaves out one-dimensional parameters.

    Examples
    --------
    >>> import numpy as np
    >>> from reseau.viz import plot_weight_histograms
    >>> fig = plot_weight_histograms({"W": np.ones((3, 2)), "b": np.zeros(3)})
    >>> [ax.get_title().split(" ")[0] for ax in fig.axes if ax.get_visible()]
    ['W', 'b']
    """
    items = [(n, a) for n, a in _named_arrays(model) if include_bias or a.ndim > 1]
    if not items:
        raise ValueError("plot_weight_histograms: no parameter to plot (an empty model, or "
                         "only biases with include_bias=False)")
    cols = max(1, min(columns, len(items)))
    rows = -(-len(items) // cols)
    fig = _figure(figsize, dpi)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, (name, values) in zip(axes, items):
        flat = values.astype(np.float64).ravel()
        ax.hist(flat, bins=bins, color="C0", alpha=0.85)
        ax.set_title(f"{name} {tuple(values.shape)}\nmean {flat.mean():.3g}, std {flat.std():.3g}",
                     fontsize=9)
        ax.grid(alpha=0.3)
    for ax in axes[len(items):]:
        ax.set_visible(False)
    return _finish(fig, path)
