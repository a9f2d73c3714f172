"""Every primitive's gradient: against central finite differences (bibun.autograd.gradcheck) and
against PyTorch in float64 (forward, backward, and backward-of-backward), for random shapes with
broadcasting.

The cases are listed per op name and the set of names must equal `bibun.ops.OPS`: a new primitive
without cases here makes `test_every_primitive_has_cases` fail. Each case is `fn(M, *inputs)` where
`M` is `bibun` or `torch`, so the same expression runs on both; a recorder on the engine checks that
the case really goes through the op it is listed under.
"""
import numpy as np
import pytest

import bibun
from bibun.autograd import engine, gradcheck
from bibun.ops import OPS, bindings
from bibun.ops import linalg as _L, losses as _losses, shape as _S

try:
    import torch
except ImportError:          # the cross-checks skip visibly, see `torch_mod`
    torch = None

R = np.random.default_rng(20240611)
# bibun against PyTorch in float64. The inputs are standard-normal or uniform draws away from poles, kinks and
# cancellation, where each op is a few rounded steps with a condition number well under 1e3: both engines are
# then within 16·eps·1e3 ≈ 4e-12 of the exact result, whichever SIMD kernels NumPy and PyTorch pick (every case
# agrees to 1e-12 with the AVX-512 and the AVX2 kernels). The one wider gap is deliberate on PyTorch's side: its
# double backward of binary_cross_entropy divides by (p + 1e-12)^2 (1 - p + 1e-12)^2, which for p in
# [0.05, 0.95] moves its result by up to 2·2·1e-12/0.05 = 8e-11 relative. 1e-10 covers both.
TOL = dict(rtol=1e-10, atol=1e-10)

# shape pairs for binary ops: scalar vs matrix, vectors, size-1 axes on both sides, batch dims
BCAST = [((), (2, 3)), ((3,), (2, 3)), ((2, 3), (2, 3)), ((1, 3), (2, 1)), ((2, 1), (4, 2, 3)),
         ((4, 2, 3), (3,)), ((2, 3), ()), ((3, 1), (1, 4)), ((2, 3, 4), (4,))]


# -- input generators --------------------------------------------------------------------------------
def rn(*shape):
    return np.asarray(R.standard_normal(shape), dtype=np.float64)


def pos(*shape, lo=0.5, hi=2.0):
    return np.asarray(R.uniform(lo, hi, shape), dtype=np.float64)


def away(*shape, gap=0.2):
    """Normal numbers kept at least `gap` away from 0 (kinks of relu, abs; poles of 1/x)."""
    x = R.standard_normal(shape)
    return np.sign(x + (x == 0)) * (gap + np.abs(x))


def apart(sa, sb, gap=0.1):
    """Two arrays whose broadcast elements differ by more than `gap` (no ties for max/min)."""
    while True:
        a, b = rn(*sa), rn(*sb)
        if np.all(np.abs(a - b) > gap):
            return a, b


def not_near(shape, points, gap=0.05):
    while True:
        x = rn(*shape)
        if all(np.all(np.abs(x - p) > gap) for p in points):
            return x


def labels(n, c, *extra):
    return R.integers(0, c, (n,) + extra)


class Case:
    """One expression: `fn(M, *inputs)`; `diff` lists the inputs that take a gradient."""

    def __init__(self, fn, *inputs, diff=None, grad2=True, fd=True, f32=True, tol=TOL, desc=""):
        """grad2: also compare second derivatives; fd: also against finite differences (not at a tie,
        a kink or through float32); f32: the output stays float32 for float32 inputs."""
        self.fn, self.inputs, self.grad2, self.tol, self.desc = fn, inputs, grad2, tol, desc
        self.fd, self.f32 = fd, f32
        self.diff = tuple(i for i, x in enumerate(inputs) if np.asarray(x).dtype.kind == "f") \
            if diff is None else tuple(diff)

    def bibun_inputs(self, dtype=np.float64):
        out = []
        for i, x in enumerate(self.inputs):
            x = np.asarray(x)
            if x.dtype.kind == "f":
                out.append(bibun.tensor(x.astype(dtype), requires_grad=i in self.diff))
            else:
                out.append(bibun.tensor(x))
        return out

    def torch_inputs(self):
        return [torch.tensor(np.asarray(x), requires_grad=i in self.diff) for i, x in enumerate(self.inputs)]


def binary_cases(expr, make=None, scalars=(2.5, -1.5)):
    """Cases for a broadcasting binary op: tensor-tensor over BCAST, then a Python scalar on each side."""
    make = make or (lambda sa, sb: (rn(*sa), rn(*sb)))
    out = [Case(expr, *make(sa, sb), desc=f"{sa}x{sb}") for sa, sb in BCAST]
    for s in scalars:
        a, _ = make((2, 3), ())
        out.append(Case(lambda M, a, s=s: expr(M, a, s), a, desc=f"tensor-op-{s}"))
        _, b = make((), (2, 3))
        out.append(Case(lambda M, b, s=s: expr(M, s, b), b, desc=f"{s}-op-tensor"))
    return out


def unary_cases(method, make, shapes=((), (3,), (2, 3), (4, 2, 3))):
    """`bibun.op(x)` on half the shapes, `x.op()` on the other half."""
    out = []
    for k, s in enumerate(shapes):
        if k % 2:
            out.append(Case(lambda M, a: getattr(a, method)(), make(*s), desc=f"x.{method}() {s}"))
        else:
            out.append(Case(lambda M, a: getattr(M, method)(a), make(*s), desc=f"M.{method}(x) {s}"))
    return out


def F(M):
    """Where the fused losses and `linear` live: torch.nn.functional, or bibun's op table."""
    if M is bibun:
        class _F:
            linear = staticmethod(_L.linear)
            cross_entropy = staticmethod(_losses.cross_entropy)
            nll_loss = staticmethod(_losses.nll_loss)
            mse_loss = staticmethod(_losses.mse_loss)
            binary_cross_entropy = staticmethod(_losses.binary_cross_entropy)
            binary_cross_entropy_with_logits = staticmethod(_losses.binary_cross_entropy_with_logits)
        return _F
    return torch.nn.functional


def T(M, a):
    """A constant index / mask array as the library's own tensor."""
    return M.tensor(np.asarray(a))


def _reduction_cases(method, make=rn):
    out = [Case(lambda M, a: getattr(a, method)(), make(), desc="0-d"),
           Case(lambda M, a: getattr(M, method)(a), make(5), desc="M.op(x) 1-d"),
           Case(lambda M, a: getattr(a, method)(), make(4, 2, 3), desc="all")]
    for dim in (0, 1, -1, (0, 2), (-1, 0)):
        for keepdim in (False, True):
            out.append(Case(lambda M, a, d=dim, k=keepdim: getattr(a, method)(dim=d, keepdim=k), make(4, 2, 3),
                            desc=f"dim={dim} keepdim={keepdim}"))
    return out


def _ties(base):
    ties = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.5], [-1.0, -1.0, -1.0]])
    return ties if base == "max" else -ties


def _extreme_cases(method):
    """amax / amin, and max()/min() over everything: ties share the gradient evenly (PyTorch's rule;
    no finite differences at a tie)."""
    base = method[1:]               # max / min
    return _reduction_cases(method) + [
        Case(lambda M, a: getattr(a, base)(), rn(3, 4), desc=f"x.{base}()"),
        Case(lambda M, a: getattr(M, base)(a), rn(3, 4), desc=f"M.{base}(x)"),
        Case(lambda M, a: getattr(a, base)(), _ties(base), desc="ties all", grad2=False, fd=False),
        Case(lambda M, a: getattr(a, method)(dim=1), _ties(base), desc="ties dim", grad2=False, fd=False)]


def _select_cases(base):
    """max(dim) / min(dim) (values, indices): the gradient goes to the index returned, also at a tie."""
    return [Case(lambda M, a: getattr(a, base)(dim=1).values, rn(3, 4), desc=f"x.{base}(dim=1).values"),
            Case(lambda M, a: getattr(M, base)(a, 0, keepdim=True)[0], rn(2, 3, 2), desc=f"M.{base}(x, 0, True)"),
            Case(lambda M, a: getattr(M, base)(a, -1).values, rn(4), desc=f"M.{base}(1-d, -1)"),
            Case(lambda M, a: getattr(a, base)(dim=-2, keepdim=False)[0], rn(4, 2, 3), desc="3-d, dim -2"),
            Case(lambda M, a: getattr(a, base)(dim=1).values, _ties(base), desc="ties", grad2=False, fd=False),
            Case(lambda M, a: getattr(a, base)(dim=0, keepdim=True).values, _ties(base), desc="ties dim 0 keepdim",
                 grad2=False, fd=False)]


def _softmax_cases(method):
    out = []
    for dim in (0, 1, -1):
        out.append(Case(lambda M, a, d=dim: getattr(a, method)(dim=d), rn(4, 2, 3), desc=f"x.{method}({dim})"))
        out.append(Case(lambda M, a, d=dim: getattr(M, method)(a, d), rn(2, 5), desc=f"M.{method}(x,{dim})"))
    out.append(Case(lambda M, a: getattr(a, method)(0), rn(6), desc="1-d"))
    out.append(Case(lambda M, a: getattr(a, method)(-1), rn(3, 4) * 400, desc="large inputs stay finite"))
    return out


def _pow_make(sa, sb):
    return pos(*sa), rn(*sb)


def _mask(shape, p=0.5):
    m = R.random(shape) < p
    m.flat[0] = True
    return m


def _bce_targets(*shape):
    y = R.uniform(0, 1, shape)
    y.flat[0], y.flat[-1] = 0.0, 1.0
    return y


_CE_T = labels(6, 4)
_CE_T_IGN = _CE_T.copy()
_CE_T_IGN[[1, 4]] = -100
_CE_T_IGN2 = _CE_T.copy()
_CE_T_IGN2[_CE_T_IGN2 == 2] = 0
_CE_T_IGN2[[0, 5]] = 2
_REDUCTIONS = ("mean", "sum", "none")

CASES = {
    "add": binary_cases(lambda M, a, b: a + b)
    + [Case(lambda M, a, b: M.add(a, b), rn(2, 3), rn(3), desc="M.add"),
       Case(lambda M, a, b: a.add(b), rn(2, 1), rn(3), desc="x.add"),
       Case(lambda M, a, b: a.add(b, alpha=2.0), rn(2, 3), rn(3), desc="alpha")],
    "sub": binary_cases(lambda M, a, b: a - b)
    + [Case(lambda M, a, b: M.sub(a, b), rn(3), rn(2, 3), desc="M.sub"),
       Case(lambda M, a, b: a.sub(b), rn(2, 3), rn(2, 1), desc="x.sub")],
    "mul": binary_cases(lambda M, a, b: a * b)
    + [Case(lambda M, a, b: M.mul(a, b), rn(2, 3), rn(3), desc="M.mul"),
       Case(lambda M, a: a * a, rn(2, 3), desc="x*x")],
    "div": binary_cases(lambda M, a, b: a / b, make=lambda sa, sb: (rn(*sa), away(*sb)))
    + [Case(lambda M, a, b: M.div(a, b), rn(2, 3), away(3), desc="M.div"),
       Case(lambda M, a, b: a.div(b), rn(3), away(2, 1), desc="x.div")],
    "pow": binary_cases(lambda M, a, b: a ** b, make=_pow_make, scalars=())
    + [Case(lambda M, a: a ** 2, rn(2, 3), desc="x**2"),
       Case(lambda M, a: a ** 3.0, rn(3), desc="x**3.0"),
       Case(lambda M, a: a ** 0.5, pos(2, 3), desc="x**0.5"),
       Case(lambda M, a: a ** -1.5, pos(3), desc="x**-1.5"),
       Case(lambda M, a: 2.0 ** a, rn(2, 3), desc="2.0**x"),
       Case(lambda M, a: a.pow(3), rn(4), desc="x.pow(3)"),
       Case(lambda M, a: M.pow(a, 2), rn(4), desc="M.pow(x, 2)"),
       Case(lambda M, a, b: a ** b, np.array([0.0, 1.0, 2.0, 0.0]), np.array([2.0, 0.0, 3.0, 0.0]),
            desc="0**2, 1**0 and 0**0: PyTorch's zeros", grad2=False, fd=False),
       Case(lambda M, a: a ** 0, np.array([0.0, 1.5]), desc="x**0 at 0", grad2=False, fd=False)],
    "maximum": binary_cases(lambda M, a, b: M.maximum(a, b), make=apart, scalars=())
    + [Case(lambda M, a, b: a.maximum(b), *apart((2, 3), (3,)), desc="x.maximum"),
       Case(lambda M, a, b: M.max(a, b), *apart((2, 3), (2, 3)), desc="M.max(a, b)"),
       Case(lambda M, a, b: M.maximum(a, b), np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 3.0]),
            desc="ties share the gradient", grad2=False, fd=False)],
    "minimum": binary_cases(lambda M, a, b: M.minimum(a, b), make=apart, scalars=())
    + [Case(lambda M, a, b: a.minimum(b), *apart((2, 3), (3,)), desc="x.minimum"),
       Case(lambda M, a, b: M.min(a, b), *apart((2, 3), (2, 3)), desc="M.min(a, b)"),
       Case(lambda M, a, b: M.minimum(a, b), np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 3.0]),
            desc="ties share the gradient", grad2=False, fd=False)],
    "neg": unary_cases("neg", rn) + [Case(lambda M, a: -a, rn(2, 3), desc="-x")],
    "exp": unary_cases("exp", rn),
    "log": unary_cases("log", pos),
    "sqrt": unary_cases("sqrt", pos),
    "sin": unary_cases("sin", rn),
    "cos": unary_cases("cos", rn),
    "tanh": unary_cases("tanh", rn),
    "sigmoid": unary_cases("sigmoid", rn)
    + [Case(lambda M, a: a.sigmoid(), np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0]), desc="extremes")],
    "relu": unary_cases("relu", away),
    "abs": unary_cases("abs", away) + [Case(lambda M, a: abs(a), away(3), desc="abs(x)")],
    "reciprocal": unary_cases("reciprocal", away),
    "clamp": [Case(lambda M, a: a.clamp(min=-0.5), not_near((2, 3), [-0.5]), desc="min"),
              Case(lambda M, a: a.clamp(max=0.3), not_near((4,), [0.3]), desc="max"),
              Case(lambda M, a: a.clamp(-0.5, 0.5), not_near((4, 2, 3), [-0.5, 0.5]), desc="both"),
              Case(lambda M, a: M.clamp(a, min=-1.0, max=1.0), not_near((3, 3), [-1, 1]), desc="M.clamp"),
              Case(lambda M, a: a.clip(-0.2, 0.2), not_near((5,), [-0.2, 0.2]), desc="clip"),
              Case(lambda M, a: M.clamp(a, min=0.0), not_near((), [0.0]), desc="0-d")],
    "where": [Case(lambda M, a, b, m=_mask((2, 3)): M.where(T(M, m), a, b), rn(2, 3), rn(2, 3), desc="same shape"),
              Case(lambda M, a, b, m=_mask((2, 3)): M.where(T(M, m), a, b), rn(3), rn(2, 1), desc="broadcast"),
              Case(lambda M, a, b, m=_mask((4, 2, 3)): M.where(T(M, m), a, b), rn(), rn(2, 3), desc="0-d"),
              Case(lambda M, a: M.where(a > 0, a, 0.0), away(2, 3), desc="scalar other"),
              Case(lambda M, a, m=_mask((3,)): M.where(T(M, m), 1.0, a), rn(2, 3), desc="scalar input")],
    "sum": _reduction_cases("sum") + [Case(lambda M, a: M.sum(a, dim=1), rn(2, 3), desc="M.sum(dim)")],
    "mean": _reduction_cases("mean") + [Case(lambda M, a: M.mean(a, 0, True), rn(2, 3), desc="M.mean(dim)")],
    "amax": _extreme_cases("amax"),
    "amin": _extreme_cases("amin"),
    "max_dim": _select_cases("max"),
    "min_dim": _select_cases("min"),
    "logsumexp": [Case(lambda M, a, d=d, k=k: a.logsumexp(d, keepdim=k), rn(4, 2, 3), desc=f"dim={d} keep={k}")
                  for d in (0, -1, (0, 1)) for k in (False, True)]
    + [Case(lambda M, a: M.logsumexp(a, 0), rn(5), desc="M.logsumexp 1-d"),
       Case(lambda M, a: M.logsumexp(a, 1), rn(3, 4) * 500, desc="large inputs stay finite")],
    "softmax": _softmax_cases("softmax"),
    "log_softmax": _softmax_cases("log_softmax"),
    "reshape": [Case(lambda M, a: a.reshape(6), rn(2, 3), desc="reshape"),
                Case(lambda M, a: a.reshape(3, -1), rn(4, 2, 3), desc="reshape -1"),
                Case(lambda M, a: a.view(3, 2), rn(2, 3), desc="view"),
                Case(lambda M, a: M.reshape(a, (2, 3)), rn(6), desc="M.reshape"),
                Case(lambda M, a: a.flatten(), rn(4, 2, 3), desc="flatten"),
                Case(lambda M, a: a.flatten(1), rn(4, 2, 3), desc="flatten(1)"),
                Case(lambda M, a: M.flatten(a), rn(2, 3), desc="M.flatten"),
                Case(lambda M, a: a.squeeze(), rn(2, 1, 3, 1), desc="squeeze"),
                Case(lambda M, a: a.squeeze(1), rn(2, 1, 3), desc="squeeze(1)"),
                Case(lambda M, a: M.squeeze(a, -1), rn(3, 1), desc="M.squeeze"),
                Case(lambda M, a: a.unsqueeze(0), rn(2, 3), desc="unsqueeze(0)"),
                Case(lambda M, a: a.unsqueeze(-1), rn(3), desc="unsqueeze(-1)"),
                Case(lambda M, a: M.unsqueeze(a, 1), rn(2, 3), desc="M.unsqueeze"),
                Case(lambda M, a: a.reshape(()), rn(1), desc="to 0-d")],
    "permute": [Case(lambda M, a: a.permute(2, 0, 1), rn(4, 2, 3), desc="permute"),
                Case(lambda M, a: M.permute(a, (1, 0)), rn(2, 3), desc="M.permute"),
                Case(lambda M, a: a.transpose(0, 2), rn(4, 2, 3), desc="transpose"),
                Case(lambda M, a: M.transpose(a, -1, 0), rn(2, 3), desc="M.transpose"),
                Case(lambda M, a: a.T, rn(2, 3), desc=".T"),
                Case(lambda M, a: a.t(), rn(3, 4), desc=".t()"),
                Case(lambda M, a: M.t(a), rn(2, 3), desc="M.t")],
    "broadcast_to": [Case(lambda M, a: a.expand(4, 2, 3), rn(2, 1), desc="expand"),
                     Case(lambda M, a: a.expand(2, -1), rn(1, 3), desc="expand -1"),
                     Case(lambda M, a, b: a.expand_as(b), rn(3), rn(2, 3), diff=(0,), desc="expand_as")],
    "getitem": [Case(lambda M, a: a[1], rn(3, 4), desc="int"),
                Case(lambda M, a: a[-1, 1:], rn(3, 4), desc="int and slice"),
                Case(lambda M, a: a[..., ::2], rn(2, 3, 4), desc="ellipsis, step"),
                Case(lambda M, a: a[None, :, 1], rn(3, 4), desc="None"),
                Case(lambda M, a: a[1:3, ::-1] if M is bibun else a[1:3].flip(1), rn(4, 3), desc="negative step"),
                Case(lambda M, a: a[[0, 0, 2]], rn(3, 4), desc="repeated int list"),
                Case(lambda M, a: a[T(M, [[0, 1], [1, 1]])], rn(3, 2), desc="repeated int tensor 2-d"),
                Case(lambda M, a: a[[0, 1, 1], [2, 0, 2]], rn(3, 4), desc="two int arrays"),
                Case(lambda M, a: a[1:, [0, 0, 3]], rn(3, 4), desc="slice and repeated ints"),
                Case(lambda M, a: a[:, T(M, [2, 2, 2])], rn(2, 3), desc="same index thrice"),
                Case(lambda M, a, m=_mask((3, 4)): a[T(M, m)], rn(3, 4), desc="bool mask"),
                Case(lambda M, a, m=_mask((3,)): a[T(M, m)], rn(3, 4), desc="row mask"),
                Case(lambda M, a: a[a > 0], away(2, 3), desc="mask from data"),
                Case(lambda M, a: a[0], rn(1), desc="to 0-d")],
    "scatter_add": [
        Case(lambda M, g: _S.scatter_add(g, shape=(4, 3), key=np.array([0, 0, 2])) if M is bibun else
             torch.zeros(4, 3, dtype=torch.float64).index_put((torch.tensor([0, 0, 2]),), g, accumulate=True),
             rn(3, 3), desc="repeated rows"),
        Case(lambda M, g: _S.scatter_add(g, shape=(2, 3), key=(slice(None), np.array([1, 1]))) if M is bibun else
             torch.zeros(2, 3, dtype=torch.float64).index_put((torch.arange(2)[:, None], torch.tensor([1, 1])), g,
                                                              accumulate=True),
             rn(2, 2), desc="slice and repeated columns"),
        Case(lambda M, g: _S.scatter_add(g, shape=(4,), key=slice(1, 3)) if M is bibun else
             torch.cat([torch.zeros(1, dtype=torch.float64), g, torch.zeros(1, dtype=torch.float64)]),
             rn(2), desc="slice")],
    "clone": [Case(lambda M, a: a.clone(), rn(2, 3), desc="x.clone"),
              Case(lambda M, a: M.clone(a) * 2, rn(3), desc="M.clone")],
    "to_dtype": [Case(lambda M, a: _S.to_dtype(a, dtype=np.float64) if M is bibun else a.clone(), rn(2, 3),
                      desc="identity cast", f32=False),
                 Case(lambda M, a: a.float() * 3, rn(2, 3), tol=dict(rtol=1e-6, atol=1e-6), desc=".float()",
                      fd=False, f32=False),
                 Case(lambda M, a: a.to(M.float32).to(M.float64), rn(3), tol=dict(rtol=1e-6, atol=1e-6),
                      desc=".to(dtype)", fd=False, f32=False),
                 Case(lambda M, a: a.type(M.float32).sum(), rn(3), tol=dict(rtol=1e-6, atol=1e-6),
                      desc=".type(dtype)", fd=False, f32=False)],
    "cat": [Case(lambda M, a, b: M.cat([a, b]), rn(2, 3), rn(4, 3), desc="dim 0"),
            Case(lambda M, a, b, c: M.cat([a, b, c], dim=1), rn(2, 1), rn(2, 3), rn(2, 2), desc="dim 1, three"),
            Case(lambda M, a, b: M.cat((a, b), dim=-1), rn(2, 2, 3), rn(2, 2, 1), desc="dim -1"),
            Case(lambda M, a, b: M.cat([a, b, a]), rn(2), rn(3), desc="same tensor twice"),
            Case(lambda M, a, b: M.cat([a, b]), rn(2, 3), rn(1, 3), diff=(0,), desc="constant part")],
    "stack": [Case(lambda M, a, b: M.stack([a, b]), rn(2, 3), rn(2, 3), desc="dim 0"),
              Case(lambda M, a, b, c: M.stack([a, b, c], dim=1), rn(2, 3), rn(2, 3), rn(2, 3), desc="dim 1"),
              Case(lambda M, a, b: M.stack((a, b), dim=-1), rn(3), rn(3), desc="dim -1"),
              Case(lambda M, a: M.stack([a, a * 2]), rn(2), desc="same tensor twice"),
              Case(lambda M, a, b: M.stack([a, b]), rn(), rn(), desc="0-d")],
    "matmul": [Case(lambda M, a, b: a @ b, rn(*sa), rn(*sb), desc=f"{sa}@{sb}")
               for sa, sb in [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
                              ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)), ((5, 2, 3), (5, 3, 4)),
                              ((5, 2, 3), (3,)), ((3,), (5, 3, 4)), ((1, 2, 3), (5, 3, 4)),
                              ((2, 1, 2, 3), (5, 3, 4))]]
    + [Case(lambda M, a, b: M.matmul(a, b), rn(2, 3), rn(3, 2), desc="M.matmul"),
       Case(lambda M, a, b: a.matmul(b), rn(4, 3), rn(3), desc="x.matmul"),
       Case(lambda M, a, b: a.mm(b), rn(2, 3), rn(3, 4), desc="x.mm"),
       Case(lambda M, a, b: M.mm(a, b), rn(2, 3), rn(3, 1), desc="M.mm"),
       Case(lambda M, a: a @ a, rn(3, 3), desc="x@x")],
    "dot": [Case(lambda M, a, b: M.dot(a, b), rn(4), rn(4), desc="M.dot"),
            Case(lambda M, a, b: a.dot(b), rn(3), rn(3), desc="x.dot"),
            Case(lambda M, a: a.dot(a), rn(5), desc="x.dot(x)")],
    "linear": [Case(lambda M, x, w, b: F(M).linear(x, w, b), rn(5, 3), rn(4, 3), rn(4), desc="2-d"),
               Case(lambda M, x, w, b: F(M).linear(x, w, b), rn(3), rn(4, 3), rn(4), desc="1-d input"),
               Case(lambda M, x, w, b: F(M).linear(x, w, b), rn(2, 5, 3), rn(4, 3), rn(4), desc="batched input"),
               Case(lambda M, x, w: F(M).linear(x, w), rn(5, 3), rn(2, 3), desc="no bias"),
               Case(lambda M, x, w, b: F(M).linear(x, w, b), rn(5, 3), rn(4, 3), rn(4), diff=(1, 2),
                    desc="constant input")],
    "cross_entropy": [Case(lambda M, z, t, r=r: F(M).cross_entropy(z, t, reduction=r), rn(6, 4), _CE_T,
                           desc=f"reduction={r}") for r in _REDUCTIONS]
    + [Case(lambda M, z, t, r=r: F(M).cross_entropy(z, t, reduction=r), rn(6, 4), _CE_T_IGN,
            desc=f"ignore_index=-100 reduction={r}") for r in _REDUCTIONS]
    + [Case(lambda M, z, t: F(M).cross_entropy(z, t, ignore_index=2), rn(6, 4), _CE_T_IGN2, desc="ignore_index=2"),
       Case(lambda M, z, t: F(M).cross_entropy(z, t), rn(3, 4, 2), labels(3, 4, 2), desc="(N, C, d)"),
       Case(lambda M, z, t: F(M).cross_entropy(z, t), rn(4, 3) * 1000, labels(4, 3), desc="logits of 1000")],
    "mse_loss": [Case(lambda M, a, y, r=r: F(M).mse_loss(a, y, reduction=r), rn(5, 3), rn(5, 3),
                      desc=f"reduction={r}") for r in _REDUCTIONS],
    "nll_loss": [Case(lambda M, z, t, r=r: F(M).nll_loss(z, t, reduction=r), rn(6, 4), _CE_T,
                      desc=f"reduction={r}") for r in _REDUCTIONS]
    + [Case(lambda M, z, t, r=r: F(M).nll_loss(z, t, reduction=r), rn(6, 4), _CE_T_IGN,
            desc=f"ignore_index=-100 reduction={r}") for r in _REDUCTIONS]
    + [Case(lambda M, z, t: F(M).nll_loss(z.log_softmax(1), t, ignore_index=2), rn(6, 4), _CE_T_IGN2,
            desc="after log_softmax, ignore_index=2")],
    "binary_cross_entropy_with_logits": [
        Case(lambda M, z, y, r=r: F(M).binary_cross_entropy_with_logits(z, y, reduction=r), rn(5, 3),
             _bce_targets(5, 3), desc=f"reduction={r}") for r in _REDUCTIONS]
    + [Case(lambda M, z, y, w, r=r: F(M).binary_cross_entropy_with_logits(
        z, y, reduction=r, pos_weight=w if M is torch else w._data), rn(5, 3), _bce_targets(5, 3), pos(3), diff=(0, 1),
        desc=f"pos_weight reduction={r}") for r in _REDUCTIONS]
    + [Case(lambda M, z, y: F(M).binary_cross_entropy_with_logits(z, y),
            np.array([-1000.0, 1000.0, -1000.0, 1000.0, 0.5]), np.array([1.0, 0.0, 0.0, 1.0, 0.3]),
            diff=(0,), desc="logits of +-1000"),
       Case(lambda M, z, y, w: F(M).binary_cross_entropy_with_logits(z, y, pos_weight=w if M is torch else w._data),
            np.array([-1000.0, 1000.0, -1000.0, 1000.0]), np.array([1.0, 0.0, 0.4, 1.0]), np.array([2.0]),
            diff=(0,), desc="logits of +-1000, pos_weight"),
       Case(lambda M, z, y: F(M).binary_cross_entropy_with_logits(z, y), rn(4), _bce_targets(4), diff=(0,),
            desc="constant target")],
    "binary_cross_entropy": [
        Case(lambda M, p, y, r=r: F(M).binary_cross_entropy(p, y, reduction=r), pos(5, 3, lo=0.05, hi=0.95),
             _bce_targets(5, 3), desc=f"reduction={r}") for r in _REDUCTIONS]
    + [Case(lambda M, z, y: F(M).binary_cross_entropy(z.sigmoid(), y), rn(4), _bce_targets(4), diff=(0,),
            desc="after sigmoid")],
}

from op_cases_more import MORE  # noqa: E402  (the newer primitives; it imports the helpers above)

CASES.update(MORE)
from op_cases_layers import LAYERS  # noqa: E402  (activations, convolution, pooling, embedding)

CASES.update(LAYERS)

PARAMS = [pytest.param(name, case, id=f"{name}-{k}-{case.desc}")
          for name, cases in CASES.items() for k, case in enumerate(cases)]


class _Recorder:
    """An engine tracer that notes which ops a forward pass ran."""

    def __init__(self):
        self.names = set()

    def on_forward(self, op, inputs, params, out, datas=None):
        self.names.add(op.name)

    def notify(self, event, *args):
        pass

    def on_backward(self, node, g, step):
        pass


def _run_recorded(case, inputs):
    rec, prev = _Recorder(), engine.tracer
    engine.tracer = rec
    try:
        out = case.fn(bibun, *inputs)
    finally:
        engine.tracer = prev
    return out, rec.names


@pytest.fixture
def torch_mod():
    return pytest.importorskip("torch", reason="PyTorch not installed: cross-checks against it skipped")


def test_every_primitive_has_cases():
    assert set(CASES) == set(OPS), ("ops without gradient tests: " + ", ".join(sorted(set(OPS) - set(CASES)))
                                    + "; cases for ops that do not exist: " + ", ".join(sorted(set(CASES) - set(OPS))))
    assert all(CASES[name] for name in OPS)


def _resolve(root, dotted):
    for part in dotted.split("."):
        root = getattr(root, part)
    return root


@pytest.mark.parametrize("namespace", ["method", "function", "numpy"])
def test_every_declared_name_is_bound(namespace):
    """Each name an op (or a surface entry) declares exists where it says; a name bound to the op itself is the
    op's own function there (a method that is exactly an op costs no extra call; a bibun function may take
    out= around it)."""
    root = {"method": bibun.Tensor, "function": bibun, "numpy": bibun.numpy}[namespace]
    declared = list(bindings(namespace))
    assert declared
    for name, impl, entry in declared:
        where = f"{namespace} {name!r} of {entry.name}"
        bound = _resolve(root, name)
        assert bound is not None, where
        if namespace != "numpy" and getattr(entry, namespace)[name] is None:
            bound = bound.fget if isinstance(bound, property) else bound
            if namespace == "function":     # bibun.add(..., out=c): PyTorch's out= wraps the op's function
                bound = getattr(bound, "__wrapped__", bound)
            assert bound is entry.traced, where
    if namespace == "method":       # the hot-path methods named in the op table are the ops themselves
        for name in ("__add__", "__mul__", "__sub__", "__truediv__", "__matmul__", "exp", "sigmoid", "relu"):
            assert getattr(bibun.Tensor, name) is next(e.traced for n, i, e in declared if n == name)


@pytest.mark.parametrize("name, case", PARAMS)
def test_gradcheck(name, case):
    """Analytic gradients agree with central finite differences (float64)."""
    inputs = case.bibun_inputs()
    out, ran = _run_recorded(case, inputs)
    assert name in ran, f"case does not run op {name} (ran {sorted(ran)})"
    assert out.requires_grad and out.grad_fn is not None
    if not case.fd:
        return                        # no derivative there: PyTorch's convention is checked below
    assert gradcheck(lambda *xs: case.fn(bibun, *xs), inputs, eps=1e-6, atol=1e-6, rtol=1e-5)


def _as_np(t):
    if torch is not None and isinstance(t, torch.Tensor) and t._is_zerotensor():
        return np.zeros(tuple(t.shape))        # PyTorch's symbolic zero (e.g. the second derivative of abs)
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


@pytest.mark.parametrize("name, case", PARAMS)
def test_matches_torch(name, case, torch_mod):
    """Forward value and gradient for a random upstream gradient equal PyTorch's in float64."""
    bx, tx = case.bibun_inputs(), case.torch_inputs()
    bout, tout = case.fn(bibun, *bx), case.fn(torch, *tx)
    assert tuple(bout.shape) == tuple(tout.shape)
    assert str(bout.dtype).split(".")[-1] == str(tout.dtype).split(".")[-1]
    np.testing.assert_allclose(_as_np(bout), _as_np(tout), **case.tol)
    v = R.standard_normal(tuple(tout.shape))
    bout.backward(bibun.tensor(v))
    tout.backward(torch.tensor(v, dtype=tout.dtype))
    for i in case.diff:
        assert bx[i].grad is not None, f"no gradient for input {i}"
        tg = tx[i].grad if tx[i].grad is not None else torch.zeros_like(tx[i])
        assert bx[i].grad.shape == bx[i].shape
        assert bx[i].grad.dtype == bibun.float64
        np.testing.assert_allclose(bx[i].grad.numpy(), tg.numpy(), **case.tol, err_msg=f"input {i}")


@pytest.mark.parametrize("name, case", [p for p in PARAMS if p.values[1].grad2])
def test_double_backward_matches_torch(name, case, torch_mod):
    """Gradients of gradients (create_graph=True: the VJPs traced through bibun.numpy) equal PyTorch's."""
    bx, tx = case.bibun_inputs(), case.torch_inputs()
    bout, tout = case.fn(bibun, *bx), case.fn(torch, *tx)
    v = R.standard_normal(tuple(tout.shape))
    bxs, txs = [bx[i] for i in case.diff], [tx[i] for i in case.diff]
    bg = bibun.autograd.grad(bout, bxs, bibun.tensor(v), create_graph=True)
    tg = torch.autograd.grad(tout, txs, torch.tensor(v, dtype=tout.dtype), create_graph=True)
    ws = [R.standard_normal(tuple(x.shape)) for x in txs]
    for b, t in zip(bg, tg):
        np.testing.assert_allclose(_as_np(b), _as_np(t), **case.tol)
    bs = sum((g * bibun.tensor(w)).sum() for g, w in zip(bg, ws))
    ts = sum((g * torch.tensor(w)).sum() for g, w in zip(tg, ws))
    if not ts.requires_grad:            # linear in every input: the second derivative is 0
        assert not bs.requires_grad or all(
            g is None or np.allclose(g.numpy(), 0) for g in bibun.autograd.grad(bs, bxs, allow_unused=True))
        return
    tgg = torch.autograd.grad(ts, txs, allow_unused=True)
    if not bs.requires_grad:
        bgg = [None] * len(bxs)
    else:
        bgg = bibun.autograd.grad(bs, bxs, allow_unused=True)
    for i, (b, t) in enumerate(zip(bgg, tgg)):
        b = np.zeros(bxs[i].shape) if b is None else b.numpy()
        t = np.zeros(tuple(txs[i].shape)) if t is None else _as_np(t)
        np.testing.assert_allclose(b, t, **case.tol, err_msg=f"second derivative, input {i}")


@pytest.mark.parametrize("name, case", PARAMS)
def test_float32_stays_float32(name, case):
    """With float32 inputs every op gives float32 outputs and float32 gradients (no float64 leaks)."""
    bx = case.bibun_inputs(np.float32)
    out = case.fn(bibun, *bx)
    if not case.f32:
        return
    assert out.dtype == bibun.float32
    out.sum().backward()
    for i in case.diff:
        assert bx[i].grad.dtype == bibun.float32


# -- losses: the properties named in the issue, beyond the per-op cases ---------------------------------
def test_bce_with_logits_extreme_logits_finite():
    z = bibun.tensor([-1000.0, 1000.0, -1000.0, 1000.0], requires_grad=True)
    y = bibun.tensor([1.0, 0.0, 0.0, 1.0])
    for pw in (None, np.array([3.0], dtype=np.float32)):
        z.grad = None
        loss = _losses.binary_cross_entropy_with_logits(z, y, pos_weight=pw, reduction="sum")
        assert np.isfinite(loss.item())
        loss.backward()
        assert np.all(np.isfinite(z.grad.numpy()))
    # the correct answers: log(1 + e^1000) per wrong sign, and gradients of -1, +1
    loss = _losses.binary_cross_entropy_with_logits(z, y, reduction="none")
    np.testing.assert_allclose(loss.detach().numpy(), [1000.0, 1000.0, 0.0, 0.0])


def test_bce_with_logits_target_gradient_finite_at_extremes():
    z = bibun.tensor([-1000.0, 1000.0], dtype=bibun.float64)
    y = bibun.tensor([0.5, 0.5], dtype=bibun.float64, requires_grad=True)
    _losses.binary_cross_entropy_with_logits(z, y, pos_weight=np.array([2.0])).backward()
    assert np.all(np.isfinite(y.grad.numpy()))


def test_cross_entropy_ignore_index_rows_get_no_gradient():
    z = bibun.randn(6, 4, dtype=bibun.float64, requires_grad=True)
    _losses.cross_entropy(z, bibun.tensor(_CE_T_IGN)).backward()
    assert np.all(z.grad.numpy()[[1, 4]] == 0)
    assert np.all(z.grad.numpy()[[0, 2, 3, 5]] != 0)


def test_bce_clamps_log_like_torch():
    p = bibun.tensor([0.0, 1.0, 0.5], dtype=bibun.float64)
    y = bibun.tensor([1.0, 0.0, 1.0], dtype=bibun.float64)
    loss = _losses.binary_cross_entropy(p, y, reduction="none")
    np.testing.assert_allclose(loss.numpy(), [100.0, 100.0, np.log(2)])


# -- public forms: bibun.op(x) and x.op() are the same thing --------------------------------------------------
PUBLIC = [("exp", ()), ("log", ()), ("sqrt", ()), ("sin", ()), ("cos", ()), ("tanh", ()), ("sigmoid", ()),
          ("relu", ()), ("abs", ()), ("neg", ()), ("reciprocal", ()), ("square", ()), ("clamp", (0.7, 1.2)),
          ("clip", (0.7, 1.2)), ("pow", (2,)), ("sum", ()), ("mean", ()), ("sum", (1,)), ("mean", (0, True)),
          ("var", ()), ("std", (1,)), ("max", ()), ("min", ()), ("amax", (1,)), ("amin", (0,)), ("argmax", ()),
          ("argmin", (1,)), ("logsumexp", (1,)), ("softmax", (1,)), ("log_softmax", (0,)), ("reshape", ((6,),)),
          ("flatten", ()), ("squeeze", ()), ("unsqueeze", (1,)), ("transpose", (0, 1)), ("permute", ((1, 0),)),
          ("t", ()), ("add", (1.5,)), ("sub", (1.5,)), ("mul", (1.5,)), ("div", (1.5,)), ("clone", ()),
          ("detach", ())]


@pytest.mark.parametrize("name, args", PUBLIC, ids=[f"{n}{a}" for n, a in PUBLIC])
def test_function_and_method_forms_agree(name, args):
    data = R.uniform(0.5, 2.0, (2, 3))
    x = bibun.tensor(data, requires_grad=True)
    f = getattr(bibun, name)(x, *args)
    m = getattr(x, name)(*args)
    assert type(f) is type(m)
    np.testing.assert_array_equal(f.detach().numpy(), m.detach().numpy())
    assert (f.grad_fn is None) == (m.grad_fn is None)
    if f.grad_fn is not None:
        assert f.grad_fn.name() == m.grad_fn.name()


@pytest.mark.parametrize("name", ["maximum", "minimum", "matmul", "dot", "mm", "add", "sub", "mul", "div",
                                  "pow", "max", "min"])
def test_binary_function_and_method_forms_agree(name):
    shapes = {"dot": ((3,), (3,)), "mm": ((2, 3), (3, 2)), "matmul": ((2, 3), (3, 2))}
    sa, sb = shapes.get(name, ((2, 3), (2, 3)))
    a = bibun.tensor(R.uniform(0.5, 2, sa))
    b = bibun.tensor(R.uniform(0.5, 2, sb))
    np.testing.assert_array_equal(getattr(bibun, name)(a, b).numpy(), getattr(a, name)(b).numpy())


def test_functions_accept_plain_data():
    np.testing.assert_allclose(bibun.exp([0.0, 1.0]).numpy(), np.exp([0.0, 1.0]).astype(np.float32))
    assert bibun.sum(np.arange(4)).item() == 6


# -- methods built from several primitives: same values and gradients as PyTorch ----------------------------------
COMPOSITES = [
    Case(lambda M, a: a.var(), rn(4, 3), desc="var"),
    Case(lambda M, a: a.var(dim=1, keepdim=True), rn(4, 3), desc="var dim"),
    Case(lambda M, a: a.var(0, unbiased=False), rn(4, 3), desc="var biased"),
    Case(lambda M, a: a.std(dim=0), rn(4, 3), desc="std"),
    Case(lambda M, a: M.std(a), rn(5), desc="M.std"),
    Case(lambda M, a: a.repeat(2, 3), rn(2, 2), desc="repeat"),
    Case(lambda M, a: a.mT, rn(2, 3, 4), desc="mT"),
    Case(lambda M, a: a.view_as(M.zeros(3, 2, dtype=M.float64)), rn(6), desc="view_as"),
    Case(lambda M, a: a.sub(a * 2, alpha=0.5), rn(3), desc="sub alpha"),
    Case(lambda M, a: (a - a.amax(1, keepdim=True)).exp().sum(1).log(), rn(3, 4), desc="logsumexp by hand"),
    Case(lambda M, a, b: M.where(a > b, a - b, (b - a) ** 2), rn(3, 4), rn(4), desc="where on compares"),
]


@pytest.mark.parametrize("case", COMPOSITES, ids=[c.desc for c in COMPOSITES])
def test_composites(case, torch_mod):
    bx, tx = case.bibun_inputs(), case.torch_inputs()
    assert gradcheck(lambda *xs: case.fn(bibun, *xs), case.bibun_inputs(), eps=1e-6, atol=1e-6, rtol=1e-5)
    bout, tout = case.fn(bibun, *bx), case.fn(torch, *tx)
    np.testing.assert_allclose(_as_np(bout), _as_np(tout), **case.tol)
    v = R.standard_normal(tuple(tout.shape))
    bout.backward(bibun.tensor(v))
    tout.backward(torch.tensor(v))
    for i in case.diff:
        np.testing.assert_allclose(bx[i].grad.numpy(), tx[i].grad.numpy(), **case.tol)
