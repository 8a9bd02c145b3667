"""Instructions per operation, counted by valgrind's callgrind: a measure of the engine's
Python overhead that a busy machine does not disturb (the same count run after run).

    python benchmarks/instruction_counts.py                     # this checkout
    python benchmarks/instruction_counts.py ../base/src src     # before / after a change

Each case runs ``n`` and ``2n`` times in two processes under callgrind; the difference
divided by ``n`` is the cost of one iteration, with the start-up (Python, NumPy,
reseau's import) cancelled out. Needs ``valgrind`` (Debian package); slow (each case
takes a few seconds under the emulator), so the cases are small.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

#: name -> (setup, statement, n): the statement is what one iteration does; n is the
#: short run's length, large enough that start-up jitter (a few hundred thousand
#: instructions) is below 1% of the difference.
CASES = {
    "add 32x32, tracking on": (
        "a = reseau.randn(32, 32, requires_grad=True); b = reseau.randn(32, 32, requires_grad=True)",
        "a + b", 4000,
    ),
    "add 32x32, no tracking": ("a = reseau.randn(32, 32); b = reseau.randn(32, 32)", "a + b", 4000),
    "small graph fwd+bwd": (
        "a = reseau.randn(32, 32, requires_grad=True); b = reseau.randn(32, 32, requires_grad=True)"
        "; c = reseau.randn(32, 32)",
        "((a @ b).relu() * c).sum().backward()", 800,
    ),
    "Circle 2-16-2 SGD step, batch 32": (
        "from reseau import nn, optim; import reseau.nn.functional as F\n"
        "m = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))\n"
        "opt = optim.SGD(m.parameters(), lr=0.1, momentum=0.9)\n"
        "x = reseau.randn(32, 2); y = (x.pow(2).sum(1) > 1).long()",
        "opt.zero_grad(); F.cross_entropy(m(x), y).backward(); opt.step()", 300,
    ),
    # the suite's workloads, one training step each (synthetic data of the same shapes)
    "Circle 2-4-2 SGD step, full batch 500": (
        "from reseau import nn, optim; import reseau.nn.functional as F\n"
        "m = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 2))\n"
        "opt = optim.SGD(m.parameters(), lr=0.1)\n"
        "x = reseau.randn(500, 2); y = (x.pow(2).sum(1) > 1).long()",
        "opt.zero_grad(); F.cross_entropy(m(x), y).backward(); opt.step()", 200,
    ),
    "Circle 2-16-2 plain SGD step, batch 32": (
        "from reseau import nn, optim; import reseau.nn.functional as F\n"
        "m = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))\n"
        "opt = optim.SGD(m.parameters(), lr=0.1)\n"
        "x = reseau.randn(32, 2); y = (x.pow(2).sum(1) > 1).long()",
        "opt.zero_grad(); F.cross_entropy(m(x), y).backward(); opt.step()", 300,
    ),
    "MNIST 784-256-10 step, batch 32": (
        "from reseau import nn, optim; import reseau.nn.functional as F\n"
        "m = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))\n"
        "opt = optim.SGD(m.parameters(), lr=0.05, momentum=0.9)\n"
        "x = reseau.rand(32, 784); y = reseau.randint(0, 10, (32,))",
        "opt.zero_grad(); F.cross_entropy(m(x), y).backward(); opt.step()", 40,
    ),
    "MNIST 784-256-10 step, batch 128": (
        "from reseau import nn, optim; import reseau.nn.functional as F\n"
        "m = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))\n"
        "opt = optim.SGD(m.parameters(), lr=0.05, momentum=0.9)\n"
        "x = reseau.rand(128, 784); y = reseau.randint(0, 10, (128,))",
        "opt.zero_grad(); F.cross_entropy(m(x), y).backward(); opt.step()", 20,
    ),
}

# issue 19: the per-op overhead inside a replay (ten tracked adds in a compiled function),
# against the same ten adds uncompiled and NumPy's own ten
_TEN = "a + b + b + b + b + b + b + b + b + b + b"
CASES["ten adds 32x32, tracking on"] = (CASES["add 32x32, tracking on"][0], _TEN, 400)
CASES["ten adds 32x32, tracking on, compiled"] = (
    CASES["add 32x32, tracking on"][0] + f"\nstep = reseau.compile(lambda a, b: {_TEN})"
    "\nstep(a, b)", "step(a, b)", 400)
CASES["ten adds 32x32, NumPy"] = (
    "a = reseau.randn(32, 32).numpy(); b = reseau.randn(32, 32).numpy()", _TEN, 400)

# issue 19: the suite's steps again, recorded once by reseau.compile and replayed, and
# suite.py's hand-written NumPy network (NumpyMLP) on the same data and shapes
_BENCH = repr(str(Path(__file__).resolve().parent))
_STEP_DEF = ("def train_step(x, y):\n    opt.zero_grad()\n"
             "    loss = F.cross_entropy(m(x), y)\n    loss.backward()\n    opt.step()\n"
             "    return loss\n")
for _name, (_setup, _stmt, _n) in list(CASES.items()):
    if "step" not in _name:
        continue
    CASES[_name + ", compiled"] = (
        _setup + "\n" + _STEP_DEF + "step = reseau.compile(train_step); step(x, y)",
        "step(x, y)", _n)
    _sizes = [int(v) for v in re.findall(r"Linear\((\d+), (\d+)\)", _setup)[0]]
    _sizes.append(int(re.findall(r"Linear\((\d+), (\d+)\)", _setup)[1][1]))
    _lr = re.search(r"lr=([\d.]+)", _setup).group(1)
    _mom = re.search(r"momentum=([\d.]+)", _setup)
    _mom = _mom.group(1) if _mom else "0"
    CASES[_name + ", NumPy by hand"] = (
        _setup.splitlines()[-1] + "\nx, y = x.numpy(), y.numpy()\n"
        f"import sys; sys.path.insert(0, {_BENCH})\nfrom suite import NumpyMLP, init_weights\n"
        f"step = NumpyMLP(init_weights({_sizes}, 0), {'tanh' if 'Tanh' in _setup else 'relu'!r})"
        f".sgd_step_fn({_lr}, {_mom})", "step(x, y)", _n)


def count(src: Path | None, setup: str, stmt: str, n: int) -> int:
    """Instructions of one process that imports reseau, runs ``setup``, then ``stmt``
    ``n`` times."""
    code = f"import reseau\nreseau.manual_seed(0)\n{setup}\nfor _ in range({n}):\n    {stmt}\n"
    # the same dict layouts in every run, and no BLAS threads (a spinning thread counts)
    env = dict(os.environ, PYTHONHASHSEED="0", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               MKL_NUM_THREADS="1")
    if src is not None:
        env["PYTHONPATH"] = str(src.resolve())
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        proc = subprocess.run(
            ["setarch", "-R", "valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
             sys.executable, "-c", code], env=env, capture_output=True, text=True)
        match = re.search(r"Collected : (\d+)", proc.stderr)
        if proc.returncode != 0 or not match:
            raise SystemExit(f"instruction_counts: the run failed:\n{proc.stderr[-2000:]}")
        return int(match.group(1))


def per_iteration(src: Path | None, case: str, scale: float) -> float:
    setup, stmt, n = CASES[case]
    n = max(1, round(n * scale))
    return (count(src, setup, stmt, 2 * n) - count(src, setup, stmt, n)) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="*", type=Path,
                        help="src/ folders to compare (default: the installed reseau)")
    parser.add_argument("--only", nargs="*", default=None,
                        help="cases whose name contains one of these words")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiply every case's number of iterations")
    args = parser.parse_args()
    trees = args.trees or [None]
    header = "".join(f"{str(t or 'installed'):>22}" for t in trees)
    print(f"{'instructions per iteration':40}{header}" + ("   ratio" if len(trees) == 2 else ""))
    for case in CASES:
        if args.only and not any(w.lower() in case.lower() for w in args.only):
            continue
        counts = [per_iteration(t, case, args.scale) for t in trees]
        ratio = f"   {counts[1] / counts[0]:5.3f}" if len(counts) == 2 else ""
        print(f"{case:40}" + "".join(f"{c:22,.0f}" for c in counts) + ratio, flush=True)


if __name__ == "__main__":
    main()
