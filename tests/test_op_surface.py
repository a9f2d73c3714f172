"""The public functions built from several ops (split, the stack family, moveaxis, matrix norms, comparisons,
floor division): same values and gradients as PyTorch in float64, and the same names."""
import numpy as np
import pytest

import bibun

torch = pytest.importorskip("torch", reason="PyTorch not installed: cross-checks against it skipped")
R = np.random.default_rng(31)
TOL = dict(rtol=1e-10, atol=1e-10)


def rn(*shape):
    return R.standard_normal(shape)


def _sum_all(out):
    return sum((o * (k + 1)).sum() for k, o in enumerate(out)) if isinstance(out, (tuple, list)) else out


CASES = [
    ("split size", lambda M, a: M.split(a, 2, dim=1), rn(2, 5, 3)),
    ("split sizes", lambda M, a: a.split([1, 3], 0), rn(4, 2)),
    ("hsplit", lambda M, a: M.hsplit(a, 2), rn(3, 4, 2)),
    ("vsplit", lambda M, a: M.vsplit(a, [1, 3]), rn(4, 3)),
    ("hstack", lambda M, a, b: M.hstack([a, b]), rn(2, 3, 2), rn(2, 1, 2)),
    ("vstack", lambda M, a, b: M.vstack([a, b]), rn(3), rn(2, 3)),
    ("column_stack", lambda M, a, b: M.column_stack([a, b]), rn(3), rn(3, 2)),
    ("dstack", lambda M, a, b: M.dstack([a, b]), rn(2, 3), rn(2, 3)),
    ("movedim", lambda M, a: M.movedim(a, 0, -1), rn(2, 3, 4)),
    ("moveaxis", lambda M, a: a.moveaxis((0, 1), (2, 0)), rn(2, 3, 4)),
    ("swapaxes", lambda M, a: M.swapaxes(a, 0, 2), rn(2, 3, 4)),
    ("outer", lambda M, a, b: M.outer(a, b), rn(3), rn(4)),
    ("matrix norm 1", lambda M, a: M.linalg.norm(a, ord=1), rn(3, 4)),
    ("matrix norm -inf", lambda M, a: M.linalg.matrix_norm(a, ord=-float("inf")), rn(2, 3, 4)),
    ("matrix norm 2", lambda M, a: M.linalg.matrix_norm(a, ord=2), rn(4, 3)),
    ("matrix norm nuc keepdim", lambda M, a: M.linalg.matrix_norm(a, ord="nuc", keepdim=True), rn(2, 3, 4)),
    ("x.norm nuc", lambda M, a: a.norm(p="nuc"), rn(3, 3)),
    ("slogdet sign", lambda M, a: M.linalg.slogdet(a)[0] * M.linalg.slogdet(a)[1], rn(3, 3) + 3 * np.eye(3)),
    ("cross old default dim", lambda M, a, b: M.cross(a, b), rn(3, 2), rn(3, 2)),
]


@pytest.mark.filterwarnings("ignore:Using torch.cross without specifying the dim")
@pytest.mark.parametrize("name, fn, inputs", [(c[0], c[1], c[2:]) for c in CASES], ids=[c[0] for c in CASES])
def test_matches_torch(name, fn, inputs):
    bx = [bibun.tensor(x, requires_grad=True) for x in inputs]
    tx = [torch.tensor(x, requires_grad=True) for x in inputs]
    bout, tout = fn(bibun, *bx), fn(torch, *tx)
    bo = bout if isinstance(bout, (tuple, list)) else [bout]
    to = tout if isinstance(tout, (tuple, list)) else [tout]
    assert len(bo) == len(to)
    for b, t in zip(bo, to):
        assert tuple(b.shape) == tuple(t.shape)
        np.testing.assert_allclose(b.detach().numpy(), t.detach().numpy(), **TOL)
    _sum_all(bout).sum().backward()
    _sum_all(tout).sum().backward()
    for b, t in zip(bx, tx):
        np.testing.assert_allclose(b.grad.numpy(), t.grad.numpy(), **TOL)


@pytest.mark.parametrize("name", ["eq", "ne", "lt", "le", "gt", "ge", "greater", "less", "greater_equal",
                                  "less_equal", "not_equal"])
def test_comparison_functions(name):
    a, b = np.round(rn(3, 4)), np.round(rn(4))
    got = getattr(bibun, name)(bibun.tensor(a), bibun.tensor(b))
    want = getattr(torch, name)(torch.tensor(a), torch.tensor(b))
    assert got.dtype == bibun.bool
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    np.testing.assert_array_equal(getattr(bibun.tensor(a), name)(b).numpy(), want.numpy())


def test_floor_divide_and_remainder_operators():
    a, b = rn(2, 3) * 4, rn(3) + 3
    x = bibun.tensor(a, requires_grad=True)
    q = x // bibun.tensor(b)
    np.testing.assert_array_equal(q.numpy(), torch.floor_divide(torch.tensor(a), torch.tensor(b)).numpy())
    assert not q.requires_grad                       # a step function: no gradient recorded
    np.testing.assert_array_equal((7 // bibun.tensor([2, -3])).numpy(), [3, -3])
    np.testing.assert_array_equal(bibun.floor_divide(bibun.tensor([7, -7]), 2).numpy(), [3, -4])
    np.testing.assert_allclose((x % 1.5).detach().numpy(), (torch.tensor(a) % 1.5).numpy(), **TOL)
    assert (x % 1.5).grad_fn.name() == "RemainderBackward0"
    np.testing.assert_allclose((-7.5 % bibun.tensor([2.0, -2.0])).numpy(), [0.5, -1.5])


def test_fmod_and_remainder_follow_their_sign_rules():
    a = np.array([-3.0, 3.0, -3.0, 3.0])
    b = np.array([2.0, 2.0, -2.0, -2.0])
    np.testing.assert_array_equal(bibun.fmod(bibun.tensor(a), bibun.tensor(b)).numpy(), np.fmod(a, b))
    np.testing.assert_array_equal(bibun.remainder(bibun.tensor(a), bibun.tensor(b)).numpy(), np.remainder(a, b))
    np.testing.assert_array_equal(bibun.numpy.mod(bibun.tensor(a), b).numpy(), np.mod(a, b))


def test_predicates():
    t = bibun.tensor([1.0, float("inf"), float("nan")])
    np.testing.assert_array_equal(bibun.isfinite(t).numpy(), [True, False, False])
    np.testing.assert_array_equal(t.isnan().numpy(), [False, False, True])
    np.testing.assert_array_equal(bibun.isinf(t).numpy(), [False, True, False])


def test_torch_names_exist():
    for name in ("asin", "acos", "atan", "asinh", "acosh", "atanh", "arcsin", "arctan2", "atan2", "floor_divide",
                 "log1p", "expm1", "exp2", "log2", "log10", "hypot", "logaddexp", "prod", "cumsum", "trace", "tril",
                 "triu", "roll", "tile", "einsum", "tensordot", "cross", "norm", "eq", "square", "floor", "ceil",
                 "round", "sign", "trunc", "fmod", "remainder"):
        assert callable(getattr(bibun, name)) and hasattr(torch, name), name
    for name in ("norm", "vector_norm", "matrix_norm", "inv", "det", "slogdet", "solve", "cholesky", "eigh",
                 "eigvalsh", "cross"):
        assert callable(getattr(bibun.linalg, name)) and hasattr(torch.linalg, name), name
