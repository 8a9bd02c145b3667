"""What a convolutional network learned and sees: its filters (:func:`plot_filters`) and
the feature maps of one image, layer by layer (:func:`plot_feature_maps`).

Like the other plots, each returns a matplotlib Figure of the requested ``figsize`` and
``dpi`` and saves it to ``path`` if given.
"""

from __future__ import annotations

import math

import numpy as np

from .plots import _array, _figure, _finish, _model_input
from .summary import trace

__all__ = ["plot_filters", "plot_feature_maps"]


def plot_filters(conv_layer, *, ncols: int | None = None, title: str | None = None,
                 figsize=(6.0, 6.0), dpi: int = 100, path=None):
    """The kernels of a convolution layer (or its weight, ``(out, in, kh, kw)``), one
    small image per kernel.

    With one input channel (the first layer on grey images) each of the ``out`` filters
    is one image; with several, one row per filter and one column per input channel.
    Colours share one symmetric scale: red for positive weights, blue for negative, white
    for zero, so that a filter reads as the pattern it responds to (red where the image
    should be bright, blue where it should be dark).
    """
    weight = getattr(conv_layer, "weight", conv_layer)
    w = _array(weight, "conv_layer", "plot_filters")
    if w.ndim == 3:  # Conv1d: (out, in, k) drawn as 1-pixel-high images
        w = w[:, :, None, :]
    if w.ndim != 4:
        raise ValueError(f"plot_filters: expected a convolution layer or its weight of shape "
                         f"(out, in, kh, kw); got shape {tuple(w.shape)}")
    out_ch, in_ch = w.shape[:2]
    if in_ch == 1:
        n = out_ch
        cols = ncols or math.ceil(math.sqrt(n))
        rows = math.ceil(n / cols)
        kernels = [(w[k, 0], f"{k}") for k in range(n)]
    else:
        rows, cols = out_ch, in_ch
        kernels = [(w[o, i], f"{o}.{i}" if o == 0 else None)
                   for o in range(out_ch) for i in range(in_ch)]
    limit = float(np.abs(w).max()) or 1.0
    fig = _figure(figsize, dpi)
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    image = None
    for ax, (kernel, label) in zip(axes.ravel(), kernels):
        image = ax.imshow(kernel, cmap="RdBu_r", vmin=-limit, vmax=limit)
        if label is not None and in_ch == 1:
            ax.set_title(label, fontsize=7)
    fig.colorbar(image, ax=axes, shrink=0.6, label="weight")
    fig.suptitle(title or f"{out_ch} filters of {w.shape[2]}x{w.shape[3]}"
                 + (f" over {in_ch} input channels (rows: filters)" if in_ch > 1 else ""))
    return _finish(fig, path)


def _feature_layers(rows, layers):
    """The traced calls to draw: those named in ``layers``, or every layer without
    sub-layers whose output is a batch of images (N, C, H, W)."""
    if layers is None:
        return [r for r in rows if r.depth > 0 and r.is_leaf and r.output_shape is not None
                and len(r.output_shape) == 4]
    chosen = []
    for name in layers:
        found = [r for r in rows if r.name == str(name)]
        if not found:
            raise KeyError(f"plot_feature_maps: no layer named {name!r}; the layers are "
                           f"{', '.join(r.name for r in rows if r.name)}")
        chosen.append(found[0])
    return chosen


def plot_feature_maps(model, x, *, layers=None, max_maps: int = 8, title: str | None = None,
                      figsize=(10.0, 8.0), dpi: int = 100, path=None):
    """The input image and, below it, what each layer makes of it: one row per layer,
    its first ``max_maps`` channels (feature maps) side by side.

    ``x`` is one image ``(C, H, W)`` (or ``(1, C, H, W)``); the model runs once in
    evaluation mode. ``layers`` names the layers to show (their names in the model,
    ``"0"``, ``"3"`` for a Sequential); by default every layer whose output is still an
    image. Each map has its own grey scale (white: high).
    """
    data = _array(x, "x", "plot_feature_maps")
    if data.ndim == 3:
        data = data[None]
    if data.ndim != 4 or data.shape[0] != 1:
        raise ValueError(f"plot_feature_maps: x must be one image (C, H, W) or (1, C, H, W), "
                         f"got shape {tuple(data.shape)}")
    params = list(model.parameters())
    dtype = params[0].dtype if params else data.dtype
    rows = _feature_layers(trace(model, _model_input(model, data.astype(dtype))), layers)
    cols = max(2, min(max_maps, max([r.output_shape[1] for r in rows] or [1])))
    fig = _figure(figsize, dpi)
    axes = fig.subplots(len(rows) + 1, cols, squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    axes[0, 0].imshow(data[0].transpose(1, 2, 0).squeeze(-1) if data.shape[1] == 1
                      else data[0].transpose(1, 2, 0), cmap="gray_r")
    axes[0, 0].set_title("input", fontsize=8)
    for k, row in enumerate(rows, start=1):
        maps = _array(row.output, "a feature map", "plot_feature_maps")[0]
        for c in range(min(cols, maps.shape[0])):
            axes[k, c].imshow(maps[c], cmap="gray")
        axes[k, 0].set_title(f"{row.name}: {row.kind} {list(row.output_shape[1:])}",
                             fontsize=8, loc="left")
    fig.suptitle(title or "Feature maps, layer by layer")
    return _finish(fig, path)
