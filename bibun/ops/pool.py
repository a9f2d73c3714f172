"""Pooling over the spatial dimensions of (N, C, *spatial) inputs: max, average, adaptive average; and constant
padding. The windows come from ops.conv (`windows` / `add_windows`), so the VJPs are one scatter of the
gradient back over the windows, recorded when a graph of the backward pass is built.

Sizes follow PyTorch: `padding` pads both sides; ceil_mode lets a last window start inside the input or its
left padding and run past the end (those cells count for nothing).
"""
import numpy as np

from ._args import data_of
from ._registry import ATOM, Form, Text, defop
from ._wrap import unary
from .conv import _windows, add_windows, out_size


def pool_geometry(shape, kernel, stride, padding, dilation, ceil_mode):
    """(output sizes, (lo, hi) padding per dimension): hi grows so that ceil_mode's last window fits."""
    outs, pads = [], []
    for n, k, s, p, d in zip(shape, kernel, stride, padding, dilation):
        span = d * (k - 1) + 1
        o = -(-(n + 2 * p - span) // s) + 1 if ceil_mode else (n + 2 * p - span) // s + 1
        if ceil_mode and (o - 1) * s >= n + p:       # a window must start inside the input or its left padding
            o -= 1
        outs.append(o)
        pads.append((p, max(p, (o - 1) * s + span - n - p)))
    return tuple(outs), tuple(pads)


def _axes_of_kernel(nd):
    return tuple(range(-nd, 0))


def _max_pool(a, kernel, stride, dilation, pads):
    low = -np.inf if a.dtype.kind == "f" else np.iinfo(a.dtype).min
    w = _windows(a, kernel, stride, pads, dilation, value=low)
    return w.max(axis=_axes_of_kernel(len(kernel)))


def _argmax_in_window(a, kernel, stride, dilation, pads):
    """For every output cell, the position in its window (flattened) of its maximum: the first one, as PyTorch."""
    low = -np.inf if a.dtype.kind == "f" else np.iinfo(a.dtype).min
    w = _windows(a, kernel, stride, pads, dilation, value=low)
    flat = w.reshape(w.shape[:-len(kernel)] + (-1,))
    hit = np.isnan(flat)                                   # a NaN is the maximum, as in PyTorch
    return np.where(hit.any(-1), hit.argmax(-1), flat.argmax(-1))


def max_pool_indices(a, kernel, stride, dilation, pads):
    """The flat index into each channel's input of every output's maximum (return_indices=True)."""
    nd = len(kernel)
    k = _argmax_in_window(a, kernel, stride, dilation, pads)
    out = k.shape[2:]
    flat = np.zeros(k.shape, np.int64)
    for i, (pos, n) in enumerate(zip(np.unravel_index(k, kernel), a.shape[2:])):
        start = np.arange(out[i]) * stride[i] - pads[i][0]
        coord = start.reshape((-1,) + (1,) * (nd - 1 - i)) + pos * dilation[i]
        flat = flat * n + coord
    return flat


def _max_pool_grad(xp, g, out, a, kernel, stride, dilation, pads):
    d = data_of(a)
    k = _argmax_in_window(d, kernel, stride, dilation, pads)
    onehot = (np.arange(int(np.prod(kernel))) == k[..., None]).reshape(k.shape + tuple(kernel))
    spread = xp.reshape(g, tuple(g.shape) + (1,) * len(kernel)) * onehot.astype(d.dtype)
    return add_windows(xp, spread, tuple(d.shape), kernel, stride, pads, dilation)


def _divisor(shape, kernel, stride, padding, pads, out, count_include_pad, divisor_override):
    """What each window's sum is divided by: the cells of the input (and of its padding, with
    count_include_pad) the window covers, never those past the padding that ceil_mode adds."""
    if divisor_override:
        return divisor_override
    div = np.ones((), np.int64)
    for n, k, s, p, (lo, hi), o in zip(shape, kernel, stride, padding, pads, out):
        counted = np.zeros(lo + n + hi, np.int64)
        if count_include_pad:
            counted[:n + 2 * p] = 1
        else:
            counted[lo:lo + n] = 1
        per = np.array([counted[i * s:i * s + k].sum() for i in range(o)])
        div = np.multiply.outer(div, per)
    return div


def _avg_pool(a, kernel, stride, padding, pads, ceil_mode, count_include_pad, divisor_override):
    w = _windows(a, kernel, stride, pads, (1,) * len(kernel))
    s = w.sum(axis=_axes_of_kernel(len(kernel)))
    return (s / _divisor(a.shape[2:], kernel, stride, padding, pads, s.shape[2:], count_include_pad,
                         divisor_override)).astype(a.dtype, copy=False)


def _avg_pool_grad(xp, g, out, a, kernel, stride, padding, pads, ceil_mode, count_include_pad, divisor_override):
    shape = tuple(a.shape)
    div = _divisor(shape[2:], kernel, stride, padding, pads, tuple(g.shape[2:]), count_include_pad, divisor_override)
    each = xp.reshape(g / np.asarray(div, dtype=data_of(a).dtype), tuple(g.shape) + (1,) * len(kernel))
    spread = xp.broadcast_to(each, tuple(g.shape) + tuple(kernel))
    return add_windows(xp, spread, shape, kernel, stride, pads, (1,) * len(kernel))


def adaptive_matrix(n, o, dtype):
    """(o, n): row i averages the cells floor(i n / o) .. ceil((i + 1) n / o) - 1, PyTorch's bins."""
    m = np.zeros((o, n), dtype)
    for i in range(o):
        lo, hi = (i * n) // o, -(-((i + 1) * n) // o)
        m[i, lo:hi] = 1 / (hi - lo)
    return m


def _adaptive_avg(a, output_size):
    h, w = (adaptive_matrix(n, o, a.dtype) for n, o in zip(a.shape[-2:], output_size))
    return h @ a @ w.T


def _adaptive_avg_grad(xp, g, out, a, output_size):
    d = data_of(a)
    h, w = (adaptive_matrix(n, o, d.dtype) for n, o in zip(d.shape[-2:], output_size))
    return xp.matmul(xp.matmul(h.T, g), w)


P = "pooling"
max_pool = unary(defop(
    "max_pool", fwd=_max_pool,
    vjp=_max_pool_grad, kind=P, grad_name="MaxPool2DWithIndicesBackward0", symbol="maxpool",
    label=r"\mathrm{maxpool}", local=(r"[@0 = \max \mathrm{window}]",),
    forward=Form(r"\mathrm{maxpool}(@0)", "maxpool(@0)", ATOM)))
avg_pool = unary(defop(
    "avg_pool", fwd=_avg_pool, vjp=_avg_pool_grad, kind=P, grad_name="AvgPool2DBackward0", symbol="avgpool",
    label=r"\mathrm{avgpool}", local=(r"\frac{1}{n}",), forward=Form(r"\mathrm{avgpool}(@0)", "avgpool(@0)", ATOM)))
adaptive_avg_pool = unary(defop(
    "adaptive_avg_pool", fwd=_adaptive_avg, vjp=_adaptive_avg_grad, kind=P, grad_name="AdaptiveAvgPool2DBackward0",
    symbol="avgpool", label=r"\mathrm{adaptive avgpool}", local=(None,),
    vjp_text=(Text(r"A_h^{\top} @g A_w", "A_hᵀ @g A_w"),),
    forward=Form(r"A_h @0 A_w^{\top}", "A_h @0 A_wᵀ", ATOM)))


# -- constant padding: its VJP is the opposite padding (a crop), and a crop's is a padding with zeros ---------------
def _pad_fwd(a, pad, value=0.0):
    """PyTorch's pad: (left, right) of the last dimension first, then the one before...; negative crops."""
    nd = len(pad) // 2
    widths = [(0, 0)] * (a.ndim - nd) + [(pad[2 * i], pad[2 * i + 1]) for i in range(nd)][::-1]
    a = np.pad(a, [(max(lo, 0), max(hi, 0)) for lo, hi in widths], constant_values=value)
    return a[tuple(slice(max(-lo, 0), a.shape[i] - max(-hi, 0)) for i, (lo, hi) in enumerate(widths))]


def _pad_grad(xp, g, out, a, pad, value=0.0):
    neg = tuple(-p for p in pad)
    return constant_pad_nd(g, pad=neg) if hasattr(g, "grad_fn") else _pad_fwd(g, neg)


constant_pad_nd = unary(defop(
    "constant_pad_nd", fwd=_pad_fwd, vjp=_pad_grad, kind="shape", grad_name="ConstantPadNdBackward0",
    symbol="pad", local=("1",)))
