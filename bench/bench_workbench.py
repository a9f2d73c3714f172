#!/usr/bin/env python3
"""Benchmark of bibun.workbench (a script, not a test).

    python bench/bench_workbench.py epoch    [--rounds 5] [--threads N]
    python bench/bench_workbench.py accuracy [--seeds 0]

epoch: one MNIST-shaped epoch — Fashion-MNIST's 60000x784 float32 training images, a 784-256-10 MLP,
batch 128, SGD lr 0.1 — of the workbench's own loop (`bibun.workbench.train`, with its per-epoch loss and
accuracy on the whole training and test sets) against the same loop written in PyTorch, alternated in the
same process, round after round. Three PyTorch variants:
  torch            the textbook loop: DataLoader(TensorDataset, shuffle=True), then the same per-epoch
                   measuring (loss and accuracy on both whole sets, no_grad, batches of 2000)
  torch-train      the same training loop without the measuring (what the issue calls "the same training
                   loop"; the workbench still measures)
  torch-sliced     batches taken by slicing a shuffled index (no DataLoader), with the measuring
The last line prints the median over rounds of each round's ratio workbench / PyTorch.

accuracy: the workbench's defaults on digits (linear, mlp) and Fashion-MNIST (linear, mlp 256-128, 10
epochs): test accuracy against the exercise's targets.
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

EVAL_BS = 2000


def fashion():
    from bibun.datasets import load
    return load("fashion-mnist")


# -- the workbench --------------------------------------------------------------------------------------
def run_workbench(data, seed):
    from bibun.workbench import train
    t0 = time.perf_counter()
    r = train("fashion-mnist", "mlp", hidden=(256,), optimizer="sgd", lr=0.1, batch_size=128, epochs=1,
              seed=seed, data=data, quiet=True, report=False)
    call = time.perf_counter() - t0
    return {"epoch": r.history[0]["seconds"], "call": call, "test_acc": r.history[0]["test_acc"]}


# -- PyTorch ----------------------------------------------------------------------------------------------
def _torch_measure(torch, model, X, y):
    model.eval()
    total, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(X), EVAL_BS):
            logits = model(X[i:i + EVAL_BS])
            total += torch.nn.functional.cross_entropy(logits, y[i:i + EVAL_BS], reduction="sum").item()
            correct += int((logits.argmax(1) == y[i:i + EVAL_BS]).sum())
    model.train()
    return total / len(X), correct / len(X)


def run_torch(data, seed, variant):
    import torch
    from torch import nn
    X = torch.from_numpy(data["X_train"].reshape(60000, -1).astype(np.float32) / np.float32(255))
    y = torch.from_numpy(data["y_train"])
    Xt = torch.from_numpy(data["X_test"].reshape(10000, -1).astype(np.float32) / np.float32(255))
    yt = torch.from_numpy(data["y_test"])
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(seed)
    t0 = time.perf_counter()
    if variant == "torch-sliced":
        order = torch.randperm(len(X), generator=gen)
        batches = ((X[idx], y[idx]) for idx in order.split(128))
    else:
        batches = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=128, shuffle=True,
                                              generator=gen)
    model.train()
    for xb, yb in batches:
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
    test_acc = None
    if variant != "torch-train":
        _torch_measure(torch, model, X, y)
        test_acc = _torch_measure(torch, model, Xt, yt)[1]
    return {"epoch": time.perf_counter() - t0, "test_acc": test_acc}


def bench_epoch(args):
    import torch
    data = fashion()
    if args.threads:
        torch.set_num_threads(args.threads)
        from threadpoolctl import threadpool_limits
        threadpool_limits(args.threads, user_api="blas")
    from threadpoolctl import threadpool_info
    blas = [f"{d['internal_api']} {d['num_threads']} threads" for d in threadpool_info() if d["user_api"] == "blas"]
    print(f"Fashion-MNIST 60000x784 float32, 784-256-10 MLP, batch 128, SGD lr 0.1, 1 epoch; "
          f"NumPy BLAS: {', '.join(blas)}; torch {torch.__version__} with {torch.get_num_threads()} threads; "
          f"{os.cpu_count()} CPUs")
    variants = ["torch", "torch-train", "torch-sliced"]
    # warm-up (imports, first allocations), not timed
    run_workbench(data, 0)
    for v in variants:
        run_torch(data, 0, v)
    ratios = {v: [] for v in variants}
    for r in range(args.rounds):
        wb = run_workbench(data, r)
        line = [f"round {r + 1}: workbench epoch {wb['epoch']:.3f}s (whole train() call {wb['call']:.3f}s, "
                f"test acc {wb['test_acc']:.4f})"]
        order = variants[r % 3:] + variants[:r % 3]          # rotate so no variant always runs right after bibun
        for v in order:
            t = run_torch(data, r, v)
            ratios[v].append(wb["epoch"] / t["epoch"])
            line.append(f"{v} {t['epoch']:.3f}s")
        print("; ".join(line), flush=True)
    for v in variants:
        print(f"median ratio workbench/{v} = {statistics.median(ratios[v]):.2f} "
              f"(rounds: {', '.join(f'{x:.2f}' for x in ratios[v])})")


def bench_accuracy(args):
    from bibun.datasets import load
    from bibun.workbench import train
    targets = [("digits", "linear", 0.95), ("digits", "mlp", 0.97), ("fashion-mnist", "linear", 0.84),
               ("fashion-mnist", "mlp", 0.88)]
    cache = {}
    for dataset, model, target in targets:
        data = cache.setdefault(dataset, load(dataset))
        for seed in args.seeds:
            t0 = time.perf_counter()
            r = train(dataset, model, seed=seed, data=data, quiet=True, report=False)
            c = r.config
            acc = r.history[-1]["test_acc"]
            print(f"{dataset:14s} {r.info['model_text']:26s} {c.optimizer} lr={c.lr:g} bs={c.batch_size} "
                  f"epochs={c.epochs} seed={seed}: test acc {acc:.4f} (target {target}: "
                  f"{'met' if acc >= target else 'MISSED'}), {time.perf_counter() - t0:.1f}s", flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("what", choices=("epoch", "accuracy"))
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--threads", type=int, default=None, help="threads for both NumPy's BLAS and PyTorch")
    p.add_argument("--seeds", type=lambda s: [int(x) for x in s.split(",")], default=[0])
    args = p.parse_args()
    if args.what == "epoch":
        if args.rounds < 3:
            p.error("use at least 3 rounds")
        bench_epoch(args)
    else:
        bench_accuracy(args)


if __name__ == "__main__":
    main()
