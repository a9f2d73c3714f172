"""bibun.jit passes a VJP the arguments its code never reads as None (bibun/jit/_unread.py), so the plan
keeps a forward value only while some step reads it; what a VJP reads, even only for .shape, stays."""
import numpy as np

import bibun
from bibun.jit._unread import _find_unread


def test_mul_and_tanh_vjps_get_none_for_what_they_never_read():
    a = bibun.tensor([1.5, -2.0, 0.5])

    def f(x):
        return bibun.tanh(x * a).sum()

    x = bibun.tensor([0.1, 0.2, 0.3])
    plan = str(bibun.jit(bibun.grad(f)).plan(x))
    vjps = [line for line in plan.splitlines() if ".vjp" in line]
    tanh_line = next(v for v in vjps if "tanh.vjp" in v)
    mul_line = next(v for v in vjps if "mul.vjp" in v)
    assert tanh_line.rstrip().endswith(", None)")              # tanh's VJP reads its output, not its input
    assert "out=None" in mul_line                               # mul's VJP never reads its output
    sum_line = next(v for v in vjps if "sum.vjp" in v)
    assert "out=None, %" in sum_line                            # it reads its input, for its shape


def test_the_analysis_reads_the_code():
    assert _find_unread(lambda xp, g, out, a, b: g * b, 5) == (0, 2, 3)
    assert _find_unread(lambda xp, g, out, a: xp.broadcast_to(g, a.shape), 4) == (2,)

    def closes_over(xp, g, out, a):
        return (lambda: g * a)()
    assert _find_unread(closes_over, 4) == (0, 2)

    def star(xp, g, out, *args):
        return g
    assert _find_unread(star, 5) == (0, 2, 3, 4)
    assert _find_unread(np.add, 2) == ()                        # no Python code to read: keep everything


def test_replays_still_match_eager_bits():
    rs = np.random.RandomState(0)
    a = bibun.tensor(rs.randn(50).astype(np.float32))
    x = bibun.tensor(rs.randn(50).astype(np.float32))

    def f(x):
        return (bibun.sigmoid(x * a) / (1.5 + bibun.exp(-x))).sum()

    g = bibun.jit(bibun.grad(f))
    x2 = bibun.tensor(x.numpy(), requires_grad=True)
    f(x2).backward()
    for _ in range(2):
        assert np.array_equal(g(x).numpy(), x2.grad.numpy())
