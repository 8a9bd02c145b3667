"""Before/after: reseau's time on the suite's workloads, from two source trees, in one run.

    git worktree add ../base <commit>           # the "before" tree
    python benchmarks/before_after.py ../base/src src --only add small circle mnist-128

Each repetition runs the reseau worker of ``suite.py`` once against each tree, in
alternation (before, after, before, after...), each in a fresh process with the same
environment as the suite's workers, so that a slow spell of a shared machine falls on
both sides alike. The tree is chosen with ``PYTHONPATH``; the workload code is this
checkout's ``suite.py`` for both, so only the library differs. Reports the medians and
the ratio after / before (below 1: the change made reseau faster).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import suite  # noqa: E402  (the workloads and the worker environment)


def run(src: Path, workload: str, threads: int, data_dir: str) -> dict:
    env = suite.benchmark_env(threads)
    env["PYTHONPATH"] = str(src)
    cmd = [sys.executable, str(HERE / "suite.py"), "--worker", "--lib", "reseau",
           "--workload", workload, "--threads", str(threads), "--data-dir", data_dir]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["?"])[-1]
        raise SystemExit(f"before_after: {workload} failed with {src}: {last}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path, help="the src/ folder of the old tree")
    parser.add_argument("after", type=Path, help="the src/ folder of the new tree")
    parser.add_argument("--only", nargs="*", help="workload names or prefixes")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--data-dir", default=str(suite.DEFAULT_MNIST))
    parser.add_argument("--json", help="write the results to this JSON file")
    args = parser.parse_args()
    for src in (args.before, args.after):
        if not (src / "reseau" / "__init__.py").is_file():
            parser.error(f"{src} has no reseau/__init__.py; give the src/ folder of a tree")
    names = [w for w in suite.WORKLOADS
             if not args.only or any(w.startswith(o) for o in args.only)]
    if not Path(args.data_dir).exists():
        names = [w for w in names if not w.startswith("mnist")]
    rows = []
    for name in names:
        times = {"before": [], "after": []}
        for _ in range(args.repeat):
            for side, src in (("before", args.before), ("after", args.after)):
                times[side].append(run(src.resolve(), name, args.threads, args.data_dir))
        unit = times["after"][0]["unit"]
        before = statistics.median(r["value"] for r in times["before"])
        after = statistics.median(r["value"] for r in times["after"])
        rows.append({"workload": name, "threads": args.threads, "unit": unit,
                     "before": before, "after": after, "ratio": after / before})
        print(f"{suite.WORKLOADS[name][1]:50} {unit:8} before {before:9.3f}  "
              f"after {after:9.3f}  after/before {after / before:5.2f}", flush=True)
    if args.json:
        tmp = Path(args.json).with_suffix(".tmp")
        tmp.write_text(json.dumps(rows, indent=2))
        os.replace(tmp, args.json)


if __name__ == "__main__":
    main()
