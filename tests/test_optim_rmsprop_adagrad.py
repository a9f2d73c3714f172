"""RMSprop and Adagrad against PyTorch's, step by step in float64, every option, and their state_dict."""
import io

import numpy as np
import pytest

import bibun

torch = pytest.importorskip("torch")


def _run(lib, make_opt, steps=25, start=None, state=None):
    """Minimise a non-quadratic function of two parameters; returns their values after each step."""
    rng = np.random.default_rng(0)
    w0, b0 = (rng.standard_normal(s) for s in ((3, 4), (4,)))
    if start is not None:
        w0, b0 = start
    w = lib.tensor(w0, requires_grad=True)
    b = lib.tensor(b0, requires_grad=True)
    opt = make_opt(lib, [w, b])
    if state is not None:
        opt.load_state_dict(state)
    x = lib.tensor(rng.standard_normal((5, 3)))
    trace = []
    for _ in range(steps):
        opt.zero_grad()
        loss = ((x @ w + b).tanh() ** 2).sum() + (w ** 4).sum() * 0.1
        loss.backward()
        opt.step()
        trace.append(np.concatenate([w.detach().numpy().ravel(), b.detach().numpy()]))
    return np.array(trace), opt, (w.detach().numpy().copy(), b.detach().numpy().copy())


CONFIGS = {
    "RMSprop": [{}, {"lr": 0.05, "alpha": 0.9}, {"momentum": 0.9}, {"centered": True},
                {"centered": True, "momentum": 0.5, "weight_decay": 0.1, "eps": 1e-6}, {"maximize": True, "lr": 1e-3}],
    "Adagrad": [{}, {"lr": 0.1, "lr_decay": 0.05}, {"weight_decay": 0.2}, {"initial_accumulator_value": 0.5},
                {"eps": 1e-3, "lr_decay": 0.01, "weight_decay": 0.1, "initial_accumulator_value": 0.1},
                {"maximize": True, "lr": 1e-3}],
}
CASES = [(name, kw) for name, kws in CONFIGS.items() for kw in kws]


@pytest.mark.parametrize("name, kw", CASES, ids=[f"{n}-{sorted(k.items())}" for n, k in CASES])
def test_matches_pytorch_step_by_step(name, kw):
    make = lambda lib, params: getattr(lib.optim, name)(params, **kw)  # noqa: E731
    got, _, _ = _run(bibun, make)
    want, _, _ = _run(torch, make)
    # the same float64 operations in the same order: equal to a few ulps, after 25 steps
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-13)


def test_defaults_are_pytorchs():
    for name in ("RMSprop", "Adagrad"):
        ours = getattr(bibun.optim, name)([bibun.zeros(1, requires_grad=True)]).defaults
        theirs = getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)]).defaults
        assert ours == {k: theirs[k] for k in ours}, name


@pytest.mark.parametrize("name, kw", [("RMSprop", {"momentum": 0.9, "centered": True}),
                                      ("Adagrad", {"lr_decay": 0.1, "initial_accumulator_value": 0.2})])
def test_state_dict_resumes_exactly(name, kw):
    make = lambda lib, params: getattr(lib.optim, name)(params, **kw)  # noqa: E731
    whole, _, _ = _run(bibun, make, steps=10)
    first, opt, start = _run(bibun, make, steps=5)
    buf = io.BytesIO()
    bibun.save(opt.state_dict(), buf)                # through a file, as a checkpoint would be
    buf.seek(0)
    state = bibun.load(buf)
    rest, _, _ = _run(bibun, make, steps=5, start=start, state=state)
    np.testing.assert_array_equal(np.concatenate([first, rest]), whole)


def test_adagrad_state_exists_before_the_first_step():
    w = bibun.zeros(2, requires_grad=True)
    sd = bibun.optim.Adagrad([w], initial_accumulator_value=0.3).state_dict()
    tw = torch.zeros(2, requires_grad=True)
    tsd = torch.optim.Adagrad([tw], initial_accumulator_value=0.3).state_dict()
    assert sorted(sd["state"][0]) == sorted(tsd["state"][0]) == ["step", "sum"]
    assert sd["state"][0]["sum"].tolist() == tsd["state"][0]["sum"].tolist() == [np.float32(0.3)] * 2


def test_rmsprop_state_keys_match_pytorch():
    for lib in (bibun, torch):
        w = lib.ones(2, requires_grad=True)
        opt = lib.optim.RMSprop([w], momentum=0.9, centered=True)
        (w * w).sum().backward()
        opt.step()
        keys = sorted(opt.state_dict()["state"][0])
        assert keys == ["grad_avg", "momentum_buffer", "square_avg", "step"]


@pytest.mark.parametrize("make, message", [
    (lambda p: bibun.optim.RMSprop(p, lr=-1), "Invalid learning rate: -1"),
    (lambda p: bibun.optim.RMSprop(p, alpha=-0.5), "Invalid alpha value: -0.5"),
    (lambda p: bibun.optim.Adagrad(p, lr_decay=-1), "Invalid lr_decay value: -1"),
    (lambda p: bibun.optim.Adagrad(p, eps=-1), "Invalid epsilon value: -1")])
def test_invalid_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make([bibun.zeros(1, requires_grad=True)])
