"""The activation functions of neural networks (GELU, SiLU, ELU, softplus...), each one elementwise primitive:
forward, VJP and the local derivative to teach with, side by side. Their parameters (a slope, alpha, beta)
are op parameters, not inputs: PyTorch does not differentiate them either. PReLU is the exception, its
slope is a learned weight and so an input.

The VJPs are written against `xp` (NumPy, or bibun.numpy for gradients of gradients); the gradient at a
kink is PyTorch's choice, named at each op.
"""
import math

import numpy as np

from ._registry import ATOM, Form, defop
from ._wrap import binary, unary
from .elementwise import _sigmoid

A = "activation"
_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_GELU_CUBIC = 0.044715                 # the tanh approximation's coefficient (Hendrycks & Gimpel)

_erf_ufunc = None


def _erf(a):
    """The error function, to the last bit of the C library's erf. NumPy has none: SciPy's ufunc where SciPy
    is installed (fast), otherwise math.erf over the elements (slower, the same numbers)."""
    global _erf_ufunc
    if _erf_ufunc is None:
        try:
            from scipy.special import erf as f
        except ImportError:
            f = np.frompyfunc(math.erf, 1, 1)
        _erf_ufunc = f
    if a.dtype.kind != "f":
        a = a.astype(np.float32)
    return np.asarray(_erf_ufunc(a), dtype=a.dtype)


def _gelu(a, approximate="none"):
    if approximate == "tanh":
        return 0.5 * a * (1 + np.tanh(_SQRT_2_OVER_PI * (a + _GELU_CUBIC * a * a * a)))
    return 0.5 * a * (1 + _erf(a * _SQRT_HALF))


def _gelu_grad(xp, g, out, a, approximate="none"):
    if approximate == "tanh":
        t = xp.tanh(_SQRT_2_OVER_PI * (a + _GELU_CUBIC * a * a * a))
        return g * (0.5 * (1 + t) + 0.5 * a * (1 - t * t) * _SQRT_2_OVER_PI * (1 + 3 * _GELU_CUBIC * a * a))
    # Φ(a) + a φ(a): the normal distribution's CDF and density
    return g * (0.5 * (1 + xp.erf(a * _SQRT_HALF)) + a * xp.exp(-0.5 * a * a) * _INV_SQRT_2PI)


def _silu_grad(xp, g, out, a):
    s = xp.sigmoid(a)
    return g * (s * (1 + a * (1 - s)))


def _elu(a, alpha=1.0):
    return np.where(a > 0, a, alpha * np.expm1(np.minimum(a, 0)))


def _softplus(a, beta=1.0, threshold=20.0):
    # log(1 + e^(beta a)) / beta, stable for any a; linear above the threshold, as PyTorch
    ba = a * beta
    return np.where(ba > threshold, a, np.logaddexp(0, ba) / beta).astype(a.dtype, copy=False)


def _log_sigmoid(a):
    # -softplus(-a) = min(a, 0) - log(1 + e^-|a|): no overflow, and exact far out on either side
    return (np.minimum(a, 0) - np.log1p(np.exp(-np.abs(a)))).astype(a.dtype, copy=False)


def _hardtanh_grad(xp, g, out, a, min_val=-1.0, max_val=1.0):
    # 0 at the corners themselves, as PyTorch (clamp passes the gradient there)
    return g * ((a > min_val) & (a < max_val))


def _mish(a):
    return a * np.tanh(np.logaddexp(0, a)).astype(a.dtype, copy=False)


def _mish_grad(xp, g, out, a):
    t = xp.tanh(xp.log1p(xp.exp(-xp.abs(a))) + xp.maximum(a, 0))        # tanh(softplus(a)), stable
    return g * (t + a * xp.sigmoid(a) * (1 - t * t))


def _threshold(a, threshold, value):
    return np.where(a > threshold, a, np.asarray(value, a.dtype))


def _prelu(a, w):
    return np.where(a > 0, a, w * a)


erf = unary(defop(
    "erf", fwd=_erf, vjp=lambda xp, g, out, a: g * (2 / math.sqrt(math.pi)) * xp.exp(-a * a), kind="elementwise",
    symbol=r"\mathrm{erf}", local=(r"\frac{2}{\sqrt{\pi}} e^{-@0^2}",),
    forward=Form(r"\mathrm{erf}(@0)", "erf(@0)", ATOM), method="erf", function="erf",
    numpy={"erf": (_erf, None)}), floating=True)
gelu = unary(defop(
    "gelu", fwd=_gelu, vjp=_gelu_grad, kind=A, symbol="GELU", label=r"\mathrm{GELU}",
    local=(r"\Phi(@0) + @0 \, \varphi(@0)",), forward=Form(r"@(0) \, \Phi(@0)", "@(0)·Φ(@0)", ATOM)), floating=True)
silu = unary(defop(
    "silu", fwd=lambda a: a * _sigmoid(a), vjp=_silu_grad, kind=A, symbol="SiLU", label=r"\mathrm{SiLU}",
    local=(r"\sigma(@0)(1 + @0 (1 - \sigma(@0)))",), forward=Form(r"@(0) \, \sigma(@0)", "@(0)·σ(@0)", ATOM)),
    floating=True)
leaky_relu = unary(defop(
    "leaky_relu", fwd=lambda a, negative_slope=0.01: np.where(a > 0, a, a * negative_slope),
    vjp=lambda xp, g, out, a, negative_slope=0.01: xp.where(a > 0, g, g * negative_slope), kind=A,
    symbol="LeakyReLU", label=r"\mathrm{LeakyReLU}", local=(r"[@0 > 0] + \mathit{slope} \, [@0 \leq 0]",),
    forward=Form(r"\mathrm{LeakyReLU}(@0)", "LeakyReLU(@0)", ATOM)), floating=True)
elu = unary(defop(
    "elu", fwd=_elu, vjp=lambda xp, g, out, a, alpha=1.0: xp.where(a > 0, g, g * (out + alpha)), kind=A,
    symbol="ELU", label=r"\mathrm{ELU}", local=(r"[@0 > 0] + \mathit{alpha} \, e^{@0} [@0 \leq 0]",),
    forward=Form(r"\mathrm{ELU}(@0)", "ELU(@0)", ATOM)), floating=True)
softplus = unary(defop(
    "softplus", fwd=_softplus,
    vjp=lambda xp, g, out, a, beta=1.0, threshold=20.0: xp.where(a * beta > threshold, g, g * xp.sigmoid(a * beta)),
    kind=A, symbol="softplus", label=r"\mathrm{softplus}", local=(r"\sigma(\mathit{beta} \, @0)",),
    forward=Form(r"\mathrm{softplus}(@0)", "softplus(@0)", ATOM)), floating=True)
log_sigmoid = unary(defop(
    "log_sigmoid", fwd=_log_sigmoid, vjp=lambda xp, g, out, a: g * xp.sigmoid(-a), kind=A,
    symbol=r"\log\sigma", local=(r"1 - \sigma(@0)",), forward=Form(r"\log \sigma(@0)", "log σ(@0)", ATOM)),
    floating=True)
hardtanh = unary(defop(
    "hardtanh", fwd=lambda a, min_val=-1.0, max_val=1.0: np.clip(a, min_val, max_val), vjp=_hardtanh_grad, kind=A,
    symbol="hardtanh", label=r"\mathrm{hardtanh}", local=(r"[\min < @0 < \max]",),
    forward=Form(r"\mathrm{hardtanh}(@0)", "hardtanh(@0)", ATOM)), floating=True)
mish = unary(defop(
    "mish", fwd=_mish, vjp=_mish_grad, kind=A, symbol="Mish", label=r"\mathrm{Mish}",
    local=(r"\tanh(s) + @0 \, \sigma(@0)(1 - \tanh^2 s), \ s = \mathrm{softplus}(@0)",),
    forward=Form(r"@(0) \tanh(\mathrm{softplus}(@0))", "@(0)·tanh(softplus(@0))", ATOM)), floating=True)
softsign = unary(defop(
    "softsign", fwd=lambda a: a / (1 + np.abs(a)), vjp=lambda xp, g, out, a: g / ((1 + xp.abs(a)) * (1 + xp.abs(a))),
    kind=A, symbol="softsign", label=r"\mathrm{softsign}", local=(r"\frac{1}{(1 + |@0|)^2}",),
    forward=Form(r"\frac{@0}{1 + |@0|}", "@(0)/(1 + |@0|)", ATOM)), floating=True)
threshold = unary(defop(
    "threshold", fwd=_threshold, vjp=lambda xp, g, out, a, threshold, value: g * (a > threshold), kind=A,
    symbol="threshold", label=r"\mathrm{threshold}", local=(r"[@0 > \mathit{threshold}]",),
    forward=Form(r"\mathrm{threshold}(@0)", "threshold(@0)", ATOM)), floating=True)
# PReLU: the slope is a weight that learns; the engine sums its gradient back to the weight's shape
prelu = binary(defop(
    "prelu", fwd=_prelu, vjp=(lambda xp, g, out, a, w: xp.where(a > 0, g, g * w), lambda xp, g, out, a, w: g * a * (a <= 0)),
    kind=A, grad_name="PreluKernelBackward0",
    symbol="PReLU", label=r"\mathrm{PReLU}", local=(r"[@0 > 0] + @1 [@0 \leq 0]", r"@0 [@0 \leq 0]"),
    forward=Form(r"\mathrm{PReLU}(@0, @1)", "PReLU(@0, @1)", ATOM)))
