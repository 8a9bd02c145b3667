"""Time of every lab's --quick run against its 30-second budget (issue 7).

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
        if name == "mnist" and data_dir is None:
            print(f"{name:28} {'skipped':>8}  (no MNIST files: pass --data-dir)")
            continue
        start = time.perf_counter()
        run_lab(name, out, quick=True, seed=0, data_dir=data_dir)
        seconds = time.perf_counter() - start
        ok = seconds < BUDGET_S
        over += not ok
        print(f"{name:28} {seconds:8.1f}  {'ok' if ok else 'OVER BUDGET'}", flush=True)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
