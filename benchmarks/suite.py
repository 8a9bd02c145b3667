"""The speed and memory suite: reseau against PyTorch (CPU) and a plain-NumPy baseline
with a hand-written backward, on the workloads of the courses.

    python benchmarks/suite.py                      # every workload, 1 and 2 threads
    python benchmarks/suite.py --quick              # fewer repetitions, smaller MNIST slice
    python benchmarks/suite.py --only circle --threads 1 --json out.json
    python benchmarks/suite.py --only cnn- conv- --threads 1   # the CNNs (suite_cnn.py)

Every (library, workload, thread count) runs in its own fresh process, with the BLAS
thread variables and ``torch.set_num_threads`` set before anything is imported, so that
peak memory (max RSS) is the workload's own. All three libraries see the same data, the
same initial weights and the same batch order; the final losses are printed so that one
can check they agree. Times are medians over the repetitions; ratios are
reseau / PyTorch (below 1: reseau is faster).

``reseau-compiled`` is reseau with its training step recorded once and replayed
(``reseau.compile``, issue 19), on the MLP workloads (Circle and MNIST): the same
losses as reseau, bit for bit.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MNIST = ROOT.parent / "shared" / "data" / "mnist"


# ---------------------------------------------------------------- shared inputs
def circle(n: int, seed: int):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(n, 2)).astype(np.float32)
    y = (np.sum(x**2, axis=1) > 2 / np.pi).astype(np.int64)
    return x, y


def read_idx(path: Path) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        buf = f.read()
    ndim = buf[3]
    dims = [int.from_bytes(buf[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(buf, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def mnist(data_dir: Path, n_train: int | None):
    xtr = read_idx(data_dir / "train-images-idx3-ubyte.gz").reshape(-1, 784)
    ytr = read_idx(data_dir / "train-labels-idx1-ubyte.gz").astype(np.int64)
    xte = read_idx(data_dir / "t10k-images-idx3-ubyte.gz").reshape(-1, 784)
    if n_train:
        xtr, ytr = xtr[:n_train], ytr[:n_train]
    return (xtr / np.float32(255)).astype(np.float32), ytr, (xte / np.float32(255)).astype(np.float32)


def init_weights(sizes, seed: int):
    """PyTorch's default Linear initialisation, drawn once with NumPy for everyone."""
    rng = np.random.default_rng(seed)
    out = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1 / np.sqrt(fan_in)
        out.append(rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32))
        out.append(rng.uniform(-bound, bound, fan_out).astype(np.float32))
    return out


def batch_orders(n: int, batch: int, epochs: int, seed: int):
    rng = np.random.default_rng(seed)
    return [
        [perm[i : i + batch] for i in range(0, n, batch)]
        for perm in (rng.permutation(n) for _ in range(epochs))
    ]


# ---------------------------------------------------------------- per-library models
class Lib:
    """The few things a training workload needs, for one library."""

    def __init__(self, name: str, threads: int):
        self.name = name
        if name == "torch":
            import torch

            torch.set_num_threads(threads)
            self.m = torch
        elif name in ("reseau", "reseau-compiled"):
            import reseau

            self.m = reseau
        else:
            self.m = None

    def mlp(self, weights, activation: str):
        if self.name == "numpy":
            return NumpyMLP(weights, activation)
        nn = self.m.nn
        layers = []
        n_layers = len(weights) // 2
        for i in range(n_layers):
            w, b = weights[2 * i], weights[2 * i + 1]
            lin = nn.Linear(w.shape[1], w.shape[0])
            with self.m.no_grad():
                lin.weight.copy_(self.m.tensor(w))
                lin.bias.copy_(self.m.tensor(b))
            layers.append(lin)
            if i < n_layers - 1:
                layers.append(nn.Tanh() if activation == "tanh" else nn.ReLU())
        return nn.Sequential(*layers)

    def trainer(self, model, lr: float, momentum: float):
        if self.name == "numpy":
            return model.sgd_step_fn(lr, momentum)
        opt = self.m.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
        ce = self.m.nn.functional.cross_entropy
        tensor = self.m.from_numpy
        if self.name == "reseau-compiled":
            return _compiled_step(self.m, model, opt, ce)

        def step(x, y):
            opt.zero_grad()
            loss = ce(model(tensor(x)), tensor(y))
            loss.backward()
            opt.step()
            return loss

        return step

    def predict(self, model, x):
        if self.name == "numpy":
            return model.forward(x).argmax(1)
        tensor = self.m.from_numpy
        with self.m.no_grad():
            return model(tensor(x)).argmax(1).numpy()


class NumpyMLP:
    """The baseline: the same network with its backward written by hand in NumPy."""

    def __init__(self, weights, activation: str):
        self.params = [w.copy() for w in weights]
        self.act = activation
        self.buf = [np.zeros_like(p) for p in self.params]

    def forward(self, x, keep=None):
        h = x
        n = len(self.params) // 2
        for i in range(n):
            w, b = self.params[2 * i], self.params[2 * i + 1]
            if keep is not None:
                keep.append(h)
            h = h @ w.T + b
            if i < n - 1:
                h = np.tanh(h) if self.act == "tanh" else np.maximum(h, 0)
        return h

    def sgd_step_fn(self, lr, momentum):
        def step(x, y):
            acts = []
            loss, g = softmax_cross_entropy(self.forward(x, acts), y)
            n = len(self.params) // 2
            grads = [None] * len(self.params)
            for i in reversed(range(n)):
                w = self.params[2 * i]
                h_in = acts[i]
                grads[2 * i] = g.T @ h_in
                grads[2 * i + 1] = g.sum(0)
                if i > 0:
                    g = g @ w
                    h = acts[i]
                    g = g * (1 - h * h) if self.act == "tanh" else g * (h > 0)
            sgd_update(self.params, grads, self.buf, lr, momentum)
            return loss

        return step


def softmax_cross_entropy(z, y):
    """The mean cross-entropy of logits ``z`` (B, K) and labels ``y``, and its gradient
    with respect to ``z``: (softmax(z) - onehot(y)) / B."""
    z = z - z.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(len(y)), y]).mean()
    p[np.arange(len(y)), y] -= 1
    p /= len(y)
    return loss, p


def sgd_update(params, grads, bufs, lr, momentum) -> None:
    """In place, as torch.optim.SGD: b = momentum * b + g; p -= lr * b (b = g without)."""
    for p_, g_, b_ in zip(params, grads, bufs):
        if momentum:
            b_ *= momentum
            b_ += g_
            g_ = b_
        p_ -= lr * g_


def _compiled_step(reseau, model, opt, ce):
    """The reseau step, recorded once and replayed (its tensors made outside it: a
    tensor made inside a compiled step would be frozen, so the recorder refuses it)."""

    def train_step(xt, yt):
        opt.zero_grad()
        loss = ce(model(xt), yt)
        loss.backward()
        opt.step()
        return loss

    compiled = reseau.compile(train_step)
    tensor = reseau.from_numpy
    return lambda x, y: compiled(tensor(x), tensor(y))


# ---------------------------------------------------------------- workloads
def train(lib: Lib, sizes, activation, x, y, batch, epochs, lr, momentum, seed=0):
    model = lib.mlp(init_weights(sizes, seed), activation)
    step = lib.trainer(model, lr, momentum)
    orders = batch_orders(len(x), batch, epochs, seed + 1)
    t0, c0 = time.perf_counter(), time.process_time()
    loss = None
    for order in orders:
        for idx in order:
            loss = step(x[idx], y[idx])
    # the process's CPU time too: steadier than the wall clock on a shared machine
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    return elapsed, cpu, float(loss), model


def w_add(lib: Lib, args):
    rng = np.random.default_rng(0)
    a_np, b_np = rng.standard_normal((2, 32, 32)).astype(np.float32)
    reps = 20000 if not args.quick else 4000
    if lib.name == "numpy":
        a, b = a_np, b_np
    else:
        a = lib.m.tensor(a_np, requires_grad=True)
        b = lib.m.tensor(b_np, requires_grad=True)
    t0 = time.perf_counter()
    for _ in range(reps):
        a + b
    return {"value": (time.perf_counter() - t0) / reps * 1e6, "unit": "us/op", "loss": 0.0}


def w_small_graph(lib: Lib, args):
    rng = np.random.default_rng(0)
    arrs = rng.standard_normal((3, 32, 32)).astype(np.float32)
    reps = 5000 if not args.quick else 1000
    if lib.name == "numpy":
        a, b, c = arrs

        def run():
            ab = a @ b
            r = np.maximum(ab, 0)
            out = (r * c).sum()
            gr = c * (ab > 0)  # d out / d r, then through relu
            return out, gr @ b.T, a.T @ gr, r
    else:
        a, b, c = (lib.m.tensor(v, requires_grad=True) for v in arrs)

        def run():
            out = ((a @ b).relu() * c).sum()
            out.backward()
            a.grad = b.grad = c.grad = None
            return out

    t0 = time.perf_counter()
    for _ in range(reps):
        run()
    return {"value": (time.perf_counter() - t0) / reps * 1e6, "unit": "us", "loss": 0.0}


def w_circle_full(lib: Lib, args):
    x, y = circle(500, 0)
    t, cpu, loss, _ = train(lib, [2, 4, 2], "tanh", x, y, batch=500, epochs=150, lr=0.1,
                            momentum=0)
    return {"value": t * 1e3, "unit": "ms", "loss": loss, "cpu": cpu * 1e3}


def w_circle_minibatch(lib: Lib, args):
    x, y = circle(1000, 0)
    t, cpu, loss, _ = train(lib, [2, 16, 2], "tanh", x, y, batch=32, epochs=20, lr=0.1,
                            momentum=0)
    return {"value": t * 1e3, "unit": "ms", "loss": loss, "cpu": cpu * 1e3}


def _mnist_epoch(lib: Lib, args, batch: int):
    n = 12000 if args.quick else None
    xtr, ytr, _ = mnist(Path(args.data_dir), n)
    t, cpu, loss, _ = train(lib, [784, 256, 10], "relu", xtr, ytr, batch=batch, epochs=1,
                            lr=0.05, momentum=0.9)
    scale = 60000 / len(xtr)  # report seconds per full epoch
    return {"value": t * scale, "unit": "s/epoch", "loss": loss, "cpu": cpu * scale}


def w_mnist_128(lib, args):
    return _mnist_epoch(lib, args, 128)


def w_mnist_32(lib, args):
    return _mnist_epoch(lib, args, 32)


def _current_rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def w_mnist_memory(lib: Lib, args):
    """Resident memory after each of 4 epochs: it must not grow (each step's graph is
    freed by reference counting as soon as the loss is dropped)."""
    xtr, ytr, _ = mnist(Path(args.data_dir), 6000 if args.quick else 20000)
    model = lib.mlp(init_weights([784, 256, 10], 0), "relu")
    step = lib.trainer(model, 0.05, 0.9)
    rss = []
    for order in batch_orders(len(xtr), 128, 4, 1):
        for idx in order:
            loss = step(xtr[idx], ytr[idx])
        rss.append(_current_rss_mb())
    return {"value": rss[-1] - rss[0], "unit": "MB grown", "loss": float(loss),
            "rss_per_epoch": rss}


def w_mnist_predict(lib: Lib, args):
    _, _, xte = mnist(Path(args.data_dir), 1)
    model = lib.mlp(init_weights([784, 256, 10], 0), "relu")
    lib.predict(model, xte[:100])
    t0 = time.perf_counter()
    for _ in range(5):
        pred = lib.predict(model, xte)
    return {"value": (time.perf_counter() - t0) / 5 * 1e3, "unit": "ms", "loss": float(pred.mean())}


def _cnn_epoch(lib: Lib, args, net: str):
    """One epoch of a CNN (suite_cnn.py) at batch 64, SGD lr 0.01 momentum 0.9; the loss
    reported is the mean over the last 100 batches."""
    from suite_cnn import NETWORKS, Masks, NumpyCNN, build, init_cnn

    n = args.cnn_slice or (6400 if args.quick else None)
    xtr, ytr, _ = mnist(Path(args.data_dir), n)
    xtr = xtr.reshape(-1, 1, 28, 28)
    spec = NETWORKS[net]
    weights = init_cnn(spec, 0)
    convert = None if lib.name == "numpy" else lib.m.from_numpy
    masks = Masks(spec, 64, convert=convert)
    model = NumpyCNN(spec, weights, masks) if lib.name == "numpy" \
        else build(lib, spec, weights, masks)
    step = lib.trainer(model, 0.01, 0.9)
    order = batch_orders(len(xtr), 64, 1, 1)[0]
    losses = []
    t0, c0 = time.perf_counter(), time.process_time()
    for idx in order:
        losses.append(step(xtr[idx], ytr[idx]).item())
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    scale = 60000 / len(xtr)
    # the mean of the last 100 batches: float32 rounding differs between the libraries
    # and drifts over an epoch, which one (small, last) batch's loss magnifies
    return {"value": elapsed * scale, "unit": "s/epoch", "loss": float(np.mean(losses[-100:])),
            "cpu": cpu * scale}


def w_cnn_lenet5(lib, args):
    return _cnn_epoch(lib, args, "lenet5")


def w_cnn_mnist_net(lib, args):
    return _cnn_epoch(lib, args, "mnist-net")


def _conv_layer(lib: Lib, args, layer: str):
    from suite_cnn import conv_layer_step

    ms, cpu_ms, loss = conv_layer_step(lib, layer, 5 if args.quick else 25)
    return {"value": ms, "unit": "ms", "loss": loss, "cpu": cpu_ms}


def w_conv_lenet_c1(lib, args):
    return _conv_layer(lib, args, "lenet-c1")


def w_conv_lenet_c2(lib, args):
    return _conv_layer(lib, args, "lenet-c2")


def w_conv_example_c1(lib, args):
    return _conv_layer(lib, args, "example-c1")


def w_conv_example_c2(lib, args):
    return _conv_layer(lib, args, "example-c2")


WORKLOADS = {
    "add": (w_add, "add 32x32, autograd tracking on"),
    "small-graph": (w_small_graph, "fwd+bwd ((a @ b).relu() * c).sum(), 32x32"),
    "circle-full": (w_circle_full, "Circle 2-4-2 tanh, 150 full-batch steps"),
    "circle-minibatch": (w_circle_minibatch, "Circle 2-16-2, batch 32, 20 epochs"),
    "mnist-128": (w_mnist_128, "MNIST 784-256-10 ReLU, SGD momentum, batch 128"),
    "mnist-32": (w_mnist_32, "MNIST 784-256-10 ReLU, SGD momentum, batch 32"),
    "mnist-predict": (w_mnist_predict, "predict 10,000 MNIST test images (no_grad)"),
    "mnist-memory": (w_mnist_memory, "MNIST RSS growth from epoch 1 to 4, batch 128"),
    "cnn-lenet5": (w_cnn_lenet5, "MNIST LeNet-5, SGD momentum, batch 64"),
    "cnn-mnist-net": (w_cnn_mnist_net, "MNIST PyTorch example network, SGD mom., batch 64"),
    "conv-lenet-c1": (w_conv_lenet_c1, "conv 64x1x28x28 * 6x1x5x5 pad 2, fwd+bwd(w)"),
    "conv-lenet-c2": (w_conv_lenet_c2, "conv 64x6x14x14 * 16x6x5x5, fwd+bwd(x, w)"),
    "conv-example-c1": (w_conv_example_c1, "conv 64x1x28x28 * 32x1x3x3, fwd+bwd(w)"),
    "conv-example-c2": (w_conv_example_c2, "conv 64x32x26x26 * 64x32x3x3, fwd+bwd(x, w)"),
}
MNIST_WORKLOADS = ("mnist", "cnn-")  # prefixes of the workloads that read MNIST
LIBS = ("reseau", "torch", "numpy", "reseau-compiled")
#: the workloads with a compiled variant (their step goes through Lib.trainer)
COMPILED = ("circle-full", "circle-minibatch", "mnist-128", "mnist-32", "mnist-memory")


def worker(args) -> None:
    import resource

    lib = Lib(args.lib, args.threads)
    fn = WORKLOADS[args.workload][0]
    result = fn(lib, args)
    result["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def benchmark_env(threads: int) -> dict:
    """The environment of a worker: the same BLAS thread count for every library, and
    OpenBLAS free to pick the kernel of this processor. (Some machines set
    OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE to work around old OpenBLAS bugs; with a
    current NumPy they only force a slower kernel, which would handicap NumPy against
    PyTorch's own kernels. The test suite keeps them.)"""
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    return env


def blas_kernel(threads: int) -> str:
    """Which BLAS (and which kernel) NumPy uses in a worker, as threadpoolctl sees it."""
    code = ("import numpy, json\ntry:\n import threadpoolctl\n"
            " info = threadpoolctl.threadpool_info()\nexcept ImportError:\n info = []\n"
            "print(json.dumps([(i.get('internal_api'), i.get('architecture'), "
            "i.get('num_threads')) for i in info]))")
    out = subprocess.run([sys.executable, "-c", code], env=benchmark_env(threads),
                         capture_output=True, text=True)
    return out.stdout.strip() or "unknown"


def run_one(lib: str, workload: str, threads: int, args) -> dict | None:
    env = benchmark_env(threads)
    cmd = [sys.executable, __file__, "--worker", "--lib", lib, "--workload", workload,
           "--threads", str(threads), "--data-dir", str(args.data_dir)]
    if args.quick:
        cmd.append("--quick")
    if args.cnn_slice:
        cmd += ["--cnn-slice", str(args.cnn_slice)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["?"])[-1]
        print(f"  {lib:7} {workload}: failed ({last})", file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="workload names or prefixes")
    parser.add_argument("--threads", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--cnn-slice", type=int, default=None,
                        help="train the CNN workloads on the first N images (default: all "
                        "60,000; 6,400 with --quick); times are scaled to a full epoch")
    parser.add_argument("--data-dir", default=os.environ.get("RESEAU_MNIST_DIR", DEFAULT_MNIST))
    parser.add_argument("--json", help="write the results to this JSON file")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--lib", help=argparse.SUPPRESS)
    parser.add_argument("--workload", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        args.threads = args.threads[0] if isinstance(args.threads, list) else args.threads
        return worker(args)

    names = [w for w in WORKLOADS if not args.only or any(w.startswith(o) for o in args.only)]
    if not Path(args.data_dir).exists():
        print(f"MNIST not found in {args.data_dir}: skipping the MNIST workloads "
              "(pass --data-dir)", file=sys.stderr)
        names = [w for w in names if not w.startswith(MNIST_WORKLOADS)]
    rows = []
    for threads in args.threads:
        print(f"threads {threads}: NumPy BLAS (api, kernel, threads) = {blas_kernel(threads)}")
        for name in names:
            if name in ("add", "small-graph", "circle-full", "circle-minibatch") and threads > 1:
                continue  # overhead-bound: threads change nothing
            res = {}
            for lib in LIBS:
                if lib == "reseau-compiled" and name not in COMPILED:
                    continue
                runs = [r for r in (run_one(lib, name, threads, args) for _ in range(args.repeat)) if r]
                if runs:
                    res[lib] = {
                        "median": statistics.median(r["value"] for r in runs),
                        "unit": runs[0]["unit"],
                        "loss": runs[-1]["loss"],
                        "max_rss_mb": max(r["max_rss_mb"] for r in runs),
                    }
                    if "cpu" in runs[0]:  # process CPU time: robust to a shared machine
                        res[lib]["cpu_median"] = statistics.median(r["cpu"] for r in runs)
            rows.append({"workload": name, "threads": threads, "results": res})
            _print_row(name, threads, res)
    if args.json:
        tmp = Path(args.json).with_suffix(".tmp")
        tmp.write_text(json.dumps(rows, indent=2))
        os.replace(tmp, args.json)


def _print_row(name, threads, res) -> None:
    def get(lib, key="median"):
        return res.get(lib, {}).get(key, float("nan"))

    unit = next(iter(res.values()))["unit"] if res else ""

    def ratio_to(lib):
        den = get(lib)
        return get("reseau") / den if den else float("nan")

    ratio, ratio_np = ratio_to("torch"), ratio_to("numpy")
    print(f"{WORKLOADS[name][1]:50} thr {threads}  {unit:8} reseau {get('reseau'):9.3f}  "
          f"torch {get('torch'):9.3f}  numpy {get('numpy'):9.3f}  ratio/torch {ratio:5.2f}  "
          f"ratio/numpy {ratio_np:5.2f}  | loss r/t/n {get('reseau', 'loss'):.4f}/"
          f"{get('torch', 'loss'):.4f}/{get('numpy', 'loss'):.4f}  | RSS MB r/t "
          f"{get('reseau', 'max_rss_mb'):.0f}/{get('torch', 'max_rss_mb'):.0f}", flush=True)
    if "reseau-compiled" in res:
        c = get("reseau-compiled")
        print(f"{'  compiled (reseau.compile)':50} thr {threads}  {unit:8} reseau {c:9.3f}  "
              f"ratio/torch {c / get('torch'):5.2f}  ratio/numpy {c / get('numpy'):5.2f}  "
              f"compiled/reseau {c / get('reseau'):5.2f}  | loss "
              f"{get('reseau-compiled', 'loss'):.4f}  | RSS MB "
              f"{get('reseau-compiled', 'max_rss_mb'):.0f}", flush=True)
    if "cpu_median" in res.get("reseau", {}):
        cpu = {lib: get(lib, "cpu_median") for lib in LIBS}
        print(f"{'  the same in CPU time':50} thr {threads}  {unit:8} reseau "
              f"{cpu['reseau']:9.3f}  torch {cpu['torch']:9.3f}  numpy {cpu['numpy']:9.3f}  "
              f"ratio/torch {cpu['reseau'] / cpu['torch']:5.2f}  "
              f"ratio/numpy {cpu['reseau'] / cpu['numpy']:5.2f}", flush=True)
        if "cpu_median" in res.get("reseau-compiled", {}):
            c = cpu["reseau-compiled"]
            print(f"{'  compiled, in CPU time':50} thr {threads}  {unit:8} reseau {c:9.3f}  "
                  f"ratio/torch {c / cpu['torch']:5.2f}  ratio/numpy {c / cpu['numpy']:5.2f}  "
                  f"compiled/reseau {c / cpu['reseau']:5.2f}", flush=True)


if __name__ == "__main__":
    main()
