"""Growing past bibun: train in the workbench, move the model to PyTorch, keep training it with
DistributedDataParallel on 2 processes (gloo backend, 127.0.0.1), and watch the loss keep falling.

    python examples/ddp_after_bibun.py

Each process holds a copy of the model and half of the training set; after every backward pass DDP averages
the gradients across the processes, so the copies stay identical, exactly as on several machines.
"""
import copy
import json
import os
import socket
import sys
import tempfile

import numpy as np

WORLD = 2
EPOCHS = 3
BATCH = 64
LR = 0.05
# fork starts a process in milliseconds (no second import of PyTorch); spawn where there is no fork
START = "fork" if sys.platform.startswith("linux") else "spawn"


def workbench_model():
    """A small MLP trained for one epoch on scikit-learn's digits by bibun's workbench, and its data."""
    import bibun
    result = bibun.workbench.train("digits", "mlp", hidden=(32,), epochs=1, seed=0, quiet=True, report=False,
                                   threads=None)
    data = bibun.datasets.load("digits")
    return result.model, np.asarray(data["X_train"], np.float32), np.asarray(data["y_train"], np.int64)


def _worker(rank, port, model, X, y, out_dir):
    import torch
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel as DDP
    torch.set_num_threads(1)
    torch.manual_seed(rank)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=WORLD)
    try:
        model = copy.deepcopy(model)    # this process's own parameters (spawn hands over shared memory)
        ddp = DDP(model)
        opt = torch.optim.SGD(ddp.parameters(), lr=LR)
        loss_fn = torch.nn.CrossEntropyLoss()
        Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
        mine = torch.arange(rank, len(X), WORLD)           # this process's half of the data
        losses = []
        for epoch in range(EPOCHS + 1):
            with torch.no_grad():
                losses.append(float(loss_fn(model(Xt), yt)))    # the whole training set's loss
            if epoch == EPOCHS:
                break
            order = mine[torch.randperm(len(mine), generator=torch.Generator().manual_seed(epoch))]
            for i in range(0, len(order), BATCH):
                idx = order[i:i + BATCH]
                opt.zero_grad()
                loss_fn(ddp(Xt[idx]), yt[idx]).backward()      # DDP averages the gradients across processes
                opt.step()
        weights = {k: v.numpy().tolist() for k, v in model.state_dict().items()}
        with open(os.path.join(out_dir, f"rank{rank}.json"), "w") as f:
            json.dump({"losses": losses, "weights": weights}, f)
    finally:
        dist.destroy_process_group()


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def train_further(torch_model, X, y, out_dir):
    """DDP training on WORLD processes; returns each rank's (losses per epoch, final weights)."""
    import torch.multiprocessing as mp
    # each new process receives its own copy of the model (and the data), as each machine would load it
    mp.start_processes(_worker, args=(_free_port(), torch_model, X, y, out_dir), nprocs=WORLD, start_method=START)
    runs = []
    for rank in range(WORLD):
        with open(os.path.join(out_dir, f"rank{rank}.json")) as f:
            runs.append(json.load(f))
    return runs


def main():
    from bibun.interop import to_torch
    model, X, y = workbench_model()
    torch_model = to_torch(model)
    with tempfile.TemporaryDirectory() as tmp:
        runs = train_further(torch_model, X, y, tmp)
    print("training-set loss per epoch under DDP:", " -> ".join(f"{v:.4f}" for v in runs[0]["losses"]))
    same = all(np.array_equal(runs[0]["weights"][k], runs[1]["weights"][k]) for k in runs[0]["weights"])
    print("both processes hold the same weights:", same)
    return 0


if __name__ == "__main__":
    sys.exit(main())
