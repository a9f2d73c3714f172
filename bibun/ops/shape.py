"""Shape primitives: they move numbers around, so their VJPs move the gradient back. Also the public shape
functions built from them (split, the stack family, moveaxis), with PyTorch's and NumPy's arguments."""
import numpy as np

from ._args import axes, axis as one_axis, shape_arg, tensor_of
from ._registry import METHOD, POWER, Form, Text, defop, defsurface
from ._wrap import nary, unary


def _is_basic(key):
    """True when indexing with `key` never picks an element twice (slices, ints, None, Ellipsis)."""
    key = key if isinstance(key, tuple) else (key,)
    return all(k is None or k is Ellipsis or isinstance(k, (int, slice)) for k in key)


def _scatter_fwd(g, shape, key):
    z = np.zeros(shape, dtype=g.dtype)
    if _is_basic(key):
        z[key] = g
    else:
        np.add.at(z, key, g)            # repeated indices add up
    return z


def _scatter(xp, g, shape, key):
    return scatter_add(g, shape=shape, key=key) if hasattr(g, "grad_fn") else _scatter_fwd(g, shape, key)


# -- the methods --------------------------------------------------------------------------------------------------
def _reshape_method(self, *shape):
    shape = shape_arg(shape)
    try:
        return reshape(self, shape=shape)
    except ValueError:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {self.numel()}") from None


def _flatten(self, start_dim=0, end_dim=-1):
    if self.ndim == 0:
        return self.reshape(1)
    s, e = start_dim % self.ndim, end_dim % self.ndim
    return self.reshape(tuple(self.shape[:s]) + (-1,) + tuple(self.shape[e + 1:]))


def _squeeze(self, dim=None):
    if dim is None:
        shape = tuple(n for n in self.shape if n != 1)
    else:
        ax = axes(dim, self.ndim) or ()
        shape = tuple(n for i, n in enumerate(self.shape) if not (i in ax and n == 1))
    return self if shape == tuple(self.shape) else reshape(self, shape=shape)


def _unsqueeze(self, dim):
    d = dim if dim >= 0 else dim + self.ndim + 1
    if not 0 <= d <= self.ndim:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-self.ndim - 1}, "
                         f"{self.ndim}], but got {dim})")
    return reshape(self, shape=tuple(self.shape[:d]) + (1,) + tuple(self.shape[d:]))


def _permute_method(self, *dims):
    dims = shape_arg(dims)
    if sorted(d % self.ndim for d in dims) != list(range(self.ndim)):
        raise RuntimeError(f"permute(): dims {list(dims)} are not a permutation of the {self.ndim} dims")
    return permute(self, axes=tuple(d % self.ndim for d in dims))


def _transpose_method(self, dim0, dim1):
    if self.ndim < 2:
        return self
    order = list(range(self.ndim))
    a, b = axes((dim0, dim1), self.ndim)
    order[a], order[b] = order[b], order[a]
    return permute(self, axes=tuple(order))


def _t(self):
    if self.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.ndim}D; "
                           f"use transpose(dim0, dim1) or permute")
    return _transpose_method(self, 0, 1)


def _moveaxis(self, source, destination):
    src = [s % self.ndim for s in (source if isinstance(source, (tuple, list)) else (source,))]
    dst = [d % self.ndim for d in (destination if isinstance(destination, (tuple, list)) else (destination,))]
    order = [i for i in range(self.ndim) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(self, axes=tuple(order)) if order != list(range(self.ndim)) else self


def _expand(self, *shape):
    shape = shape_arg(shape)
    lead = len(shape) - self.ndim
    full = tuple(self.shape[i - lead] if n == -1 else n for i, n in enumerate(shape))
    return broadcast_to(self, shape=full)


def _tile_method(self, *sizes):
    """PyTorch's repeat (NumPy's tile): the whole tensor `sizes` times along each axis."""
    sizes = shape_arg(sizes)
    if len(sizes) < self.ndim:
        sizes = (1,) * (self.ndim - len(sizes)) + sizes
    return tile(self, reps=sizes)


def _repeat_interleave(self, repeats, dim=None):
    x = self
    if dim is None:
        x, dim = x.reshape(-1), 0
    return repeat_interleave(x, repeats=int(repeats), axis=one_axis(dim, x.ndim))


def _roll_method(self, shifts, dims=None):
    if dims is None:
        return roll(self.reshape(-1), shift=shifts, axis=0).reshape(self.shape)
    return roll(self, shift=shifts, axis=axes(dims, self.ndim) if isinstance(dims, (tuple, list))
                else one_axis(dims, self.ndim))


def _sections(n, spec, numpy_style):
    """Where to cut an axis of length n: NumPy's (a number of equal sections, or indices) or PyTorch's
    split (a section size, or a list of sizes)."""
    if numpy_style:
        if isinstance(spec, int):
            if n % spec:
                raise ValueError(f"array split does not result in an equal division: {n} into {spec}")
            return [n // spec * i for i in range(1, spec)]
        return list(spec)
    if isinstance(spec, int):
        return list(range(spec, n, spec))
    return list(np.cumsum(spec)[:-1])


def _cut(x, cuts, ax):
    bounds = [0] + [int(c) for c in cuts] + [x.shape[ax]]
    pre = (slice(None),) * ax
    return tuple(getitem(x, key=pre + (slice(a, b),)) for a, b in zip(bounds[:-1], bounds[1:]))


def _split_method(self, split_size_or_sections, dim=0):
    ax = one_axis(dim, self.ndim)
    return _cut(self, _sections(self.shape[ax], split_size_or_sections, False), ax)


def _np_split(ary, indices_or_sections, axis=0):
    a = tensor_of(ary)
    ax = axis % a.ndim
    return list(_cut(a, _sections(a.shape[ax], indices_or_sections, True), ax))


def _hsplit(ary, indices_or_sections):
    a = tensor_of(ary)
    return _np_split(a, indices_or_sections, 1 if a.ndim > 1 else 0)


def _vsplit(ary, indices_or_sections):
    return _np_split(ary, indices_or_sections, 0)


def _torch_split_family(f):
    def g(input, indices_or_sections):
        return tuple(f(input, indices_or_sections))
    return g


def _at_least(x, n):
    x = tensor_of(x)
    if x.ndim >= n:
        return x
    if x.ndim == 0:
        shape = (1,) * n
    elif x.ndim == 1:                 # NumPy puts a vector in the middle: (1, n) and (1, n, 1)
        shape = (1, x.shape[0]) + (1,) * (n - 2)
    else:
        shape = tuple(x.shape) + (1,)
    return reshape(x, shape=shape)


def _cat_function(tensors, dim=0):
    tensors = [tensor_of(t) for t in tensors]
    if not tensors:
        raise RuntimeError("cat expects a non-empty list of Tensors")
    return cat(*tensors, axis=axes(dim, tensors[0].ndim)[0])


def _stack_function(tensors, dim=0):
    tensors = [tensor_of(t) for t in tensors]
    if not tensors:
        raise RuntimeError("stack expects a non-empty list of Tensors")
    return stack(*tensors, axis=dim if dim >= 0 else dim + tensors[0].ndim + 1)


def _np_concatenate(arrays, axis=0):
    arrays = [tensor_of(a) for a in arrays]
    if axis is None:
        arrays, axis = [a.reshape(-1) for a in arrays], 0
    return cat(*arrays, axis=axis % arrays[0].ndim)


def _hstack(tensors):
    ts = [_at_least(t, 1) for t in tensors]
    return cat(*ts, axis=0 if ts[0].ndim == 1 else 1)


def _vstack(tensors):
    return cat(*[_at_least(t, 2) for t in tensors], axis=0)


def _dstack(tensors):
    return cat(*[_at_least(t, 3) for t in tensors], axis=2)


def _column_stack(tensors):
    ts = [tensor_of(t) for t in tensors]
    return cat(*[reshape(t, shape=(t.shape[0], 1)) if t.ndim == 1 else _at_least(t, 2) for t in ts], axis=1)


def _np_reshape(a, shape=None, order="C", *, newshape=None):
    shape = newshape if shape is None else shape
    return reshape(tensor_of(a), shape=tuple(shape) if np.ndim(shape) else (shape,))


def _np_transpose(a, axes=None):
    a = tensor_of(a)
    return permute(a, axes=tuple(range(a.ndim))[::-1] if axes is None else tuple(ax % a.ndim for ax in axes))


def _np_expand_dims(a, axis):
    a = tensor_of(a)
    ax = axis if isinstance(axis, tuple) else (axis,)
    shape = list(a.shape)
    for i in sorted(i % (a.ndim + len(ax)) for i in ax):
        shape.insert(i, 1)
    return reshape(a, shape=tuple(shape))


def _np_squeeze(a, axis=None):
    a = tensor_of(a)
    if axis is None:
        return reshape(a, shape=tuple(n for n in a.shape if n != 1))
    ax = [i % a.ndim for i in (axis if isinstance(axis, tuple) else (axis,))]
    return reshape(a, shape=tuple(n for i, n in enumerate(a.shape) if i not in ax))


def _np_repeat(a, repeats, axis=None):
    return _repeat_interleave(tensor_of(a), repeats, axis)


def _np_tile(a, reps):
    a = tensor_of(a)
    reps = tuple(reps) if isinstance(reps, (tuple, list)) else (reps,)
    if len(reps) < a.ndim:
        reps = (1,) * (a.ndim - len(reps)) + reps
    return tile(a, reps=reps)


def _np_roll(a, shift, axis=None):
    a = tensor_of(a)
    if axis is None:
        return roll(reshape(a, shape=(-1,)), shift=shift, axis=0).reshape(a.shape)
    return roll(a, shift=shift, axis=tuple(i % a.ndim for i in axis) if isinstance(axis, (tuple, list))
                else axis % a.ndim)


def _tile_grad(xp, g, out, a, reps):
    """Each input element appears once per tile: sum the tiles, seen as extra axes (r0, s0, r1, s1, ...)."""
    shape = (1,) * (len(reps) - a.ndim) + tuple(a.shape)
    split = tuple(n for r, s in zip(reps, shape) for n in (r, s))
    g = xp.sum(xp.reshape(g, split), axis=tuple(range(0, len(split), 2)))
    return xp.reshape(g, a.shape)


def _repeat_interleave_grad(xp, g, out, a, repeats, axis):
    shape = tuple(a.shape)
    g = xp.reshape(g, shape[:axis] + (shape[axis], repeats) + shape[axis + 1:])
    return xp.sum(g, axis=axis + 1)


def _neg_shift(shift):
    return tuple(-s for s in shift) if isinstance(shift, tuple) else -shift


S = "shape"
reshape = unary(defop(
    "reshape", fwd=lambda a, shape: np.reshape(a, shape), vjp=lambda xp, g, out, a, shape: xp.reshape(g, a.shape),
    kind=S, grad_name="ViewBackward0", symbol="reshape", local=("1",),
    method={"reshape": _reshape_method, "view": _reshape_method, "view_as": lambda self, other: self.reshape(other.shape),
            "reshape_as": lambda self, other: self.reshape(other.shape), "flatten": _flatten,
            "ravel": lambda self: self.reshape(-1), "squeeze": _squeeze, "unsqueeze": _unsqueeze},
    function={"reshape": METHOD, "flatten": METHOD, "ravel": METHOD, "squeeze": METHOD, "unsqueeze": METHOD},
    numpy={"reshape": _np_reshape, "ravel": lambda a, order="C": reshape(tensor_of(a), shape=(-1,)),
           "expand_dims": _np_expand_dims, "squeeze": _np_squeeze,
           "atleast_1d": lambda a: _at_least(a, 1), "atleast_2d": lambda a: _at_least(a, 2),
           "atleast_3d": lambda a: _at_least(a, 3)}))
permute = unary(defop(
    "permute", fwd=lambda a, axes: np.transpose(a, axes),
    vjp=lambda xp, g, out, a, axes: xp.transpose(g, tuple(np.argsort(axes))),
    kind=S, grad_name="PermuteBackward0", symbol="permute", local=("1",), vjp_text=(Text(r"@g^{\top}", "@gᵀ"),),
    by_ndim={(2,): dict(forward=Form(r"@(0)^{\top}", "@(0)ᵀ", POWER), label=r"a^{\top}")},     # W.T
    method={"permute": _permute_method, "transpose": _transpose_method, "swapaxes": _transpose_method,
            "swapdims": _transpose_method, "t": _t, "moveaxis": _moveaxis, "movedim": _moveaxis,
            "T": property(lambda self: permute(self, axes=tuple(range(self.ndim))[::-1]) if self.ndim >= 2 else self),
            "mT": property(lambda self: _transpose_method(self, -2, -1))},
    function={"permute": METHOD, "transpose": METHOD, "swapaxes": METHOD, "swapdims": METHOD, "t": METHOD,
              "moveaxis": METHOD, "movedim": METHOD},
    numpy={"transpose": _np_transpose, "swapaxes": lambda a, axis1, axis2: _transpose_method(tensor_of(a), axis1, axis2),
           "moveaxis": lambda a, source, destination: _moveaxis(tensor_of(a), source, destination)}))
broadcast_to = unary(defop(
    "broadcast_to", fwd=lambda a, shape: np.broadcast_to(a, shape), vjp=lambda xp, g, out, a, shape: g,
    kind=S, grad_name="ExpandBackward0", symbol="expand", local=("1",),
    method={"expand": _expand, "expand_as": lambda self, other: _expand(self, other.shape),
            "broadcast_to": lambda self, size: _expand(self, size)},
    function={"broadcast_to": METHOD},
    numpy={"broadcast_to": lambda a, shape: broadcast_to(tensor_of(a), shape=tuple(shape))}))
getitem = unary(defop(
    "getitem", fwd=lambda a, key: a[key], vjp=lambda xp, g, out, a, key: _scatter(xp, g, a.shape, key),
    kind=S, grad_name="IndexBackward0", symbol="[\\cdot]", local=("1",),
    method={"split": _split_method}, function={"split": METHOD, "hsplit": _torch_split_family(_hsplit),
                                               "vsplit": _torch_split_family(_vsplit)},
    numpy={"split": _np_split, "hsplit": _hsplit, "vsplit": _vsplit}))
scatter_add = unary(defop(
    "scatter_add", fwd=_scatter_fwd, vjp=lambda xp, g, out, a, shape, key: g[key],
    kind=S, grad_name="IndexPutBackward0", symbol="scatter", local=("1",)))
clone = unary(defop(
    "clone", fwd=lambda a: a.copy(), vjp=lambda xp, g, out, a: g, kind=S, grad_name="CloneBackward0",
    symbol="clone", local=("1",),
    method={"clone": lambda self, memory_format=None: clone(self)}, function={"clone": METHOD}))
# the engine casts every gradient to its input's dtype, so a cast passes the gradient straight through
to_dtype = unary(defop(
    "to_dtype", fwd=lambda a, dtype: a.astype(dtype), vjp=lambda xp, g, out, a, dtype: g,
    kind=S, grad_name="ToCopyBackward0", symbol="to", local=("1",)))
tile = unary(defop(
    "tile", fwd=lambda a, reps: np.tile(a, reps), vjp=_tile_grad, kind=S, grad_name="RepeatBackward0",
    symbol="tile", local=("1",), vjp_text=(Text(r"\sum_{\mathrm{tiles}} @g", "sum over tiles of @g"),),
    method={"repeat": _tile_method, "tile": lambda self, dims: _np_tile(self, dims)},
    function={"tile": lambda input, dims: _np_tile(input, dims)}, numpy={"tile": _np_tile}))
repeat_interleave = unary(defop(
    "repeat_interleave", fwd=lambda a, repeats, axis: np.repeat(a, repeats, axis), vjp=_repeat_interleave_grad,
    kind=S, grad_name="RepeatInterleaveBackward0", symbol="repeat", local=("1",),
    method={"repeat_interleave": _repeat_interleave}, function={"repeat_interleave": METHOD},
    numpy={"repeat": _np_repeat}))
roll = unary(defop(
    "roll", fwd=lambda a, shift, axis: np.roll(a, shift, axis),
    vjp=lambda xp, g, out, a, shift, axis: xp.roll(g, _neg_shift(shift), axis=axis),
    kind=S, symbol="roll", local=("1",), method={"roll": _roll_method}, function={"roll": METHOD},
    numpy={"roll": _np_roll}))
tril = unary(defop(
    "tril", fwd=lambda a, k=0: np.tril(a, k), vjp=lambda xp, g, out, a, k=0: xp.tril(g, k), kind=S,
    symbol="tril", local=("[j \\leq i + k]",),
    method={"tril": lambda self, diagonal=0: tril(self, k=diagonal)}, function={"tril": METHOD},
    numpy={"tril": lambda m, k=0: tril(tensor_of(m), k=k)}))
triu = unary(defop(
    "triu", fwd=lambda a, k=0: np.triu(a, k), vjp=lambda xp, g, out, a, k=0: xp.triu(g, k), kind=S,
    symbol="triu", local=("[j \\geq i + k]",),
    method={"triu": lambda self, diagonal=0: triu(self, k=diagonal)}, function={"triu": METHOD},
    numpy={"triu": lambda m, k=0: triu(tensor_of(m), k=k)}))


def _offsets(args, axis, i):
    start = int(np.sum([a.shape[axis] for a in args[:i]])) if i else 0
    return start, start + args[i].shape[axis]


def _cat_grad(i, xp, g, out, *args, axis):
    start, stop = _offsets(args, axis, i)
    return g[(slice(None),) * axis + (slice(start, stop),)]


def _stack_grad(i, xp, g, out, *args, axis):
    return g[(slice(None),) * axis + (i,)]


cat = nary(defop(
    "cat", fwd=lambda *a, axis: np.concatenate(a, axis=axis), vjp=_cat_grad, kind=S, variadic=True,
    symbol="cat", local=("1",),
    function={"cat": _cat_function, "concat": _cat_function, "concatenate": _cat_function, "hstack": _hstack,
              "vstack": _vstack, "row_stack": _vstack, "dstack": _dstack, "column_stack": _column_stack},
    numpy={"concatenate": _np_concatenate, "hstack": _hstack, "vstack": _vstack, "dstack": _dstack,
           "column_stack": _column_stack}))
stack = nary(defop(
    "stack", fwd=lambda *a, axis: np.stack(a, axis=axis), vjp=_stack_grad, kind=S, variadic=True,
    symbol="stack", local=("1",),
    function={"stack": _stack_function},
    numpy={"stack": lambda arrays, axis=0: _stack_function(arrays, axis)}))
