"""How long `bibun explain` takes to draw an animation, and how much memory, by graph size.

    python bench/explain_render.py                    # 10, 40 and MAX_NODES nodes; HTML and GIF
    python bench/explain_render.py --nodes 40 --what html

Each measurement runs in a fresh process (peak RSS is per process) and reports wall time, CPU time and
peak RSS (resource.getrusage), with the load average, since on a shared machine wall time follows the
load. The graphs are sums of chains (x·w, tanh, x·w, exp, x·w, sigmoid, ...), the shape with the longest
captions and the widest canvas for its node count. It measures whatever bibun is on the path, so the
same script measures the code before and after a change.

Measured on the 2-core development machine shared with five other jobs (load average 4-7, so wall time
is 3-5 times the CPU time; on an idle machine it is about the CPU time). Before: every frame redrawn
from scratch. After: the static graph drawn once, each frame redrawing only the texts it changes, GIF
frames streamed (frames are pixel-identical to before).

    nodes frames  what      before: wall s  cpu s  peak MB    after: wall s  cpu s  peak MB
       10     14  html                 9.2    3.2       92              8.8    1.7       85
       10     14  gif                 14.8    3.2       95              8.3    1.6       85
       40     64  html               305.5   51.7      453             53.4    9.6      163
       40     64  gif                230.8   44.4      734             40.1    8.7      151
       40     64  html+gif         (both, twice the drawing)            38.9    9.0      174
       60     97  html               661.3  147.1      931             78.2   18.0      232
       60     97  gif                450.6  146.6     1629             75.2   16.3      195
       60     97  html+gif                                               99.5   19.5      262
"""
import argparse
import json
import os
import subprocess
import sys

FUNCS = ("tanh", "exp", "sigmoid")
MAX_LINKS = 24  # keeps each chain within the parser's nesting limit


def _term_nodes(k):
    """Nodes one chain of k links adds to the drawing: its input, k//2 functions, the rest x·w (two each)."""
    return 1 + 2 * ((k + 1) // 2) + k // 2


def _chain(k, tag):
    e = f"x{tag}"
    for i in range(k):
        e = f"{FUNCS[(i // 2) % 3]}({e})" if i % 2 else f"({e})*w{tag}{i}"
    return e


def expression(nodes):
    """An expression whose drawing has exactly `nodes` nodes, and values for its inputs."""
    links = {_term_nodes(k): k for k in range(1, MAX_LINKS + 1)}
    for m in range(1, 20):  # m chains joined by m - 1 additions, plus the output node
        left = nodes - m
        parts = []
        for j in range(m - 1):
            parts.append(max(n for n in links if n <= left - 3 * (m - 1 - j)))
            left -= parts[-1]
        if left in links:
            parts.append(left)
            tags = "abcdefghijklmnopqrstuvwxyz"
            expr = " + ".join(_chain(links[p], tags[i]) for i, p in enumerate(parts))
            names = sorted({t for t in expr.replace("(", " ").replace(")", " ").replace("*", " ").replace("+", " ").split()
                            if t not in FUNCS})
            return expr, {n: round(0.3 + 0.05 * (i % 7), 2) for i, n in enumerate(names)}
    raise ValueError(f"no expression of {nodes} nodes")


def measure(nodes, what, out_dir):
    """Run one drawing in this process; return its numbers."""
    import resource
    import time

    import bibun

    expr, values = expression(nodes)
    ex = bibun.explain(expr, values)
    scene, frames = ex.scene()
    assert len(scene.nodes) == nodes, (len(scene.nodes), nodes)
    path = os.path.join(out_dir, f"explain{nodes}.{what}")
    wall, cpu = time.perf_counter(), time.process_time()
    if what == "html":
        ex.save_html(path)
    elif what == "gif":
        ex.save_gif(path)
    else:  # html+gif, as `bibun explain --html --gif` writes them
        if hasattr(ex, "save_animation"):
            ex.save_animation(html=path + ".html", gif=path + ".gif")
        else:
            ex.save_html(path + ".html")
            ex.save_gif(path + ".gif")
    return {"nodes": nodes, "frames": len(frames), "what": what, "wall_s": round(time.perf_counter() - wall, 1),
            "cpu_s": round(time.process_time() - cpu, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "load": round(os.getloadavg()[0], 1)}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--nodes", type=int, action="append", help="graph sizes (default: 10, 40 and the limit)")
    p.add_argument("--what", action="append", choices=("html", "gif", "html+gif"),
                   help="what to write (default: html and gif)")
    p.add_argument("--out", default=None, help="folder for the files written (default: a new temporary one)")
    p.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # child process: one measurement
    a = p.parse_args(argv)
    if a.out is None:
        import tempfile
        a.out = tempfile.mkdtemp(prefix="bibun-explain-bench-")
    os.makedirs(a.out, exist_ok=True)
    if a.one:
        print(json.dumps(measure(a.nodes[0], a.what[0], a.out)))
        return 0
    if a.nodes:
        sizes = a.nodes
    else:
        try:
            from bibun.viz import MAX_NODES
        except ImportError:  # before the limit existed
            MAX_NODES = 60
        sizes = [10, 40, MAX_NODES]
    print(f"{'nodes':>5} {'frames':>6} {'what':>8} {'wall s':>7} {'cpu s':>6} {'peak MB':>8} {'load':>5}")
    for n in sizes:
        for what in a.what or ["html", "gif"]:
            r = subprocess.run([sys.executable, __file__, "--one", "--nodes", str(n), "--what", what, "--out", a.out],
                               capture_output=True, text=True)
            if r.returncode:
                print(f"{n:>5} {'':>6} {what:>8}  failed: {r.stderr.strip().splitlines()[-1]}")
                continue
            m = json.loads(r.stdout.strip().splitlines()[-1])
            print(f"{m['nodes']:>5} {m['frames']:>6} {what:>8} {m['wall_s']:>7} {m['cpu_s']:>6} "
                  f"{m['peak_rss_mb']:>8} {m['load']:>5}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
