"""bibun.numpy follows NumPy exactly, traced or not: every public function is checked against NumPy itself on
random shapes (3-d among them), untraced (arrays in, NumPy's answer out), traced (Tensors in: the same values),
and for its gradient against central finite differences of NumPy's own function in float64.

`SPECS` must name every public function of bibun.numpy and bibun.numpy.linalg: a new one without a spec here
makes `test_every_function_has_a_spec` fail."""
import math
import types

import numpy as onp
import pytest

import bibun
import bibun.numpy as bnp

R = onp.random.default_rng(20240917)
EPS = 1e-6
# central differences of a smooth function in float64: truncation ~ EPS² |f'''| and rounding ~ 1e-16 |f| / EPS,
# both below 1e-8 for the O(1) values used here
FD_TOL = dict(rtol=1e-5, atol=1e-7)
VALUE_TOL = dict(rtol=1e-12, atol=1e-12)


def rn(*shape):
    return R.standard_normal(shape)


def uni(lo, hi):
    return lambda *shape: R.uniform(lo, hi, shape)


pos = uni(0.5, 2.0)


def away(*shape):
    x = R.standard_normal(shape)
    return onp.sign(x + (x == 0)) * (0.3 + onp.abs(x))


def off_integers(*shape):
    x = R.uniform(-3, 3, shape)
    return onp.floor(x) + R.uniform(0.1, 0.4, shape) + 0.5 * (R.random(shape) < 0.5)


def distinct(*shape):
    """Values far apart from each other (no ties for max, min, argmax, norms of inf)."""
    n = int(onp.prod(shape))
    return (R.permutation(n) - n / 2.0).reshape(shape) * 0.37 + R.uniform(0, 0.05, shape)


def wellcond(*shape):
    return rn(*shape) + 3 * onp.eye(shape[-1])


def spd(np, a):
    return np.matmul(a, np.swapaxes(a, -1, -2)) + 3 * onp.eye(a.shape[-1])


class Spec:
    def __init__(self, name, call, *inputs, diff=None, grad=True, ref=None):
        """`call(np, *inputs)` with np NumPy or bibun.numpy; `diff`: inputs that take a gradient (default: the float
        arrays); `grad`: check gradients; `ref`: NumPy's reference where NumPy has no such function."""
        self.name, self.call, self.inputs, self.grad, self.ref = name, call, inputs, grad, ref
        self.diff = tuple(i for i, x in enumerate(inputs) if isinstance(x, onp.ndarray) and x.dtype.kind == "f") \
            if diff is None else tuple(diff)

    def reference(self, *xs):
        return (self.ref or self.call)(onp, *xs)


def S(name, call, *inputs, **kw):
    return Spec(name, call, *inputs, **kw)


def unary(name, make=rn, shapes=((), (5,), (2, 3, 4))):
    return [S(name, lambda np, a: getattr(np, name)(a), make(*s)) for s in shapes]


def binary(name, make=rn, make_b=None):
    make_b = make_b or make
    return [S(name, lambda np, a, b: getattr(np, name)(a, b), make(*sa), make_b(*sb))
            for sa, sb in (((2, 3), (2, 3)), ((4, 1, 3), (2, 3)), ((), (3,)))] + \
        [S(name, lambda np, a: getattr(np, name)(a, 1.5), make(2, 3, 2)),
         S(name, lambda np, b: getattr(np, name)(1.5, b), make_b(3, 2))]


def reduction(name, make=rn, **extra):
    out = [S(name, lambda np, a: getattr(np, name)(a, **extra), make(2, 3, 4))]
    for axis in (0, -1, (0, 2)):
        for keepdims in (False, True):
            out.append(S(name, lambda np, a, ax=axis, k=keepdims: getattr(np, name)(a, axis=ax, keepdims=k, **extra),
                         make(2, 3, 4)))
    return out + [S(name, lambda np, a: getattr(np, name)(a, **extra), make(5))]


def mod_pair(sa, sb):
    while True:
        a, b = rn(*sa) * 3, away(*sb) * 2
        q = a / b
        if onp.all(onp.abs(q - onp.round(q)) > 0.05):
            return a, b


def _softmax(np, a, axis=-1):
    e = onp.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _logsumexp(np, a, axis=None, keepdims=False):
    m = a.max(axis=axis, keepdims=True)
    s = onp.log(onp.exp(a - m).sum(axis=axis, keepdims=True)) + m
    return s if keepdims else (onp.squeeze(s, axis) if axis is not None else s.reshape(()))


ELEMENTWISE = {"exp": rn, "log": pos, "sqrt": pos, "sin": rn, "cos": rn, "tanh": rn, "tan": uni(-1.2, 1.2),
               "sinh": rn, "cosh": rn, "arcsin": uni(-0.9, 0.9), "arccos": uni(-0.9, 0.9), "arctan": rn,
               "arcsinh": rn, "arccosh": uni(1.2, 3), "arctanh": uni(-0.9, 0.9), "log2": pos, "log10": pos,
               "log1p": uni(-0.5, 2), "expm1": rn, "exp2": rn, "square": rn, "reciprocal": away, "negative": rn,
               "abs": away, "absolute": away, "sign": away, "floor": off_integers, "ceil": off_integers,
               "round": off_integers, "around": off_integers, "trunc": off_integers, "fix": off_integers}
BINARY = {"add": (rn, rn), "subtract": (rn, rn), "multiply": (rn, rn), "divide": (rn, away), "true_divide": (rn, away),
          "power": (pos, rn), "maximum": (distinct, distinct), "minimum": (distinct, distinct),
          "arctan2": (rn, away), "hypot": (away, away), "logaddexp": (rn, rn)}

SPECS = []
for _n, _m in ELEMENTWISE.items():
    SPECS += unary(_n, _m)
for _n, (_ma, _mb) in BINARY.items():
    SPECS += binary(_n, _ma, _mb)
for _n in ("mod", "remainder", "fmod"):
    SPECS += [S(_n, lambda np, a, b, n=_n: getattr(np, n)(a, b), *mod_pair(sa, sb))
              for sa, sb in (((2, 3), (2, 3)), ((4, 1, 3), (2, 3)), ((2, 3, 2), ()))]
for _n in ("sum", "mean", "max", "min", "amax", "amin", "prod"):
    SPECS += reduction(_n, distinct if _n in ("max", "min", "amax", "amin") else rn)
for _n in ("var", "std"):
    SPECS += reduction(_n) + reduction(_n, ddof=1) + [S(_n, lambda np, a, n=_n: getattr(np, n)(a), onp.array([1., 2, 4]))]
SPECS += [
    S("prod", lambda np, a: np.prod(a, axis=1), onp.array([[1.0, 0.0, 2.0], [0.0, 0.0, 3.0], [1.5, 2.0, -1.0]])),
    S("sigmoid", lambda np, a: np.sigmoid(a), rn(2, 3, 4), ref=lambda np, a: 1 / (1 + onp.exp(-a))),
    S("erf", lambda np, a: np.erf(a), rn(2, 3, 4), ref=lambda np, a: onp.vectorize(math.erf)(a)),
    S("softmax", lambda np, a: np.softmax(a, axis=1), rn(2, 3, 4), ref=lambda np, a: _softmax(np, a, 1)),
    S("softmax", lambda np, a: np.softmax(a), rn(3, 4), ref=_softmax),
    S("log_softmax", lambda np, a: np.log_softmax(a, axis=0), rn(2, 3, 4),
      ref=lambda np, a: onp.log(_softmax(np, a, 0))),
    S("log_softmax", lambda np, a: np.log_softmax(a), rn(5), ref=lambda np, a: onp.log(_softmax(np, a))),
    S("logsumexp", lambda np, a: np.logsumexp(a, axis=(0, 2)), rn(2, 3, 4), ref=lambda np, a: _logsumexp(np, a, (0, 2))),
    S("logsumexp", lambda np, a: np.logsumexp(a), rn(3, 4), ref=_logsumexp),
    S("logsumexp", lambda np, a: np.logsumexp(a, axis=1, keepdims=True), rn(3, 4),
      ref=lambda np, a: _logsumexp(np, a, 1, True)),
    S("clip", lambda np, a: np.clip(a, -0.5, 0.7), off_integers(2, 3, 4) * 0.3),
    S("where", lambda np, a, b: np.where(a > 0, a, b), away(2, 3, 4), rn(3, 4)),
    S("where", lambda np, a: np.where(a > 0, a, 0.0), away(4, 2)),
    S("cumsum", lambda np, a: np.cumsum(a, axis=1), rn(2, 3, 4)),
    S("cumsum", lambda np, a: np.cumsum(a), rn(2, 3)),
    S("cumsum", lambda np, a: np.cumsum(a, axis=-1), rn(4)),
    # products: np.dot's own rule for >2-d (not matmul's), scalars, vectors
    S("dot", lambda np, a, b: np.dot(a, b), rn(2, 3), rn(2, 3, 4)),
    S("dot", lambda np, a, b: np.dot(a, b), rn(2, 4, 3), rn(5, 3, 2)),
    S("dot", lambda np, a, b: np.dot(a, b), rn(2, 4, 3), rn(3)),
    S("dot", lambda np, a, b: np.dot(a, b), rn(3), rn(2, 3, 4)),
    S("dot", lambda np, a, b: np.dot(a, b), rn(4), rn(4)),
    S("dot", lambda np, a, b: np.dot(a, b), rn(2, 3), rn(3, 4)),
    S("dot", lambda np, a, b: np.dot(a, b), rn(2, 3, 2), rn()),
    S("dot", lambda np, a: np.dot(2.5, a), rn(3, 2)),
    S("matmul", lambda np, a, b: np.matmul(a, b), rn(2, 3, 4), rn(4, 2)),
    S("matmul", lambda np, a, b: np.matmul(a, b), rn(3), rn(2, 3, 4)),
    S("tensordot", lambda np, a, b: np.tensordot(a, b), rn(2, 3, 4), rn(3, 4, 2)),
    S("tensordot", lambda np, a, b: np.tensordot(a, b, axes=([0, 2], [2, 1])), rn(2, 3, 4), rn(5, 4, 2)),
    S("tensordot", lambda np, a, b: np.tensordot(a, b, axes=1), rn(2, 3), rn(3, 2, 2)),
    S("einsum", lambda np, a, b: np.einsum("ijk,kl->jil", a, b), rn(2, 3, 4), rn(4, 2)),
    S("einsum", lambda np, a: np.einsum("...ii->...i", a), rn(2, 3, 3)),
    S("einsum", lambda np, a, b: np.einsum("i,j", a, b), rn(3), rn(2)),
    S("outer", lambda np, a, b: np.outer(a, b), rn(3), rn(2, 2)),
    S("trace", lambda np, a: np.trace(a), rn(3, 4)),
    S("trace", lambda np, a: np.trace(a, offset=1, axis1=1, axis2=2), rn(2, 3, 4)),
    S("trace", lambda np, a: np.trace(a, axis1=2, axis2=0), rn(3, 2, 3)),
    S("cross", lambda np, a, b: np.cross(a, b), rn(2, 4, 3), rn(4, 3)),
    S("cross", lambda np, a, b: np.cross(a, b, axis=0), rn(3, 2), rn(3, 2)),
    # shapes
    S("reshape", lambda np, a: np.reshape(a, (4, -1)), rn(2, 3, 4)),
    S("reshape", lambda np, a: np.reshape(a, 6), rn(2, 3)),
    S("ravel", lambda np, a: np.ravel(a), rn(2, 3, 4)),
    S("transpose", lambda np, a: np.transpose(a), rn(2, 3, 4)),
    S("transpose", lambda np, a: np.transpose(a, (1, -1, 0)), rn(2, 3, 4)),
    S("swapaxes", lambda np, a: np.swapaxes(a, 0, 2), rn(2, 3, 4)),
    S("moveaxis", lambda np, a: np.moveaxis(a, 0, -1), rn(2, 3, 4)),
    S("moveaxis", lambda np, a: np.moveaxis(a, [0, 1], [2, 0]), rn(2, 3, 4)),
    S("expand_dims", lambda np, a: np.expand_dims(a, 1), rn(2, 3)),
    S("expand_dims", lambda np, a: np.expand_dims(a, (0, -1)), rn(2, 3)),
    S("squeeze", lambda np, a: np.squeeze(a), rn(2, 1, 3, 1)),
    S("squeeze", lambda np, a: np.squeeze(a, axis=1), rn(2, 1, 3, 1)),
    S("broadcast_to", lambda np, a: np.broadcast_to(a, (2, 4, 3)), rn(4, 1)),
    S("atleast_1d", lambda np, a: np.atleast_1d(a), rn()),
    S("atleast_2d", lambda np, a: np.atleast_2d(a), rn(3)),
    S("atleast_3d", lambda np, a: np.atleast_3d(a), rn(2, 3)),
    S("atleast_3d", lambda np, a: np.atleast_3d(a), rn(4)),
    S("concatenate", lambda np, a, b: np.concatenate([a, b], axis=1), rn(2, 3, 4), rn(2, 1, 4)),
    S("concatenate", lambda np, a, b: np.concatenate((a, b), axis=None), rn(2, 3), rn(4)),
    S("concatenate", lambda np, a, b: np.concatenate([a, b]), rn(2, 3), rn(1, 3), diff=(1,)),
    S("stack", lambda np, a, b: np.stack([a, b], axis=-1), rn(2, 3, 4), rn(2, 3, 4)),
    S("stack", lambda np, a, b: np.stack([a, b]), rn(3), rn(3)),
    S("hstack", lambda np, a, b: np.hstack([a, b]), rn(2, 3, 2), rn(2, 1, 2)),
    S("hstack", lambda np, a, b: np.hstack((a, b)), rn(3), rn(2)),
    S("vstack", lambda np, a, b: np.vstack([a, b]), rn(3), rn(2, 3)),
    S("vstack", lambda np, a, b: np.vstack([a, b]), rn(2, 2, 3), rn(1, 2, 3)),
    S("dstack", lambda np, a, b: np.dstack([a, b]), rn(2, 3), rn(2, 3, 2)),
    S("column_stack", lambda np, a, b: np.column_stack([a, b]), rn(3), rn(3, 2)),
    S("split", lambda np, a: np.split(a, 3, axis=1), rn(2, 6, 2)),
    S("split", lambda np, a: np.split(a, [1, 3]), rn(5, 2)),
    S("hsplit", lambda np, a: np.hsplit(a, 2), rn(3, 4, 2)),
    S("hsplit", lambda np, a: np.hsplit(a, [2]), rn(5)),
    S("vsplit", lambda np, a: np.vsplit(a, [1, 2]), rn(4, 3, 2)),
    S("tril", lambda np, a: np.tril(a), rn(3, 4)),
    S("tril", lambda np, a: np.tril(a, -1), rn(2, 3, 3)),
    S("triu", lambda np, a: np.triu(a, 1), rn(2, 4, 3)),
    S("roll", lambda np, a: np.roll(a, 2), rn(2, 3, 2)),
    S("roll", lambda np, a: np.roll(a, -1, axis=1), rn(2, 3, 4)),
    S("roll", lambda np, a: np.roll(a, (1, 2), axis=(0, 2)), rn(2, 3, 4)),
    S("repeat", lambda np, a: np.repeat(a, 2), rn(2, 3)),
    S("repeat", lambda np, a: np.repeat(a, 3, axis=1), rn(2, 2, 3)),
    S("tile", lambda np, a: np.tile(a, 2), rn(2, 3)),
    S("tile", lambda np, a: np.tile(a, (2, 1, 3)), rn(2, 3)),
    S("tile", lambda np, a: np.tile(a, (2, 2)), rn(2, 1, 3)),
    # building arrays
    S("array", lambda np, a: np.array([a[0] * 2.0, a[1], 3.0]), rn(2)),
    S("array", lambda np, a: np.array([[a[0], a[1]], [a[2], a[0] * a[1]]]), rn(3)),
    S("asarray", lambda np, a: np.asarray([a[1], a[0]]), rn(2, 2)),
    S("zeros_like", lambda np, a: np.zeros_like(a) + a, rn(2, 3)),
    S("ones_like", lambda np, a: np.ones_like(a) * a, rn(2, 3)),
    # no gradient: indices, comparisons, tests (checked by value, traced and not)
    S("argmax", lambda np, a: np.argmax(a, axis=1), distinct(2, 3, 4), grad=False),
    S("argmax", lambda np, a: np.argmax(a), distinct(3, 4), grad=False),
    S("argmin", lambda np, a: np.argmin(a, axis=-1, keepdims=True), distinct(2, 3, 4), grad=False),
    S("floor_divide", lambda np, a, b: np.floor_divide(a, b), *mod_pair((2, 3, 2), (3, 2)), grad=False),
    S("isfinite", lambda np, a: np.isfinite(a), onp.array([1.0, onp.inf, onp.nan]), grad=False),
    S("isnan", lambda np, a: np.isnan(a), onp.array([1.0, onp.inf, onp.nan]), grad=False),
    S("isinf", lambda np, a: np.isinf(a), onp.array([1.0, -onp.inf, onp.nan]), grad=False),
    S("logical_not", lambda np, a: np.logical_not(a > 0), rn(2, 3, 2), grad=False),
    # linalg
    S("linalg.inv", lambda np, a: np.linalg.inv(a), wellcond(2, 3, 3)),
    S("linalg.det", lambda np, a: np.linalg.det(a), wellcond(2, 3, 3)),
    S("linalg.slogdet", lambda np, a: np.linalg.slogdet(a)[1] * np.linalg.slogdet(a)[0], -wellcond(2, 3, 3)),
    S("linalg.solve", lambda np, a, b: np.linalg.solve(a, b), wellcond(3, 3), rn(3)),
    S("linalg.solve", lambda np, a, b: np.linalg.solve(a, b), wellcond(2, 3, 3), rn(2, 3, 2)),
    S("linalg.norm", lambda np, a: np.linalg.norm(a), rn(2, 3, 4)),
    S("linalg.norm", lambda np, a: np.linalg.norm(a, axis=1), rn(2, 3, 4)),
    S("linalg.norm", lambda np, a: np.linalg.norm(a, ord=1, axis=-1, keepdims=True), away(2, 3, 4)),
    S("linalg.norm", lambda np, a: np.linalg.norm(a, ord=onp.inf), distinct(5)),
    S("linalg.norm", lambda np, a: np.linalg.norm(a, ord="fro"), rn(3, 4)),
    S("linalg.norm", lambda np, a: np.linalg.norm(a, ord=1), distinct(3, 4)),
    S("linalg.norm", lambda np, a: np.linalg.norm(a, ord=-onp.inf, axis=(2, 0)), distinct(3, 2, 4)),
    S("linalg.norm", lambda np, a: np.linalg.norm(a, ord=2), rn(3, 4)),
    S("linalg.norm", lambda np, a: np.linalg.norm(a, ord="nuc"), rn(4, 3)),
    S("linalg.cholesky", lambda np, a: np.linalg.cholesky(spd(np, a)), rn(2, 3, 3)),
    S("linalg.eigh", lambda np, a: (lambda w, v: (w, v * v))(*np.linalg.eigh(spd(np, a))), rn(2, 4, 4)),
]
# the comparisons
for _n in ("equal", "not_equal", "less", "less_equal", "greater", "greater_equal"):
    SPECS.append(S(_n, lambda np, a, b, n=_n: getattr(np, n)(a, b), onp.round(rn(2, 3, 2)), onp.round(rn(3, 2)),
                   grad=False))


def _public(module, prefix=""):
    return {prefix + n for n, v in vars(module).items()
            if not n.startswith("_") and callable(v) and not isinstance(v, (type, types.ModuleType))}


def test_every_function_has_a_spec():
    public = _public(bnp) | _public(bnp.linalg, "linalg.")
    specs = {s.name for s in SPECS}
    assert public - specs == set(), f"bibun.numpy functions without a spec: {sorted(public - specs)}"
    assert specs - public == set(), f"specs for functions bibun.numpy lacks: {sorted(specs - public)}"


def _flat(out):
    """An output (array, Tensor, or a tuple / list of them) as a list of float64 arrays."""
    if isinstance(out, (tuple, list)):
        return [a for o in out for a in _flat(o)]
    if isinstance(out, bibun.Tensor):
        return [onp.asarray(out.detach().numpy())]
    return [onp.asarray(out)]


def _traced_inputs(spec):
    return [bibun.tensor(x, dtype=bibun.float64, requires_grad=True) if i in spec.diff else x
            for i, x in enumerate(spec.inputs)]


PARAMS = [pytest.param(s, id=f"{s.name}-{k}") for k, s in enumerate(SPECS)]


def _resolve(root, name):
    for part in name.split("."):
        root = getattr(root, part)
    return root


@pytest.mark.parametrize("spec", PARAMS)
def test_untraced_is_numpy(spec):
    """Given arrays, bibun.numpy gives NumPy's own answer: same values, same kind of result."""
    ours, ref = spec.call(bnp, *spec.inputs), spec.reference(*spec.inputs)
    assert not any(isinstance(o, bibun.Tensor) for o in (ours if isinstance(ours, (tuple, list)) else (ours,)))
    for a, b in zip(_flat(ours), _flat(ref), strict=True):
        assert a.shape == b.shape and a.dtype == b.dtype
        onp.testing.assert_allclose(a, b, **VALUE_TOL)


@pytest.mark.parametrize("spec", PARAMS)
def test_traced_values_are_numpy(spec):
    """Given Tensors, the same values and shapes as NumPy's function on the arrays."""
    ours, ref = spec.call(bnp, *_traced_inputs(spec)), spec.reference(*spec.inputs)
    flat = _flat(ours)
    for a, b in zip(flat, _flat(ref), strict=True):
        assert a.shape == b.shape, (a.shape, b.shape)
        onp.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def _loss_weights(spec):
    rng = onp.random.default_rng(7)
    return [rng.standard_normal(a.shape) for a in _flat(spec.reference(*spec.inputs))]


def _numpy_loss(spec, xs, ws):
    return sum(float((o * w).sum()) for o, w in zip(_flat(spec.reference(*xs)), ws))


@pytest.mark.parametrize("spec", [p for p in PARAMS if p.values[0].grad and p.values[0].diff])
def test_traced_gradient_matches_finite_differences(spec):
    """d/dx of sum(f(x) * w) through bibun.numpy equals central differences of NumPy's f (float64)."""
    ws = _loss_weights(spec)
    xs = _traced_inputs(spec)
    outs = spec.call(bnp, *xs)
    pieces = outs if isinstance(outs, (tuple, list)) else (outs,)
    loss = sum((o * bibun.tensor(w)).sum() for o, w in zip(pieces, ws) if isinstance(o, bibun.Tensor))
    wrt = [xs[i] for i in spec.diff]
    grads = bibun.autograd.grad(loss, wrt, allow_unused=True) if loss.requires_grad else [None] * len(wrt)
    for i, g in zip(spec.diff, grads):
        x = onp.array(spec.inputs[i], dtype=onp.float64)
        fd = onp.zeros_like(x)
        for k in onp.ndindex(x.shape):
            args = list(spec.inputs)
            up, down = x.copy(), x.copy()
            up[k] += EPS
            down[k] -= EPS
            args[i] = up
            f_up = _numpy_loss(spec, args, ws)
            args[i] = down
            fd[k] = (f_up - _numpy_loss(spec, args, ws)) / (2 * EPS)
        got = onp.zeros_like(x) if g is None else g.numpy()
        onp.testing.assert_allclose(got, fd, **FD_TOL, err_msg=f"input {i}")


# -- the wrong answers of issue 9, by name ------------------------------------------------------------------------
def test_dot_of_a_3d_traced_array_is_numpys_dot():
    A, B = rn(2, 3), rn(2, 3, 4)
    got = bnp.dot(bibun.tensor(A, dtype=bibun.float64, requires_grad=True), B)
    onp.testing.assert_allclose(got.detach().numpy(), onp.dot(A, B), rtol=1e-12)
    assert got.shape == (2, 2, 4)


def test_var_and_std_use_numpys_ddof_0_while_methods_keep_pytorchs():
    x = bibun.tensor([1.0, 2.0, 4.0], dtype=bibun.float64)
    assert bnp.var(x).item() == pytest.approx(14 / 9)          # NumPy: 1.556
    assert bnp.var(x, ddof=1).item() == pytest.approx(7 / 3)
    assert x.var().item() == pytest.approx(7 / 3)               # PyTorch's unbiased default: 2.333
    assert bibun.var(x).item() == pytest.approx(7 / 3)
    assert bnp.std(x).item() == pytest.approx((14 / 9) ** 0.5)


def test_array_of_traced_values_and_ndarray_attributes():
    g = bibun.grad(lambda x: bnp.sum(bnp.array([x, 2.0 * x, x * x]) ** 2))(1.5)
    assert g == pytest.approx(2 * 1.5 + 8 * 1.5 + 4 * 1.5 ** 3)
    t = bibun.tensor(rn(2, 3), dtype=bibun.float64, requires_grad=True)
    assert t.size == 6 and t.size() == (2, 3) and t.size(1) == 3
    assert t.ravel().shape == (6,)
    assert t.astype(onp.float32).dtype == bibun.float32 and t.astype("float64").dtype == bibun.float64
    assert onp.size(t) == 6
