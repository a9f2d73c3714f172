"""Elementwise primitives: forward, one VJP per input, and the local derivative to teach with.

VJPs are written against `xp` (NumPy, or bibun.numpy when building a graph of the backward pass
for higher-order gradients), so one rule serves both. Broadcast inputs need no care here: the
engine sums each gradient back to its input's shape.
"""
import numpy as np

from ._registry import ATOM, POWER, PRODUCT, SUM, defop
from ._wrap import binary, nary, unary


def _pow_base_grad(xp, g, out, a, b):
    # d(a^b)/da = b a^(b-1); PyTorch takes it as 0 where b == 0 (not 0 * 0^-1 = nan at a == 0)
    if type(b) is int or type(b) is float:
        return g * b * a ** (b - 1) if b != 0 else g * 0
    with np.errstate(divide="ignore", invalid="ignore"):      # 0 ** -1 where b == 0: replaced just below
        return g * xp.where(b == 0, 0.0, b * a ** (b - 1))


def _pow_exp_grad(xp, g, out, a, b):
    # d(a^b)/db = a^b log a; PyTorch takes it as 0 where a == 0 (and b >= 0)
    return g * xp.where(a == 0, 0.0, out * xp.log(xp.where(a == 0, 1.0, a)))


def _max_grad(xp, g, out, a, b):       # ties share the gradient, as PyTorch's maximum does
    return g * (xp.where(a == b, 0.5, 1.0) * (a >= b))


def _min_grad(xp, g, out, a, b):
    return g * (xp.where(a == b, 0.5, 1.0) * (a <= b))


def _clamp(a, min=None, max=None):
    return np.clip(a, min, max) if (min is not None or max is not None) else a.copy()


def _clamp_grad(xp, g, out, a, min=None, max=None):
    if min is not None:
        g = g * (a >= min)
    if max is not None:
        g = g * (a <= max)
    return g


# below these, e^-a overflows; sigma(a) there is under the smallest normal number anyway
_SIGMOID_FLOOR = {np.dtype(np.float16): -11.0, np.dtype(np.float32): -88.0, np.dtype(np.float64): -708.0}


def _sigmoid(a):
    # 1 / (1 + e^-a), exact at both ends (no 0.5 + 0.5 tanh cancellation), no overflow warnings
    if a.dtype.kind != "f":
        a = a.astype(np.float32)
    x = np.empty(a.shape, a.dtype)                    # an array even for 0-d input: out= needs one
    np.maximum(a, _SIGMOID_FLOOR[a.dtype], out=x)
    np.negative(x, out=x)
    np.exp(x, out=x)
    x += 1
    return np.reciprocal(x, out=x)


_F64 = np.dtype(np.float64)


def _integral(x):
    return type(x) is int or type(x) is bool or (type(x) is not float and x.dtype.kind in "biu")


def _div(a, b):
    out = np.true_divide(a, b)
    if out.dtype is _F64 and _integral(a) and _integral(b):
        return out.astype(np.float32)          # int / int is float32 in PyTorch
    return out


E = "elementwise"
add = binary(defop("add", np.add, (lambda xp, g, out, a, b: g, lambda xp, g, out, a, b: g),
                   kind=E, symbol="+", label_const="+@(c)", local=("1", "1"),
                   forward=("@0 + @(1)", "@0 + @(1)", SUM)))
sub = binary(defop("sub", np.subtract, (lambda xp, g, out, a, b: g, lambda xp, g, out, a, b: -g),
                   kind=E, symbol="-", label_const=("@c - a", "-@(c)"), local=("1", "-1"),
                   forward=("@0 - @(1)", "@0 - @(1)", SUM)))
mul = binary(defop("mul", np.multiply, (lambda xp, g, out, a, b: g * b, lambda xp, g, out, a, b: g * a),
                   kind=E, symbol=r"\times", label_const=r"\times @(c)", local=("@1", "@0"),
                   forward=(r"@(0) \, @(1)", "@(0)·@(1)", PRODUCT), numeric=(r"@(0) \times @(1)", "@(0) × @(1)")))
div = binary(defop("div", _div,
                   (lambda xp, g, out, a, b: g / b, lambda xp, g, out, a, b: -g * out / b),
                   kind=E, symbol=r"\div", label_const=("@c/a", r"\div @(c)"),
                   local=(r"\frac{1}{@1}", r"-\frac{@0}{@1^2}"),
                   forward=(r"\frac{@0}{@1}", "@(0)/@(1)", (ATOM, PRODUCT))))
pow = binary(defop("pow", np.power,
                   (_pow_base_grad, _pow_exp_grad),
                   kind=E, symbol="^", label="pow", label_const=("@(c)^{a}", "a^{@c}"),
                   local=(r"@1 \cdot @0^{@1 - 1}", r"@0^{@1} \log @0"),
                   forward=("@(0)^{@1}", "@(0)^@(1)", POWER)))
maximum = binary(defop("maximum", np.maximum, (_max_grad, lambda xp, g, out, a, b: _max_grad(xp, g, out, b, a)),
                       kind=E, symbol=r"\max", label_const=r"\max(a, @c)", local=(r"[@0 \geq @1]", r"[@1 \geq @0]"),
                       forward=(r"\max(@0, @1)", "max(@0, @1)", ATOM)))
minimum = binary(defop("minimum", np.minimum, (_min_grad, lambda xp, g, out, a, b: _min_grad(xp, g, out, b, a)),
                       kind=E, symbol=r"\min", label_const=r"\min(a, @c)", local=(r"[@0 \leq @1]", r"[@1 \leq @0]"),
                       forward=(r"\min(@0, @1)", "min(@0, @1)", ATOM)))

neg = unary(defop("neg", np.negative, lambda xp, g, out, a: -g, kind=E, symbol=r"\times(-1)", local=("-1",),
                  forward=("-@(0)", "-@(0)", PRODUCT), numeric=(r"@(0) \times (-1)", "@(0) × (-1)")))
# floating=True: integer input gives float32, as in PyTorch (NumPy would give float64)
exp = unary(defop("exp", np.exp, lambda xp, g, out, a: g * out, kind=E, symbol=r"\exp", local=(r"\exp(@0)",),
                  forward=(r"\exp(@0)", "exp(@0)", ATOM)), floating=True)
log = unary(defop("log", np.log, lambda xp, g, out, a: g / a, kind=E, symbol=r"\log", local=(r"\frac{1}{@0}",),
                  forward=(r"\log(@0)", "log(@0)", ATOM)), floating=True)
sqrt = unary(defop("sqrt", np.sqrt, lambda xp, g, out, a: g / (2 * out), kind=E, symbol=r"\sqrt{}",
                   label=r"\sqrt{a}", local=(r"\frac{1}{2\sqrt{@0}}",),
                   forward=(r"\sqrt{@0}", "sqrt(@0)", ATOM)), floating=True)
sin = unary(defop("sin", np.sin, lambda xp, g, out, a: g * xp.cos(a), kind=E, symbol=r"\sin", local=(r"\cos @0",),
                  forward=(r"\sin(@0)", "sin(@0)", ATOM)), floating=True)
cos = unary(defop("cos", np.cos, lambda xp, g, out, a: -g * xp.sin(a), kind=E, symbol=r"\cos",
                  local=(r"-\sin @0",), forward=(r"\cos(@0)", "cos(@0)", ATOM)), floating=True)
tanh = unary(defop("tanh", np.tanh, lambda xp, g, out, a: g * (1 - out * out), kind=E, symbol=r"\tanh",
                   local=(r"1 - \tanh^2 @0",), forward=(r"\tanh(@0)", "tanh(@0)", ATOM)), floating=True)
sigmoid = unary(defop("sigmoid", _sigmoid, lambda xp, g, out, a: g * out * (1 - out), kind=E, symbol=r"\sigma",
                      local=(r"\sigma(@0)(1 - \sigma(@0))",), forward=(r"\sigma(@0)", "σ(@0)", ATOM)))
relu = unary(defop("relu", lambda a: np.maximum(a, 0, dtype=a.dtype), lambda xp, g, out, a: g * (a > 0),
                   kind=E, symbol="ReLU", label=r"\mathrm{ReLU}", local=(r"[@0 > 0]",),
                   forward=(r"\mathrm{ReLU}(@0)", "ReLU(@0)", ATOM)))
abs = unary(defop("abs", np.abs, lambda xp, g, out, a: g * xp.sign(a), kind=E, symbol=r"|\cdot|", label="|a|",
                  local=(r"\mathrm{sign}(@0)",), forward=("|@0|", "|@0|", ATOM)))
reciprocal = unary(defop("reciprocal", lambda a: 1 / a, lambda xp, g, out, a: -g * out * out, kind=E,
                         symbol="1/a", local=(r"-\frac{1}{@0^2}",),
                         forward=(r"\frac{1}{@0}", "1/@(0)", (ATOM, PRODUCT))), floating=True)
clamp = unary(defop("clamp", _clamp, _clamp_grad, kind=E, symbol="clamp", label=r"\mathrm{clamp}",
                    local=(r"[\min \leq @0 \leq \max]",), forward=(r"\mathrm{clamp}(@0)", "clamp(@0)", ATOM)))


def _where(c, a, b):
    return np.where(c, a, b)


where = nary(defop("where", _where, (None, lambda xp, g, out, c, a, b: g * c,
                                 lambda xp, g, out, c, a, b: g * (c == 0)),
              kind=E, symbol="where", local=(None, "[c]", "[not c]")))
