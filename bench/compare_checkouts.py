"""Interleaved A/B timing of bibun from two checkouts (before and after a change) on the anchor workloads.

    python bench/compare_checkouts.py BEFORE_DIR AFTER_DIR [--workloads op-overhead blobs circles]
                                      [--rounds 7] [--repeat 3] [--workloads-py PATH]

Each round runs the workload `--repeat` times in one fresh subprocess per checkout, alternating which
goes first, with bibun imported from that checkout (PYTHONPATH). Prints, per workload, the median over
rounds of the ratio after/before (of each round's medians), and the ratio of the fastest run of each
over all rounds, which is the one least disturbed where the machine is shared: below 1.00 means the
change made it faster. Run it on a quiet machine (no test run or other benchmark at the same time).
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


def run(checkout, workload, workloads_py, repeat):
    env = dict(os.environ, PYTHONPATH=str(checkout))
    p = subprocess.run([sys.executable, str(workloads_py), workload, "--engine", "bibun", "--repeat", str(repeat)],
                       env=env,
                       capture_output=True, text=True, timeout=1800)
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
    if p.returncode != 0 or not lines:
        raise SystemExit(f"{workload} on {checkout} failed: {(p.stderr or p.stdout).strip()[-300:]}")
    return json.loads(lines[-1])["runs"]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("before", type=pathlib.Path)
    ap.add_argument("after", type=pathlib.Path)
    ap.add_argument("--workloads", nargs="+", default=["op-overhead", "blobs", "circles"])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=3, help="in-process runs per subprocess (their median counts)")
    ap.add_argument("--workloads-py", type=pathlib.Path, default=DEFAULT_WORKLOADS_PY)
    a = ap.parse_args(argv)
    for w in a.workloads:
        ratios, every = [], {"before": [], "after": []}
        for r in range(a.rounds):
            order = [("before", a.before), ("after", a.after)]
            if r % 2:
                order.reverse()
            runs = {name: run(path, w, a.workloads_py, a.repeat) for name, path in order}
            t = {name: statistics.median(v) for name, v in runs.items()}
            for name, v in runs.items():
                every[name] += v
            ratios.append(t["after"] / t["before"])
            print(f"{w} round {r + 1}: before {t['before']:.4g} s, after {t['after']:.4g} s, "
                  f"after/before {ratios[-1]:.3f}", flush=True)
        # the fastest of all runs is the one least disturbed by the rest of the machine
        best = min(every["after"]) / min(every["before"])
        print(f"{w}: median after/before = {statistics.median(ratios):.3f}, fastest after/fastest before = "
              f"{best:.3f} ({a.rounds} rounds x {a.repeat} runs)", flush=True)


if __name__ == "__main__":
    main()
