"""bibun.jit's replay without overhead: the plan pass that drops pass-through steps, and the generated replay
function (no Python call per step, plain SGD's update written out) keep every result bit-identical to eager
execution and every side effect eager execution has (version ticks, the optimizer's fallbacks)."""
import sys
import warnings

import numpy as np
import pytest

import bibun
from bibun import nn, optim


def _arrays(seed, *shapes):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(np.float32) for s in shapes]


def _np(v):
    return v._data if isinstance(v, bibun.Tensor) else np.asarray(v)


def _names(plan):
    return [st.name for st in plan.steps]


def test_power_one_of_the_create_graph_backward_is_dropped_and_the_gradient_is_the_same_bits():
    def f(w, x):
        return ((x @ w).tanh() ** 2).mean()
    g = bibun.jit(bibun.grad(f))
    w0, x0 = _arrays(0, 3, (4, 3))
    plan = g.plan(bibun.tensor(w0, requires_grad=True), bibun.tensor(x0))
    # x**2's VJP is 2 * x**1 and the seed's x * 1.0: both hand their operand through
    assert "pow" not in _names(plan)
    assert not any(st.name == "mul" and any(plan.sources[s] == ("const", 1.0) for s in st.ins) for st in plan.steps)
    for seed in range(1, 4):
        w, x = _arrays(seed, 3, (4, 3))
        got = g(bibun.tensor(w, requires_grad=True), bibun.tensor(x))
        want = bibun.grad(f)(bibun.tensor(w, requires_grad=True), bibun.tensor(x))
        assert np.array_equal(_np(got), _np(want))


def test_a_reshape_to_the_same_shape_is_dropped_and_one_that_changes_it_is_kept():
    def f(w, x):
        return (x.reshape(3, 4) * w.reshape(3, 4)).sum() + (w.reshape(-1) ** 2).sum()
    g = bibun.jit(bibun.grad(f))
    w0, x0 = _arrays(0, (3, 4), (3, 4))
    plan = g.plan(bibun.tensor(w0, requires_grad=True), bibun.tensor(x0))
    reshapes = [st for st in plan.steps if st.name == "reshape"]
    # w.reshape(-1) and its VJP (12 back to 3 x 4) remain; the two reshapes to (3, 4) and their VJPs are gone
    assert [(plan.shapes[st.ins[0]], plan.shapes[st.out]) for st in reshapes] == [
        ("float32[3, 4]", "float32[12]"), ("float32[12]", "float32[3, 4]")]
    for seed in range(1, 4):
        w, x = _arrays(seed, (3, 4), (3, 4))
        got = g(bibun.tensor(w, requires_grad=True), bibun.tensor(x))
        want = bibun.grad(f)(bibun.tensor(w, requires_grad=True), bibun.tensor(x))
        assert np.array_equal(_np(got), _np(want))


def test_a_copy_that_is_written_into_afterwards_is_kept():
    def f(x):
        y = x * 1.0
        y += 1.0
        return x + y
    g = bibun.jit(f)
    x0, = _arrays(0, 5)
    assert "mul" in _names(g.plan(bibun.tensor(x0)))
    x1, = _arrays(1, 5)
    xt = bibun.tensor(x1)
    got = g(xt)
    assert np.array_equal(xt._data, x1)                   # the argument is unchanged
    assert np.array_equal(got._data, x1 + (x1 * 1.0 + 1.0))


def _step_of(model, opt):
    loss_fn = nn.BCEWithLogitsLoss()

    def step(xb, yb):
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        return loss
    return step


def _pair(momentum=0.0):
    out = []
    for _ in range(2):
        bibun.manual_seed(0)
        model = nn.Sequential(nn.Linear(2, 4), nn.Sigmoid(), nn.Linear(4, 1))
        opt = optim.SGD(model.parameters(), lr=0.5, momentum=momentum)
        out.append((model, opt, _step_of(model, opt)))
    (m1, o1, s1), (m2, o2, s2) = out
    return (m1, o1, s1), (m2, o2, bibun.jit(s2))


def _batch(seed):
    x, = _arrays(seed, (4, 2))
    y = (np.random.default_rng(seed).random((4, 1)) > 0.5).astype(np.float32)
    return bibun.tensor(x), bibun.tensor(y)


def _same(m1, m2):
    for p, q in zip(m1.parameters(), m2.parameters()):
        assert np.array_equal(p._data, q._data)
        assert np.array_equal(p.grad._data, q.grad._data)


def test_replay_calls_no_python_per_step_and_not_the_optimizers_bookkeeping():
    (m1, o1, eager), (m2, o2, jitted) = _pair()
    jitted(*_batch(0))
    calls = []

    def profile(frame, event, arg):
        if event == "call":
            calls.append((frame.f_code.co_filename, frame.f_code.co_name))
    sys.setprofile(profile)
    try:
        jitted(*_batch(1))
    finally:
        sys.setprofile(None)
    in_jit = {name for file, name in calls if "bibun/jit/" in file.replace("\\", "/")}
    assert in_jit <= {"__call__", "key"}, in_jit          # the cache lookup, then one generated function
    assert not [c for c in calls if c[1] in ("_apply_step", "_update_group", "deliver")]
    assert sum(file.startswith("<bibun.jit replay") for file, _ in calls) == 1


def test_lean_sgd_reads_lr_live_ticks_versions_and_matches_eager_bits():
    (m1, o1, eager), (m2, o2, jitted) = _pair()
    for k in range(6):
        if k == 3:
            for o in (o1, o2):
                o.param_groups[0]["lr"] = 0.125           # a scheduler's change is seen by the next replay
        before = [p._version for p in m2.parameters()]
        eager(*_batch(k))
        jitted(*_batch(k))
        _same(m1, m2)
        assert all(p._version > v for p, v in zip(m2.parameters(), before))
        assert all(p.grad._version == bibun.autograd.version_counter.STEPPED for p in m2.parameters())


def test_an_eager_graph_made_before_a_replay_sees_the_parameters_change():
    (_, _, _), (m2, o2, jitted) = _pair()
    jitted(*_batch(0))
    x, y = _batch(1)
    loss = nn.BCEWithLogitsLoss()(m2(x), y)
    jitted(*_batch(2))                                    # the update changes the weights the graph saved
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_momentum_switched_on_after_tracing_takes_the_optimizers_own_step():
    (m1, o1, eager), (m2, o2, jitted) = _pair()
    for k in range(5):
        if k == 2:
            for o in (o1, o2):
                o.param_groups[0]["momentum"] = 0.9
        eager(*_batch(k))
        jitted(*_batch(k))
        _same(m1, m2)
    for p, q in zip(m1.parameters(), m2.parameters()):
        assert np.array_equal(o1.state[p]["momentum_buffer"], o2.state[q]["momentum_buffer"])


def test_a_parameter_without_a_gradient_warns_as_eager_does():
    bibun.manual_seed(0)
    model, unused = nn.Linear(2, 1), nn.Linear(2, 1)
    opt = optim.SGD([*model.parameters(), *unused.parameters()], lr=0.5)
    jitted = bibun.jit(_step_of(model, opt))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        jitted(*_batch(0))
        opt._warned = False
        jitted(*_batch(1))
    assert sum("got no gradient" in str(x.message) for x in w) == 2
