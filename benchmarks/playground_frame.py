"""The cost of a playground frame: the 100x100 output heat map, every neuron's 20x20
thumbnail and the weights of a 6x8 network with the seven input features (issue 16 asks
for under 20 ms), then the same frame encoded as the JSON the page receives, and, for
scale, one training epoch (250 points, batches of 10).

    .venv/bin/python benchmarks/playground_frame.py [--repeat 50] [--layers 8,8,8,8,8,8]

Reports the median and the 90th percentile in milliseconds, one line each.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time


def _times(fn, repeat: int) -> list[float]:
    fn()  # warm up
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1e3)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--layers", default="8,8,8,8,8,8")
    args = parser.parse_args(argv)

    from reseau.playground.session import GRID, THUMB, Session

    layers = [int(n) for n in args.layers.split(",")]
    session = Session("bench", {"layers": layers, "features": ["x1", "x2", "x1sq", "x2sq",
                                                               "x1x2", "sinx1", "sinx2"]})
    session.train_epoch()
    rows = [
        (f"frame ({GRID}x{GRID} map, {sum(layers)} thumbnails {THUMB}x{THUMB})",
         _times(session.frame, args.repeat)),
        ("frame + JSON", _times(lambda: json.dumps(session.frame()), args.repeat)),
        ("training epoch", _times(session.train_epoch, max(5, args.repeat // 5))),
    ]
    size = len(json.dumps(session.frame()))
    print(f"network {[7, *layers, 1]}, frame of {size / 1024:.0f} KiB")
    for name, times in rows:
        times.sort()
        p90 = times[int(0.9 * (len(times) - 1))]
        print(f"{name:<45} median {statistics.median(times):6.1f} ms   p90 {p90:6.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
