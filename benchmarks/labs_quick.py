"""Time of every lab's --quick run against its budget: 30 seconds (issue 7), 60 for the
convolutional networks of ``mnist-cnn`` (issue 15).

    python benchmarks/labs_quick.py [--data-dir ../shared/data/mnist] [--out DIR]

Each lab runs once in this process, seed 0, into a temporary folder (or --out). The
table gives the seconds each took and whether it stayed within the budget; the exit
status is 1 when one did not. A benchmark, not a test: wall-clock time depends on the
machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

BUDGET_S = 30.0
#: labs with a budget of their own
LAB_BUDGET_S = {"mnist-cnn": 60.0}
#: labs that read the MNIST files
NEEDS_MNIST = ("mnist", "mnist-cnn")
DEFAULT_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(DEFAULT_MNIST))
    parser.add_argument("--out", default=None)
    args = parser.parse_args()

    from reseau.labs import LABS, run_lab

    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="labs-quick-"))
    data_dir = args.data_dir if Path(args.data_dir).exists() else None
    over = 0
    print(f"{'lab':28} {'seconds':>8}  budget {BUDGET_S:.0f} s")
    for name in LABS:
        if name in NEEDS_MNIST and data_dir is None:
            print(f"{name:28} {'skipped':>8}  (no MNIST files: pass --data-dir)")
            continue
        start = time.perf_counter()
        run_lab(name, out, quick=True, seed=0, data_dir=data_dir)
        seconds = time.perf_counter() - start
        budget = LAB_BUDGET_S.get(name, BUDGET_S)
        ok = seconds < budget
        over += not ok
        verdict = "ok" if ok else "OVER BUDGET"
        extra = f" (budget {budget:.0f} s)" if budget != BUDGET_S else ""
        print(f"{name:28} {seconds:8.1f}  {verdict}{extra}", flush=True)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
