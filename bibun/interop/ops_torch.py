"""bibun's primitive ops as PyTorch calls: what a recorded forward (_graph.py) replays in a torch module.
Each entry takes the op's inputs and its recorded parameters under bibun's names (axis, keepdims, ...)."""
import numpy as np


def torch_ops(torch):
    F = torch.nn.functional

    def tensors(a, b):
        like = a if isinstance(a, torch.Tensor) else b
        as_t = lambda v: v if isinstance(v, torch.Tensor) else torch.tensor(v, dtype=like.dtype)
        return as_t(a), as_t(b)

    def reduce(fn):
        def run(x, axis=None, keepdims=False):
            return fn(x) if axis is None else fn(x, dim=tuple(axis) if isinstance(axis, (tuple, list)) else axis,
                                                  keepdim=keepdims)
        return run

    def padded(x, pads, value):
        """x padded by (lo, hi) per spatial dimension, in F.pad's order (last dimension first)."""
        flat = [int(p) for lo_hi in reversed(pads) for p in lo_hi]
        return F.pad(x, flat, value=value) if any(flat) else x

    def convolution(x, w, b=None, stride=1, padding=(), dilation=1, groups=1):
        conv = (F.conv1d, F.conv2d, F.conv3d)[w.ndim - 3]
        return conv(padded(x, padding, 0.0), w, b, stride, 0, dilation, groups)

    def max_pool(x, kernel, stride, dilation, pads):
        pool = (F.max_pool1d, F.max_pool2d, F.max_pool3d)[len(kernel) - 1]
        return pool(padded(x, pads, -float("inf")), kernel, stride, 0, dilation)

    def tensor_param(v):
        return torch.from_numpy(np.array(v, copy=True)) if isinstance(v, np.ndarray) else v

    return {
        "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
        "div": lambda a, b: a / b, "pow": lambda a, b: a ** b, "neg": lambda a: -a,
        "exp": torch.exp, "log": torch.log, "sqrt": torch.sqrt, "abs": torch.abs, "square": torch.square,
        "tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": F.relu, "erf": torch.erf,
        "gelu": F.gelu, "silu": F.silu, "mish": F.mish, "softsign": F.softsign, "log_sigmoid": F.logsigmoid,
        "leaky_relu": F.leaky_relu, "elu": F.elu, "softplus": F.softplus, "hardtanh": F.hardtanh,
        "threshold": F.threshold, "prelu": lambda x, w: torch.where(x > 0, x, w * x),
        "convolution": convolution, "max_pool": max_pool,
        "avg_pool": lambda x, kernel, stride, padding, pads, ceil_mode, count_include_pad, divisor_override:
            F.avg_pool2d(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override),
        "adaptive_avg_pool": lambda x, output_size: F.adaptive_avg_pool2d(x, output_size),
        "embedding": lambda w, idx, padding_idx=None: F.embedding(idx, w, padding_idx),
        "constant_pad_nd": lambda x, pad, value=0.0: F.pad(x, pad, value=value),
        "maximum": lambda a, b: torch.maximum(*tensors(a, b)), "minimum": lambda a, b: torch.minimum(*tensors(a, b)),
        "clamp": lambda x, min=None, max=None: torch.clamp(x, min, max),
        "sum": reduce(torch.sum), "mean": reduce(torch.mean),
        "logsumexp": lambda x, axis=None, keepdims=False: torch.logsumexp(
            x, dim=tuple(range(x.ndim)) if axis is None else axis, keepdim=keepdims),
        "softmax": lambda x, axis: torch.softmax(x, axis), "log_softmax": lambda x, axis: torch.log_softmax(x, axis),
        "permute": lambda x, axes: x.permute(*axes), "matmul": torch.matmul, "linear": F.linear,
        "cat": lambda *xs, axis=0: torch.cat(xs, axis), "stack": lambda *xs, axis=0: torch.stack(xs, axis),
        "to_dtype": lambda x, dtype: x.to(getattr(torch, np.dtype(dtype).name if np.dtype(dtype) != np.bool_
                                                  else "bool")),
        "getitem": lambda x, key: x[key],
        "cross_entropy": lambda z, t, reduction="mean", ignore_index=-100: F.cross_entropy(
            z, t, reduction=reduction, ignore_index=ignore_index),
        "nll_loss": lambda z, t, reduction="mean", ignore_index=-100: F.nll_loss(
            z, t, reduction=reduction, ignore_index=ignore_index),
        "mse_loss": lambda a, y, reduction="mean": F.mse_loss(a, y, reduction=reduction),
        "binary_cross_entropy": lambda p, y, reduction="mean": F.binary_cross_entropy(p, y, reduction=reduction),
        "binary_cross_entropy_with_logits": lambda z, y, pos_weight=None, reduction="mean":
            F.binary_cross_entropy_with_logits(z, y, pos_weight=tensor_param(pos_weight), reduction=reduction),
    }
