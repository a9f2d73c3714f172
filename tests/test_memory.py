"""Memory: graphs are freed by reference counting alone (no cycles between nodes and tensors), a long
training loop keeps a flat peak, and very deep graphs neither recurse in backward nor when freed."""
import gc
import tracemalloc
import weakref

import numpy as np
import pytest

import bibun
import bibun.nn as nn
import bibun.nn.functional as F


@pytest.fixture
def no_cycle_collector():
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _graph_refs(root):
    """Weak references to every node of the graph below `root` and every non-leaf tensor in it."""
    refs, seen, todo = [], set(), [root.grad_fn]
    while todo:
        n = todo.pop()
        if n is None or id(n) in seen:
            continue
        seen.add(id(n))
        refs.append(weakref.ref(n))
        for x in n.inputs:
            fn = getattr(x, "grad_fn", None)
            if fn is not None:
                refs.append(weakref.ref(x))
                todo.append(fn)
    return refs


def _model():
    return nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 1))


def test_a_training_step_leaves_nothing_behind(no_cycle_collector):
    model = _model()
    opt = bibun.optim.Adam(model.parameters(), lr=0.01)
    x, y = bibun.randn(16, 2), bibun.rand(16, 1)
    loss = F.binary_cross_entropy_with_logits(model(x), y)
    refs = _graph_refs(loss)
    assert len(refs) > 8
    loss.backward()
    opt.step()
    opt.zero_grad()
    del loss
    assert all(r() is None for r in refs)


@pytest.mark.parametrize("how", ["retain_graph", "retain_grad", "anomaly", "never_backpropagated"])
def test_graph_freed_without_the_cycle_collector(no_cycle_collector, how):
    w = bibun.randn(5, 3, requires_grad=True)
    h = (bibun.randn(7, 5) @ w).tanh()
    if how == "retain_grad":
        h.retain_grad()
    loss = (h * h).log_softmax(1).mean()
    refs = _graph_refs(loss)
    if how == "anomaly":
        with bibun.autograd.detect_anomaly():
            loss.backward()
    elif how == "retain_graph":
        loss.backward(retain_graph=True)
        loss.backward()
    elif how == "retain_grad":
        loss.backward()
        assert h.grad.shape == h.shape
    del loss, h
    assert all(r() is None for r in refs)
    assert w.grad is None or w.grad.grad_fn is None


def test_hidden_state_carried_over_with_detach_is_freed(no_cycle_collector):
    W = bibun.randn(4, 4, requires_grad=True)
    h = bibun.zeros(4)
    old = []
    for _ in range(5):
        h = (h.detach() @ W).tanh()
        old.append(weakref.ref(h.grad_fn))
        h.sum().backward()
    del h
    assert all(r() is None for r in old)


def test_higher_order_gradients_are_freed(no_cycle_collector):
    x = bibun.tensor([0.3, -1.2], dtype=bibun.float64, requires_grad=True)
    y = (x.sin() * x).sum()
    (g,) = bibun.autograd.grad(y, x, create_graph=True)
    refs = _graph_refs(g) + _graph_refs(y)
    (gg,) = bibun.autograd.grad(g.sum(), x)
    del y, g, gg
    assert all(r() is None for r in refs)
    d2 = bibun.func.grad(bibun.func.grad(lambda v: v.tanh().sum()))
    assert np.isfinite(d2(0.5))


def test_a_failed_backward_leaves_nothing_behind(no_cycle_collector):
    def attempt():
        w = bibun.randn(3, requires_grad=True)
        loss = w * 2                                # not a scalar: backward refuses
        refs = _graph_refs(loss)
        try:
            loss.backward()
        except RuntimeError:
            pass
        return refs
    refs = attempt()
    assert all(r() is None for r in refs)


def test_five_thousand_training_steps_keep_a_flat_peak():
    bibun.manual_seed(0)
    model = _model()
    opt = bibun.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    X, Y = bibun.randn(64, 2), (bibun.rand(64, 1) > 0.5).float()
    loader = bibun.utils.data.DataLoader(bibun.utils.data.TensorDataset(X, Y), batch_size=16, shuffle=True)
    batches = iter(())
    peaks, held = np.zeros(10, np.int64), np.zeros(10, np.int64)   # up front: the bookkeeping must not grow
    tracemalloc.start()
    try:
        for step in range(5_000):          # ten windows of 500 steps: a byte a step would show
            if step % 500 == 0:
                if step:
                    held[step // 500 - 1], peaks[step // 500 - 1] = tracemalloc.get_traced_memory()
                tracemalloc.reset_peak()
            xb_yb = next(batches, None)
            if xb_yb is None:
                batches = iter(loader)
                xb_yb = next(batches)
            xb, yb = xb_yb
            opt.zero_grad()
            loss = F.binary_cross_entropy_with_logits(model(xb), yb)
            loss.backward()
            opt.step()
            loss.item()
        held[9], peaks[9] = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    first, last = int(peaks[0]), int(peaks[-1])
    print(f"\ntraced peak per 500 steps (KiB): {[round(float(p) / 1024, 2) for p in peaks]}; "
          f"held after each 500: {[round(float(c) / 1024, 2) for c in held]}")
    assert last <= first + 4 * 1024, (first, last)           # flat: no growth beyond noise (4 KiB)
    assert int(peaks.max()) <= first + 4 * 1024
    assert int(held.max()) <= int(held[0]) + 4 * 1024          # and what stays allocated between steps is flat


def test_hundred_thousand_op_chain(no_cycle_collector):
    x = bibun.tensor([0.5], dtype=bibun.float64, requires_grad=True)
    y = x
    for i in range(100_000):
        y = (y * 1.0001) if i % 2 else (y + 0.0)
    first = weakref.ref(y.grad_fn)
    y.sum().backward(retain_graph=True)                        # no RecursionError in the walk
    assert x.grad.item() == pytest.approx(1.0001 ** 50_000)
    del y                                                      # nor when the chain is freed by refcounting
    assert first() is None
