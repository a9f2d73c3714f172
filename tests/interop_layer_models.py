"""The models with convolution, norms, embeddings and the newer activations that the interop tests move between
bibun, PyTorch and ONNX, and the rounding bound their outputs are compared with."""
import copy
import math

import numpy as np

import bibun
import bibun.nn.functional as F
from bibun import nn

U32 = 2.0 ** -24            # unit roundoff of float32
U64 = 2.0 ** -53
ACTIVATION_ULPS = 8         # each activation: a handful of roundings, and libm's erf/tanh/exp within 2 ulp

# the activations with one example each, and the largest slope |f'| each can have on those arguments
ACTIVATIONS = [
    (lambda: nn.GELU(), 1.13), (lambda: nn.GELU("tanh"), 1.13), (lambda: nn.SiLU(), 1.1),
    (lambda: nn.LeakyReLU(0.2), 1.0), (lambda: nn.ELU(0.7), 1.0), (lambda: nn.Softplus(2.0, 3.0), 1.0),
    (lambda: nn.Hardtanh(-0.5, 2.0), 1.0), (lambda: nn.ReLU6(), 1.0), (lambda: nn.Mish(), 1.1),
    (lambda: nn.Softsign(), 1.0), (lambda: nn.PReLU(4, init=-1.5), 1.5),
]


class EmbedMean(nn.Module):
    """Token vectors averaged over the sequence, then a Linear: the forward is the user's own."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(12, 5, padding_idx=0)
        self.fc = nn.Linear(5, 3)

    def forward(self, idx):
        return self.fc(self.emb(idx).mean(1))


def cnn():
    bibun.manual_seed(0)
    m = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Conv2d(4, 6, 3, padding="same", dilation=2, groups=2), nn.AdaptiveAvgPool2d((1, 1)),
                      nn.Flatten(), nn.Linear(6, 3))
    for _ in range(2):                  # running statistics that are not the initial zeros and ones
        m(bibun.randn(8, 3, 8, 8) * 2 + 1)
    return m, bibun.randn(5, 3, 8, 8)


def mlp():
    bibun.manual_seed(1)
    return nn.Sequential(nn.Linear(6, 16), nn.LayerNorm(16), nn.GELU(), nn.Dropout(0.3), nn.Linear(16, 3)), \
        bibun.randn(7, 6)


def embed():
    bibun.manual_seed(2)
    return EmbedMean(), bibun.tensor(np.random.default_rng(2).integers(0, 12, (6, 4)))


def activation(k):
    bibun.manual_seed(3 + k)
    make, _ = ACTIVATIONS[k]
    return nn.Sequential(make()), bibun.randn(5, 4) * 4


def _gamma(n, u):
    return n * u / (1 - n * u)


def _conv(layer, a, w, b):
    f = F.conv2d if isinstance(layer, nn.Conv2d) else F.conv1d
    return f(bibun.tensor(a), bibun.tensor(w), None if b is None else bibun.tensor(b), layer.stride, layer.padding,
             layer.dilation, layer.groups).numpy()


def rounding_bound(model, x, u):
    """Elementwise bound on |computed output - exact output| for the models above in eval mode, computing with
    unit roundoff u. Carried through the layers: `val` (the output, in float64), `mag` (the sum of the
    magnitudes of the terms each output adds up: its rounding errors scale with it) and `err` (the bound).
    A sum of n terms rounds within gamma_n mag; a map of slope at most L passes on L err."""
    val = x.detach().numpy().astype(np.float64)
    if isinstance(model, EmbedMean):
        val = model.emb.weight.detach().numpy().astype(np.float64)[x.numpy()]
        mag, err = np.abs(val), np.zeros_like(val)
        n = val.shape[1]
        val, mag = val.mean(1), mag.mean(1)
        err = _gamma(n + 1, u) * mag
        layers = [model.fc]
    else:
        mag, err = np.abs(val), np.zeros_like(val)
        layers = list(model)
    for layer in layers:
        if isinstance(layer, nn.Linear):
            w, b = (layer.weight.detach().numpy().astype(np.float64), layer.bias.detach().numpy().astype(np.float64))
            val, mag = val @ w.T + b, mag @ np.abs(w).T + np.abs(b)
            err = err @ np.abs(w).T + _gamma(w.shape[1] + 1, u) * mag
        elif isinstance(layer, (nn.Conv1d, nn.Conv2d)):
            w, b = (layer.weight.detach().numpy().astype(np.float64), layer.bias.detach().numpy().astype(np.float64))
            n = math.prod(w.shape[1:])
            val, mag = _conv(layer, val, w, b), _conv(layer, mag, np.abs(w), np.abs(b))
            err = _conv(layer, err, np.abs(w), None) + _gamma(n + 1, u) * mag
        elif isinstance(layer, nn.BatchNorm2d):
            # (x - mean) / sqrt(var + eps) w + b, or x s + (b - mean s) (ONNX): six roundings of mag at most
            sh = (-1, 1, 1)
            mean, var = (layer.running_mean.numpy().astype(np.float64).reshape(sh),
                         layer.running_var.numpy().astype(np.float64).reshape(sh))
            w, b = layer.weight.detach().numpy().reshape(sh), layer.bias.detach().numpy().reshape(sh)
            s = w / np.sqrt(var + layer.eps)
            val, mag = (val - mean) * s + b, (mag + np.abs(mean)) * np.abs(s) + np.abs(b)
            err = err * np.abs(s) + 6 * u * mag
        elif isinstance(layer, nn.LayerNorm):
            val, mag, err = _layer_norm(layer, val, mag, err, u)
        elif isinstance(layer, nn.MaxPool2d):          # the max of a window: exact, its error is one of theirs
            pool = lambda a: F.max_pool2d(bibun.tensor(a), layer.kernel_size, layer.stride, layer.padding).numpy()
            val, mag, err = pool(val), pool(mag), pool(err)
        elif isinstance(layer, nn.AdaptiveAvgPool2d):  # a mean of m cells: by sums, or by two weighted sums
            m = val.shape[2] * val.shape[3]
            val, mag, err = (a.mean((2, 3), keepdims=True) for a in (val, mag, err))
            err = err + _gamma(m + val.shape[2] + val.shape[3] + 2, u) * mag
        elif isinstance(layer, nn.Flatten):
            val, mag, err = (a.reshape(len(a), -1) for a in (val, mag, err))
        elif isinstance(layer, (nn.ReLU, nn.Dropout)):  # exact (Dropout: eval mode)
            val, mag, err = (np.maximum(val, 0), mag, err) if isinstance(layer, nn.ReLU) else (val, mag, err)
        else:
            slope = next(L for make, L in ACTIVATIONS if type(make()) is type(layer))
            out = copy.deepcopy(layer).double()(bibun.tensor(val)).detach().numpy()
            err = slope * err + ACTIVATION_ULPS * u * (mag + np.abs(out))
            val, mag = out, slope * mag + np.abs(out)
    return err


def _layer_norm(layer, val, mag, err, u):
    """Layer norm over the last dimension (n values). The mean is off by at most dmu; each difference d by
    err + dmu + u |d|; the variance by gamma_(n+2) mean(mag^2) (which bounds both mean(d^2) and
    mean(x^2) - mean(x)^2) plus what the differences' errors do to it; sigma by half that, relatively."""
    n = val.shape[-1]
    mean = val.mean(-1, keepdims=True)
    d = val - mean
    var = (d * d).mean(-1, keepdims=True)
    sigma = np.sqrt(var + layer.eps)
    dmu = _gamma(n + 1, u) * mag.mean(-1, keepdims=True) + err.mean(-1, keepdims=True)
    dd = err + dmu + u * np.abs(d)
    dvar = _gamma(n + 2, u) * (mag * mag).mean(-1, keepdims=True) + (2 * np.abs(d) * dd + dd * dd).mean(
        -1, keepdims=True)
    rel_sigma = dvar / (2 * (var + layer.eps)) + 3 * u
    z = d / sigma
    dz = dd / sigma + np.abs(z) * (rel_sigma + u) * (1 + rel_sigma)
    w, b = layer.weight.detach().numpy().astype(np.float64), layer.bias.detach().numpy().astype(np.float64)
    out, mag = z * w + b, np.abs(z * w) + np.abs(b)
    return out, mag, np.abs(w) * dz + 2 * u * mag
