"""Property-based tests (hypothesis, derandomized: every run tries the same cases).

Random shapes, broadcasting pairs, op sequences and values (0, negatives, very small and very large
magnitudes), checking that
  - gradients agree with central finite differences in float64 (value ranges chosen where the ops are smooth),
  - every gradient has its input's shape,
  - nothing is NaN or inf where PyTorch gives finite values (log-sigmoid, log-softmax, logsumexp, softmax,
    BCE with logits at +-1000, ...), and the values agree with PyTorch (skipped visibly without torch).
The number of cases tried is counted (conftest.py) and printed at the end of the run.
"""
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import bibun
import bibun.nn.functional as F

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed: no cross-check against it")


@pytest.fixture(autouse=True, scope="module")
def _same_cases_whatever_ran_before():
    """Hypothesis mixes literal constants of every local module imported so far into its draws, so the cases
    (and their count) would depend on which other tests ran first. Pin that pool to empty where this version
    of hypothesis has one, so that this file tries the same cases alone or in the whole suite."""
    try:
        from hypothesis.internal.conjecture import providers
        original = providers._get_local_constants
        empty = type(providers._local_constants)()
        providers.CONSTANTS_CACHE.cache.clear()
    except (ImportError, AttributeError, TypeError):
        yield                                   # a hypothesis without the pool: nothing to pin
        return
    providers._get_local_constants = lambda: empty
    providers.CONSTANTS_CACHE.cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = original
        providers.CONSTANTS_CACHE.cache.clear()


def _settings(n):
    return settings(max_examples=n, derandomize=True, deadline=None, database=None, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


F64 = bibun.float64


# -- values ----------------------------------------------------------------------------------------------------------
def magnitudes(lo_exp, hi_exp, signed=True, zero=True):
    """Numbers m * 10**e with e in [lo_exp, hi_exp] (so tiny and huge alike), optionally signed, optionally 0."""
    def make(sign, m, e):
        return sign * m * 10.0 ** e
    parts = [st.builds(make, st.sampled_from([-1.0, 1.0]) if signed else st.just(1.0),
                       st.floats(1.0, 9.99), st.integers(lo_exp, hi_exp))]
    if zero:
        parts.append(st.just(0.0))
    return st.one_of(*parts)


def arrays(shape, elements):
    return hnp.arrays(np.float64, shape, elements=elements)


small_shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)


# -- finite differences ----------------------------------------------------------------------------------------------
def _weights(shape):
    """Fixed, uneven output weights: the checked loss is sum(out * w), which exercises the whole VJP."""
    n = int(np.prod(shape))
    return np.linspace(0.6, 1.4, n).reshape(shape) if n else np.zeros(shape)


def _value(fn, arrays_):
    with bibun.no_grad():
        return fn(*[bibun.tensor(a, dtype=F64) for a in arrays_]).numpy().astype(np.float64)


def check_grads(fn, *arrays_, rtol=1e-4, atol=1e-6, max_step=None):
    """d sum(fn(x) * w) / dx_i by backward() against central differences, and grad shape == input shape."""
    arrays_ = [np.array(a, dtype=np.float64) for a in arrays_]
    xs = [bibun.tensor(a, dtype=F64, requires_grad=True) for a in arrays_]
    out = fn(*xs)
    assert out.dtype == F64
    w = _weights(tuple(out.shape))
    (out * bibun.tensor(w, dtype=F64)).sum().backward()
    for i, a in enumerate(arrays_):
        g = xs[i].grad                       # None: the input was not used (then the differences are 0)
        assert g is None or tuple(g.shape) == a.shape, (g.shape, a.shape)
        num = np.zeros_like(a)
        noise = np.zeros_like(a)          # the rounding error of each difference quotient
        for idx in np.ndindex(a.shape):
            h = min(1e-6 * max(1.0, abs(a[idx])), 1e-4)    # relative, but small enough for sin(1e4)
            if max_step is not None:
                h = min(h, max_step(a[idx]))
            plus, minus = [x.copy() for x in arrays_], [x.copy() for x in arrays_]
            plus[i][idx] += h
            minus[i][idx] -= h
            # difference the outputs element by element before weighting and summing: elements that did
            # not move cancel exactly, whatever their magnitude
            hi, lo = _value(fn, plus), _value(fn, minus)
            dh = plus[i][idx] - minus[i][idx]
            num[idx] = ((hi - lo) * w).sum() / dh
            noise[idx] = 8 * np.finfo(np.float64).eps * (np.abs(hi) * w).sum() / dh
        ana = g.numpy() if g is not None else np.zeros_like(a)
        assert np.all(np.isfinite(ana))
        bound = rtol * np.abs(num) + atol * (1.0 + np.abs(num).max(initial=0.0)) + noise
        bad = np.abs(ana - num) > bound
        assert not bad.any(), f"input {i}: backward {ana[bad]} vs finite differences {num[bad]} at {np.argwhere(bad)}"


# -- unary elementwise ops on their smooth domains -------------------------------------------------------------------
UNARY = {
    # name: (function, element strategy, step limit near a kink)
    "exp": (lambda x: x.exp(), magnitudes(-8, 1), None),                       # up to 99: e^99 ~ 1e43
    "log": (lambda x: x.log(), magnitudes(-3, 6, signed=False, zero=False), lambda v: abs(v) / 10),
    "sqrt": (lambda x: x.sqrt(), magnitudes(-3, 6, signed=False, zero=False), lambda v: abs(v) / 10),
    "reciprocal": (lambda x: x.reciprocal(), magnitudes(-2, 4, zero=False), lambda v: abs(v) / 10),
    "sin": (lambda x: x.sin(), magnitudes(-8, 2), None),
    "cos": (lambda x: x.cos(), magnitudes(-8, 2), None),
    "tanh": (lambda x: x.tanh(), magnitudes(-8, 1), None),
    "sigmoid": (lambda x: x.sigmoid(), magnitudes(-8, 1), None),
    "relu": (lambda x: x.relu(), magnitudes(-3, 4, zero=False), lambda v: abs(v) / 10),
    "abs": (lambda x: x.abs(), magnitudes(-3, 4, zero=False), lambda v: abs(v) / 10),
    "neg": (lambda x: -x, magnitudes(-8, 8), None),
    "square": (lambda x: x * x, magnitudes(-8, 5), None),
    "pow 3": (lambda x: x ** 3, magnitudes(-4, 3), None),
    "pow 0.5": (lambda x: x ** 0.5, magnitudes(-3, 6, signed=False, zero=False), lambda v: abs(v) / 10),
    "pow -1.5": (lambda x: x ** -1.5, magnitudes(-2, 4, signed=False, zero=False), lambda v: abs(v) / 10),
    "clamp": (lambda x: x.clamp(-1.0, 2.0), st.one_of(st.floats(-1e3, -1.01), st.floats(-0.99, 1.99),
                                                      st.floats(2.01, 1e3)), lambda v: 1e-3),
    "rsub 1": (lambda x: 1.0 - x, magnitudes(-8, 8), None),
    "div by 3": (lambda x: x / 3.0, magnitudes(-8, 8), None),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_gradients_match_finite_differences(name, count_case):
    fn, elements, max_step = UNARY[name]

    @_settings(100)
    @given(data=st.data())
    def run(data):
        count_case("property: unary op vs finite differences")
        x = data.draw(arrays(data.draw(small_shapes), elements))
        check_grads(fn, x, max_step=max_step)
    run()


# -- binary ops with broadcasting ------------------------------------------------------------------------------------
def _apart(a, b, gap=1e-3):
    a2, b2 = np.broadcast_arrays(a, b)
    return np.all(np.abs(a2 - b2) > gap)


BINARY = {
    "add": (lambda a, b: a + b, magnitudes(-8, 8), magnitudes(-8, 8), None),
    "sub": (lambda a, b: a - b, magnitudes(-8, 8), magnitudes(-8, 8), None),
    "mul": (lambda a, b: a * b, magnitudes(-6, 6), magnitudes(-6, 6), None),
    "div": (lambda a, b: a / b, magnitudes(-6, 6), magnitudes(-2, 4, zero=False), None),
    "pow": (lambda a, b: a ** b, magnitudes(-2, 2, signed=False, zero=False), st.floats(-3, 3), None),
    "maximum": (lambda a, b: bibun.maximum(a, b), magnitudes(-3, 3), magnitudes(-3, 3), _apart),
    "minimum": (lambda a, b: bibun.minimum(a, b), magnitudes(-3, 3), magnitudes(-3, 3), _apart),
    "where": (lambda a, b: bibun.where(a > b, a * b, a - b), st.floats(-3, 3), st.floats(-3, 3), _apart),
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_broadcast_binary_gradients(name, count_case):
    fn, ea, eb, ok = BINARY[name]

    @_settings(100)
    @given(data=st.data(), shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3))
    def run(data, shapes):
        count_case("property: broadcast binary op vs finite differences")
        sa, sb = shapes.input_shapes
        a = data.draw(arrays(sa, ea))
        b = data.draw(arrays(sb, eb))
        if ok is not None:
            assume(ok(a, b))
        check_grads(fn, a, b, max_step=(lambda v: 1e-4) if ok is not None else None)
    run()


@_settings(150)
@given(data=st.data(), batch=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, max_side=3),
       n=st.integers(1, 3), k=st.integers(1, 3), m=st.integers(1, 3), vec=st.sampled_from(["", "a", "b"]))
def test_matmul_with_batch_broadcasting(data, batch, n, k, m, vec, count_case):
    count_case("property: matmul vs finite differences")
    sa, sb = batch.input_shapes
    sa = (k,) if vec == "a" else sa + (n, k)
    sb = (k,) if vec == "b" else sb + (k, m)
    a = data.draw(arrays(sa, magnitudes(-3, 2)))
    b = data.draw(arrays(sb, magnitudes(-3, 2)))
    check_grads(lambda x, y: x @ y, a, b)


# -- reductions along random axes ------------------------------------------------------------------------------------
def _distinct(shape, scale):
    """Values with no ties (for max / min), spread over a wide range."""
    n = int(np.prod(shape))
    rng = np.random.default_rng(n)
    return (rng.permutation(n) - n / 2.0).reshape(shape) * scale + rng.uniform(-0.1, 0.1, shape) * scale


REDUCTIONS = {
    "sum": lambda x, d, k: x.sum(d, keepdim=k),
    "mean": lambda x, d, k: x.mean(d, keepdim=k),
    "var": lambda x, d, k: x.var(d, keepdim=k),
    "amax": lambda x, d, k: x.amax(d, keepdim=k),
    "amin": lambda x, d, k: x.amin(d, keepdim=k),
    "max(dim)": lambda x, d, k: x.max(d if isinstance(d, int) else -1, keepdim=k)[0],
    "logsumexp": lambda x, d, k: x.logsumexp(d if d is not None else -1, keepdim=k),
    "softmax": lambda x, d, k: x.softmax(d if isinstance(d, int) else -1),
    "log_softmax": lambda x, d, k: x.log_softmax(d if isinstance(d, int) else -1),
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_reductions_along_random_axes(name, count_case):
    fn = REDUCTIONS[name]

    @_settings(60)
    @given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), data=st.data(),
           keep=st.booleans(), scale=st.sampled_from([1e-3, 0.1, 1.0, 30.0]))
    def run(shape, data, keep, scale):
        count_case("property: reduction vs finite differences")
        nd = len(shape)
        dim = data.draw(st.one_of(st.none(), st.integers(-nd, nd - 1),
                                  st.lists(st.integers(0, nd - 1), min_size=1, max_size=nd, unique=True).map(tuple)))
        if name == "var":
            cnt = np.prod(shape) if dim is None else np.prod([shape[d] for d in np.atleast_1d(dim)])
            assume(cnt > 1)
        x = _distinct(shape, scale)
        check_grads(lambda t: fn(t, dim, keep), x, max_step=lambda v: 1e-5 * scale)
    run()


# -- shape ops and indexing ------------------------------------------------------------------------------------------
@_settings(250)
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), data=st.data())
def test_shape_ops_and_indexing(shape, data, count_case):
    count_case("property: shape op / indexing vs finite differences")
    x = data.draw(arrays(shape, magnitudes(-4, 4)))
    nd = len(shape)
    perm = tuple(data.draw(st.permutations(range(nd))))
    idx = data.draw(st.lists(st.integers(0, shape[0] - 1), min_size=1, max_size=6))      # repeats add up
    sl = slice(data.draw(st.integers(0, shape[-1] - 1)), None, data.draw(st.integers(1, 2)))
    ops = [
        lambda t: t.reshape(-1),
        lambda t: t.permute(*perm) * bibun.tensor(_weights(tuple(np.array(shape)[list(perm)])), dtype=F64),
        lambda t: t[bibun.tensor(idx)],
        lambda t: t[..., sl],
        lambda t: bibun.cat([t, t * 2.0], dim=0),
        lambda t: bibun.stack([t, t.sin()], dim=nd),
        lambda t: t.unsqueeze(0).expand(2, *shape),
        lambda t: t.flatten().unsqueeze(1).squeeze(1),
        lambda t: t.transpose(0, -1),
    ]
    op = data.draw(st.sampled_from(range(len(ops))))
    check_grads(ops[op], x)


# -- random op sequences ----------------------------------------------------------------------------------------------
SEQUENCE_OPS = {
    "sin": lambda v, y: v.sin(),
    "cos": lambda v, y: v.cos(),
    "tanh": lambda v, y: v.tanh(),
    "sigmoid": lambda v, y: v.sigmoid(),
    "mul y": lambda v, y: v * y,
    "add y": lambda v, y: v + y,
    "sub from y": lambda v, y: y - v,
    "square": lambda v, y: v * v,
    "rational": lambda v, y: v / (1.0 + v * v),
    "exp tanh": lambda v, y: v.tanh().exp(),
    "log1p square": lambda v, y: (1.0 + v * v).log(),
    "sqrt1p square": lambda v, y: (1.0 + v * v).sqrt(),
    "softmax": lambda v, y: v.softmax(-1) if v.ndim else v,
    "log_softmax": lambda v, y: v.log_softmax(-1) if v.ndim else v,
    "logsumexp keep": lambda v, y: v.logsumexp(-1, keepdim=True) + v if v.ndim else v,
    "mean keep": lambda v, y: v - v.mean(-1, keepdim=True) if v.ndim else v,
    "relu shifted": lambda v, y: (v + 10.0).relu(),
}


@_settings(400)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
       seq=st.lists(st.sampled_from(sorted(SEQUENCE_OPS)), min_size=1, max_size=6), data=st.data())
def test_random_op_sequences(shapes, seq, data, count_case):
    count_case("property: op sequence vs finite differences")
    sx, sy = shapes.input_shapes
    x = data.draw(arrays(sx, magnitudes(-6, 0)))
    y = data.draw(arrays(sy, magnitudes(-6, 0)))

    def fn(a, b):
        v = a
        for name in seq:
            v = SEQUENCE_OPS[name](v, b)
        return v
    check_grads(fn, x, y, rtol=2e-4)


# -- losses and the fused linear layer --------------------------------------------------------------------------------
@_settings(100)
@given(n=st.integers(1, 5), c=st.integers(2, 5), data=st.data(), scale=st.sampled_from([1e-4, 1.0, 20.0]),
       reduction=st.sampled_from(["mean", "sum"]))
def test_loss_gradients(n, c, data, scale, reduction, count_case):
    count_case("property: loss vs finite differences")
    z = data.draw(arrays((n, c), st.floats(-1, 1))) * scale
    t = bibun.tensor(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    y = data.draw(arrays((n, c), st.floats(0, 1)))
    check_grads(lambda a: F.cross_entropy(a, t, reduction=reduction), z)
    check_grads(lambda a: F.nll_loss(a.log_softmax(1), t, reduction=reduction), z)
    check_grads(lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction=reduction), z, y)
    check_grads(lambda a, b: F.mse_loss(a, b, reduction=reduction), z, y)


@_settings(150)
@given(lead=hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3), fin=st.integers(1, 4),
       fout=st.integers(1, 3), bias=st.booleans(), data=st.data())
def test_linear_gradients(lead, fin, fout, bias, data, count_case):
    count_case("property: linear vs finite differences")
    x = data.draw(arrays(lead + (fin,), magnitudes(-3, 2)))
    w = data.draw(arrays((fout, fin), magnitudes(-3, 1)))
    b = data.draw(arrays((fout,), magnitudes(-3, 1)))
    if bias:
        check_grads(lambda a, W, c: F.linear(a, W, c), x, w, b)
    else:
        check_grads(lambda a, W: F.linear(a, W), x, w)


# -- stability: no NaN where PyTorch is finite, and the same numbers ---------------------------------------------------
EXTREME = st.one_of(st.sampled_from([0.0, -0.0, 1000.0, -1000.0, 1e4, -1e4, 88.0, -88.0, 89.0, -104.0, 710.0,
                                     -745.0, 1e-30, -1e-30, 1e30, -1e30]),
                    magnitudes(-30, 4), st.floats(-50, 50))


# How far bibun and PyTorch may differ, derived from the arithmetic rather than observed on one machine: each
# function below is a few rounded steps (shift by the max, exp, a sum of at most 8 terms, log, one subtraction
# or division), and the exp/log/tanh kernels NumPy and PyTorch pick at run time (AVX-512, AVX2, scalar) differ
# by up to a few units in the last place. K = 16 units of rounding bound the steps and kernels together. Each
# engine is then within K·eps·S of the exact value, S being the magnitude of the terms the result is formed from
# (the `scale` of each entry in STABLE), so the two differ by at most 2·K·eps·S. Results that underflow may be
# flushed or clamped near 0 (bibun's sigmoid clamps its input where e^-x would overflow, giving 1.5·tiny in
# float64 where the exact value is 0), so an absolute 2·tiny, 2 smallest normal numbers, is allowed as well.
ROUNDING_UNITS = 16


def _compare(b_out, t_out, scale, dtype):
    """Wherever PyTorch's result is finite, bibun's is finite and within the rounding bound of it; where
    PyTorch's is not, so is bibun's."""
    b = np.asarray(b_out, dtype=np.float64)
    t = np.asarray(t_out, dtype=np.float64)
    assert b.shape == t.shape
    fin = np.isfinite(t)
    assert np.all(np.isfinite(b[fin])), (b, t)
    info = np.finfo(dtype)
    bound = 2 * ROUNDING_UNITS * float(info.eps) * np.broadcast_to(scale, t.shape)[fin] + 2 * float(info.tiny)
    err = np.abs(b[fin] - t[fin])
    assert np.all(err <= bound), f"bibun {b[fin][err > bound]} vs PyTorch {t[fin][err > bound]}, bound {bound[err > bound]}"


def _lse(x):
    m = x.max()
    return m + np.log(np.exp(x - m).sum())


def _softmax_terms(x):
    """softmax s = exp(x - lse) and the magnitude of its exponent's terms, |x| + |lse| + 1 (the 1 for the
    rounding of the sum inside the log): s is exp of a value with that absolute error, so it has that relative error."""
    lse = _lse(x)
    return np.exp(x - lse), np.abs(x) + abs(lse) + 1.0


def _scale_log_softmax(x, out, g):
    s, e = _softmax_terms(x)
    return e, 1.0 + x.size * s * e                    # out = x - lse;  g = 1 - n s


def _scale_logsumexp(x, out, g):
    s, e = _softmax_terms(x)
    return np.abs(x).max() + abs(out) + 1.0, s * e    # out = m + log(sum);  g = s


def _scale_softmax(x, out, g):
    s, e = _softmax_terms(x)
    return s * e, s * (x.size + e.max())              # g = s (1 - sum s): the sum's n roundings and each s's error


def _scale_cross_entropy(x, out, g):
    s, e = _softmax_terms(x)
    return e[0], 1.0 + s * e                          # out = lse - x0;  g = s - onehot


def _relative(x, out, g):
    return np.abs(out), np.abs(g)                     # no cancellation: each step rounds relatively


def _one_minus(x, out, g):
    return np.abs(out), np.abs(g) + np.abs(out)       # g = sigma (1 - sigma) or 1 - tanh^2: 1 - (a rounded value)


def _log_of_rounded(x, out, g):
    return 1.0 + np.abs(out), 1.0 + np.abs(g)         # log(sigma) with sigma's relative error: an absolute one


def _softplus_stable(x, out, g):
    return np.abs(out), 1.0 + np.abs(g)               # a sum of two positive terms: relative; g = sigma - 1


def _bce_soft(x, out, g):
    return np.abs(x) + np.abs(out) + 1.0, 1.0 + np.abs(g)   # (1 - y) x + softplus(-x): terms of size |x|


def _exact(x, out, g):
    return 0.0, 0.0


STABLE = {
    # name: (bibun fn, torch fn, error scales of the value and of the gradient of its sum)
    "log_softmax": (lambda x: x.log_softmax(-1), lambda x: torch.log_softmax(x, -1), _scale_log_softmax),
    "logsumexp": (lambda x: x.logsumexp(-1), lambda x: torch.logsumexp(x, -1), _scale_logsumexp),
    "softmax": (lambda x: x.softmax(-1), lambda x: torch.softmax(x, -1), _scale_softmax),
    "sigmoid": (lambda x: x.sigmoid(), lambda x: torch.sigmoid(x), _one_minus),
    "tanh": (lambda x: x.tanh(), lambda x: torch.tanh(x), _one_minus),
    "-log(sigmoid)": (lambda x: -(x.sigmoid().log()), lambda x: -(torch.sigmoid(x).log()), _log_of_rounded),
    "bce_with_logits y=1 (stable -log sigmoid)": (
        lambda x: F.binary_cross_entropy_with_logits(x, bibun.ones_like(x), reduction="none"),
        lambda x: -torch.nn.functional.logsigmoid(x), _softplus_stable),
    "bce_with_logits y=0.3": (
        lambda x: F.binary_cross_entropy_with_logits(x, bibun.full_like(x, 0.3), reduction="none"),
        lambda x: torch.nn.functional.binary_cross_entropy_with_logits(x, torch.full_like(x, 0.3), reduction="none"),
        _bce_soft),
    "cross_entropy": (
        lambda x: F.cross_entropy(x.reshape(1, -1), bibun.tensor([0]), reduction="none"),
        lambda x: torch.nn.functional.cross_entropy(x.reshape(1, -1), torch.tensor([0]), reduction="none"),
        _scale_cross_entropy),
    "relu": (lambda x: x.relu(), lambda x: torch.relu(x), _exact),
    "exp": (lambda x: x.exp(), lambda x: torch.exp(x), _relative),
}


@needs_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(STABLE))
def test_no_nan_where_pytorch_is_finite(name, dtype, count_case):
    bfn, tfn, scales = STABLE[name]

    @_settings(60)
    @given(x=arrays(st.integers(1, 6).map(lambda n: (n,)), EXTREME))
    def run(x):
        count_case("property: stability vs PyTorch")
        x = x.astype(dtype)
        with np.errstate(all="ignore"):
            bx = bibun.tensor(x, requires_grad=True)
            bo = bfn(bx)
            bo.sum().backward()
        tx = torch.tensor(x, requires_grad=True)
        to = tfn(tx)
        to.sum().backward()
        tg, bg = tx.grad.numpy(), bx.grad.numpy()
        assert bg.shape == x.shape
        with np.errstate(all="ignore"):
            value_scale, grad_scale = scales(x.astype(np.float64), to.detach().numpy().astype(np.float64),
                                             tg.astype(np.float64))
        _compare(bo.detach().numpy(), to.detach().numpy(), value_scale, dtype)
        # gradients: finite wherever PyTorch's are, and within the same kind of bound
        _compare(bg, tg, grad_scale, dtype)
    run()


@_settings(200)
@given(x=arrays(st.integers(1, 8).map(lambda n: (n,)), EXTREME))
def test_stable_forms_are_finite_without_pytorch(x, count_case):
    """The stable forms need no reference to be checked: they are finite for every finite input."""
    count_case("property: stable forms finite")
    for dtype in (bibun.float32, bibun.float64):
        t = bibun.tensor(x, dtype=dtype, requires_grad=True)
        outs = [t.log_softmax(0), t.logsumexp(0), t.softmax(0), t.sigmoid(),
                F.binary_cross_entropy_with_logits(t, bibun.ones_like(t), reduction="none"),
                F.binary_cross_entropy_with_logits(t, bibun.zeros_like(t), reduction="none"),
                F.cross_entropy(t.reshape(1, -1), bibun.tensor([0]))]
        for o in outs:
            assert np.all(np.isfinite(o.detach().numpy())), o
            (g,) = bibun.autograd.grad(o.sum(), t)
            assert g.shape == t.shape and np.all(np.isfinite(g.numpy()))
        s = t.softmax(0).detach().numpy().astype(np.float64)
        assert abs(s.sum() - 1.0) < 1e-5
