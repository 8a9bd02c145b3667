"""Lab ``backprop-complexity`` (seed 003): the cost of every gradient of an n-layer
network by backprop, O(n), against the naive approach where each layer derives the
loss on its own, O(n^2).

Both are written with seed 003's formulas in NumPy, so that the matrix products can
be counted; then the same comparison with reseau's engine: one ``backward()`` for
all the layers, against one forward and backward per layer.
"""

from __future__ import annotations

import time

import numpy as np

from ..creation import tensor
from ..nn import functional as F
from .registry import LabConfig, register
from .report import Report, fmt, new_figure

WIDTH = 64
BATCH = 32


class _Counter:
    """Counts the matrix products, the unit of work of both approaches."""

    def __init__(self):
        self.n = 0

    def mm(self, a, b):
        self.n += 1
        return a @ b


def _forward(c: _Counter, Ws, bs, x):
    """The input of every layer (``inputs[0] = x``) and the output scores."""
    inputs = [x]
    for k, (W, b) in enumerate(zip(Ws, bs)):
        a = c.mm(inputs[-1], W.T) + b
        if k < len(Ws) - 1:
            inputs.append(np.tanh(a))
        else:
            return inputs, a


def _output_gradient(scores, y):
    """d loss / d scores for the mean softmax cross-entropy: (softmax - onehot) / n."""
    p = np.exp(scores - scores.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    p[np.arange(len(y)), y] -= 1.0
    return p / len(y)


def backprop(c: _Counter, Ws, bs, x, y) -> list:
    """One backward sweep: each layer's gradient is handed down and reused."""
    inputs, scores = _forward(c, Ws, bs, x)
    g = _output_gradient(scores, y)
    grads = [None] * len(Ws)
    for k in range(len(Ws) - 1, -1, -1):
        grads[k] = c.mm(g.T, inputs[k])
        if k:
            g = c.mm(g, Ws[k]) * (1.0 - inputs[k] ** 2)  # through W_k, then tanh'
    return grads


def naive(c: _Counter, Ws, bs, x, y) -> list:
    """Each layer derives the loss with respect to its own weights independently:
    a forward pass, then the chain rule from the output all the way down to it,
    recomputing what the layers above it already computed."""
    grads = []
    for k in range(len(Ws)):
        inputs, scores = _forward(c, Ws, bs, x)
        g = _output_gradient(scores, y)
        for j in range(len(Ws) - 1, k, -1):
            g = c.mm(g, Ws[j]) * (1.0 - inputs[j] ** 2)
        grads.append(c.mm(g.T, inputs[k]))
    return grads


def _engine(Ws, bs, x, y, wanted) -> list:
    """The gradients of the layers in ``wanted`` with reseau's autograd: only their
    weights require a gradient, so ``backward()`` walks down to the lowest of them."""
    Wt = [tensor(W, requires_grad=k in wanted) for k, W in enumerate(Ws)]
    bt = [tensor(b, requires_grad=k in wanted) for k, b in enumerate(bs)]
    h = tensor(x)
    for k in range(len(Ws)):
        h = F.linear(h, Wt[k], bt[k])
        if k < len(Ws) - 1:
            h = h.tanh()
    F.cross_entropy(h, tensor(y)).backward()
    return [Wt[k].grad._array for k in wanted]


def _best_time(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _slope(depths, times) -> float:
    """The exponent p of time ~ depth^p, fitted on the deeper half of the points."""
    d, t = np.log(depths), np.log(times)
    half = len(d) // 2
    return float(np.polyfit(d[half:], t[half:], 1)[0])


@register("backprop-complexity", "The cost of backprop",
          "Time to get every gradient by backprop against the naive per-layer approach, "
          "as the depth grows: O(n) against O(n^2).", "seed 003")
def run(report: Report, config: LabConfig) -> None:
    depths = [1, 2, 4, 8, 16] if config.quick else [1, 2, 4, 8, 16, 32, 64]  # layers L
    repeats = 3 if config.quick else 7
    rng = np.random.default_rng(config.seed)
    x = rng.normal(size=(BATCH, WIDTH))
    y = rng.integers(0, 10, size=BATCH)
    rows, results = [], {}
    for n in depths:
        sizes = [WIDTH] * (n - 1) + [10]
        Ws = [rng.normal(0, 1 / np.sqrt(WIDTH), size=(o, WIDTH)) for o in sizes]
        bs = [np.zeros(o) for o in sizes]
        cb, cn = _Counter(), _Counter()
        g_bp, g_naive = backprop(cb, Ws, bs, x, y), naive(cn, Ws, bs, x, y)
        g_engine = _engine(Ws, bs, x, y, range(n))
        gap = max(max(float(np.abs(a - b).max()) for a, b in zip(g_bp, g_naive)),
                  max(float(np.abs(a - b).max()) for a, b in zip(g_bp, g_engine)))
        r = {"layers": n, "products_backprop": cb.n, "products_naive": cn.n,
             "max_gradient_gap": gap,
             "t_backprop": _best_time(lambda: backprop(_Counter(), Ws, bs, x, y), repeats),
             "t_naive": _best_time(lambda: naive(_Counter(), Ws, bs, x, y), repeats),
             "t_engine": _best_time(lambda: _engine(Ws, bs, x, y, range(n)), repeats),
             "t_engine_naive": _best_time(
                 lambda: [_engine(Ws, bs, x, y, [k]) for k in range(n)], repeats)}
        results[n] = r
        rows.append([r["layers"], r["products_backprop"], r["products_naive"],
                     f"{1e3 * r['t_backprop']:.2f} ms", f"{1e3 * r['t_naive']:.2f} ms",
                     f"{r['t_naive'] / r['t_backprop']:.1f}x",
                     f"{1e3 * r['t_engine']:.2f} ms", f"{1e3 * r['t_engine_naive']:.2f} ms"])
    layers = depths
    slopes = {k: _slope(layers, [results[L][k] for L in layers])
              for k in ("t_backprop", "t_naive", "t_engine", "t_engine_naive")}
    gap = max(r["max_gradient_gap"] for r in results.values())

    report.heading("Setup")
    report.text(f"""
        Networks of L layers (L - 1 hidden layers of {WIDTH} tanh units, then 10 output
        scores and a softmax cross-entropy), a batch of {BATCH} inputs, float64. **Backprop** goes
        forward once, then down once, handing each layer's gradient to the layer below
        (seed 003: "what is already known is passed on and need not be recomputed").
        **Naive**: each layer derives the loss with respect to its own weights on its
        own, a forward pass and the chain rule from the output down to it. Both give the
        same gradients (largest difference {fmt(gap)}, also against reseau's
        ``backward()``). Times are the best of {repeats} runs.""")
    report.table(["layers L", "products, backprop", "products, naive", "time, backprop",
                  "time, naive", "naive / backprop", "engine: one backward",
                  "engine: one per layer"], rows)
    report.text(f"""
        Backprop needs 3L - 1 matrix products (L forward, L weight gradients, L - 1
        hand-downs), the naive approach (3L² + L) / 2: linear against quadratic, as the
        seed says (O(n_c) against O(n_c²)). Fitting time ∝ L^p on the deeper networks
        gives p = {slopes['t_backprop']:.2f} for backprop and p = {slopes['t_naive']:.2f}
        for the naive approach; with reseau's engine, {slopes['t_engine']:.2f} for one
        ``backward()`` against {slopes['t_engine_naive']:.2f} for one backward per layer.""")
    fig, axes = new_figure(1, 2)
    for key, label, style in (("t_backprop", "backprop (NumPy)", "o-"),
                              ("t_naive", "naive (NumPy)", "s-"),
                              ("t_engine", "engine: one backward", "o--"),
                              ("t_engine_naive", "engine: one per layer", "s--")):
        axes[0, 0].loglog(layers, [results[L][key] for L in layers], style, label=label)
    axes[0, 0].set(xlabel="layers L", ylabel="seconds", title="Time for every gradient")
    axes[0, 1].plot(layers, [results[L]["products_backprop"] for L in layers], "o-",
                    label="backprop: 3L - 1")
    axes[0, 1].plot(layers, [results[L]["products_naive"] for L in layers], "s-",
                    label="naive: (3L² + L) / 2")
    axes[0, 1].set(xlabel="layers L", ylabel="matrix products", title="Work counted")
    for ax in axes[0]:
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    report.figure(fig, "complexity", "Backprop grows linearly with depth, the naive "
                  "approach quadratically (log-log on the left).")
    report.results.update(by_layers={str(k): v for k, v in results.items()}, slopes=slopes,
                          max_gradient_gap=gap)
    deepest = results[layers[-1]]
    report.headline = (f"With {layers[-1]} layers the naive approach does "
                       f"{deepest['products_naive']} matrix products against "
                       f"{deepest['products_backprop']} and is "
                       f"{deepest['t_naive'] / deepest['t_backprop']:.0f}x slower; fitted "
                       f"exponents {slopes['t_backprop']:.2f} and {slopes['t_naive']:.2f}.")
