"""Convolution, pooling, padding and window extraction for images (N, C, H, W) and sequences (N, C, L), as
functions (bibun.nn.functional) and layers, with PyTorch's arguments, defaults, initialisation and repr.
Unbatched inputs (C, H, W) / (C, L) are run as a batch of one. A wrong rank or channel count stops here
with what the layer expected and how to reshape the input."""
import math

import numpy as np

from .. import _device
from .._errors import ShapeError
from .._tensor import Tensor
from ..ops import conv as CV, pool as PL
from . import init
from .module import Module
from .parameter import Parameter

_LAYOUT = {1: ("(N, C, L)", "(C, L)"), 2: ("(N, C, H, W)", "(C, H, W)")}


def _t(x):
    return x if isinstance(x, Tensor) else Tensor._from_data(x)


def _tuple(v, nd, what):
    if isinstance(v, (list, tuple)):
        if len(v) == 1:
            v = tuple(v) * nd
        if len(v) != nd:
            raise ValueError(f"{what} must be an int or a tuple of {nd} ints, got {tuple(v)}")
        return tuple(int(a) for a in v)
    return (int(v),) * nd


def _batched(x, nd, name, channels=None):
    """x as a batch (N, C, *spatial), and whether it was one sample; a clear error for anything else."""
    x = _t(x)
    batched, single = _LAYOUT.get(nd, (f"(N, C, {nd} sizes)", f"(C, {nd} sizes)"))
    if x.ndim not in (nd + 1, nd + 2):
        if x.ndim == nd:
            hint = (f"a single {'image' if nd == 2 else 'sequence'} without channels: add them with "
                    f"x.unsqueeze(0) (and the batch with x.unsqueeze(0).unsqueeze(0))")
        elif x.ndim < nd:
            hint = (f"it looks flattened: reshape it to {batched}, e.g. x.view(-1, 1, "
                    + ", ".join(["8"] * nd) + ") for 8x8 single-channel images")
        else:
            hint = f"reshape it to {batched}"
        raise ShapeError(f"{name} expected input with {nd + 2} dimensions {batched} or {nd + 1} {single}, got "
                         f"{x.ndim} dimensions, shape {tuple(x.shape)}: {hint}")
    one = x.ndim == nd + 1
    if one:
        x = x.unsqueeze(0)
    if channels is not None and x.shape[1] != channels:
        shape = tuple(x.shape)[1:] if one else tuple(x.shape)
        if shape[-1] == channels and nd == 2:
            hint = (f"the channels seem to come last (N, H, W, C), as images are often stored: move them with "
                    f"x.permute(0, 3, 1, 2)")
        else:
            hint = (f"if the input is right, the layer should take in_channels={x.shape[1]}; otherwise check the "
                    f"layer before it")
        raise ShapeError(f"{name} expected input{list(shape)} to have {channels} channels (dimension "
                         f"{0 if one else 1}), but got {x.shape[1]} channels instead: {hint}")
    return x, one


def _unbatch(y, one):
    return y.squeeze(0) if one else y


def _conv_padding(padding, kernel, dilation, stride, nd):
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * nd
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions: use stride=1, or "
                                 "give the padding as numbers")
            total = [d * (k - 1) for k, d in zip(kernel, dilation)]
            return tuple((t // 2, t - t // 2) for t in total)       # the odd cell goes on the right, as PyTorch
        raise ValueError(f"Invalid padding string {padding!r}, should be one of 'valid', 'same' or numbers")
    return tuple((p, p) for p in _tuple(padding, nd, "padding"))


def _conv(input, weight, bias, stride, padding, dilation, groups, nd, name):
    if weight.ndim != nd + 2:
        raise ShapeError(f"{name}: the weight must have {nd + 2} dimensions (out_channels, in_channels / groups, "
                         f"kernel...), got shape {tuple(weight.shape)}")
    x, one = _batched(input, nd, name, weight.shape[1] * groups)
    if weight.shape[0] % groups:
        raise ValueError(f"{name}: out_channels ({weight.shape[0]}) must be divisible by groups ({groups})")
    kernel = tuple(weight.shape[2:])
    stride, dilation = _tuple(stride, nd, "stride"), _tuple(dilation, nd, "dilation")
    pads = _conv_padding(padding, kernel, dilation, stride, nd)
    for n, k, d, (lo, hi) in zip(x.shape[2:], kernel, dilation, pads):
        if n + lo + hi < d * (k - 1) + 1:
            raise ShapeError(f"{name}: the input of shape {tuple(x.shape)} (padded: {n + lo + hi}) is smaller than "
                             f"the kernel ({d * (k - 1) + 1} with dilation): use a smaller kernel, or pad the input")
    if x._data.dtype != weight._data.dtype:
        raise ShapeError(f"{name}: the input is {x._data.dtype} but the weights are {weight._data.dtype}; convert "
                         f"the input, x.float() (NumPy data defaults to float64, layers to float32)")
    args = (x, weight) if bias is None else (x, weight, bias)
    y = CV.convolution(*args, stride=stride, padding=pads, dilation=dilation, groups=int(groups))
    return _unbatch(y, one)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def _pool_args(kernel_size, stride, padding, dilation, nd, name):
    kernel = _tuple(kernel_size, nd, "kernel_size")
    stride = kernel if stride is None or (isinstance(stride, (list, tuple)) and not stride) \
        else _tuple(stride, nd, "stride")
    padding, dilation = _tuple(padding, nd, "padding"), _tuple(dilation, nd, "dilation")
    for k, p, d in zip(kernel, padding, dilation):
        if p > (d * (k - 1) + 1) // 2:
            raise ValueError(f"{name}: pad should be at most half of effective kernel size, but got pad={p}, "
                             f"kernel_size={k} and dilation={d}: use a smaller padding or a larger kernel")
    return kernel, stride, padding, dilation


def _geometry(x, kernel, stride, padding, dilation, ceil_mode, name):
    out, pads = PL.pool_geometry(tuple(x.shape[2:]), kernel, stride, padding, dilation, ceil_mode)
    if min(out) < 1:
        raise ShapeError(f"{name}: the input of shape {tuple(x.shape)} is smaller than the pooling window "
                         f"{kernel}: the output would be empty; use a smaller kernel_size or a larger input")
    return pads


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    x, one = _batched(input, 2, "max_pool2d")
    kernel, stride, padding, dilation = _pool_args(kernel_size, stride, padding, dilation, 2, "max_pool2d")
    pads = _geometry(x, kernel, stride, padding, dilation, ceil_mode, "max_pool2d")
    y = _unbatch(PL.max_pool(x, kernel=kernel, stride=stride, dilation=dilation, pads=pads), one)
    if not return_indices:
        return y
    idx = Tensor._wrap(PL.max_pool_indices(x._data, kernel, stride, dilation, pads))
    return y, _unbatch(idx, one)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    x, one = _batched(input, 2, "avg_pool2d")
    kernel, stride, padding, _ = _pool_args(kernel_size, stride, padding, 1, 2, "avg_pool2d")
    pads = _geometry(x, kernel, stride, padding, (1, 1), ceil_mode, "avg_pool2d")
    return _unbatch(PL.avg_pool(x, kernel=kernel, stride=stride, padding=padding, pads=pads, ceil_mode=bool(ceil_mode),
                                count_include_pad=bool(count_include_pad), divisor_override=divisor_override), one)


def adaptive_avg_pool2d(input, output_size):
    x, one = _batched(input, 2, "adaptive_avg_pool2d")
    size = output_size if isinstance(output_size, (list, tuple)) else (output_size, output_size)
    size = tuple(int(n if o is None else o) for o, n in zip(size, x.shape[2:]))
    if len(size) != 2 or min(size) < 1:
        raise ValueError(f"adaptive_avg_pool2d: output_size must be one or two positive ints, got {output_size}")
    return _unbatch(PL.adaptive_avg_pool(x, output_size=size), one)


def pad(input, pad, mode="constant", value=None):
    x = _t(input)
    if mode != "constant":
        raise NotImplementedError(f"pad: mode {mode!r} is not available in bibun; use mode='constant' (zeros, or "
                                  f"value=...)")
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ValueError(f"pad: padding length must be even and cover at most the input's {x.ndim} dimensions "
                         f"((left, right) of the last dimension first), got {tuple(pad)}")
    return PL.constant_pad_nd(x, pad=tuple(int(p) for p in pad), value=0.0 if value is None else float(value))


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Every window as a column: (N, C·kh·kw, L) from (N, C, H, W)."""
    x, one = _batched(input, 2, "unfold")
    kernel = _tuple(kernel_size, 2, "kernel_size")
    cols = CV.im2col(x, kernel=kernel, stride=_tuple(stride, 2, "stride"),
                     padding=tuple((p, p) for p in _tuple(padding, 2, "padding")),
                     dilation=_tuple(dilation, 2, "dilation"))
    n, c, ho, wo = cols.shape[:4]
    out = cols.permute(0, 1, 4, 5, 2, 3).reshape(n, c * kernel[0] * kernel[1], ho * wo)
    return _unbatch(out, one)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """The adjoint of unfold: columns (N, C·kh·kw, L) added back into (N, C, *output_size)."""
    x = _t(input)
    one = x.ndim == 2
    if one:
        x = x.unsqueeze(0)
    kernel, size = _tuple(kernel_size, 2, "kernel_size"), _tuple(output_size, 2, "output_size")
    stride, dilation = _tuple(stride, 2, "stride"), _tuple(dilation, 2, "dilation")
    pads = tuple((p, p) for p in _tuple(padding, 2, "padding"))
    outs = tuple(CV.out_size(n, k, s, lo, hi, d) for n, k, s, (lo, hi), d in zip(size, kernel, stride, pads, dilation))
    k = kernel[0] * kernel[1]
    if x.ndim != 3 or x.shape[1] % k or x.shape[2] != outs[0] * outs[1]:
        raise ShapeError(f"fold: expected input of shape (N, C·{k}, {outs[0] * outs[1]}) for a {kernel} kernel and "
                         f"output_size {size}, got {tuple(x.shape)}")
    n, c = x.shape[0], x.shape[1] // k
    cols = x.reshape(n, c, kernel[0], kernel[1], outs[0], outs[1]).permute(0, 1, 4, 5, 2, 3)
    return _unbatch(CV.col2im(cols, shape=(n, c) + size, kernel=kernel, stride=stride, padding=pads,
                              dilation=dilation), one)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels: (N, C, H, W) or (N, C, L) inputs, one draw per channel."""
    from ..random import _gen
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    x = _t(input)
    if x.ndim not in (3, 4):
        raise ShapeError(f"dropout2d expected input with 4 dimensions (N, C, H, W) or 3 (N, C, L), got shape "
                         f"{tuple(x.shape)}; for other shapes use dropout")
    if not training or p == 0:
        return x
    shape = tuple(x.shape[:2]) + (1,) * (x.ndim - 2)
    keep = (_gen(None).random(shape) >= p).astype(x._data.dtype) / (1 - p) if p < 1 else np.zeros(shape,
                                                                                                 x._data.dtype)
    keep = Tensor._wrap(keep)
    return x.mul_(keep) if inplace else x * keep


# -- the layers -----------------------------------------------------------------------------------------------------
class _ConvNd(Module):
    _nd = 2

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        _device.check(device)
        nd, name = self._nd, type(self).__name__
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels ({in_channels}) and out_channels ({out_channels}) must both be "
                             f"divisible by groups ({groups})")
        if padding_mode != "zeros":
            raise NotImplementedError(f"{name}: padding_mode={padding_mode!r} is not available in bibun; use "
                                      f"'zeros', or pad the input yourself with F.pad")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = _tuple(kernel_size, nd, "kernel_size")
        self.stride, self.dilation = _tuple(stride, nd, "stride"), _tuple(dilation, nd, "dilation")
        self.padding = padding if isinstance(padding, str) else _tuple(padding, nd, "padding")
        _conv_padding(self.padding, self.kernel_size, self.dilation, self.stride, nd)        # checked now
        self.padding_mode = padding_mode
        dt = np.float32 if dtype is None else Tensor._wrap(np.zeros(0, np.float32)).type(dtype)._data.dtype
        self.weight = Parameter(Tensor._wrap(np.empty((out_channels, in_channels // groups) + self.kernel_size, dt)))
        if bias:
            self.bias = Parameter(Tensor._wrap(np.empty(out_channels, dt)))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * math.prod(self.kernel_size)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return _conv(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups, self._nd,
                     repr(self))

    def extra_repr(self):
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * self._nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self._nd:
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s


class Conv1d(_ConvNd):
    _nd = 1


class Conv2d(_ConvNd):
    _nd = 2


class MaxPool2d(Module):
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input):
        return max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                          self.return_indices)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(Module):
    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input):
        return avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad,
                          self.divisor_override)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):
        return adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class Dropout2d(Module):
    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input):
        return dropout2d(input, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"
