"""The activation functions beyond sigmoid / ReLU / tanh, as functions (bibun.nn.functional) and as layers, with
PyTorch's arguments, defaults and repr. Each is one primitive (bibun/ops/activations.py), except those that
are plainly a composition: relu6 is hardtanh(0, 6), glu halves and gates, softmin is softmax of -x."""
import numpy as np

from .._tensor import Tensor
from ..ops import activations as A
from .module import Module
from .parameter import Parameter


def _t(x):
    return x if isinstance(x, Tensor) else Tensor._from_data(x)


def _run(name, op, input, inplace, **params):
    """op(input), or written back into input (inplace=True) as the Tensor's in-place methods do: recorded as the
    out-of-place op under grad mode, written into the array otherwise."""
    x = _t(input)
    if not inplace:
        return op(x, **params)
    what = name + "_"
    x._check_inplace(what)
    if x._records(()):
        return x._record(lambda before: op(before, **params), what)
    np.copyto(x._data, op(Tensor._wrap(x._data), **params)._data)
    x._changed(what)
    return x


def gelu(input, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise ValueError(f"approximate argument must be either 'none' or 'tanh', got {approximate!r}")
    return A.gelu(_t(input), approximate="tanh") if approximate == "tanh" else A.gelu(_t(input))


def silu(input, inplace=False):
    return _run("silu", A.silu, input, inplace)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return _run("leaky_relu", A.leaky_relu, input, inplace, negative_slope=float(negative_slope))


def elu(input, alpha=1.0, inplace=False):
    return _run("elu", A.elu, input, inplace, alpha=float(alpha))


def softplus(input, beta=1.0, threshold=20.0):
    return A.softplus(_t(input), beta=float(beta), threshold=float(threshold))


def logsigmoid(input):
    return A.log_sigmoid(_t(input))


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val ({max_val})")
    return _run("hardtanh", A.hardtanh, input, inplace, min_val=float(min_val), max_val=float(max_val))


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


def mish(input, inplace=False):
    return _run("mish", A.mish, input, inplace)


def softsign(input):
    return A.softsign(_t(input))


def threshold(input, threshold, value, inplace=False):
    return _run("threshold", A.threshold, input, inplace, threshold=float(threshold), value=float(value))


def prelu(input, weight):
    x = _t(input)
    n = weight.shape[0] if weight.ndim else 1
    if n != 1 and (x.ndim < 2 or x.shape[1] != n):
        raise ValueError(f"prelu: the weight has {n} slopes, one per channel, but the input of shape "
                         f"{tuple(x.shape)} has {x.shape[1] if x.ndim >= 2 else 'no'} channels (dimension 1): "
                         f"use PReLU(num_parameters={x.shape[1] if x.ndim >= 2 else 1}) or PReLU() for one slope")
    w = weight.reshape((n,) + (1,) * (x.ndim - 2)) if n != 1 else weight
    return A.prelu(x, w)


def glu(input, dim=-1):
    x = _t(input)
    if x.ndim == 0 or x.shape[dim] % 2:
        raise ValueError(f"glu: halving dimension {dim} needs an even size, got shape {tuple(x.shape)}")
    a, b = x.split(x.shape[dim] // 2, dim)
    return a * b.sigmoid()


def softmin(input, dim=None):
    return (-_t(input)).softmax(-1 if dim is None else dim)


class _Simple(Module):
    """A layer whose forward is one function of the input with the layer's own arguments."""
    _fn = None
    _args = ()

    def __init__(self, *args, **kwargs):
        super().__init__()
        names = self._args
        values = dict(zip(names, args), **kwargs)
        for name, default in zip(names, self._defaults):
            setattr(self, name, values.get(name, default))

    def forward(self, input):
        return type(self)._fn(input, *(getattr(self, n) for n in self._args))

    def extra_repr(self):
        return ", ".join(f"{n}={getattr(self, n)!r}" if isinstance(getattr(self, n), str) else f"{n}={getattr(self, n)}"
                         for n in self._args if not (n == "inplace" and not self.inplace))


def _layer(name, fn, args=(), defaults=(), repr_fn=None):
    cls = type(name, (_Simple,), {"_fn": staticmethod(fn), "_args": args, "_defaults": defaults,
                                  "__module__": __name__, "__doc__": f"nn.{name}: {fn.__name__} as a layer."})
    if repr_fn is not None:
        cls.extra_repr = repr_fn
    return cls


def _inplace_repr(self):
    return "inplace=True" if self.inplace else ""


GELU = _layer("GELU", gelu, ("approximate",), ("none",))
SiLU = _layer("SiLU", silu, ("inplace",), (False,), _inplace_repr)
Mish = _layer("Mish", mish, ("inplace",), (False,), _inplace_repr)
ReLU6 = _layer("ReLU6", relu6, ("inplace",), (False,), _inplace_repr)
LeakyReLU = _layer("LeakyReLU", leaky_relu, ("negative_slope", "inplace"), (0.01, False))
ELU = _layer("ELU", elu, ("alpha", "inplace"), (1.0, False))
Softplus = _layer("Softplus", softplus, ("beta", "threshold"), (1.0, 20.0))
Hardtanh = _layer("Hardtanh", hardtanh, ("min_val", "max_val", "inplace"), (-1.0, 1.0, False))
Softsign = _layer("Softsign", softsign)
LogSigmoid = _layer("LogSigmoid", logsigmoid)
Threshold = _layer("Threshold", threshold, ("threshold", "value", "inplace"), (None, None, False))
GLU = _layer("GLU", glu, ("dim",), (-1,))
Softmin = _layer("Softmin", softmin, ("dim",), (None,))


class PReLU(Module):
    """max(0, x) + a min(0, x) with a learned slope a, one for all channels or one per channel."""

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters = num_parameters
        self.weight = Parameter(Tensor._wrap(np.full(num_parameters, init, np.float32 if dtype is None else
                                                     Tensor._wrap(np.zeros(0, np.float32)).type(dtype)._data.dtype)))

    def forward(self, input):
        return prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"
