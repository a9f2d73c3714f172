"""Grad mode, the in-place clock and the explain tracer belong to each thread, as PyTorch's grad mode does.

Each scenario forces the interleaving that used to corrupt the other thread with barriers (never
sleeps), so it fails the same way every time on a process-wide implementation."""
import threading

import numpy as np

import bibun
import bibun.nn as nn
from bibun.autograd import engine

TIMEOUT = 30


class _PauseInBackward:
    """A tracer that stops the backward pass of the thread that set it at its first step, lets another
    thread run, then lets the backward go on."""

    def __init__(self):
        self.inside = threading.Event()
        self.resume = threading.Event()

    def on_forward(self, op, inputs, params, out, datas=None):
        pass

    def on_backward(self, node, g, step):
        if not self.inside.is_set():
            self.inside.set()
            assert self.resume.wait(TIMEOUT)


def _run(*targets):
    errors = []

    def guard(fn):
        def run():
            try:
                fn()
            except BaseException as e:          # reported in the main thread
                errors.append(e)
        return run
    threads = [threading.Thread(target=guard(t)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
        assert not t.is_alive(), "a thread did not finish"
    if errors:
        raise errors[0]


def _model(seed):
    bibun.manual_seed(seed)
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))


def _one_step(model, opt, x, y):
    opt.zero_grad()
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    opt.step()
    return loss.item()


def test_training_step_while_another_thread_is_inside_backward():
    """Backward used to switch grad mode off for the whole process: the other thread's forward then
    recorded nothing and its backward() failed, or updated only some parameters."""
    x, y = bibun.randn(8, 3, generator=bibun.Generator().manual_seed(0)), bibun.zeros(8, 1)
    ref_a, ref_b = _model(1), _model(2)
    want_b = [p.detach().clone() for p in ref_b.parameters()]
    _one_step(ref_b, bibun.optim.SGD(ref_b.parameters(), lr=0.1), x, y)
    ((ref_a(x) - y) ** 2).mean().backward()

    a, b = _model(1), _model(2)
    opt_b = bibun.optim.SGD(b.parameters(), lr=0.1)
    pause = _PauseInBackward()

    def thread_a():
        engine.set_tracer(pause)
        try:
            ((a(x) - y) ** 2).mean().backward()
        finally:
            engine.set_tracer(None)

    def thread_b():
        assert pause.inside.wait(TIMEOUT)
        try:
            assert bibun.is_grad_enabled()
            _one_step(b, opt_b, x, y)
        finally:
            pause.resume.set()

    _run(thread_a, thread_b)
    for p, q, before in zip(b.parameters(), ref_b.parameters(), want_b):
        assert not np.array_equal(p.detach().numpy(), before.numpy()), "a parameter was not updated"
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
    for p, q in zip(a.parameters(), ref_a.parameters()):
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())


def test_no_grad_left_in_interleaved_order():
    """A enters no_grad, B enters, A leaves, B leaves: grad mode used to stay off for everyone."""
    step = threading.Barrier(2, timeout=TIMEOUT)
    seen = {}

    def worker(name, leave_first):
        step.wait()
        if name == "b":
            step.wait()                  # B enters after A
        ctx = bibun.no_grad()
        ctx.__enter__()
        if name == "a":
            step.wait()
        step.wait()                      # both inside
        seen[name + "_inside"] = bibun.is_grad_enabled()
        if not leave_first:
            step.wait()                  # A leaves first
        ctx.__exit__(None, None, None)
        if leave_first:
            step.wait()
        seen[name + "_after"] = bibun.is_grad_enabled()
        w = bibun.ones(2, requires_grad=True)
        seen[name + "_records"] = (w * 2).requires_grad

    _run(lambda: worker("a", True), lambda: worker("b", False))
    assert seen == {"a_inside": False, "b_inside": False, "a_after": True, "b_after": True,
                    "a_records": True, "b_records": True}
    assert bibun.is_grad_enabled()
    assert (bibun.ones(1, requires_grad=True) * 2).requires_grad


def test_no_grad_in_one_thread_does_not_reach_another():
    inside = threading.Event()
    done = threading.Event()
    seen = {}

    def quiet():
        with bibun.no_grad():
            inside.set()
            assert done.wait(TIMEOUT)
            seen["quiet"] = (bibun.ones(1, requires_grad=True) * 2).requires_grad

    def loud():
        assert inside.wait(TIMEOUT)
        try:
            seen["loud"] = (bibun.ones(1, requires_grad=True) * 2).requires_grad
        finally:
            done.set()

    _run(quiet, loud)
    assert seen == {"quiet": False, "loud": True}


def test_explain_while_another_thread_trains():
    """explain used to record the other thread's ops (once giving "y = -6 + b" with a and x gone)."""
    want = bibun.explain(lambda a, x, b: a * x + b, a=-2, x=3, b=4).text()
    mid = threading.Event()
    go_on = threading.Event()
    model = _model(3)
    opt = bibun.optim.SGD(model.parameters(), lr=0.1)
    x, y = bibun.randn(8, 3), bibun.zeros(8, 1)
    got = {}

    def f(a, x, b):
        h = a * x
        mid.set()                        # the other thread trains now, with this explanation recording
        assert go_on.wait(TIMEOUT)
        return h + b

    def explaining():
        got["text"] = bibun.explain(f, a=-2, x=3, b=4).text()

    def training():
        assert mid.wait(TIMEOUT)
        try:
            for _ in range(3):
                _one_step(model, opt, x, y)
        finally:
            go_on.set()

    _run(explaining, training)
    assert got["text"] == want


def test_in_place_clock_never_hands_out_one_value_twice():
    from bibun.autograd import version_counter
    start = threading.Barrier(2, timeout=TIMEOUT)
    taken = [[], []]

    def take(k):
        start.wait()
        for _ in range(20000):
            taken[k].append(version_counter.tick())

    _run(lambda: take(0), lambda: take(1))
    both = taken[0] + taken[1]
    assert len(set(both)) == len(both)


def test_explain_inside_detect_anomaly_keeps_the_check():
    """explain used to replace an active detect_anomaly hook instead of chaining to it."""
    import pytest
    with bibun.autograd.detect_anomaly():
        with pytest.raises(RuntimeError, match="'log' produced NaN or inf"):
            with np.errstate(all="ignore"):
                bibun.explain(lambda a: bibun.log(a - 1), a=1.0)
    assert engine.current_tracer() is None


def test_a_thread_that_ends_with_recording_off_leaves_no_trace():
    """Its entry goes with it: the main thread's fast path is back, and a new thread (which may get the same
    ident) starts with recording on."""
    import gc
    from bibun.autograd import grad_mode

    def leave_it_off():
        bibun.set_grad_enabled(False)

    _run(leave_it_off)
    gc.collect()
    assert grad_mode._off == []
    seen = []
    _run(lambda: seen.append(bibun.is_grad_enabled()))
    assert seen == [True]
