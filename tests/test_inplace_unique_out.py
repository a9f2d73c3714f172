"""The in-place variants beginners use (exp_, unsqueeze_, clamp_min_, ...), torch.unique, the comparison
functions, out= and torch.save(model) refused: against PyTorch in float64."""
import io

import numpy as np
import pytest

import bibun

torch = pytest.importorskip("torch")

X = np.array([[0.3, -1.2, 2.0], [0.9, -0.4, 1.5]])
POS = np.abs(X) + 0.1

# (method, args, input): each in PyTorch too
ELEMENTWISE = [("abs_", (), X), ("exp_", (), X), ("log_", (), POS), ("neg_", (), X), ("sqrt_", (), POS),
               ("pow_", (3,), X), ("pow_", (0.5,), POS), ("sigmoid_", (), X), ("tanh_", (), X), ("relu_", (), X),
               ("sin_", (), X), ("cos_", (), X), ("reciprocal_", (), POS), ("square_", (), X),
               ("clamp_", (-0.5, 1.0), X), ("clip_", (-0.5, 1.0), X), ("clamp_min_", (0.0,), X),
               ("clamp_max_", (0.5,), X)]
SHAPES = [("unsqueeze_", (0,)), ("unsqueeze_", (-1,)), ("squeeze_", ()), ("t_", ()), ("transpose_", (0, 1))]


def _run(lib, method, args, x0, through):
    """y = (w * c) changed in place, then a weighted sum backward; returns y and w.grad."""
    w = lib.tensor(x0, requires_grad=True)
    y = w * 1.0
    if through:
        y = y.unsqueeze(0)              # a shape the squeeze_ cases can remove
    r = getattr(y, method)(*args)
    assert r is y
    weights = lib.tensor(np.arange(1.0, 1.0 + y.numel()).reshape(tuple(y.shape)), dtype=lib.float64)
    (y * weights).sum().backward()
    return y.detach().numpy(), w.grad.numpy(), y.grad_fn.name() if lib is bibun else type(y.grad_fn).__name__


@pytest.mark.parametrize("method, args, x0", ELEMENTWISE, ids=[f"{m}{a}" for m, a, _ in ELEMENTWISE])
def test_elementwise_inplace_matches_pytorch_values_and_gradients(method, args, x0):
    got, want = _run(bibun, method, args, x0, False), _run(torch, method, args, x0, False)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-15, atol=1e-16)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-14, atol=1e-16)


@pytest.mark.parametrize("method, args", SHAPES)
def test_shape_inplace_matches_pytorch(method, args):
    got, want = _run(bibun, method, args, X, method == "squeeze_"), _run(torch, method, args, X, method == "squeeze_")
    assert got[0].shape == want[0].shape
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])


@pytest.mark.parametrize("method, args, x0", ELEMENTWISE[:6] + [("unsqueeze_", (1,), X), ("t_", (), X)])
def test_inplace_without_grad_changes_the_tensor_and_its_views(method, args, x0):
    a = bibun.tensor(x0)
    ta = torch.tensor(x0)
    view, tview = a.data, ta.data
    getattr(a, method)(*args)
    getattr(ta, method)(*args)
    np.testing.assert_allclose(a.numpy(), ta.numpy(), rtol=1e-15)
    np.testing.assert_allclose(view.numpy(), tview.numpy(), rtol=1e-15)   # the same numbers underneath


def test_inplace_on_a_leaf_that_requires_grad_is_refused():
    for method, args in (("exp_", ()), ("unsqueeze_", (0,)), ("clamp_min_", (0,))):
        w = bibun.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError, match=f"a leaf Variable that requires grad is being used in an in-place "
                                               f"operation: `w.{method}"):
            getattr(w, method)(*args)
        with bibun.no_grad():
            getattr(w, method)(*args)          # allowed, as an update


def test_inplace_after_use_is_detected_by_backward():
    for method, args in (("exp_", ()), ("unsqueeze_", (0,)), ("abs_", ())):
        w = bibun.ones(3, requires_grad=True)
        x = bibun.ones(3)
        y = (x * w).sum()
        getattr(x, method)(*args)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.backward()


def test_inplace_errors_as_pytorch():
    with pytest.raises(RuntimeError, match="result type bibun.float32 can't be cast to the desired output type "
                                           "bibun.int64"):
        bibun.tensor([1, 2]).exp_()
    with pytest.raises(RuntimeError, match=r"output with shape \[3\] doesn't match the broadcast shape \[2, 3\]"):
        bibun.ones(3).pow_(bibun.ones(2, 3))
    with pytest.raises(RuntimeError, match="t\\(\\) expects a tensor with <= 2 dimensions"):
        bibun.ones(2, 3, 4).t_()


def test_integer_inplace_keeps_the_dtype():
    a, ta = bibun.tensor([-3, 2]), torch.tensor([-3, 2])
    assert a.abs_().tolist() == ta.abs_().tolist() and a.dtype == bibun.int64
    assert a.clamp_max_(2).tolist() == ta.clamp_max_(2).tolist()


def test_clamp_min_max_functions():
    x = bibun.tensor(X, requires_grad=True)
    x.clamp_min(0.0).sum().backward()
    tx = torch.tensor(X, requires_grad=True)
    tx.clamp_min(0.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    assert bibun.tensor(X).clamp_max(0.5).tolist() == torch.tensor(X).clamp_max(0.5).tolist()


# ---- unique ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape, dim", [((12,), None), ((3, 4), None), ((6, 2), 0), ((2, 6), 1), ((2, 3, 2), 0)])
@pytest.mark.parametrize("flags", [(False, False), (True, False), (False, True), (True, True)])
def test_unique_matches_pytorch(shape, dim, flags):
    a = np.random.default_rng(sum(shape)).integers(0, 3, shape)
    got = bibun.unique(bibun.tensor(a), sorted=True, return_inverse=flags[0], return_counts=flags[1], dim=dim)
    want = torch.unique(torch.tensor(a), sorted=True, return_inverse=flags[0], return_counts=flags[1], dim=dim)
    got, want = (got, want) if isinstance(want, tuple) else ((got,), (want,))
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.dtype == getattr(bibun, str(w.dtype).split(".")[1]) and g.tolist() == w.tolist()
    counts = bibun.tensor(a).unique(return_counts=True)[1]
    assert counts.tolist() == torch.tensor(a).unique(return_counts=True)[1].tolist()


def test_unique_of_floats_and_of_a_tensor_with_grad():
    a = np.array([2.5, -1.0, 2.5, 0.0])
    got = bibun.unique(bibun.tensor(a, requires_grad=True))
    assert got.tolist() == torch.unique(torch.tensor(a)).tolist() and not got.requires_grad


# ---- comparison functions and out= ---------------------------------------------------------------------

@pytest.mark.parametrize("name", ["eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less",
                                  "less_equal", "not_equal"])
def test_comparison_functions(name):
    a, b = np.array([1.0, 2.0, 3.0]), np.array([[2.0], [1.0]])
    got = getattr(bibun, name)(bibun.tensor(a), bibun.tensor(b))
    want = getattr(torch, name)(torch.tensor(a), torch.tensor(b))
    assert got.dtype == bibun.bool and got.tolist() == want.tolist()
    assert getattr(bibun, name)(bibun.tensor(a), 2.0).tolist() == getattr(torch, name)(torch.tensor(a), 2.0).tolist()


A = np.array([[0.3, -1.2, 2.0], [0.9, -0.4, 1.5]])
B = np.array([[1.0, 0.5, -2.0], [0.25, 3.0, 1.0]])
OUT_CALLS = [
    ("add", lambda L, o: L.add(L.tensor(A), L.tensor(B), out=o)),
    ("add alpha", lambda L, o: L.add(L.tensor(A), L.tensor(B), alpha=2, out=o)),
    ("sub", lambda L, o: L.sub(L.tensor(A), L.tensor(B), out=o)),
    ("mul", lambda L, o: L.mul(L.tensor(A), 3.0, out=o)),
    ("div", lambda L, o: L.div(L.tensor(A), L.tensor(B), out=o)),
    ("matmul", lambda L, o: L.matmul(L.tensor(A), L.tensor(B).T, out=o)),
    ("mm", lambda L, o: L.mm(L.tensor(A).T, L.tensor(B), out=o)),
    ("sum dim", lambda L, o: L.sum(L.tensor(A), 1, out=o)),
    ("mean dim", lambda L, o: L.mean(L.tensor(A), 0, keepdim=True, out=o)),
    ("exp", lambda L, o: L.exp(L.tensor(A), out=o)),
    ("sqrt", lambda L, o: L.sqrt(L.tensor(np.abs(A)), out=o)),
    ("pow", lambda L, o: L.pow(L.tensor(A), 2, out=o)),
    ("clamp", lambda L, o: L.clamp(L.tensor(A), -1, 1, out=o)),
    ("maximum", lambda L, o: L.maximum(L.tensor(A), L.tensor(B), out=o)),
    ("cat", lambda L, o: L.cat([L.tensor(A), L.tensor(B)], 1, out=o)),
    ("stack", lambda L, o: L.stack([L.tensor(A), L.tensor(B)], out=o)),
]


@pytest.mark.parametrize("name, call", OUT_CALLS, ids=[n for n, _ in OUT_CALLS])
def test_out_matches_pytorch(name, call):
    results = {}
    for lib in (bibun, torch):
        want_shape = tuple(call(lib, None).shape)
        o = lib.empty(want_shape, dtype=lib.float64)
        keep = o.data if lib is bibun else o                 # the same storage before and after
        r = call(lib, o)
        assert r is o
        results[lib] = (o.numpy().copy(), keep.numpy().copy())
    np.testing.assert_allclose(results[bibun][0], results[torch][0], rtol=1e-15)
    np.testing.assert_array_equal(results[bibun][1], results[bibun][0])


def test_out_is_resized_with_pytorchs_warning_and_refuses_a_narrower_dtype():
    o = bibun.empty(5)
    with pytest.warns(UserWarning, match=r"An output with one or more elements was resized since it had shape \[5\]"):
        bibun.add(bibun.ones(3), bibun.ones(3), out=o)
    assert o.tolist() == [2.0, 2.0, 2.0]
    silent = bibun.empty(0)
    bibun.mul(bibun.ones(2), 3.0, out=silent)
    assert silent.tolist() == [3.0, 3.0]
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type bibun.int64"):
        bibun.add(bibun.ones(3), bibun.ones(3), out=bibun.empty(3, dtype=bibun.int64))
    ints = bibun.empty(2, dtype=bibun.int64)
    assert bibun.eq(bibun.tensor([1, 2]), 2, out=bibun.empty(2, dtype=bibun.bool)).tolist() == [False, True]
    assert bibun.add(bibun.tensor([1, 2]), 1, out=ints) is ints and ints.tolist() == [2, 3]


def test_out_refuses_tensors_that_require_grad():
    w = bibun.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"add\(\): functions with out=... arguments don't support automatic "
                                           r"differentiation, but one of the arguments requires grad"):
        bibun.add(w, 1.0, out=bibun.empty(3))
    with pytest.raises(RuntimeError, match=r"cat\(\): functions with out="):
        bibun.cat([w, w], out=bibun.empty(6))
    with bibun.no_grad():
        o = bibun.add(w, 1.0, out=bibun.empty(3))
    assert o.tolist() == [2.0, 2.0, 2.0]


# ---- saving a whole model is refused -----------------------------------------------------------------------

def test_saving_a_model_says_to_save_its_state_dict(tmp_path):
    model = bibun.nn.Sequential(bibun.nn.Linear(2, 3), bibun.nn.ReLU())
    with pytest.raises(TypeError, match=r"bibun.save cannot store Sequential: .* \(save model.state_dict\(\), not "
                                        r"the model\)"):
        bibun.save(model, tmp_path / "model.pt")
    assert not (tmp_path / "model.pt").exists()
    opt = bibun.optim.RMSprop(model.parameters())
    with pytest.raises(TypeError, match="cannot store RMSprop"):
        bibun.save(opt, io.BytesIO())
    bibun.save({"model": model.state_dict(), "optimizer": opt.state_dict()}, tmp_path / "ok.pt")
    assert set(bibun.load(tmp_path / "ok.pt")) == {"model", "optimizer"}
