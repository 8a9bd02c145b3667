"""Time per operation (microseconds) in reseau and in PyTorch on the CPU, same run, same
thread count, reported as ratios (reseau / PyTorch: below 1 means reseau is faster).

    python benchmarks/op_overhead.py [--threads 1] [--repeat 2000]

Small tensors on purpose: this measures the per-op overhead of the framework (Python
dispatch, graph bookkeeping), which dominates small networks like the course's.
"""

from __future__ import annotations

import argparse
import os
import timeit


def _set_threads(n: int) -> None:
    """Before NumPy is imported (BLAS reads these when it loads): the same thread count
    for every library, and OpenBLAS free to pick this processor's kernel (see
    suite.py's benchmark_env)."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(n)
    os.environ.pop("OPENBLAS_CORETYPE", None)
    os.environ.pop("OPENBLAS_L2_SIZE", None)


def cases(lib, make):
    """(name, fn) pairs; ``make`` builds a float32 tensor from a NumPy array."""
    import numpy as np

    rng = np.random.default_rng(0)
    a = make(rng.standard_normal((32, 32)), False)
    b = make(rng.standard_normal((32, 32)), False)
    w1 = make(rng.standard_normal((16, 8)) * 0.3, True)
    w2 = make(rng.standard_normal((4, 16)) * 0.3, True)
    x = make(rng.standard_normal((10, 8)), False)

    def small_graph():
        h = (x @ w1.T).tanh()
        loss = ((h @ w2.T).relu() ** 2).mean()
        loss.backward()
        w1.grad = None
        w2.grad = None

    return [
        ("add 32x32", lambda: a + b),
        ("mul 32x32", lambda: a * b),
        ("matmul 32x32", lambda: a @ b),
        ("relu 32x32", lambda: a.relu()),
        ("sum 32x32", lambda: a.sum()),
        ("fwd+bwd 2-layer MLP (batch 10)", small_graph),
    ]


def measure(fn, repeat: int) -> float:
    fn()
    best = min(timeit.repeat(fn, number=repeat, repeat=5))
    return best / repeat * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()
    _set_threads(args.threads)

    import numpy as np

    import reseau

    def make_r(arr, grad):
        return reseau.tensor(arr.astype(np.float32), requires_grad=grad)

    ours = [(n, measure(f, args.repeat)) for n, f in cases(reseau, make_r)]
    try:
        import torch

        torch.set_num_threads(args.threads)

        def make_t(arr, grad):
            return torch.tensor(arr.astype(np.float32), requires_grad=grad)

        theirs = [measure(f, args.repeat) for _, f in cases(torch, make_t)]
    except ImportError:
        theirs = [float("nan")] * len(ours)
        print("PyTorch is not installed: install the 'oracle' extra for the comparison")

    print(f"threads: {args.threads}")
    print(f"{'operation':34} {'reseau µs':>10} {'torch µs':>10} {'ratio':>7}")
    for (name, t_ours), t_theirs in zip(ours, theirs):
        print(f"{name:34} {t_ours:10.2f} {t_theirs:10.2f} {t_ours / t_theirs:7.2f}")
    replay_overhead(reseau, np, args.repeat)


def replay_overhead(reseau, np, repeat: int) -> None:
    """Issue 19's per-op target: a tracked 32x32 add against NumPy's own, normally and
    inside a replay of ``reseau.compile`` (ten adds per call, so that the call's fixed
    cost is shared; per add)."""
    rng = np.random.default_rng(0)
    a_np, b_np = rng.standard_normal((2, 32, 32)).astype(np.float32)
    a = reseau.tensor(a_np, requires_grad=True)
    b = reseau.tensor(b_np, requires_grad=True)

    def ten(x, y):
        return x + y + y + y + y + y + y + y + y + y + y

    step = reseau.compile(ten)
    t_np = measure(lambda: ten(a_np, b_np), repeat) / 10
    rows = [("add 32x32 tracked", measure(lambda: ten(a, b), repeat) / 10),
            ("add 32x32 tracked, in a replay", measure(lambda: step(a, b), repeat) / 10)]
    print(f"\n{'per add (ten per call)':34} {'reseau µs':>10} {'NumPy µs':>10} {'ratio':>7}")
    for name, t in rows:
        print(f"{name:34} {t:10.2f} {t_np:10.2f} {t / t_np:7.2f}")


if __name__ == "__main__":
    main()
