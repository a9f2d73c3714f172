"""Big elementwise runs of a plan replayed in blocks of rows (bibun/jit/_split.py), over threads where the
arrays are big: the same bits as eager execution, errors and NumPy's error state as in the caller's thread."""
import multiprocessing
import os

import numpy as np
import pytest

import bibun
from bibun import _threads
from bibun.jit import _split


@pytest.fixture
def two_threads():
    before = bibun.get_num_threads()
    bibun.set_num_threads(2)
    yield
    bibun.set_num_threads(before)


def chain_inputs(n, seed=0):
    rs = np.random.RandomState(seed)
    return ((1 + 1e-2 * rs.randn(n)).astype(np.float32), (1e-2 * rs.randn(n)).astype(np.float32),
            (0.1 + 0.3 * rs.rand(n)).astype(np.float32))


def make_chain(a, b):
    def chain(x):
        y = x
        for _ in range(10):
            y = bibun.tanh(y * a + b)
        return y.sum()
    return chain


def eager_grad(chain, x):
    x = bibun.tensor(x.detach().numpy(), requires_grad=True)
    loss = chain(x)
    loss.backward()
    return loss.item(), x.grad.numpy()


@pytest.mark.parametrize("n, how", [(10 ** 5, "one after another"), (2 ** 19, "over the threads")])
def test_the_chain_gives_the_bits_of_eager_execution(two_threads, n, how):
    a, b, x = (bibun.tensor(v) for v in chain_inputs(n))
    chain = make_chain(a, b)
    g = bibun.jit(bibun.value_and_grad(chain))
    plan = str(g.plan(x))
    assert "split30" in plan and how in plan
    for _ in range(2):                          # the trace, then a replay
        loss, grad = g(x)
        want_loss, want_grad = eager_grad(chain, x)
        assert loss.item() == want_loss
        assert np.array_equal(grad.numpy(), want_grad)


def test_broadcast_operands_are_read_whole_by_every_block(two_threads):
    rs = np.random.RandomState(1)
    X = bibun.tensor(rs.randn(4096, 64).astype(np.float32))
    w = bibun.tensor(rs.randn(64).astype(np.float32), requires_grad=True)
    c = bibun.tensor(rs.randn(4096, 1).astype(np.float32), requires_grad=True)

    def f(w, c):
        h = bibun.tanh(X * w + c)
        h = bibun.sigmoid(h * w - c) * 2.0
        return (h * h).sum()

    g = bibun.jit(bibun.grad(f, argnums=(0, 1)))
    assert "split" in str(g.plan(w, c))
    gw, gc = g(w, c)
    w2, c2 = (bibun.tensor(t.detach().numpy(), requires_grad=True) for t in (w, c))
    f(w2, c2).backward()
    assert np.array_equal(gw.numpy(), w2.grad.numpy()) and np.array_equal(gc.numpy(), c2.grad.numpy())


def test_one_thread_runs_the_blocks_in_the_caller(two_threads):
    a, b, x = (bibun.tensor(v) for v in chain_inputs(2 ** 19))
    g = bibun.jit(bibun.grad(make_chain(a, b)))
    want = g(x).numpy().copy()
    bibun.set_num_threads(1)
    assert np.array_equal(g(x).numpy(), want)


def test_numpy_error_state_and_errors_reach_the_caller(two_threads):
    n = 2 ** 19
    x = bibun.tensor(np.full(n, 50.0, np.float32))

    def f(x):
        y = bibun.exp(x * 2.0)                  # overflows float32 in every block
        for _ in range(4):
            y = y * 1.5 + 1.0
        return y.sum()

    g = bibun.jit(bibun.grad(f))
    with np.errstate(over="ignore"):
        g(x)
        assert "over the threads" in str(g.plan(x))
        g(x)
    with np.errstate(over="raise"):
        with pytest.raises(FloatingPointError, match="overflow"):
            g(x)


def test_set_num_threads_refuses_what_is_not_a_count():
    for bad in (0, -1, 1.5, "2", True):
        with pytest.raises(ValueError, match="whole number of threads"):
            bibun.set_num_threads(bad)


def _replay_in_child(q):
    a, b, x = (bibun.tensor(v) for v in chain_inputs(2 ** 19))
    q.put(bibun.jit(bibun.grad(make_chain(a, b)))(x).numpy()[:5].tolist())


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX-only")
def test_a_forked_child_starts_its_own_threads(two_threads):
    a, b, x = (bibun.tensor(v) for v in chain_inputs(2 ** 19))
    want = bibun.jit(bibun.grad(make_chain(a, b)))(x).numpy()[:5].tolist()   # the parent's workers are up
    assert _threads._queues
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_replay_in_child, args=(q,))
    p.start()
    got = q.get(timeout=120)
    p.join(timeout=60)
    assert p.exitcode == 0 and got == want


def test_small_plans_are_not_split():
    a, b, x = (bibun.tensor(v) for v in chain_inputs(1000))
    assert "split" not in str(bibun.jit(bibun.grad(make_chain(a, b))).plan(x))
    assert _split.MIN_SIZE > 1000


def test_two_threads_replaying_at_once_share_the_workers(two_threads):
    import threading
    a, b, x = (bibun.tensor(v) for v in chain_inputs(2 ** 19))
    g = bibun.jit(bibun.grad(make_chain(a, b)))
    want = g(x).numpy().copy()
    wrong, errors = [], []

    def run():
        try:
            for _ in range(5):
                if not np.array_equal(g(x).numpy(), want):
                    wrong.append(1)
        except Exception as e:          # pragma: no cover - reported below
            errors.append(e)

    ts = [threading.Thread(target=run) for _ in range(3)]
    [t.start() for t in ts]
    [t.join(timeout=120) for t in ts]
    assert not any(t.is_alive() for t in ts) and not errors and not wrong
