"""Interleaved A/B timing of bibun from two checkouts (before and after a change) on the anchor workloads.

    python bench/compare_checkouts.py BEFORE_DIR AFTER_DIR [--workloads op-overhead blobs circles]
                                      [--rounds 7] [--workloads-py PATH]

Each round runs the workload once on each checkout, in fresh subprocesses, alternating which goes
first, with bibun imported from that checkout (PYTHONPATH). Prints, per workload, the median over
rounds of the ratio after/before of the two runs of the same round: below 1.00 means the change made
it faster. Run it on a quiet machine (no test run or other benchmark at the same time).
"""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
DEFAULT_WORKLOADS_PY = HERE.parent.parent / "shared" / "bench" / "workloads.py"


def run(checkout, workload, workloads_py):
    env = dict(os.environ, PYTHONPATH=str(checkout))
    p = subprocess.run([sys.executable, str(workloads_py), workload, "--engine", "bibun"], env=env,
                       capture_output=True, text=True, timeout=1800)
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
    if p.returncode != 0 or not lines:
        raise SystemExit(f"{workload} on {checkout} failed: {(p.stderr or p.stdout).strip()[-300:]}")
    return json.loads(lines[-1])["seconds"]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("before", type=pathlib.Path)
    ap.add_argument("after", type=pathlib.Path)
    ap.add_argument("--workloads", nargs="+", default=["op-overhead", "blobs", "circles"])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--workloads-py", type=pathlib.Path, default=DEFAULT_WORKLOADS_PY)
    a = ap.parse_args(argv)
    for w in a.workloads:
        ratios = []
        for r in range(a.rounds):
            order = [("before", a.before), ("after", a.after)]
            if r % 2:
                order.reverse()
            t = {name: run(path, w, a.workloads_py) for name, path in order}
            ratios.append(t["after"] / t["before"])
            print(f"{w} round {r + 1}: before {t['before']:.4g} s, after {t['after']:.4g} s, "
                  f"after/before {ratios[-1]:.3f}", flush=True)
        print(f"{w}: median after/before = {statistics.median(ratios):.3f} ({a.rounds} rounds)", flush=True)


if __name__ == "__main__":
    main()
