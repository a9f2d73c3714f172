"""Normalisation layers: batch, layer and group norm, as functions and layers with PyTorch's arguments, buffers
(running_mean, running_var, num_batches_tracked: in state_dict as PyTorch names them) and repr.

Each is a composition of existing ops, (x - mean) / sqrt(var + eps) · weight + bias, so bibun.explain shows
the steps and gradients of any order come for free. The statistics are the biased ones (divide by n); the
running variance that batch norm keeps is the unbiased one (n - 1), as PyTorch keeps it.
"""
import numpy as np

from .._errors import ShapeError
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from .module import Module
from .parameter import Parameter


def _t(x):
    return x if isinstance(x, Tensor) else Tensor._from_data(x)


def _normalize(x, dims, eps):
    mean = x.mean(dims, keepdim=True)
    d = x - mean
    var = (d * d).mean(dims, keepdim=True)
    return d / (var + eps).sqrt(), mean, var


def _per_channel(t, ndim):
    """A (C,) tensor shaped to broadcast along dimension 1 of an ndim-dimensional input."""
    return t.reshape((-1,) + (1,) * (ndim - 2))


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    x = _t(input)
    if x.ndim < 2:
        raise ShapeError(f"batch_norm expected an input of shape (N, C, ...), got {tuple(x.shape)}")
    c = x.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        if t is not None and t.numel() != c:
            raise ShapeError(f"batch_norm: {name} should contain {c} elements (one per channel, dimension 1 of the "
                             f"input of shape {tuple(x.shape)}), not {t.numel()}: the layer's num_features must be "
                             f"the input's channel count")
    dims = (0,) + tuple(range(2, x.ndim))
    if training:
        n = x.numel() // c
        if n <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                             f"{tuple(x.shape)}: a batch of one has no spread to normalise by; use a larger batch, "
                             f"or call model.eval() to use the running statistics")
        y, mean, var = _normalize(x, dims, eps)
        if running_mean is not None:
            with no_grad():
                running_mean.mul_(1 - momentum).add_(mean.detach().reshape(-1) * momentum)
        if running_var is not None:
            with no_grad():
                running_var.mul_(1 - momentum).add_(var.detach().reshape(-1) * (momentum * n / (n - 1)))
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: running_mean and running_var are needed when training=False")
        y = (x - _per_channel(running_mean, x.ndim)) / (_per_channel(running_var, x.ndim) + eps).sqrt()
    if weight is not None:
        y = y * _per_channel(weight, x.ndim)
    if bias is not None:
        y = y + _per_channel(bias, x.ndim)
    return y


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    x = _t(input)
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or tuple(x.shape[x.ndim - k:]) != shape or x.ndim < k:
        raise ShapeError(f"layer_norm: given normalized_shape={list(shape)}, expected input with shape "
                         f"[*, {', '.join(map(str, shape))}], but got input of size {list(x.shape)}: normalized_shape "
                         f"must be the input's last dimension(s), e.g. LayerNorm({x.shape[-1] if x.ndim else 1})")
    y, _, _ = _normalize(x, tuple(range(x.ndim - k, x.ndim)), eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    x = _t(input)
    if x.ndim < 2 or x.shape[1] % num_groups:
        raise ShapeError(f"group_norm: expected an input of shape (N, C, ...) with C divisible by num_groups="
                         f"{num_groups}, got {tuple(x.shape)}")
    n, c = x.shape[0], x.shape[1]
    y, _, _ = _normalize(x.reshape(n, num_groups, -1), (2,), eps)
    y = y.reshape(tuple(x.shape))
    if weight is not None:
        y = y * _per_channel(weight, x.ndim)
    if bias is not None:
        y = y + _per_channel(bias, x.ndim)
    return y


def _dtype(dtype):
    return np.float32 if dtype is None else Tensor._wrap(np.zeros(0, np.float32)).type(dtype)._data.dtype


def _affine(module, affine, bias, shape, dtype):
    """The learned scale (ones) and shift (zeros) of a norm layer; None where it has none."""
    module.register_parameter("weight", Parameter(Tensor._wrap(np.ones(shape, dtype))) if affine else None)
    module.register_parameter("bias", Parameter(Tensor._wrap(np.zeros(shape, dtype))) if affine and bias else None)


class _BatchNorm(Module):
    _ranks = ()

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None,
                 dtype=None, *, bias=True):
        super().__init__()
        dt = _dtype(dtype)
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        _affine(self, affine, bias, num_features, dt)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor._wrap(np.zeros(num_features, dt)))
            self.register_buffer("running_var", Tensor._wrap(np.ones(num_features, dt)))
            self.register_buffer("num_batches_tracked", Tensor._wrap(np.zeros((), np.int64)))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def reset_running_stats(self):
        if self.track_running_stats:
            with no_grad():
                self.running_mean.fill_(0)
                self.running_var.fill_(1)
                self.num_batches_tracked.fill_(0)

    def forward(self, input):
        x = _t(input)
        if x.ndim not in self._ranks:
            layouts = " or ".join(f"{r}D {layout}" for r, layout in self._layouts)
            raise ShapeError(f"{self!r} expected {layouts} input, got {x.ndim}D input of shape {tuple(x.shape)}: "
                             f"{self._hint(x)}")
        if x.shape[1] != self.num_features:
            raise ShapeError(f"{self!r} expected input with {self.num_features} channels (dimension 1), got shape "
                             f"{tuple(x.shape)}: if the input is right the layer should be "
                             f"{type(self).__name__}({x.shape[1]}); otherwise check the layer before it")
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            with no_grad():
                self.num_batches_tracked.add_(1)
            if self.momentum is None:                     # a cumulative average over every batch so far
                factor = 1.0 / int(self.num_batches_tracked.item())
        use_batch = self.training or self.running_mean is None
        track = not self.training or self.track_running_stats
        return batch_norm(x, self.running_mean if track else None, self.running_var if track else None,
                          self.weight, self.bias, use_batch, factor, self.eps)

    def _hint(self, x):
        return "reshape it to (N, C, ...) with the channels in dimension 1"

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    _ranks = (2, 3)
    _layouts = ((2, "(N, C)"), (3, "(N, C, L)"))

    def _hint(self, x):
        return "after a Conv2d use BatchNorm2d" if x.ndim == 4 else "give it a batch, shape (N, C)"


class BatchNorm2d(_BatchNorm):
    _ranks = (4,)
    _layouts = ((4, "(N, C, H, W)"),)

    def _hint(self, x):
        if x.ndim == 2:
            return "after a Linear layer use BatchNorm1d"
        return "for one image add the batch dimension, x.unsqueeze(0)" if x.ndim == 3 else \
            "reshape it to (N, C, H, W)"


class LayerNorm(Module):
    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None, dtype=None):
        super().__init__()
        dt = _dtype(dtype)
        self.normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        _affine(self, elementwise_affine, bias, self.normalized_shape, dt)

    def forward(self, input):
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class GroupNorm(Module):
    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None, *, bias=True):
        super().__init__()
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by num_groups "
                             f"({num_groups})")
        dt = _dtype(dtype)
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        _affine(self, affine, bias, num_channels, dt)

    def forward(self, input):
        x = _t(input)
        if x.ndim < 2 or x.shape[1] != self.num_channels:
            raise ShapeError(f"{self!r} expected input of shape (N, {self.num_channels}, ...), got {tuple(x.shape)}: "
                             f"the channels go in dimension 1")
        return group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, bias={self.bias is not None}"
