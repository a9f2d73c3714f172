"""Products and linear algebra. 1-D operands follow NumPy's matmul rules; batch broadcasting is the engine's
sum_to. The decompositions' VJPs are the standard ones (Giles 2008 for inv, det, solve; Murray 2016 for the
Cholesky factor, in PyTorch's form; the symmetric eigenproblem as in PyTorch's linalg_eig_backward)."""
import string

import numpy as np

from ._args import axes, constant, data_of, tensor_of
from ._registry import ATOM, METHOD, PRODUCT, SUM, Form, Text, defop, defsurface
from ._wrap import binary, nary, unary
from .elementwise import abs as _abs, clamp, sqrt
from .reduction import _expand, amax, amin, sum as _sum


def _mm_grad_a(xp, g, out, a, b):
    if b.ndim == 1:
        return xp.expand_dims(g, -1) * b if a.ndim > 1 else g * b
    if a.ndim == 1:
        return xp.matmul(xp.expand_dims(g, -2), xp.swapaxes(b, -1, -2))
    return xp.matmul(g, xp.swapaxes(b, -1, -2))


def _mm_grad_b(xp, g, out, a, b):
    if a.ndim == 1:
        return xp.expand_dims(a, -1) * xp.expand_dims(g, -2) if b.ndim > 1 else g * a
    if b.ndim == 1:           # a batched: g is (..., n); the engine sums the batch axes away
        return xp.matmul(xp.swapaxes(a, -1, -2), g) if a.ndim == 2 else xp.expand_dims(g, -1) * a
    return xp.matmul(xp.swapaxes(a, -1, -2), g)


def _linear(x, w, b=None):
    out = x @ w.T
    if b is not None:
        out += b
    return out


def _linear_grad_w(xp, g, out, x, w, b=None):
    if x.ndim == 1:
        return xp.expand_dims(g, -1) * x
    if x.ndim > 2:
        x, g = xp.reshape(x, (-1, x.shape[-1])), xp.reshape(g, (-1, g.shape[-1]))
    return g.T @ x


def _linear_grad_b(xp, g, out, x, w, b=None):
    return xp.sum(g, axis=0 if g.ndim == 2 else tuple(range(g.ndim - 1)))


def _dim_of(x):
    return x.ndim if hasattr(x, "ndim") else np.ndim(x)


def _mm(self, other):
    if self.ndim != 2 or _dim_of(other) != 2:
        raise RuntimeError(f"mm needs two matrices, got {self.ndim}-D and {_dim_of(other)}-D tensors; "
                           f"use matmul (or @) for other shapes")
    return matmul(self, other)


def _dot_method(self, other):
    if self.ndim != 1 or _dim_of(other) != 1:
        raise RuntimeError(f"1D tensors expected, but got {self.ndim}D and {_dim_of(other)}D tensors; "
                           f"use matmul (or @) for matrices")
    return dot(self, other)


def _np_dot(a, b):
    """NumPy's dot: a product with a scalar, the inner product of vectors, the matrix product of matrices, and
    otherwise a sum over the last axis of `a` and the second-to-last of `b` (not matmul's batch rule)."""
    a, b = tensor_of(a), tensor_of(b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if a.ndim == 1 and b.ndim == 1:
        return dot(a, b)
    if a.ndim <= 2 and b.ndim <= 2:
        return matmul(a, b)
    return tensordot(a, b, axes=((a.ndim - 1,), (max(b.ndim - 2, 0),)))


# -- tensordot and einsum ---------------------------------------------------------------------------------------
def _tensordot_axes(spec, na, nb):
    if isinstance(spec, int):
        return tuple(range(na - spec, na)), tuple(range(spec))
    sa, sb = spec
    sa = (sa,) if isinstance(sa, int) else tuple(sa)
    sb = (sb,) if isinstance(sb, int) else tuple(sb)
    return tuple(i % na for i in sa), tuple(i % nb for i in sb)


def _tensordot_grad_a(xp, g, out, a, b, axes):
    ia, ib = axes
    free_a = [i for i in range(a.ndim) if i not in ia]
    free_b = [i for i in range(b.ndim) if i not in ib]
    # g's axes: a's free axes, then b's; contracting b's free axes leaves a's free axes, then b's contracted
    # axes in b's order, each standing for the axis of a it was paired with
    r = xp.tensordot(g, b, axes=(tuple(range(len(free_a), g.ndim)), tuple(free_b)))
    return xp.transpose(r, tuple(np.argsort(free_a + [ia[ib.index(k)] for k in sorted(ib)])))


def _tensordot_grad_b(xp, g, out, a, b, axes):
    ia, ib = axes
    free_a = [i for i in range(a.ndim) if i not in ia]
    free_b = [i for i in range(b.ndim) if i not in ib]
    r = xp.tensordot(a, g, axes=(tuple(free_a), tuple(range(len(free_a)))))
    return xp.transpose(r, tuple(np.argsort([ib[ia.index(k)] for k in sorted(ia)] + free_b)))


def _tensordot_function(a, b, dims=2):
    a, b = tensor_of(a), tensor_of(b)
    return tensordot(a, b, axes=_tensordot_axes(dims, a.ndim, b.ndim))


def _np_tensordot(a, b, axes=2):
    return _tensordot_function(a, b, axes)


def _einsum_normalise(subscripts, ndims):
    """`subscripts` with every ellipsis spelled out in letters, and the output given: "ij,jk->ik"."""
    s = subscripts.replace(" ", "")
    ins, out = (s.split("->") + [None])[:2]
    ins = ins.split(",")
    if len(ins) != len(ndims):
        raise ValueError(f"einsum: the subscripts name {len(ins)} operands but {len(ndims)} were given")
    used = set(s)
    spare = [c for c in string.ascii_letters if c not in used]
    n_ell = max([nd - len(t.replace("...", "")) for t, nd in zip(ins, ndims) if "..." in t] or [0])
    ell = "".join(spare[:n_ell])
    ins = [t.replace("...", ell[n_ell - (nd - len(t.replace("...", ""))):]) if "..." in t else t
           for t, nd in zip(ins, ndims)]
    if out is None:
        letters = "".join(ins)
        out = ell + "".join(sorted(c for c in set(letters) if letters.count(c) == 1 and c not in ell))
    else:
        out = out.replace("...", ell)
    return ",".join(ins) + "->" + out


def _einsum_grad(i, xp, g, out, *ops, subscripts):
    ins, out_s = subscripts.split("->")
    ins = ins.split(",")
    mine = ins[i]
    used = set(subscripts)
    spare = iter(c for c in string.ascii_letters if c not in used)
    terms, operands = [out_s], [g]
    for j, (t, x) in enumerate(zip(ins, ops)):
        if j != i:
            terms.append(t)
            operands.append(x)
    shape = ops[i].shape
    target, seen = [], {}
    for c, n in zip(mine, shape):
        if c in seen:               # a repeated index (a diagonal): its own letter, tied by the identity
            fresh = next(spare)
            terms.append(c + fresh)
            operands.append(np.eye(n, dtype=data_of(g).dtype))
            target.append(fresh)
        else:
            seen[c] = n
            target.append(c)
    elsewhere = set("".join(terms))
    for c in seen:
        if c not in elsewhere:      # summed over by this operand alone: the gradient is constant along it
            terms.append(c)
            operands.append(np.ones(seen[c], dtype=data_of(g).dtype))
    return xp.einsum(",".join(terms) + "->" + "".join(target), *operands)


def _einsum_function(subscripts, *operands):
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = operands[0]              # torch.einsum("ij,jk", [a, b])
    ts = [tensor_of(x) for x in operands]
    return einsum(*ts, subscripts=_einsum_normalise(subscripts, [t.ndim for t in ts]))


# -- trace, cross -------------------------------------------------------------------------------------------------
def _trace_grad(xp, g, out, a, offset=0, axis1=0, axis2=1):
    shape = tuple(a.shape)
    mask = np.eye(shape[axis1], shape[axis2], k=offset, dtype=data_of(g).dtype)
    if axis1 > axis2:
        mask = mask.T
    full = [1] * len(shape)
    full[axis1], full[axis2] = shape[axis1], shape[axis2]
    return xp.expand_dims(g, tuple(sorted((axis1, axis2)))) * mask.reshape(full)


def _np_trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    a = tensor_of(a)
    return trace(a, offset=offset, axis1=axis1 % a.ndim, axis2=axis2 % a.ndim)


def _torch_trace(self):
    if self.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got a {self.ndim}-D tensor")
    return trace(self, offset=0, axis1=0, axis2=1)


def _torch_cross(input, other, dim=None):
    a, b = tensor_of(input), tensor_of(other)
    if dim is None:                 # PyTorch's old default: the first axis of length 3
        n = np.broadcast_shapes(tuple(a.shape), tuple(b.shape))
        dim = next(i for i, k in enumerate(n) if k == 3)
    n = len(np.broadcast_shapes(tuple(a.shape), tuple(b.shape)))
    return cross(a, b, axis=dim % n - n)


def _np_cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    if axis is None and (axisa, axisb, axisc) != (-1, -1, -1):
        raise NotImplementedError("bibun.numpy.cross takes one `axis` for both operands and the result")
    return cross(tensor_of(a), tensor_of(b), axis=-1 if axis is None else axis)


# -- norms ------------------------------------------------------------------------------------------------------
_INF = float("inf")


def _vector_norm(a, ord=2, axis=None, keepdims=False):
    x = np.abs(a)
    if ord == _INF:
        return np.max(x, axis=axis, keepdims=keepdims)
    if ord == -_INF:
        return np.min(x, axis=axis, keepdims=keepdims)
    if ord == 0:
        return np.sum(x != 0, axis=axis, keepdims=keepdims).astype(a.dtype)
    if ord == 1:
        return np.sum(x, axis=axis, keepdims=keepdims)
    if ord == 2:
        return np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims))
    return np.sum(x ** ord, axis=axis, keepdims=keepdims) ** (1.0 / ord)


def _vector_norm_grad(xp, g, out, a, ord=2, axis=None, keepdims=False):
    ge = _expand(xp, g, a.shape, axis, keepdims)
    norm = _expand(xp, out, a.shape, axis, keepdims)
    if ord in (_INF, -_INF):              # the largest (smallest) |a|: ties share, as PyTorch's amax
        hit = xp.abs(a) == norm
        return ge * xp.sign(a) * hit / xp.sum(hit, axis=axis, keepdims=True)
    if ord == 0:
        return ge * 0
    if ord == 1:
        return ge * xp.sign(a)
    safe = xp.where(norm == 0, 1.0, norm)  # the gradient at 0 is taken as 0 (PyTorch's choice)
    if ord == 2:
        return ge * xp.where(norm == 0, 0.0, a / safe)
    return ge * xp.where(norm == 0, 0.0, xp.sign(a) * xp.abs(a) ** (ord - 1) / safe ** (ord - 1))


def _ord(p):
    return _INF if p in ("inf", _INF) else -_INF if p in ("-inf", -_INF) else p


def _singular_values(A):
    """The singular values of the matrices in the last two axes, from the eigenvalues of AᵀA or AAᵀ, whichever
    is smaller (the larger one has zero eigenvalues, where the square root has no derivative)."""
    w = _eigh_pair(matmul(A.mT, A) if A.shape[-2] >= A.shape[-1] else matmul(A, A.mT))[0]
    return sqrt(clamp(w, min=0.0))


def _matrix_norm(A, ord, dim, keepdim):
    A = tensor_of(A)
    r, c = axes(dim, A.ndim)
    if ord == "fro":
        res = vector_norm(A, ord=2, axis=tuple(sorted((r, c))), keepdims=keepdim)
        return res
    order = [i for i in range(A.ndim) if i not in (r, c)] + [r, c]
    M = A.permute(*order)
    if ord in ("nuc", 2, -2):
        s = _singular_values(M)
        res = _sum(s, axis=(s.ndim - 1,)) if ord == "nuc" else (amax if ord == 2 else amin)(s, axis=(s.ndim - 1,))
    elif ord in (1, -1, _INF, -_INF):
        summed = _sum(_abs(M), axis=(M.ndim - 2,) if ord in (1, -1) else (M.ndim - 1,))
        res = (amax if ord in (1, _INF) else amin)(summed, axis=(summed.ndim - 1,))
    else:
        raise ValueError(f"matrix norm: ord must be 'fro', 'nuc', 1, -1, 2, -2, inf or -inf, not {ord!r}")
    if keepdim:
        shape = list(A.shape)
        shape[r] = shape[c] = 1
        res = res.reshape(shape)
    return res


def _vector_norm_function(x, ord=2, dim=None, keepdim=False, dtype=None):
    x = tensor_of(x)
    if dtype is not None:
        x = x.type(dtype)
    return vector_norm(x, ord=_ord(ord), axis=axes(dim, x.ndim), keepdims=keepdim)


def _linalg_norm(A, ord=None, dim=None, keepdim=False):
    """torch.linalg.norm: a vector norm over one axis (or all, with ord None), a matrix norm over two."""
    A = tensor_of(A)
    ord = _ord(ord)
    if dim is None:
        if ord is None:
            return vector_norm(A, ord=2, axis=None, keepdims=keepdim)
        dim = (0,) if A.ndim == 1 else (-2, -1) if A.ndim == 2 else None
        if dim is None:
            raise RuntimeError("linalg.norm: with `ord` given, the input must be 1-D or 2-D unless dim is given")
    if isinstance(dim, int) or len(dim) == 1:
        return vector_norm(A, ord=2 if ord is None else ord, axis=axes(dim, A.ndim), keepdims=keepdim)
    return _matrix_norm(A, "fro" if ord is None else ord, dim, keepdim)


def _norm_method(self, p="fro", dim=None, keepdim=False, dtype=None):
    x = self if dtype is None else self.type(dtype)
    if p == "fro" or p is None:
        return vector_norm(x, ord=2, axis=axes(dim, x.ndim), keepdims=keepdim)
    if p == "nuc":
        return _matrix_norm(x, "nuc", (-2, -1) if dim is None else dim, keepdim)
    return vector_norm(x, ord=_ord(p), axis=axes(dim, x.ndim), keepdims=keepdim)


def _np_norm(x, ord=None, axis=None, keepdims=False):
    x = tensor_of(x)
    if isinstance(axis, int):
        axis = (axis,)
    if axis is None and ord is not None and x.ndim == 2:
        axis = (0, 1)
    if axis is None:
        if ord is not None and x.ndim > 1:
            raise ValueError("Improper number of dimensions to norm: give `axis` for an ord on a >2-d array")
        return vector_norm(x, ord=2 if ord is None else ord, axis=None, keepdims=keepdims)
    if len(axis) == 1:
        return vector_norm(x, ord=2 if ord is None else ord, axis=(axis[0] % x.ndim,), keepdims=keepdims)
    return _matrix_norm(x, "fro" if ord is None else ord, axis, keepdims)


# -- inverse, determinant, solve, Cholesky, symmetric eigenproblem ------------------------------------------------
def _mT(xp, x):
    return xp.swapaxes(x, -1, -2)


def _inv_grad(xp, g, out, a):
    # d(A⁻¹) = -A⁻¹ dA A⁻¹, so Ā = -A⁻ᵀ Ḡ A⁻ᵀ
    t = _mT(xp, out)
    return -xp.matmul(t, xp.matmul(g, t))


def _det_grad(xp, g, out, a):
    # d det A = det A tr(A⁻¹ dA), so Ā = ḡ det A A⁻ᵀ
    return xp.expand_dims(xp.expand_dims(g * out, -1), -1) * _mT(xp, xp.linalg.inv(a))


def _logabsdet_grad(xp, g, out, a):
    return xp.expand_dims(xp.expand_dims(g, -1), -1) * _mT(xp, xp.linalg.inv(a))


def _solve_grad_b(xp, g, out, a, b):
    # x = A⁻¹ b: b̄ = A⁻ᵀ x̄
    return xp.linalg.solve(_mT(xp, a), g)


def _solve_grad_a(xp, g, out, a, b):
    # Ā = -b̄ xᵀ
    gb = _solve_grad_b(xp, g, out, a, b)
    if b.ndim == 1:
        return -xp.expand_dims(gb, -1) * xp.expand_dims(out, -2)
    return -xp.matmul(gb, _mT(xp, out))


def _cholesky_grad(xp, g, out, a):
    # Murray (2016), as PyTorch computes it: Ā = L⁻ᵀ Φ L⁻¹, Φ = ½(X + tril(X, -1)ᵀ), X = tril(Lᵀ L̄)
    x = xp.tril(xp.matmul(_mT(xp, out), g))
    phi = 0.5 * (x + _mT(xp, xp.tril(x, -1)))
    linv = xp.linalg.inv(out)
    return xp.matmul(_mT(xp, linv), xp.matmul(phi, linv))


def _eigh(a):
    """Eigenvalues and eigenvectors in one array, (..., n + 1, n): row 0 holds the eigenvalues (one output, so
    that one node records both; `eigh` below splits them)."""
    w, v = np.linalg.eigh(a)
    return np.concatenate([w[..., None, :], v], axis=-2)


def _eigh_grad(xp, g, out, a):
    # A = V diag(w) Vᵀ: Ā = V (diag(w̄) + skew(Vᵀ V̄) / (w_j - w_i)) Vᵀ (PyTorch's linalg_eig_backward)
    n = a.shape[-1]
    w, v = out[..., 0, :], out[..., 1:, :]
    gw, gv = g[..., 0, :], g[..., 1:, :]
    eye = np.eye(n, dtype=data_of(g).dtype)
    vtgv = xp.matmul(_mT(xp, v), gv)
    skew = 0.5 * (vtgv - _mT(xp, vtgv))
    gaps = xp.expand_dims(w, -2) - xp.expand_dims(w, -1) + eye
    inner = skew / gaps + xp.expand_dims(gw, -2) * eye
    return xp.matmul(v, xp.matmul(inner, _mT(xp, v)))


def _eigh_pair(a, UPLO="L"):
    if UPLO != "L":
        raise NotImplementedError("bibun's eigh reads the lower triangle only (UPLO='L')")
    packed = eigh(tensor_of(a))
    return packed[..., 0, :], packed[..., 1:, :]


def _slogdet(a):
    a = tensor_of(a)
    return constant(np.linalg.slogdet(a._data)[0]), logabsdet(a)


def _np_solve(a, b):
    return solve(tensor_of(a), tensor_of(b))


L = "linalg"
# the gradients a product passes back read as matrix products: ∂L/∂W = (∂L/∂z) xᵀ for z = W x
matmul = binary(defop(
    "matmul", fwd=np.matmul, vjp=(_mm_grad_a, _mm_grad_b), kind=L, grad_name="MmBackward0",
    symbol="@", local=("@1^\\top", "@0^\\top"), forward=Form(r"@(0) \, @(1)", "@(0) @ @(1)", PRODUCT),
    vjp_text=(Text(r"@g \, @1^{\top}", "@g @1ᵀ"), Text(r"@0^{\top} \, @g", "@0ᵀ @g")),
    by_ndim={(1, 1): dict(forward=Form(r"@(0)^{\top} \, @(1)", "@(0) @ @(1)", PRODUCT),    # hᵀq
                          vjp_text=(Text(r"@g \, @1", "@g·@1"), Text(r"@g \, @0", "@g·@0"))),
             (1, None): dict(vjp_text=(Text(r"@1 \, @g", "@1 @g"), Text(r"@0 \, @g^{\top}", "@0 @gᵀ")))},
    method={"__matmul__": None, "__rmatmul__": lambda self, other: matmul(other, self), "matmul": None, "mm": _mm},
    function={"matmul": METHOD, "mm": METHOD}, numpy="matmul"))
dot = binary(defop(
    "dot", fwd=np.dot, vjp=(lambda xp, g, out, a, b: g * b, lambda xp, g, out, a, b: g * a), kind=L,
    symbol=r"\cdot", local=("@1", "@0"), forward=Form(r"@(0) \cdot @(1)", "@(0)·@(1)", PRODUCT),
    vjp_text=(Text("@g @1", "@g·@1"), Text("@g @0", "@g·@0")),
    method={"dot": _dot_method, "inner": _dot_method}, function={"dot": METHOD}, numpy={"dot": _np_dot}))
# fused x @ W.T + b, the body of nn.Linear: one node instead of three
linear = nary(defop(
    "linear", fwd=_linear, vjp=(lambda xp, g, out, x, w, b=None: g @ w, _linear_grad_w, _linear_grad_b), kind=L,
    grad_name="AddmmBackward0", next_order=(2, 0, 1), symbol="linear", label=r"\mathrm{linear}", local=("W", "x^\\top", "1"),
    forward=Form(r"@(0) @(1)^{\top} + @2", "@(0) @(1)ᵀ + @2", SUM),
    vjp_text=(Text("@g @1", "@g @1"), Text(r"@g^{\top} @0", "@gᵀ @0"), Text(r"\sum @g", "sum(@g)"))))
tensordot = nary(defop(
    "tensordot", fwd=lambda a, b, axes: np.tensordot(a, b, axes), vjp=(_tensordot_grad_a, _tensordot_grad_b),
    kind=L, symbol="tensordot", local=(None, None), forward=Form(r"@(0) \cdot @(1)", "tensordot(@0, @1)", ATOM),
    function={"tensordot": _tensordot_function}, numpy={"tensordot": _np_tensordot}))
einsum = nary(defop(
    "einsum", fwd=lambda *ops, subscripts: np.einsum(subscripts, *ops), vjp=_einsum_grad, kind=L, variadic=True,
    symbol="einsum", local=(None,), function={"einsum": _einsum_function}, numpy={"einsum": _einsum_function}))
trace = unary(defop(
    "trace", fwd=lambda a, offset=0, axis1=0, axis2=1: np.trace(a, offset, axis1, axis2), vjp=_trace_grad, kind=L,
    symbol=r"\mathrm{tr}", local=("I",), forward=Form(r"\mathrm{tr}(@0)", "tr(@0)", ATOM),
    vjp_text=(Text(r"@g I", "@g I"),), method={"trace": _torch_trace}, function={"trace": METHOD},
    numpy={"trace": _np_trace}))
cross = nary(defop(
    "cross", fwd=lambda a, b, axis=-1: np.cross(a, b, axis=axis),
    vjp=(lambda xp, g, out, a, b, axis=-1: xp.cross(b, g, axis=axis),
         lambda xp, g, out, a, b, axis=-1: xp.cross(g, a, axis=axis)), kind=L, grad_name="LinalgCrossBackward0",
    symbol=r"\times", local=(None, None), forward=Form(r"@(0) \times @(1)", "@(0) × @(1)", PRODUCT),
    vjp_text=(Text(r"@1 \times @g", "@1 × @g"), Text(r"@g \times @0", "@g × @0")),
    method={"cross": _torch_cross}, function={"cross": _torch_cross,
                                              "linalg.cross": lambda a, b, dim=-1: _torch_cross(a, b, dim)},
    numpy={"cross": _np_cross}))
vector_norm = unary(defop(
    "vector_norm", fwd=_vector_norm, vjp=_vector_norm_grad, kind=L, grad_name="LinalgVectorNormBackward0",
    symbol=r"\|\cdot\|", label=r"\|a\|", local=(r"\frac{@0}{\|@0\|}",), forward=Form(r"\|@0\|", "‖@0‖", ATOM),
    method={"norm": _norm_method}, function={"norm": METHOD, "linalg.norm": _linalg_norm,
                                             "linalg.vector_norm": _vector_norm_function,
                                             "linalg.matrix_norm": lambda A, ord="fro", dim=(-2, -1), keepdim=False:
                                             _matrix_norm(A, _ord(ord), dim, keepdim)},
    numpy={"linalg.norm": _np_norm}))
inv = unary(defop(
    "inv", fwd=np.linalg.inv, vjp=_inv_grad, kind=L, grad_name="LinalgInvExBackward0",
    symbol="^{-1}", label="a^{-1}", local=(None,), forward=Form("@(0)^{-1}", "@(0)⁻¹", ATOM),
    vjp_text=(Text(r"-@out^{\top} @g @out^{\top}", "-@outᵀ @g @outᵀ"),),
    method="inverse", function={"inverse": None, "linalg.inv": None}, numpy="linalg.inv"))
det = unary(defop(
    "det", fwd=np.linalg.det, vjp=_det_grad, kind=L, grad_name="LinalgDetBackward0",
    symbol=r"\det", local=(r"\det(@0) @0^{-\top}",), forward=Form(r"\det(@0)", "det(@0)", ATOM),
    method="det", function={"det": None, "linalg.det": None}, numpy="linalg.det"))
logabsdet = unary(defop(
    "logabsdet", fwd=lambda a: np.linalg.slogdet(a)[1], vjp=_logabsdet_grad, kind=L,
    grad_name="LinalgSlogdetBackward0", symbol=r"\log|\det|", local=(r"@0^{-\top}",),
    forward=Form(r"\log|\det(@0)|", "log|det(@0)|", ATOM),
    method={"slogdet": _slogdet, "logdet": None}, function={"slogdet": _slogdet, "linalg.slogdet": _slogdet},
    numpy={"linalg.slogdet": _slogdet}))
solve = binary(defop(
    "solve", fwd=np.linalg.solve, vjp=(_solve_grad_a, _solve_grad_b), kind=L, grad_name="LinalgSolveExBackward0",
    symbol=r"\mathrm{solve}", local=(None, None), forward=Form(r"@(0)^{-1} @(1)", "solve(@0, @1)", ATOM),
    function={"linalg.solve": lambda A, B, left=True: _np_solve(A, B)}, numpy={"linalg.solve": _np_solve}))
cholesky = unary(defop(
    "cholesky", fwd=np.linalg.cholesky, vjp=_cholesky_grad, kind=L, grad_name="LinalgCholeskyExBackward0",
    symbol=r"\mathrm{chol}", local=(None,), forward=Form(r"\mathrm{chol}(@0)", "cholesky(@0)", ATOM),
    method={"cholesky": lambda self, upper=False: cholesky(self).mT if upper else cholesky(self)},
    function={"cholesky": METHOD, "linalg.cholesky": lambda A, upper=False: cholesky(tensor_of(A)).mT if upper
              else cholesky(tensor_of(A))},
    numpy={"linalg.cholesky": lambda a, upper=False: cholesky(tensor_of(a)).mT if upper
           else cholesky(tensor_of(a))}))
eigh = unary(defop(
    "eigh", fwd=_eigh, vjp=_eigh_grad, kind=L, grad_name="LinalgEighBackward0", symbol=r"\mathrm{eigh}",
    local=(None,), function={"linalg.eigh": _eigh_pair, "linalg.eigvalsh": lambda A, UPLO="L": _eigh_pair(A, UPLO)[0]},
    numpy={"linalg.eigh": _eigh_pair}))
defsurface("outer", method={"outer": lambda self, vec2: _np_outer(self, vec2)},
           function={"outer": lambda input, vec2: _np_outer(input, vec2)}, numpy={"outer": lambda a, b: _np_outer(a, b)})


def _np_outer(a, b):
    a, b = tensor_of(a).reshape(-1), tensor_of(b).reshape(-1)
    return a.reshape(-1, 1) * b.reshape(1, -1)
