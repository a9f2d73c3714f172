"""Convolution, and the window extraction it is built on, for any number of spatial dimensions (Conv1d and
Conv2d use it). Inputs are (N, C, *spatial), weights (O, C / groups, *kernel).

`im2col` gives every window of the padded input as a view (N, C, *out, *kernel) (sliding_window_view, then
strides and dilation as slices); `col2im` is its adjoint, adding each window back where it came from. The
two are primitives whose VJPs are each other, so a convolution written with them (and matmul) has a
gradient of its gradient too: the VJPs below call the recorded ops when they are given Tensors (a graph of
the backward pass), the NumPy functions otherwise.
"""
import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._registry import PRODUCT, Form, Text, defop
from ._wrap import nary, unary


def out_size(n, k, stride, lo, hi, dilation):
    return (n + lo + hi - dilation * (k - 1) - 1) // stride + 1


def _windows(x, kernel, stride, padding, dilation, value=0):
    nd = len(kernel)
    if any(lo or hi for lo, hi in padding):
        x = np.pad(x, ((0, 0), (0, 0)) + tuple(padding), constant_values=value)
    span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    w = sliding_window_view(x, span, axis=tuple(range(2, 2 + nd)))
    return w[(slice(None), slice(None)) + tuple(slice(None, None, s) for s in stride)
             + tuple(slice(None, None, d) for d in dilation)]


def _col2im(cols, shape, kernel, stride, padding, dilation):
    nd = len(kernel)
    out = cols.shape[2:2 + nd]
    z = np.zeros(tuple(shape[:2]) + tuple(n + lo + hi for n, (lo, hi) in zip(shape[2:], padding)), cols.dtype)
    for pos in np.ndindex(*kernel):        # one strided add per kernel position
        at = tuple(slice(p * d, p * d + s * (o - 1) + 1, s) for p, d, s, o in zip(pos, dilation, stride, out))
        z[(slice(None), slice(None)) + at] += cols[(Ellipsis,) + pos]
    return z[(slice(None), slice(None)) + tuple(slice(lo, lo + n) for (lo, _), n in zip(padding, shape[2:]))]


def _traced(x):
    return hasattr(x, "grad_fn")


def windows(xp, x, kernel, stride, padding, dilation):
    """(N, C, *out, *kernel): every window of x, recorded when x is a Tensor."""
    if _traced(x):
        return im2col(x, kernel=kernel, stride=stride, padding=padding, dilation=dilation)
    return _windows(x, kernel, stride, padding, dilation)


def add_windows(xp, cols, shape, kernel, stride, padding, dilation):
    """The adjoint of `windows`: each window added back into an array of `shape`."""
    if _traced(cols):
        return col2im(cols, shape=tuple(shape), kernel=kernel, stride=stride, padding=padding, dilation=dilation)
    return _col2im(cols, shape, kernel, stride, padding, dilation)


C = "convolution"
im2col = unary(defop(
    "im2col", fwd=lambda a, kernel, stride, padding, dilation: _windows(a, kernel, stride, padding, dilation),
    vjp=lambda xp, g, out, a, kernel, stride, padding, dilation:
        add_windows(xp, g, a.shape, kernel, stride, padding, dilation),
    kind=C, grad_name="Im2ColBackward0", symbol="im2col", local=("1",)))
col2im = unary(defop(
    "col2im", fwd=_col2im,
    vjp=lambda xp, g, out, a, shape, kernel, stride, padding, dilation:
        windows(xp, g, kernel, stride, padding, dilation),
    kind=C, grad_name="Col2ImBackward0", symbol="col2im", local=("1",)))


# -- convolution: windows times weights, one matrix product per group ----------------------------------------------
def _prod(t):
    return math.prod(t)


def _as_matrix(xp, cols, groups, nd):
    """Windows (N, C, *out, *k) as (groups, N·L, C/groups·K): one row per output position."""
    n, c = cols.shape[:2]
    out, k = tuple(cols.shape[2:2 + nd]), tuple(cols.shape[2 + nd:])
    m = xp.reshape(cols, (n, groups, c // groups) + out + k)
    m = xp.transpose(m, (1, 0) + tuple(range(3, 3 + nd)) + (2,) + tuple(range(3 + nd, 3 + 2 * nd)))
    return xp.reshape(m, (groups, n * _prod(out), c // groups * _prod(k)))


def _from_matrix(xp, m, n, c, out, k, groups):
    """The inverse of _as_matrix."""
    nd = len(out)
    m = xp.reshape(m, (groups, n) + out + (c // groups,) + k)
    m = xp.transpose(m, (1, 0, 2 + nd) + tuple(range(2, 2 + nd)) + tuple(range(3 + nd, 3 + 2 * nd)))
    return xp.reshape(m, (n, c) + out + k)


def _out_matrix(xp, g, groups):
    """The output's gradient (N, O, *out) as (groups, N·L, O/groups)."""
    n, o, out = g.shape[0], g.shape[1], tuple(g.shape[2:])
    nd = len(out)
    m = xp.reshape(g, (n, groups, o // groups) + out)
    m = xp.transpose(m, (1, 0) + tuple(range(3, 3 + nd)) + (2,))
    return xp.reshape(m, (groups, n * _prod(out), o // groups))


def _weight_matrix(xp, w, groups):
    o = w.shape[0]
    return xp.reshape(w, (groups, o // groups, _prod(tuple(w.shape[1:]))))


def _conv(x, w, b=None, *, stride, padding, dilation, groups):
    nd = w.ndim - 2
    cols = _windows(x, w.shape[2:], stride, padding, dilation)
    out = cols.shape[2:2 + nd]
    y = np.matmul(_as_matrix(np, cols, groups, nd), _weight_matrix(np, w, groups).transpose(0, 2, 1))
    y = y.reshape((groups, x.shape[0]) + out + (w.shape[0] // groups,))
    y = y.transpose((1, 0, 2 + nd) + tuple(range(2, 2 + nd))).reshape((x.shape[0], w.shape[0]) + out)
    if b is not None:
        y += b.reshape((-1,) + (1,) * nd)
    return y


def _conv_dx(xp, g, out, x, w, b=None, *, stride, padding, dilation, groups):
    nd = w.ndim - 2
    m = xp.matmul(_out_matrix(xp, g, groups), _weight_matrix(xp, w, groups))
    cols = _from_matrix(xp, m, x.shape[0], x.shape[1], tuple(g.shape[2:]), tuple(w.shape[2:]), groups)
    return add_windows(xp, cols, tuple(x.shape), tuple(w.shape[2:]), stride, padding, dilation)


def _conv_dw(xp, g, out, x, w, b=None, *, stride, padding, dilation, groups):
    nd = w.ndim - 2
    cols = _as_matrix(xp, windows(xp, x, tuple(w.shape[2:]), stride, padding, dilation), groups, nd)
    m = xp.matmul(xp.swapaxes(_out_matrix(xp, g, groups), 1, 2), cols)      # (groups, O/groups, C/groups·K)
    return xp.reshape(m, tuple(w.shape))


def _conv_db(xp, g, out, x, w, b=None, **params):
    return xp.sum(g, axis=(0,) + tuple(range(2, g.ndim)))


convolution = nary(defop(
    "convolution", fwd=_conv, vjp=(_conv_dx, _conv_dw, _conv_db), kind=C, grad_name="ConvolutionBackward0",
    symbol="*", label=r"\mathrm{conv}", local=(None, None, "1"),
    vjp_text=(Text(r"\mathrm{conv}^{\top}(@g, @1)", "conv_transpose(@g, @1)"),
              Text(r"\mathrm{conv}(@0, @g)", "conv(@0, @g)"), Text(r"\sum @g", "sum of @g")),
    forward=Form(r"@(0) \ast @(1)", "@(0) * @(1)", PRODUCT)))
