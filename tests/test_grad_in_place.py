"""A VJP's in-place form writes into the upstream gradient when nothing else holds it (autograd/engine.py):
the same bits as the VJP itself, and never into a gradient a hook, retain_grad or autograd.grad kept."""
import numpy as np
import pytest

import bibun
from bibun.autograd import engine
from bibun.ops._registry import OPS

N = 2 ** 15


def data(seed, dtype=np.float32):
    rs = np.random.RandomState(seed)
    v = rs.randn(N).astype(dtype) * 3
    v[:8] = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-40, -1e30, 88.5]
    return v


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["mul", "div", "neg", "sub", "exp", "tanh", "sigmoid", "relu"])
def test_each_in_place_form_gives_its_vjps_bits(name, dtype):
    op = OPS[name]
    n_in = len(op.vjp)
    ins = [data(k + 1, dtype) for k in range(n_in)]
    with np.errstate(all="ignore"):
        out = np.asarray(op.fwd(*ins))
        for i, into in enumerate(op.vjp_into):
            if into is None:
                continue
            g = data(10 + i, dtype)
            want = op.vjp[i](np, g.copy(), out, *ins)
            got = into(g, out, *ins)
            assert got is g                                 # written into the gradient it was given
            assert np.array_equal(got, want, equal_nan=True) and got.dtype == want.dtype


def test_a_result_of_another_dtype_is_left_to_the_vjp():
    g = np.ones(4, np.float32)
    assert OPS["mul"].vjp_into[0](g, g, g, np.ones(4, np.float64)) is None
    assert np.array_equal(g, np.ones(4, np.float32))


def chain(x, a, b):
    y = x
    for _ in range(6):
        y = bibun.sigmoid(bibun.tanh(y * a + b) * a) - b
    return (-y).sum()


def test_the_gradients_are_the_same_bits(monkeypatch):
    a, b = (bibun.tensor(np.random.RandomState(k).randn(N).astype(np.float32)) for k in (1, 2))
    out = []
    for m in (engine.IN_PLACE_MIN, 2 ** 62):
        monkeypatch.setattr(engine, "IN_PLACE_MIN", m)
        x = bibun.tensor(np.random.RandomState(3).randn(N).astype(np.float32), requires_grad=True)
        chain(x, a, b).backward()
        out.append(x.grad.numpy())
    assert np.array_equal(out[0], out[1])


def test_a_gradient_a_hook_kept_is_never_written_into():
    a = bibun.tensor(np.full(N, 2.0, np.float32))
    x = bibun.tensor(np.ones(N, np.float32), requires_grad=True)
    h = x * a
    kept = []
    h.register_hook(lambda g: kept.append(g))                 # the tensor itself, not a copy
    y = bibun.tanh(h) * 3.0
    y.sum().backward()
    t = np.tanh(np.float32(2.0))
    assert np.array_equal(kept[0].numpy(), np.full(N, 3.0 * (1 - t * t), np.float32))


def test_a_gradient_autograd_grad_returns_is_never_written_into():
    a = bibun.tensor(np.full(N, 2.0, np.float32))
    x = bibun.tensor(np.ones(N, np.float32), requires_grad=True)
    h = x * a
    y = bibun.tanh(h) * 3.0
    gh, gx = bibun.autograd.grad(y.sum(), [h, x])
    t = np.tanh(np.float32(2.0))
    assert np.array_equal(gh.numpy(), np.full(N, 3.0 * (1 - t * t), np.float32))
    assert np.array_equal(gx.numpy(), gh.numpy() * 2.0)
