"""bibun.jit's fusion of elementwise runs into numexpr kernels (bibun/jit/_fuse.py).

Tolerance: every float32 operation (a kernel's operator, or one unfused step) rounds its result to within
one ulp, a relative 2^-23, in the fused and the eager computation alike. The inputs below keep every
operation's condition number at most 1 (positive values, no subtraction that cancels), so the relative
errors of a value add up along its path at most: fused and eager differ by at most 2 · n · 2^-23 relative,
n the number of operations in the plan (a bound on any one path's length)."""
import re
import sys

import numpy as np
import pytest

import bibun
from bibun.jit import _fuse

pytest.importorskip("numexpr")

ULP32 = 2.0 ** -23
N = 2 ** 15


def _operations(plan):
    """How many float32 operations a plan makes at most: each kernel's operators and functions, one for
    each other step."""
    n = 0
    for st in plan.steps:
        if st.kind == "fused":
            n += len(re.findall(r"[-+*/]|\*\*|\b(?:where|exp|log|tanh|sqrt|sin|cos|abs)\(", st.fn.text))
        else:
            n += 1
    return n


def _close(got, want, plan):
    rtol = 2 * _operations(plan) * ULP32
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    err = np.max(np.abs(got - want) / np.abs(want))
    assert err <= rtol, f"relative error {err:.3g} over the bound {rtol:.3g}"


def _vectors(n, seed=0):
    rs = np.random.RandomState(seed)
    a = bibun.tensor((1 + 0.1 * rs.rand(n)).astype(np.float32))
    b = bibun.tensor((0.01 + 0.01 * rs.rand(n)).astype(np.float32))
    x = bibun.tensor((0.1 + 0.3 * rs.rand(n)).astype(np.float32))
    return a, b, x


def _chain(a, b, groups=10):
    def chain(x):
        y = x
        for _ in range(groups):
            y = bibun.tanh(y * a + b)
        return y.sum()
    return chain


def _kernels(plan):
    return [st for st in plan.steps if st.kind == "fused"]


def test_chain_gradient_is_fused_and_matches_eager_within_rounding():
    a, b, x = _vectors(N)
    chain = _chain(a, b)
    g = bibun.jit(bibun.grad(chain))
    plan = g.plan(x)
    kernels = _kernels(plan)
    # each [mul, add] of the forward is one kernel (tanh stays NumPy's), the whole backward one more
    assert len(kernels) == 11 and len(kernels[-1].fn.steps) == 20
    want = bibun.grad(chain)(x)
    for _ in range(2):                               # the trace's own call, then a replay
        _close(g(x).numpy(), want.numpy(), plan)


def test_each_fusable_op_forward_and_backward_matches_eager():
    a, b, x = _vectors(N, seed=1)
    mask = bibun.tensor(np.random.RandomState(2).rand(N) > 0.5)

    def f(x):
        y = (x * a - b) / a                          # positive: b < x * a
        y = -(-y) + bibun.exp(y) * bibun.sigmoid(y)
        y = bibun.log(y + 1) ** 2 + bibun.relu(y)
        y = bibun.where(mask, y, y * b) * bibun.sqrt(y)
        return (y * a).sum()

    g = bibun.jit(bibun.grad(f))
    plan = g.plan(x)
    fused = [m.name for k in _kernels(plan) for m in k.fn.steps]
    for name in ("sub", "div", "neg", "pow", "where", "mul.vjp[0]", "div.vjp[0]", "exp.vjp", "log.vjp",
                 "sigmoid.vjp", "relu.vjp", "pow.vjp[0]", "where.vjp[1]", "sqrt.vjp", "neg.vjp"):
        assert name in fused, name
    _close(g(x).numpy(), bibun.grad(f)(x).numpy(), plan)


def test_values_read_after_a_run_are_kept():
    a, b, x = _vectors(N)

    def f(x):
        y = x * a
        z = y + b
        return z, z * z * a, y.sum()

    jf = bibun.jit(f)
    plan = jf.plan(x)
    # y and z are read after the run: each stays an array (one NumPy step each); z * z * a is one kernel
    assert [st.name for st in plan.steps] == ["mul", "add", "fused2", "sum"]
    got, want = jf(x), f(x)
    for gv, wv in zip(got, want):
        _close(gv.numpy(), wv.numpy(), plan)


def test_training_steps_fused_match_eager_within_rounding():
    rs = np.random.RandomState(3)
    x = bibun.tensor((0.5 + rs.rand(N)).astype(np.float32))
    y = bibun.tensor((2 + rs.rand(N)).astype(np.float32))
    w0 = (1 + 0.1 * rs.rand(N)).astype(np.float32)
    runs = []
    for jitted in (False, True):
        w = bibun.nn.Parameter(bibun.tensor(w0.copy()))
        opt = bibun.optim.SGD([w], lr=1e-3)

        def step(x, y):
            opt.zero_grad()
            loss = ((y - w * x) ** 2).sum()          # y > w x: no cancellation in y - w x
            loss.backward()
            opt.step()
            return loss

        f = bibun.jit(step) if jitted else step
        for _ in range(3):
            f(x, y)
        runs.append(w.detach().numpy().copy())
    plan = f.plan(x, y)
    assert _kernels(plan)
    _close(runs[1], runs[0], plan)


def test_plan_printout_lists_the_steps_each_kernel_replaces():
    a, b, x = _vectors(N)
    text = str(bibun.jit(bibun.grad(_chain(a, b, groups=2))).plan(x))
    assert re.search(r"%\d+ float32\[32768\] = fused2\(%0, %\d+:a, %\d+:b\)\n"
                     r" +\| %\d+ float32\[32768\] = mul\(%0, %\d+:a\)\n"
                     r" +\| %\d+ float32\[32768\] = add\(%\d+, %\d+:b\)\n", text), text
    assert "fused4(" in text and "| %" in text and "tanh.vjp(g=" in text


def _bit_identical_and_unfused(g, chain, x):
    plan = g.plan(x)
    assert not _kernels(plan)
    want = bibun.grad(chain)(x).numpy()
    assert np.array_equal(g(x).numpy(), want)


def test_without_numexpr_the_plan_stays_plain(monkeypatch):
    monkeypatch.setitem(sys.modules, "numexpr", None)      # import numexpr raises ImportError
    a, b, x = _vectors(N)
    chain = _chain(a, b)
    _bit_identical_and_unfused(bibun.jit(bibun.grad(chain)), chain, x)


def test_arrays_under_the_threshold_stay_plain_and_exact():
    a, b, x = _vectors(_fuse.MIN_SIZE - 1)
    chain = _chain(a, b)
    _bit_identical_and_unfused(bibun.jit(bibun.grad(chain)), chain, x)
    a, b, x = _vectors(_fuse.MIN_SIZE)
    assert _kernels(bibun.jit(bibun.grad(_chain(a, b))).plan(x))


def test_switched_off_the_plan_stays_plain(monkeypatch):
    monkeypatch.setattr(_fuse, "enabled", False)
    a, b, x = _vectors(N)
    chain = _chain(a, b)
    _bit_identical_and_unfused(bibun.jit(bibun.grad(chain)), chain, x)
