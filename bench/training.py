#!/usr/bin/env python3
"""bibun against PyTorch on the chapter's trainings, alternated in one run.

    python bench/training.py                       # blobs, circles, mnist-mlp, op-overhead; 5 rounds
    python bench/training.py blobs circles --rounds 7
    python bench/training.py blobs circles --a bibun-jit --b numpy   # bibun.jit against NumPy by hand
    python bench/training.py ops-1e5 ops-1e6       # big vectors: eager bibun against PyTorch
    python bench/training.py --one blobs bibun     # a single measurement (what each round runs)

Every measurement runs in a fresh process (A, B, A, B, ...), the same source code against `bibun` or
`torch` (the chapter's `torch` -> `bibun` substitution). Each round's ratio uses that round's two runs;
the figure reported is the median over rounds. The timed region is the epoch loop only; every step
reads its loss back with `.item()`, as a learner's loop does.

Engines: torch, bibun, bibun-jit (the same loop with its step wrapped in `bibun.jit`, tracing included in the
timed region; for the op chains, `bibun.jit(bibun.grad(chain))`), numpy (the same training with the
gradients derived by hand in plain NumPy: no graph at all, the floor for an engine on NumPy), and, for the op
chains only, torch-compile (`torch.compile(torch.func.grad(chain))`, its first call, the compiling, left out
of the median and reported as first_seconds, as bibun-jit's tracing is).

Workloads:
  blobs        make_blobs(50, centers=2, random_state=129, cluster_std=.6); Linear(2,1),
               BCEWithLogitsLoss, SGD lr .5, batch 4, shuffled DataLoader, 1000 epochs (section 8.2.3)
  circles      make_circles(100, factor=.1, noise=.1, random_state=9); 2-4-1 sigmoid network,
               otherwise as blobs (section 8.3.2)
  mnist-mlp    Fashion-MNIST train set (60000x784 float32, /255), 784-256-10 ReLU MLP,
               CrossEntropyLoss, SGD lr .1, batch 128, one epoch; also peak memory
               (needs Debian's dataset-fashion-mnist, or BIBUN_FASHION_MNIST_DIR)
  op-overhead  999 elementwise ops (mul, add, tanh) on 4 numbers + sum, forward and backward: us per op
  ops-1e5, ops-1e6  10 x (mul, add, tanh) + sum on 10^5 / 10^6-element float32 vectors, forward and
               backward: memory traffic and kernels, not per-op overhead
  mnist-linear the same data, one Linear(784, 10) layer (exercise 8.5's single-layer network)
  mnist-mlp-shared  mnist-mlp with the data wrapped by from_numpy (shared) instead of copied by tensor()
                    (not in the default set: it shows what the copy costs in peak memory)
"""
import argparse
import importlib
import json
import os
import resource
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOADS = ("blobs", "circles", "mnist-mlp", "op-overhead", "mnist-mlp-shared", "mnist-linear", "ops-1e5", "ops-1e6")
ENGINES = ("bibun", "torch", "bibun-jit", "numpy", "torch-compile")


def _data(kind):
    import numpy as np
    if kind == "blobs":
        from sklearn.datasets import make_blobs
        X, y = make_blobs(n_samples=50, centers=2, random_state=129, cluster_std=.6)
        return X.astype(np.float32), y.astype(np.float32).reshape(-1, 1)
    if kind == "circles":
        from sklearn.datasets import make_circles
        X, y = make_circles(100, factor=.1, noise=.1, random_state=9)
        return X.astype(np.float32), y.astype(np.float32).reshape(-1, 1)
    sys.path.insert(0, os.path.dirname(HERE))
    from bibun.datasets import load_mnist
    d = load_mnist("fashion-mnist", data_dir=os.environ.get("BIBUN_FASHION_MNIST_DIR"), download=False)
    X = d["X_train"].reshape(len(d["X_train"]), -1).astype(np.float32)
    X /= 255.0
    return X, d["y_train"]


def _init(sizes, seed=0):
    """PyTorch's default Linear initialisation drawn once with NumPy, copied into both engines."""
    import numpy as np
    rng = np.random.default_rng(seed)
    out = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1.0 / np.sqrt(fan_in)
        out.append((rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32),
                    rng.uniform(-bound, bound, (fan_out,)).astype(np.float32)))
    return out


CONFIGS = {
    "blobs": dict(sizes=(2, 1), act=None, epochs=1000, batch=4, lr=0.5, loss="bce"),
    "circles": dict(sizes=(2, 4, 1), act="Sigmoid", epochs=1000, batch=4, lr=0.5, loss="bce"),
    "mnist-mlp": dict(sizes=(784, 256, 10), act="ReLU", epochs=1, batch=128, lr=0.1, loss="ce"),
    "mnist-linear": dict(sizes=(784, 10), act=None, epochs=1, batch=128, lr=0.1, loss="ce"),
}
CONFIGS["mnist-mlp-shared"] = dict(CONFIGS["mnist-mlp"], share=True)


def train(engine, workload):
    """The chapter's loop, against `engine` ('bibun', 'bibun-jit' or 'torch')."""
    if engine == "torch-compile":
        raise RuntimeError("torch-compile is measured on the op chains (ops-1e5, ops-1e6) only")
    cfg = CONFIGS[workload]
    X, y = _data("mnist" if workload.startswith("mnist") else workload)
    if engine == "numpy":
        return train_numpy(cfg, X, y)
    jit = engine == "bibun-jit"
    lib = importlib.import_module("bibun" if jit else engine)
    nn = lib.nn
    data = importlib.import_module(lib.__name__ + ".utils.data")
    lib.manual_seed(1)
    Xt, yt = (lib.from_numpy(X), lib.from_numpy(y)) if cfg.get("share") else (lib.tensor(X), lib.tensor(y))
    linears = [nn.Linear(i, o) for i, o in zip(cfg["sizes"][:-1], cfg["sizes"][1:])]
    layers = []
    for lin in linears[:-1]:
        layers += [lin, getattr(nn, cfg["act"])()]
    model = nn.Sequential(*layers, linears[-1])
    with lib.no_grad():
        for lin, (W, b) in zip(linears, _init(cfg["sizes"])):
            lin.weight.copy_(lib.tensor(W))
            lin.bias.copy_(lib.tensor(b))
    loss_fn = nn.BCEWithLogitsLoss() if cfg["loss"] == "bce" else nn.CrossEntropyLoss()
    optimizer = lib.optim.SGD(model.parameters(), lr=cfg["lr"])
    loader = data.DataLoader(data.TensorDataset(Xt, yt), batch_size=cfg["batch"], shuffle=True)
    def step(xb, yb):
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        return loss
    if jit:
        step = lib.jit(step)
    t0 = time.perf_counter()
    for _ in range(cfg["epochs"]):
        total = 0.0
        for xb, yb in loader:
            total += step(xb, yb).item()
    seconds = time.perf_counter() - t0
    return dict(seconds=seconds, final_loss=total / len(loader))


def train_numpy(cfg, X, y):
    """The same training with its gradients written out by hand: sigmoid/ReLU layers, the loss's gradient
    with respect to the last layer's output, then each layer's weight and input gradients; shuffled batches
    of the same size (NumPy's own shuffle, so its losses agree with the engines' to rounding, not bit for bit)."""
    import numpy as np
    params = [(W.copy(), b.copy()) for W, b in _init(cfg["sizes"])]
    act, lr, bs = cfg["act"], cfg["lr"], cfg["batch"]
    rng = np.random.default_rng(1)
    n = len(X)
    t0 = time.perf_counter()
    for _ in range(cfg["epochs"]):
        total, batches = 0.0, 0
        order = rng.permutation(n)
        for i in range(0, n, bs):
            idx = order[i:i + bs]
            h, t = X[idx], y[idx]
            inputs = []
            for k, (W, b) in enumerate(params):
                inputs.append(h)
                h = h @ W.T + b
                if k < len(params) - 1:
                    h = 1 / (1 + np.exp(-h)) if act == "Sigmoid" else np.maximum(h, 0)
            m = len(idx)
            if cfg["loss"] == "bce":                  # mean of log(1 + e^z) - t z; its gradient (sigma(z) - t) / m
                loss = np.mean(np.logaddexp(0, h) - t * h)
                g = (1 / (1 + np.exp(-h)) - t) / m
            else:                                     # cross-entropy: (softmax - onehot) / m
                z = h - h.max(axis=1, keepdims=True)
                e = np.exp(z)
                s = e.sum(axis=1, keepdims=True)
                loss = np.mean(np.log(s[:, 0]) - z[np.arange(m), t])
                g = e / s
                g[np.arange(m), t] -= 1
                g /= m
            for k in range(len(params) - 1, -1, -1):
                W, b = params[k]
                a = inputs[k]
                gW, gb = g.T @ a, g.sum(axis=0)
                if k:
                    g = g @ W
                    g = g * a * (1 - a) if act == "Sigmoid" else g * (a > 0)
                W -= lr * gW
                b -= lr * gb
            total += float(loss)
            batches += 1
    seconds = time.perf_counter() - t0
    return dict(seconds=seconds, final_loss=total / batches)


def op_chain(engine, n, groups=10, reps=12):
    """10 x (mul, add, tanh) + sum on n-element float32 vectors, forward and backward: the median time."""
    import numpy as np
    rs = np.random.RandomState(0)
    a, b, x = ((1 + 1e-4 * rs.randn(n)).astype(np.float32), (1e-4 * rs.randn(n)).astype(np.float32),
               (0.1 + 0.3 * rs.rand(n)).astype(np.float32))
    times = []
    if engine == "numpy":
        for _ in range(reps):
            t0 = time.perf_counter()
            ys = [x]
            for _ in range(groups):
                ys.append(np.tanh(ys[-1] * a + b))
            g = np.ones_like(x)
            for k in range(groups, 0, -1):
                g = g * (1 - ys[k] * ys[k]) * a
            times.append(time.perf_counter() - t0)
        return dict(seconds=statistics.median(times), grad_sum=float(g.sum()))
    lib = importlib.import_module({"bibun-jit": "bibun", "torch-compile": "torch"}.get(engine, engine))
    a, b = lib.tensor(a), lib.tensor(b)

    def chain(v):
        for _ in range(groups):
            v = lib.tanh(v * a + b)
        return v.sum()
    if engine in ("bibun-jit", "torch-compile"):
        g = lib.jit(lib.grad(chain)) if engine == "bibun-jit" else lib.compile(lib.func.grad(chain))
        xt = lib.tensor(x)
        for _ in range(reps):
            t0 = time.perf_counter()
            gx = g(xt)
            times.append(time.perf_counter() - t0)
        return dict(seconds=statistics.median(times[1:]), first_seconds=times[0], grad_sum=float(gx.sum()))
    xt = lib.tensor(x, requires_grad=True)
    for _ in range(reps):
        xt.grad = None
        t0 = time.perf_counter()
        chain(xt).backward()
        times.append(time.perf_counter() - t0)
    return dict(seconds=statistics.median(times), grad_sum=float(xt.grad.sum()))


def op_overhead(engine):
    if engine not in ("bibun", "torch"):
        raise RuntimeError("op-overhead is measured on bibun and torch")
    lib = importlib.import_module(engine)
    a = lib.tensor([1.0001, 0.9999, 1.0002, 0.9998])
    b = lib.tensor([1e-4, -1e-4, 2e-4, -2e-4])
    x = lib.tensor([0.1, 0.2, 0.3, 0.4], requires_grad=True)
    times = []
    for _ in range(30):
        x.grad = None
        t0 = time.perf_counter()
        y = x
        for _ in range(333):
            y = lib.tanh(y * a + b)
        y.sum().backward()
        times.append(time.perf_counter() - t0)
    sec = statistics.median(times)
    return dict(seconds=sec, us_per_op=sec / 1000 * 1e6)


def measure_one(workload, engine):
    if workload == "op-overhead":
        res = op_overhead(engine)
    elif workload.startswith("ops-"):
        res = op_chain(engine, {"ops-1e5": 10**5, "ops-1e6": 10**6}[workload])
    else:
        res = train(engine, workload)
    res["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return res


def _subprocess(workload, engine):
    p = subprocess.run([sys.executable, __file__, "--one", workload, engine], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{engine} {workload} failed: {(p.stderr or p.stdout).strip().splitlines()[-1:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("workloads", nargs="*", default=list(WORKLOADS[:4]))
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--a", default="bibun", choices=ENGINES, help="engine A, the numerator (default bibun)")
    ap.add_argument("--b", default="torch", choices=ENGINES, help="engine B, the denominator (default torch)")
    ap.add_argument("--one", nargs=2, metavar=("WORKLOAD", "ENGINE"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(measure_one(*args.one)))
        return 0
    for w in args.workloads:
        if w not in WORKLOADS:
            ap.error(f"unknown workload {w!r}; choose from {', '.join(WORKLOADS)}")
    A, B = args.a, args.b
    print(f"{'workload':<12} {A + '/' + B + ' (median)':>21} {A + ' s':>9} {B + ' s':>9} {A + ' MB':>9} {B + ' MB':>9}")
    for w in args.workloads:
        ratios, rows = [], []
        try:
            for _ in range(args.rounds):
                a, b = _subprocess(w, A), _subprocess(w, B)
                ratios.append(a["seconds"] / b["seconds"])
                rows.append((a, b))
        except RuntimeError as e:
            print(f"{w:<12} skipped: {e}")
            continue
        med = statistics.median(ratios)
        a_s = statistics.median(r[0]["seconds"] for r in rows)
        b_s = statistics.median(r[1]["seconds"] for r in rows)
        a_m = statistics.median(r[0]["peak_rss_mb"] for r in rows)
        b_m = statistics.median(r[1]["peak_rss_mb"] for r in rows)
        extra = ""
        if w == "op-overhead":
            extra = (f"  us/op {statistics.median(r[0]['us_per_op'] for r in rows):.2f} vs "
                     f"{statistics.median(r[1]['us_per_op'] for r in rows):.2f}")
        print(f"{w:<12} {med:>21.3f} {a_s:>9.3f} {b_s:>9.3f} {a_m:>9.0f} {b_m:>9.0f}{extra}  "
              f"(rounds: {', '.join(f'{r:.3f}' for r in ratios)})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
