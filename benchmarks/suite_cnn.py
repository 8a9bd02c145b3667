"""The convolutional workloads of suite.py: LeNet-5 and PyTorch's MNIST example network,
built from the same layer list in PyTorch, in reseau and by hand in NumPy (forward and
backward written out, with the fastest kernels of conv_kernels.py).

Dropout. The three libraries draw random numbers differently, so that their own dropout
layers would train on different masks and end on different losses. The example network's
two dropouts are therefore one multiplication by a mask (scaled by 1 / (1 - p)) taken from
a pool of masks drawn once with NumPy and shared by all three: the same work as a dropout
layer, without the draw, and losses that agree.

Run alone, it profiles one network's training step on the first MNIST batches (set
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 for one thread, as suite.py does):

    python benchmarks/suite_cnn.py --per-op lenet5          # ms per op, forward and VJP
    python benchmarks/suite_cnn.py --lib numpy --steps 14 lenet5   # just run 14 steps
    valgrind --tool=callgrind python benchmarks/suite_cnn.py --steps 14 lenet5

``--per-op`` times every op of reseau's op table (forward and VJP, convolutions per
input channel count) and the NumPy network's layers; instructions per step are the
difference of two callgrind runs with different ``--steps`` (imports and warm-up cancel).
"""

from __future__ import annotations

import numpy as np

from conv_kernels import ConvA, ConvCHWN

# (kind, *arguments): conv (in, out, kernel, padding), linear (in, out), pool (kernel),
# dropout (p); the layers of models.lenet5() (ReLU, max pooling) and models.mnist_net()
LENET5 = [("conv", 1, 6, 5, 2), ("relu",), ("pool", 2), ("conv", 6, 16, 5, 0), ("relu",),
          ("pool", 2), ("flatten",), ("linear", 400, 120), ("relu",), ("linear", 120, 84),
          ("relu",), ("linear", 84, 10)]
MNIST_NET = [("conv", 1, 32, 3, 0), ("relu",), ("conv", 32, 64, 3, 0), ("relu",), ("pool", 2),
             ("dropout", 0.25), ("flatten",), ("linear", 9216, 128), ("relu",),
             ("dropout", 0.5), ("linear", 128, 10)]
NETWORKS = {"lenet5": LENET5, "mnist-net": MNIST_NET}
MASK_POOL = 8  # mask sets drawn once and cycled


def init_cnn(spec, seed: int):
    """PyTorch's default initialisation of Conv2d and Linear (uniform, bound
    1/sqrt(fan_in) for weight and bias), drawn once with NumPy for every library."""
    rng = np.random.default_rng(seed)
    out = []
    for kind, *a in spec:
        if kind == "conv":
            shape, fan_in = (a[1], a[0], a[2], a[2]), a[0] * a[2] * a[2]
        elif kind == "linear":
            shape, fan_in = (a[1], a[0]), a[0]
        else:
            continue
        bound = 1 / np.sqrt(fan_in)
        out.append(rng.uniform(-bound, bound, shape).astype(np.float32))
        out.append(rng.uniform(-bound, bound, shape[0]).astype(np.float32))
    return out


class Masks:
    """The dropout masks of one network, shared by the three libraries: ``next(i, n)`` is
    the mask of dropout layer ``i`` for a batch of ``n`` (a new one at each call of
    layer 0's, cycling through a pool of ``MASK_POOL`` drawn once)."""

    def __init__(self, spec, batch: int, seed: int = 7, convert=None):
        rng = np.random.default_rng(seed)
        shapes, ps, shape = [], [], (1, 28, 28)
        for kind, *a in spec:  # follow the activation shape to size each mask
            if kind == "conv":
                shape = (a[1], shape[1] + 2 * a[3] - a[2] + 1, shape[2] + 2 * a[3] - a[2] + 1)
            elif kind == "pool":
                shape = (shape[0], shape[1] // a[0], shape[2] // a[0])
            elif kind == "flatten":
                shape = (int(np.prod(shape)),)
            elif kind == "linear":
                shape = (a[1],)
            elif kind == "dropout":
                shapes.append(shape)
                ps.append(a[0])
        self.pool = [[(rng.random((batch,) + s) >= p).astype(np.float32) / np.float32(1 - p)
                      for s, p in zip(shapes, ps)] for _ in range(MASK_POOL)]
        if convert is not None:
            self.pool = [[convert(m) for m in masks] for masks in self.pool]
        self.step = -1

    def next(self, i: int, n: int):
        if i == 0:
            self.step += 1
        return self.pool[self.step % MASK_POOL][i][:n]


def build(lib, spec, weights, masks):
    """The network as an ``nn.Sequential`` of ``lib``'s own layers (torch or reseau)."""
    m = lib.m
    nn = m.nn

    class Mask(nn.Module):
        def __init__(self, index):
            super().__init__()
            self.index = index

        def forward(self, x):
            return x * masks.next(self.index, x.shape[0])

    layers, it, n_drop = [], iter(weights), 0
    for kind, *a in spec:
        if kind in ("conv", "linear"):
            layer = nn.Conv2d(a[0], a[1], a[2], padding=a[3]) if kind == "conv" \
                else nn.Linear(a[0], a[1])
            with m.no_grad():
                layer.weight.copy_(m.tensor(next(it)))
                layer.bias.copy_(m.tensor(next(it)))
        elif kind == "relu":
            layer = nn.ReLU()
        elif kind == "pool":
            layer = nn.MaxPool2d(a[0])
        elif kind == "flatten":
            layer = nn.Flatten()
        else:
            layer, n_drop = Mask(n_drop), n_drop + 1
        layers.append(layer)
    return nn.Sequential(*layers)


# ---------------------------------------------------------------- NumPy by hand
def conv_kernel(ow: int):
    """The faster layout of conv_kernels.py for this output width: batch last when the
    output rows are short (the NCHW copies then move runs of only ``ow`` floats)."""
    return ConvCHWN(nchw=True) if ow < 16 else ConvA()


class NumpyCNN:
    """The baseline: the same network with each layer's backward written by hand."""

    def __init__(self, spec, weights, masks):
        self.spec, self.masks = spec, masks
        self.params = [w.copy() for w in weights]
        self.buf = [np.zeros_like(p) for p in self.params]
        self.kernels = {}

    def forward(self, x, keep=None):
        """Logits of ``x``; ``keep`` (a list) receives what the backward needs."""
        h, k, n_drop = x, 0, 0
        for li, (kind, *a) in enumerate(self.spec):
            if kind == "conv":
                w, b = self.params[k], self.params[k + 1]
                kern = self.kernels.get(li)
                if kern is None:
                    kern = self.kernels[li] = conv_kernel(h.shape[3] + 2 * a[3] - a[2] + 1)
                h, ctx = kern.forward(h, w, b, a[3])
                saved = (kern, ctx)
                k += 2
            elif kind == "linear":
                w, b = self.params[k], self.params[k + 1]
                saved = h
                h = h @ w.T
                h += b
                k += 2
            elif kind == "relu":
                h = np.maximum(h, 0)
                saved = h
            elif kind == "pool":
                h, saved = _max_pool(h, a[0])
            elif kind == "flatten":
                saved = h.shape
                h = h.reshape(h.shape[0], -1)
            else:
                saved = self.masks.next(n_drop, h.shape[0])
                h = h * saved
                n_drop += 1
            if keep is not None:
                keep.append(saved)
        return h

    def backward(self, g, keep):
        """The parameters' gradients from the logits' gradient ``g``."""
        grads = [None] * len(self.params)
        k = len(self.params)
        for li in reversed(range(len(self.spec))):
            kind, saved = self.spec[li][0], keep[li]
            if kind == "conv":
                k -= 2
                kern, ctx = saved
                grads[k], grads[k + 1], g = kern.backward(ctx, g, True, li > 0)
            elif kind == "linear":
                k -= 2
                grads[k] = g.T @ saved
                grads[k + 1] = g.sum(0)
                g = g @ self.params[k] if li > 0 else None
            elif kind == "relu":
                g = g * (saved > 0)
            elif kind == "pool":
                g = _max_pool_backward(g, *saved)
            elif kind == "flatten":
                g = g.reshape(saved)
            else:
                g = g * saved
        return grads

    def sgd_step_fn(self, lr, momentum):
        from suite import sgd_update, softmax_cross_entropy

        def step(x, y):
            keep = []
            loss, g = softmax_cross_entropy(self.forward(x, keep), y)
            grads = self.backward(g, keep)
            del keep
            sgd_update(self.params, grads, self.buf, lr, momentum)
            return loss

        return step


def _max_pool(x, k: int):
    """k x k max pooling, stride k (sizes divisible by k): the max of the k*k strided
    views, one per tap of the window."""
    taps = [(Ellipsis, slice(i, None, k), slice(j, None, k)) for i in range(k)
            for j in range(k)]
    y = x[taps[0]].copy()
    for t in taps[1:]:
        np.maximum(y, x[t], out=y)
    return y, (x, y, taps)


def _max_pool_backward(g, x, y, taps):
    """Each window's gradient to its first maximum (PyTorch's rule on ties): tap by tap,
    where x equals the max and no earlier tap took it."""
    gx = np.empty_like(x)
    free = np.ones(y.shape, bool)  # windows whose maximum no tap has taken yet
    for t in taps[:-1]:
        hit = x[t] == y
        hit &= free
        free &= ~hit
        np.multiply(g, hit, out=gx[t])
    np.multiply(g, free, out=gx[taps[-1]])
    return gx


# ---------------------------------------------------------------- single conv layers
# name: (input shape, (out channels, kernel), padding, first layer)
CONV_LAYERS = {
    "lenet-c1": ((64, 1, 28, 28), (6, 5), 2, True),
    "lenet-c2": ((64, 6, 14, 14), (16, 5), 0, False),
    "example-c1": ((64, 1, 28, 28), (32, 3), 0, True),
    "example-c2": ((64, 32, 26, 26), (64, 3), 0, False),
}


def conv_layer_step(lib, layer: str, reps: int):
    """Forward and backward of one conv layer (the weight's gradient, and the input's
    unless it is a first layer), ``loss = sum(y * r)`` for a fixed random r: median ms of
    the wall clock and of the process's CPU time, and the loss."""
    import statistics
    import time

    shape, (o, k), pad, first = CONV_LAYERS[layer]
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape, dtype=np.float32)
    w, b = init_cnn([("conv", shape[1], o, k, pad)], 0)
    oh, ow = shape[2] + 2 * pad - k + 1, shape[3] + 2 * pad - k + 1
    r = rng.standard_normal((shape[0], o, oh, ow), dtype=np.float32)
    if lib.name == "numpy":
        kern = conv_kernel(ow)

        def run():
            y, ctx = kern.forward(x, w, b, pad)
            kern.backward(ctx, r, True, not first)
            return float((y * r).sum())
    else:
        m = lib.m
        xt, rt = m.from_numpy(x), m.from_numpy(r)
        if not first:
            xt.requires_grad_(True)
        wt = m.tensor(w, requires_grad=True)
        bt = m.tensor(b, requires_grad=True)
        conv = m.nn.functional.conv2d

        def run():
            loss = (conv(xt, wt, bt, padding=pad) * rt).sum()
            loss.backward()
            wt.grad = bt.grad = xt.grad = None
            return float(loss)

    run()
    times, cpu = [], []
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        loss = run()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(times) * 1e3, statistics.median(cpu) * 1e3, loss


# ---------------------------------------------------------------- profiling one step
def _step_fn(lib_name: str, net: str, data_dir):
    """(step, batches) for ``lib_name`` (reseau, reseau-compiled, torch, numpy)."""
    from pathlib import Path

    from suite import Lib, mnist

    lib = Lib(lib_name, 1)
    spec = NETWORKS[net]
    weights = init_cnn(spec, 0)
    masks = Masks(spec, 64, convert=None if lib_name == "numpy" else lib.m.from_numpy)
    model = NumpyCNN(spec, weights, masks) if lib_name == "numpy" \
        else build(lib, spec, weights, masks)
    x, y, _ = mnist(Path(data_dir), 64 * 40)
    x = x.reshape(-1, 1, 28, 28)
    return lib.trainer(model, 0.01, 0.9), [(x[i:i + 64], y[i:i + 64]) for i in
                                            range(0, len(x), 64)]


def _timed(table: dict, key, fn):
    import time

    def run(*args, **kwargs):
        k = key(args) if callable(key) else key
        t0 = time.perf_counter()
        out = fn(*args, **kwargs)
        table[k] = table.get(k, 0.0) + time.perf_counter() - t0
        return out

    return run


def per_op(lib_name: str, net: str, steps: int, data_dir) -> dict:
    """Seconds per step spent in each op (reseau) or layer kind (numpy), and the step."""
    import time

    table: dict = {}
    if lib_name == "numpy":
        import conv_kernels

        for cls in (conv_kernels.ConvA, conv_kernels.ConvCHWN):
            for name in ("forward", "backward"):
                setattr(cls, name, _timed(table, f"conv {cls.__name__}.{name}",
                                          getattr(cls, name)))
        for name, label in (("_max_pool", "max pool forward"),
                            ("_max_pool_backward", "max pool backward")):
            globals()[name] = _timed(table, label, globals()[name])
    else:
        from reseau.ops.registry import OPS

        for op in OPS.values():
            for attr in ("forward", "vjp"):
                fn = getattr(op, attr)
                if fn is None:
                    continue
                if op.name == "conv2d":  # one row per layer: its input channels
                    key = (lambda a, n=attr: f"conv2d.{n} C={a[1].shape[1]}") \
                        if attr == "forward" else (lambda a: f"conv2d.vjp {a[0].geom[0]}")
                else:
                    key = f"{op.name}.{attr}"
                object.__setattr__(op, attr, _timed(table, key, fn))
    step, batches = _step_fn(lib_name, net, data_dir)
    for b in batches[:3]:
        step(*b)
    table.clear()
    t0 = time.perf_counter()
    for i in range(steps):
        step(*batches[i % len(batches)])
    total = time.perf_counter() - t0
    out = {k: v / steps for k, v in sorted(table.items(), key=lambda kv: -kv[1])}
    out["(everything else)"] = total / steps - sum(out.values())
    out["(step)"] = total / steps
    return out


def main() -> None:
    import argparse
    import os

    from suite import DEFAULT_MNIST

    parser = argparse.ArgumentParser(description="Profile one CNN's training step.")
    parser.add_argument("net", choices=sorted(NETWORKS))
    parser.add_argument("--lib", default="reseau",
                        choices=["reseau", "reseau-compiled", "torch", "numpy"])
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--per-op", action="store_true", help="time each op of the step")
    parser.add_argument("--data-dir", default=os.environ.get("RESEAU_MNIST_DIR", DEFAULT_MNIST))
    args = parser.parse_args()
    if args.per_op:
        for k, v in per_op(args.lib, args.net, args.steps, args.data_dir).items():
            print(f"{k:32} {v * 1e3:8.3f} ms")
        return
    step, batches = _step_fn(args.lib, args.net, args.data_dir)
    for _ in range(2):
        step(*batches[0])
    for i in range(args.steps):
        step(*batches[i % len(batches)])


if __name__ == "__main__":
    main()
