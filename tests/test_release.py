"""Big intermediate results nothing can read are let go of before backward (bibun/autograd/release.py):
the same gradients, bit for bit, less memory held, and nothing a user can still see is ever touched."""
import gc
import tracemalloc
import weakref

import numpy as np
import pytest

import bibun
from bibun.autograd import release

N = 2 ** 15                    # above RELEASE_MIN
rs = np.random.RandomState(0)
A = (1 + 1e-2 * rs.randn(N)).astype(np.float32)
B = (1e-2 * rs.randn(N)).astype(np.float32)
X = (0.1 + 0.3 * rs.rand(N)).astype(np.float32)


@pytest.fixture
def releasing(monkeypatch):
    """Runs a test body with release on and with it off, returning both results."""
    def both(fn):
        out = {}
        for on in (True, False):
            monkeypatch.setattr(release, "RELEASE_MIN", 2 ** 14 if on else 2 ** 62)
            release.pending = None
            out[on] = fn()
        return out[True], out[False]
    return both


def chain(x, a, b, groups=10):
    y = x
    for _ in range(groups):
        y = y * a
        y = y + b
        y = bibun.tanh(y)
    return y.sum()


def test_the_chapter_chain_gives_the_same_bits(releasing):
    def run():
        x = bibun.tensor(X, requires_grad=True)
        loss = chain(x, bibun.tensor(A), bibun.tensor(B))
        loss.backward()
        return loss.item(), x.grad.detach().numpy().copy()
    (l1, g1), (l0, g0) = releasing(run)
    assert l1 == l0 and np.array_equal(g1, g0)


def test_the_arrays_of_add_and_mul_are_freed_before_backward(releasing):
    def held():
        x = bibun.tensor(X, requires_grad=True)
        a, b = bibun.tensor(A), bibun.tensor(B)
        gc.collect()
        tracemalloc.start()
        loss = chain(x, a, b)
        size = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        del loss
        return size
    on, off = releasing(held)
    # off: all 30 results of N float32 are held; on: the 10 tanh outputs (tanh's VJP reads them) and the last
    # sum's input, as PyTorch keeps; the products and the sums go
    assert off >= 30 * N * 4
    assert on <= 11 * N * 4 + 64 * 1024


def test_a_result_the_user_holds_is_never_touched():
    x = bibun.tensor(X, requires_grad=True)
    a, b = bibun.tensor(A), bibun.tensor(B)
    kept = x * a
    h = kept + b
    view = weakref.ref(h)                  # a weak reference keeps it too
    y = bibun.tanh(h) * a
    z = y + b
    del h
    assert np.array_equal(kept.detach().numpy(), X * A)
    assert np.array_equal(view().detach().numpy(), X * A + B)
    z.sum().backward()
    assert np.array_equal(kept.detach().numpy(), X * A)


def test_what_a_vjp_reads_is_kept():
    x = bibun.tensor(X, requires_grad=True)
    a = bibun.tensor(A, requires_grad=True)
    y = (x * a) * (x + a)              # mul reads both inputs: neither may go
    z = bibun.exp(y) + 1               # exp reads its output
    w = z * 2
    w.sum().backward()
    x64, a64 = X.astype(np.float64), A.astype(np.float64)
    dx = np.exp(x64 * a64 * (x64 + a64)) * 2 * (a64 * (x64 + a64) + x64 * a64)
    np.testing.assert_allclose(x.grad.detach().numpy(), dx, rtol=2e-5)


def test_retain_grad_and_hooks_still_see_their_tensor():
    x = bibun.tensor(X, requires_grad=True)
    a, b = bibun.tensor(A), bibun.tensor(B)
    m = x * a
    m.retain_grad()
    seen = []
    s = m + b
    s.register_hook(lambda g: seen.append(g.numpy().copy()))
    y = bibun.tanh(s) * a
    y.sum().backward()
    t = np.tanh(X * A + B)
    np.testing.assert_array_equal(seen[0], (A * (1 - t * t)).astype(np.float32))
    np.testing.assert_array_equal(m.grad.detach().numpy(), seen[0])
    assert np.array_equal(m.detach().numpy(), X * A)


def test_a_tensor_used_twice_is_kept_for_the_vjp_that_reads_it():
    x = bibun.tensor(X, requires_grad=True)
    h = x * 3
    y = h * h                          # mul reads both sides: h is read
    z = y + 1
    (z * 1).sum().backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), 18 * X.astype(np.float64), rtol=1e-6)


def test_second_derivatives_through_released_results():
    # backward with create_graph runs each op again from its inputs: what was let go of is never read
    def f(x):
        y = x * 2.0
        y = y + 1.0
        y = bibun.tanh(y)
        y = y * 3.0
        return y.sum()
    x = bibun.tensor(X.astype(np.float64), requires_grad=True)
    (g,) = bibun.autograd.grad(f(x), x, create_graph=True)
    (h,) = bibun.autograd.grad(g.sum(), x)
    t = np.tanh(2 * X.astype(np.float64) + 1)
    np.testing.assert_allclose(g.detach().numpy(), 6 * (1 - t * t), rtol=1e-12)
    np.testing.assert_allclose(h.numpy(), 6 * (-2 * t) * (1 - t * t) * 2, rtol=1e-12)


def test_retain_graph_backward_twice_gives_the_same_gradients():
    x = bibun.tensor(X, requires_grad=True)
    loss = chain(x, bibun.tensor(A), bibun.tensor(B), groups=3)
    loss.backward(retain_graph=True)
    first = x.grad.detach().numpy().copy()
    x.grad = None
    loss.backward()
    assert np.array_equal(first, x.grad.detach().numpy())


def test_nothing_is_let_go_of_while_explain_records():
    from bibun.autograd import engine

    class Quiet:
        def on_forward(self, *a):
            pass

    prev = engine.set_tracer(Quiet())
    try:
        x = bibun.tensor(X, requires_grad=True)
        y = x * bibun.tensor(A)
        z = y + 1
        w = bibun.tanh(z)
        node = w.grad_fn.inputs[0].grad_fn          # add: its input y must still hold its values
        assert np.array_equal(node.inputs[0].detach().numpy(), X * A)
    finally:
        engine.set_tracer(prev)


def test_small_tensors_keep_every_value():
    x = bibun.tensor([0.5, -0.25], requires_grad=True)
    y = x * 2
    z = bibun.tanh(y + 1)
    w = z * 3
    assert np.array_equal(w.grad_fn.inputs[0].grad_fn.inputs[0].grad_fn.inputs[0].detach().numpy(), [1.0, -0.5])
