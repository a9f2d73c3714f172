"""bibun.jit's hazards: what changes between calls is seen (learning rates, loaded weights, replaced
parameters, zero_grad's mode), what a replay cannot follow is refused at trace time with a message that says
what to do, and the cache stays bounded."""
import warnings

import numpy as np
import pytest

import bibun
from bibun import nn, optim
from bibun.jit import TraceError

FROZEN = ("on a traced tensor: inside bibun.jit this value would be frozen at its first value; return the tensor "
          "and call")


def _setup(make_opt=lambda ps: optim.SGD(ps, lr=0.5), set_to_none=True):
    bibun.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    opt = make_opt(model.parameters())
    loss_fn = nn.MSELoss()

    def step(x, y):
        opt.zero_grad(set_to_none=set_to_none)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return model, opt, step


def _batches(n=6, size=5):
    rng = np.random.default_rng(7)
    return [(bibun.tensor(rng.standard_normal((size, 3), dtype=np.float32)),
             bibun.tensor(rng.standard_normal((size, 1), dtype=np.float32))) for _ in range(n)]


def _params_equal(m1, m2):
    return all(np.array_equal(p._data, q._data) and np.array_equal(p.grad._data, q.grad._data)
               for p, q in zip(m1.parameters(), m2.parameters()))


def test_a_scheduler_changing_the_learning_rate_between_calls_is_seen():
    runs = []
    for jitted in (False, True):
        model, opt, step = _setup(lambda ps: optim.Adam(ps, lr=0.01))
        sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
        step = bibun.jit(step) if jitted else step
        losses = []
        for x, y in _batches(8):
            losses.append(step(x, y)._data)
            sched.step()
        runs.append((model, opt, losses))
    (m1, o1, l1), (m2, o2, l2) = runs
    assert _params_equal(m1, m2) and all(np.array_equal(a, b) for a, b in zip(l1, l2))
    assert [o1.state[p]["step"] for p in m1.parameters()] == [o2.state[p]["step"] for p in m2.parameters()] == [8] * 4


def test_zero_grad_without_set_to_none_accumulates_as_eager_does():
    (m1, _, s1), (m2, _, s2) = _setup(set_to_none=False), _setup(set_to_none=False)
    s2 = bibun.jit(s2)
    grads = []
    for x, y in _batches():
        s1(x, y)
        s2(x, y)
        grads.append(m2[0].weight.grad)
    assert _params_equal(m1, m2)
    assert all(g is grads[0] for g in grads[1:])          # the same .grad tensor, zeroed and refilled in place


def test_load_state_dict_between_calls_is_seen():
    bibun.manual_seed(5)
    fresh = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1)).state_dict()
    (m1, o1, s1), (m2, o2, s2) = _setup(), _setup()
    s2 = bibun.jit(s2)
    batches = _batches()
    for x, y in batches[:3]:
        s1(x, y)
        s2(x, y)
    m1.load_state_dict(fresh)
    m2.load_state_dict(fresh)
    m2[2].bias.data = bibun.tensor([0.25])                  # a rebound array is followed too
    m1[2].bias.data = bibun.tensor([0.25])
    for x, y in batches[3:]:
        s1(x, y)
        s2(x, y)
    assert _params_equal(m1, m2) and s2.traces == 1


def test_replacing_a_parameter_traces_again_and_uses_the_new_one():
    (m1, _, s1), (m2, _, s2) = _setup(), _setup()
    s2 = bibun.jit(s2)
    x, y = _batches(1)[0]
    s1(x, y)
    s2(x, y)
    s2(x, y)
    s1(x, y)
    w = np.full((1, 4), 0.5, np.float32)
    m1[2].weight = nn.Parameter(bibun.tensor(w))
    m2[2].weight = nn.Parameter(bibun.tensor(w))
    for _ in range(2):
        assert np.array_equal(s1(x, y)._data, s2(x, y)._data)
    assert s2.traces == 2 and np.array_equal(m1[2].weight._data, m2[2].weight._data)


def test_the_cache_is_bounded_and_a_function_that_keeps_tracing_warns_once_naming_the_argument():
    f = bibun.jit(lambda xb: (xb * 2).sum(), cache_size=3)
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        for n in range(1, 9):
            assert f(bibun.ones(n)).item() == 2 * n
    msgs = [str(w.message) for w in got if "bibun.jit" in str(w.message)]
    assert len(msgs) == 1
    assert "argument 0 (xb) changed from float32[3] to float32[4]" in msgs[0]
    assert len(f._cache) == 3 and f.traces == 8


@pytest.mark.parametrize("read", [lambda t: t.item(), lambda t: t.tolist(), lambda t: t.numpy(),
                                  lambda t: bool(t), lambda t: float(t)],
                         ids=["item", "tolist", "numpy", "bool", "float"])
def test_reading_a_traced_value_as_python_is_refused(read):
    w = bibun.tensor([0.5, 1.0])

    def f(x):
        s = (x * w).sum()
        read(s.detach() if read.__code__.co_names == ("numpy",) else s)
        return s
    with pytest.raises(TraceError) as e:
        bibun.jit(f)(bibun.tensor([1.0, 2.0]))
    assert FROZEN in str(e.value)


def test_if_on_a_traced_tensor_is_refused_with_the_item_advice():
    def f(x):
        if (x.sum() > 0):
            return x * 2
        return x
    with pytest.raises(TraceError, match=r"bool\(\) on a traced tensor: inside bibun.jit this value would be "
                                         r"frozen at its first value; return the tensor and call"):
        bibun.jit(f)(bibun.tensor([1.0]))


def test_item_inside_the_step_is_refused_and_outside_it_works():
    model, opt, step = _setup()

    def bad(x, y):
        return step(x, y).item()
    x, y = _batches(1)[0]
    with pytest.raises(TraceError, match=r"\.item\(\) on a traced tensor"):
        bibun.jit(bad)(x, y)
    good = bibun.jit(step)
    assert isinstance(good(x, y).item(), float) and isinstance(good(x, y).item(), float)


def test_creating_parameters_inside_is_refused():
    def f(x):
        lin = nn.Linear(1, 1)
        return lin(x)
    with pytest.raises(TraceError, match="creating a Parameter inside bibun.jit"):
        bibun.jit(f)(bibun.ones(2, 1))


def test_random_draws_inside_are_refused():
    model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
    with pytest.raises(TraceError, match="random numbers drawn inside bibun.jit would be the same on every replay"):
        bibun.jit(model)(bibun.ones(3, 2))
    model.eval()                                   # no draw: traces and replays
    f = bibun.jit(model)
    assert np.array_equal(f(bibun.ones(3, 2))._data, model(bibun.ones(3, 2))._data)
    assert np.array_equal(f(bibun.ones(3, 2))._data, model(bibun.ones(3, 2))._data)


def test_hooks_are_refused():
    w = bibun.tensor([1.0, 2.0], requires_grad=True)
    w.register_hook(lambda g: g * 2)

    def f(x):
        (w * x).sum().backward()
        return w.grad
    with pytest.raises(TraceError, match="gradient hooks"):
        bibun.jit(f)(bibun.tensor([1.0, 1.0]))


def test_detect_anomaly_inside_is_refused_and_around_it_runs_eagerly():
    def f(x):
        with bibun.autograd.detect_anomaly():
            return (x * 2).sum()
    with pytest.raises(TraceError, match="cannot record inside a function that bibun.jit is tracing"):
        bibun.jit(f)(bibun.tensor([1.0]))

    g = bibun.jit(lambda x: bibun.log(x).sum())
    g(bibun.tensor([1.0]))
    with pytest.raises(RuntimeError, match="produced NaN or inf"):
        with bibun.autograd.detect_anomaly():
            g(bibun.tensor([0.0]))                 # eager under detect_anomaly: the check runs


def test_plan_lists_forward_backward_and_update_steps():
    model, opt, step = _setup()
    jitted = bibun.jit(step)
    x, y = _batches(1)[0]
    text = str(jitted.plan(x, y))
    lines = text.splitlines()
    assert lines[0] == "step(float32[5, 3], float32[5, 1]): 17 steps"
    body = "\n".join(lines[1:])
    for expected in ["zero_grad([model.0.weight, model.0.bias, model.2.weight, model.2.bias], set_to_none=True)",
                     "= linear(%0, ", "= tanh(", "= mse_loss(", "mse_loss.vjp[0](g=1.0", "tanh.vjp(g=",
                     "model.0.weight.grad += ", "SGD.step()"]:
        assert expected in body, expected
    numbers = [int(ln.split()[0]) for ln in lines if ln.strip()[:1].isdigit()]
    assert numbers == list(range(1, 18))
    assert jitted.traces == 1 and len(jitted.plan(x, y)) == 17      # a second plan() reuses the trace
