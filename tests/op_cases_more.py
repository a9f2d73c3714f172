"""Cases for the primitives beyond the first chapter's (the elementwise family, prod, cumsum, tile, roll,
tril/triu, tensordot, einsum, trace, cross, norms, inverse, determinants, solve, Cholesky, eigh), merged into
tests/test_grad_ops.py's CASES: each runs there against finite differences and PyTorch in float64."""
import numpy as np

from test_grad_ops import Case, R, away, binary_cases, pos, rn, unary_cases

INF = float("inf")


def uni(lo, hi):
    return lambda *shape: np.asarray(R.uniform(lo, hi, shape), dtype=np.float64)


def off_integers(*shape, gap=0.15):
    """Numbers at least `gap` away from every integer and half-integer (the jumps of floor, ceil, round)."""
    x = R.uniform(-3, 3, shape)
    frac = x - np.floor(x)
    bad = (np.abs(frac) < gap) | (np.abs(frac - 0.5) < gap) | (np.abs(frac - 1) < gap)
    return np.where(bad, np.floor(x) + 0.25, x)


def mod_make(sa, sb):
    """a, b with b away from 0 and a / b away from an integer (the jumps of mod)."""
    while True:
        a, b = rn(*sa) * 3, away(*sb, gap=0.5)
        q = a / b
        if np.all(np.abs(q - np.round(q)) > 0.05):
            return a, b


def wellcond(*shape):
    n = shape[-1]
    return rn(*shape) + 3 * np.eye(n)


def sym(M, a):
    """A symmetric positive definite matrix made from `a` (the decompositions read one triangle only)."""
    return a @ a.mT + 3 * M.eye(a.shape[-1], dtype=a.dtype)


def with_zeros(count):
    x = rn(3, 4)
    x[1, :count] = 0.0
    return x


def unary_aliases(torch_name, numpy_name, make):
    return unary_cases(torch_name, make) + [Case(lambda M, a: getattr(a, numpy_name)(), make(2, 3),
                                                 desc=f"x.{numpy_name}()")]


def zero_grad_cases(name):
    return unary_cases(name, off_integers) + [Case(lambda M, a: getattr(M, name)(a) * a, off_integers(3), desc="times x")]


MORE = {
    "log2": unary_cases("log2", pos),
    "log10": unary_cases("log10", pos),
    "log1p": unary_cases("log1p", uni(-0.5, 2.0)),
    "expm1": unary_cases("expm1", rn),
    "exp2": unary_cases("exp2", rn),
    "tan": unary_cases("tan", uni(-1.2, 1.2)),
    "sinh": unary_cases("sinh", rn),
    "cosh": unary_cases("cosh", rn),
    "asin": unary_aliases("asin", "arcsin", uni(-0.9, 0.9)),
    "acos": unary_aliases("acos", "arccos", uni(-0.9, 0.9)),
    "atan": unary_aliases("atan", "arctan", rn),
    "asinh": unary_aliases("asinh", "arcsinh", rn),
    "acosh": unary_aliases("acosh", "arccosh", uni(1.2, 3.0)),
    "atanh": unary_aliases("atanh", "arctanh", uni(-0.9, 0.9)),
    "square": unary_cases("square", rn) + [Case(lambda M, a: a.square(), rn(2, 3), desc="square")],
    "floor": zero_grad_cases("floor"),
    "ceil": zero_grad_cases("ceil"),
    "round": zero_grad_cases("round") + [Case(lambda M, a: M.round(a, decimals=1) * a, uni(0.01, 0.04)(4),
                                              desc="decimals=1")],
    "sign": unary_cases("sign", away),
    "trunc": zero_grad_cases("trunc") + [Case(lambda M, a: a.fix() * a, off_integers(3), desc="fix")],
    "atan2": binary_cases(lambda M, a, b: M.atan2(a, b), make=lambda sa, sb: (rn(*sa), away(*sb)), scalars=())
    + [Case(lambda M, a, b: a.arctan2(b), rn(3), away(3), desc="x.arctan2")],
    "hypot": binary_cases(lambda M, a, b: M.hypot(a, b), make=lambda sa, sb: (away(*sa), away(*sb)), scalars=()),
    "logaddexp": binary_cases(lambda M, a, b: M.logaddexp(a, b), scalars=())
    + [Case(lambda M, a, b: M.logaddexp(a, b), np.array([-480.0, 210.0, 300.0]), np.array([-470.0, 240.0, 299.0]),
            desc="large inputs stay finite")],
    "remainder": binary_cases(lambda M, a, b: a % b, make=mod_make, scalars=())
    + [Case(lambda M, a: a % 0.7, mod_make((2, 3), ())[0], desc="x % 0.7"),
       Case(lambda M, a, b: M.remainder(a, b), *mod_make((3,), (2, 3)), desc="M.remainder"),
       Case(lambda M, a, b: a.remainder(b), *mod_make((2, 3), (3,)), desc="x.remainder")],
    "fmod": [Case(lambda M, a, b: M.fmod(a, b), *mod_make(sa, sb), desc=f"{sa}x{sb}")
             for sa, sb in (((2, 3), (2, 3)), ((3,), (2, 3)), ((4, 2, 3), (3,)))]
    + [Case(lambda M, a: a.fmod(-0.7), mod_make((2, 3), ())[0], desc="x.fmod(-0.7)")],
    "prod": [Case(lambda M, a: a.prod(), rn(3, 4), desc="all"),
             Case(lambda M, a: M.prod(a, 1), rn(3, 4), desc="M.prod(x, 1)"),
             Case(lambda M, a: a.prod(dim=0, keepdim=True), rn(4, 2, 3), desc="dim 0 keepdim"),
             Case(lambda M, a: a.prod(-1), rn(5), desc="1-d"),
             Case(lambda M, a: a.prod(), rn(), desc="0-d"),
             Case(lambda M, a: a.prod(1), with_zeros(1), desc="one zero in a row"),
             Case(lambda M, a: a.prod(1), with_zeros(2), desc="two zeros in a row"),
             Case(lambda M, a: a.prod(), with_zeros(1), desc="one zero in all")],
    "cumsum": [Case(lambda M, a: a.cumsum(0), rn(4, 3), desc="x.cumsum(0)"),
               Case(lambda M, a: M.cumsum(a, dim=-1), rn(2, 3, 4), desc="M.cumsum(x, -1)"),
               Case(lambda M, a: a.cumsum(1), rn(2, 3, 4), desc="3-d dim 1"),
               Case(lambda M, a: M.cumsum(a, 0), rn(5), desc="1-d")],
    "tile": [Case(lambda M, a: a.repeat(2, 3), rn(2, 2), desc="x.repeat(2, 3)"),
             Case(lambda M, a: a.repeat(2, 1, 3), rn(2, 3), desc="more dims"),
             Case(lambda M, a: M.tile(a, (2,)), rn(2, 3), desc="M.tile fewer dims"),
             Case(lambda M, a: a.tile((3, 1, 2)), rn(2, 1, 3), desc="x.tile 3-d")],
    "repeat_interleave": [Case(lambda M, a: a.repeat_interleave(2, dim=1), rn(2, 3), desc="dim 1"),
                          Case(lambda M, a: M.repeat_interleave(a, 3), rn(2, 2), desc="flattened"),
                          Case(lambda M, a: a.repeat_interleave(2, dim=-1), rn(2, 3, 2), desc="3-d")],
    "roll": [Case(lambda M, a: M.roll(a, 1, 0), rn(4, 3), desc="M.roll"),
             Case(lambda M, a: a.roll((1, -2), (0, 1)), rn(3, 4), desc="two axes"),
             Case(lambda M, a: a.roll(2), rn(2, 3), desc="flattened"),
             Case(lambda M, a: a.roll(-1, 2), rn(2, 3, 4), desc="3-d")],
    "tril": [Case(lambda M, a: M.tril(a), rn(3, 3), desc="M.tril"),
             Case(lambda M, a: a.tril(1), rn(3, 4), desc="x.tril(1)"),
             Case(lambda M, a: a.tril(-1), rn(2, 3, 3), desc="batched")],
    "triu": [Case(lambda M, a: M.triu(a), rn(3, 3), desc="M.triu"),
             Case(lambda M, a: a.triu(-1), rn(4, 3), desc="x.triu(-1)"),
             Case(lambda M, a: a.triu(1), rn(2, 3, 3), desc="batched")],
    "tensordot": [Case(lambda M, a, b: M.tensordot(a, b, dims=2), rn(2, 3, 4), rn(3, 4, 5), desc="dims=2"),
                  Case(lambda M, a, b: M.tensordot(a, b, dims=([1, 0], [0, 1])), rn(3, 2, 4), rn(2, 3, 5),
                       desc="dims lists"),
                  Case(lambda M, a, b: M.tensordot(a, b, dims=1), rn(2, 3), rn(3, 4, 2), desc="dims=1"),
                  Case(lambda M, a, b: M.tensordot(a, b, dims=0), rn(2), rn(3), desc="outer")],
    "einsum": [Case(lambda M, a, b: M.einsum("ij,jk->ik", a, b), rn(2, 3), rn(3, 4), desc="matmul"),
               Case(lambda M, a: M.einsum("ii->i", a), rn(3, 3), desc="diagonal"),
               Case(lambda M, a: M.einsum("ii", a), rn(3, 3), desc="trace, implicit output"),
               Case(lambda M, a, b: M.einsum("bij,bjk->bik", a, b), rn(2, 3, 4), rn(2, 4, 2), desc="batched"),
               Case(lambda M, a, b: M.einsum("i,i", a, b), rn(4), rn(4), desc="inner"),
               Case(lambda M, a: M.einsum("ij->", a), rn(2, 3), desc="sum"),
               Case(lambda M, a, b: M.einsum("...ij,...jk->...ik", a, b), rn(2, 1, 3, 4), rn(5, 4, 2),
                    desc="ellipsis broadcast"),
               Case(lambda M, a, b, c: M.einsum("ij,jk,kl->il", [a, b, c]), rn(2, 3), rn(3, 4), rn(4, 2),
                    desc="three operands, list"),
               Case(lambda M, a, b: M.einsum("ij,kl->ijkl", a, b), rn(2, 3), rn(2, 2), desc="outer"),
               Case(lambda M, a: M.einsum("iij->j", a), rn(3, 3, 2), desc="repeated index and a kept one")],
    "trace": [Case(lambda M, a: M.trace(a), rn(3, 3), desc="M.trace"),
              Case(lambda M, a: a.trace(), rn(3, 4), desc="rectangular")],
    "cross": [Case(lambda M, a, b: M.cross(a, b, dim=-1), rn(4, 3), rn(4, 3), desc="rows"),
              Case(lambda M, a, b: M.linalg.cross(a, b), rn(1, 3), rn(2, 3), desc="linalg.cross broadcast"),
              Case(lambda M, a, b: a.cross(b, dim=0), rn(3, 2), rn(3, 2), desc="dim 0")],
    "vector_norm": [Case(lambda M, a: a.norm(), rn(2, 3), desc="x.norm()"),
                    Case(lambda M, a: M.norm(a, dim=1), rn(3, 4), desc="M.norm(x, dim=1)"),
                    Case(lambda M, a: a.norm(p=1), away(2, 3), desc="p=1"),
                    Case(lambda M, a: a.norm(p=3, dim=0, keepdim=True), away(4, 3), desc="p=3"),
                    Case(lambda M, a: a.norm(p=INF), np.array([0.5, -2.0, 1.5]), desc="p=inf"),
                    Case(lambda M, a: M.linalg.norm(a), rn(3, 4), desc="linalg.norm matrix: Frobenius"),
                    Case(lambda M, a: M.linalg.vector_norm(a, ord=0.5, dim=(0, 2)), away(2, 3, 2),
                         desc="linalg.vector_norm ord 0.5"),
                    Case(lambda M, a: M.linalg.norm(a, dim=-1), rn(2, 3, 4), desc="linalg.norm dim")],
    "inv": [Case(lambda M, a: M.linalg.inv(a), wellcond(3, 3), desc="linalg.inv"),
            Case(lambda M, a: a.inverse(), wellcond(2, 3, 3), desc="batched x.inverse()")],
    "det": [Case(lambda M, a: M.linalg.det(a), wellcond(3, 3), desc="linalg.det"),
            Case(lambda M, a: a.det(), wellcond(2, 3, 3), desc="batched x.det()"),
            Case(lambda M, a: M.det(a), rn(2, 2), desc="M.det 2x2")],
    "logabsdet": [Case(lambda M, a: M.linalg.slogdet(a)[1], wellcond(3, 3), desc="linalg.slogdet"),
                  Case(lambda M, a: M.linalg.slogdet(a)[1], wellcond(2, 3, 3) * -1, desc="batched, negative")],
    "solve": [Case(lambda M, a, b: M.linalg.solve(a, b), wellcond(3, 3), rn(3), desc="vector"),
              Case(lambda M, a, b: M.linalg.solve(a, b), wellcond(3, 3), rn(3, 2), desc="matrix"),
              Case(lambda M, a, b: M.linalg.solve(a, b), wellcond(2, 3, 3), rn(2, 3, 2), desc="batched")],
    "cholesky": [Case(lambda M, a: M.linalg.cholesky(sym(M, a)), rn(3, 3), desc="linalg.cholesky"),
                 Case(lambda M, a: M.linalg.cholesky(sym(M, a), upper=True), rn(3, 3), desc="upper"),
                 Case(lambda M, a: M.linalg.cholesky(sym(M, a)), rn(2, 3, 3), desc="batched")],
    "eigh": [Case(lambda M, a: M.linalg.eigh(sym(M, a))[0], rn(3, 3), desc="eigenvalues"),
             Case(lambda M, a: M.linalg.eigh(sym(M, a))[1] ** 2, rn(3, 3), desc="eigenvectors (squared: no sign)"),
             Case(lambda M, a: M.linalg.eigvalsh(sym(M, a)), rn(2, 4, 4), desc="batched eigvalsh")],
}
