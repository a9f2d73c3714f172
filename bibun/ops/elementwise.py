"""Elementwise primitives: forward, one VJP per input, the local derivative to teach with, and the names
they go by (Tensor methods, bibun functions, bibun.numpy).

VJPs are written against `xp` (NumPy, or bibun.numpy when building a graph of the backward pass
for higher-order gradients), so one rule serves both. Broadcast inputs need no care here: the
engine sums each gradient back to its input's shape.
"""
import math

import numpy as np

from ._args import constant, data_of, tensor_of
from ._registry import ATOM, METHOD, OPS, POWER, PRODUCT, SUM, Form, Text, defop, defsurface
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


# below these, e^-a overflows (so it is not computed there, and no overflow warning is raised)
_SIGMOID_FLOOR = {np.dtype(np.float16): -11.0, np.dtype(np.float32): -88.0, np.dtype(np.float64): -708.0}


def _sigmoid(a):
    # 1 / (1 + e^-a), exact at both ends (no 0.5 + 0.5 tanh cancellation), no overflow warnings
    if a.dtype.kind != "f":
        a = a.astype(np.float32)
    floor = _SIGMOID_FLOOR[a.dtype]
    x = np.empty(a.shape, a.dtype)                    # an array even for 0-d input: out= needs one
    below = a.size and np.fmin.reduce(a, axis=None) < floor
    if below:                                         # clamp where e^-a would overflow (the usual input needs not)
        np.maximum(a, floor, out=x)
        np.negative(x, out=x)
    else:
        np.negative(a, out=x)
    np.exp(x, out=x)
    x += 1
    np.reciprocal(x, out=x)
    if below:                                         # there sigma(a) = e^a to the last bit (1 + e^a is 1),
        low = a < floor                               # down to the subnormals and 0, as log(sigma) needs
        x[low] = np.exp(a[low])
    return x


_F64 = np.dtype(np.float64)


def _integral(x):
    return type(x) is int or type(x) is bool or (type(x) is not float and x.dtype.kind in "biu")


def _floating(f):
    """A binary forward whose result is a float even for integers: float32 there, as PyTorch (not float64)."""
    def fwd(a, b):
        out = f(a, b)
        if out.dtype is _F64 and _integral(a) and _integral(b):
            return out.astype(np.float32)
        return out
    fwd.__name__ = f.__name__
    return fwd


_div = _floating(np.true_divide)


def _scalar(v):
    return v.item() if hasattr(v, "item") and hasattr(v, "_data") else v


def _clamp_method(self, min=None, max=None):
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    return clamp(self, min=_scalar(min), max=_scalar(max))


def _clip_np(a, a_min=None, a_max=None):
    return clamp(tensor_of(a), min=_scalar(a_min), max=_scalar(a_max))


def _g(xp, g, out, *args, **params):          # the gradient passes through unchanged
    return g


def _zero(xp, g, out, *args, **params):       # a step function: its derivative is 0 wherever it has one
    return g * 0


E = "elementwise"
# -- arithmetic: the operators, their PyTorch methods and functions, NumPy's ufuncs ----------------------------
add = binary(defop(
    "add", fwd=np.add, vjp=(_g, _g), kind=E,
    symbol="+", label_const="+@(c)", local=("1", "1"), forward=Form("@0 + @(1)", "@0 + @(1)", SUM),
    method={"__add__": None, "__radd__": lambda self, other: add(other, self),
            "add": lambda self, other, alpha=1: add(self, other if alpha == 1 else other * alpha)},
    function={"add": METHOD}, numpy="add"))
sub = binary(defop(
    "sub", fwd=np.subtract, vjp=(_g, lambda xp, g, out, a, b: -g), kind=E,
    symbol="-", label_const=("@c - a", "-@(c)"), local=("1", "-1"), forward=Form("@0 - @(1)", "@0 - @(1)", SUM),
    method={"__sub__": None, "__rsub__": lambda self, other: sub(other, self),
            "sub": lambda self, other, alpha=1: sub(self, other if alpha == 1 else other * alpha)},
    function={"sub": METHOD, "subtract": METHOD}, numpy="subtract"))
mul = binary(defop(
    "mul", fwd=np.multiply, vjp=(lambda xp, g, out, a, b: g * b, lambda xp, g, out, a, b: g * a), kind=E,
    symbol=r"\times", label_const=r"\times @(c)", local=("@1", "@0"),
    forward=Form(r"@(0) \, @(1)", "@(0)·@(1)", PRODUCT), numeric=Text(r"@(0) \times @(1)", "@(0) × @(1)"),
    method={"__mul__": None, "__rmul__": lambda self, other: mul(other, self), "mul": None, "multiply": None},
    function={"mul": METHOD, "multiply": METHOD}, numpy="multiply"))
div = binary(defop(
    "div", fwd=_div, vjp=(lambda xp, g, out, a, b: g / b, lambda xp, g, out, a, b: -g * out / b), kind=E,
    symbol=r"\div", label_const=("@c/a", r"\div @(c)"), local=(r"\frac{1}{@1}", r"-\frac{@0}{@1^2}"),
    forward=Form(r"\frac{@0}{@1}", "@(0)/@(1)", (ATOM, PRODUCT)),
    method={"__truediv__": None, "__rtruediv__": lambda self, other: div(other, self), "div": None,
            "divide": None, "true_divide": None},
    function={"div": METHOD, "divide": METHOD, "true_divide": METHOD}, numpy=("divide", "true_divide")))
pow = binary(defop(
    "pow", fwd=np.power, vjp=(_pow_base_grad, _pow_exp_grad), kind=E,
    symbol="^", label="pow", label_const=("@(c)^{a}", "a^{@c}"), local=(r"@1 \cdot @0^{@1 - 1}", r"@0^{@1} \log @0"),
    forward=Form("@(0)^{@1}", "@(0)^@(1)", POWER),
    method={"__pow__": None, "__rpow__": lambda self, other: pow(other, self), "pow": None},
    function={"pow": METHOD}, numpy="power"))
maximum = binary(defop(
    "maximum", fwd=np.maximum, vjp=(_max_grad, lambda xp, g, out, a, b: _max_grad(xp, g, out, b, a)), kind=E,
    symbol=r"\max", label_const=r"\max(a, @c)", local=(r"[@0 \geq @1]", r"[@1 \geq @0]"),
    forward=Form(r"\max(@0, @1)", "max(@0, @1)", ATOM), method="maximum", function={"maximum": METHOD},
    numpy="maximum"))
minimum = binary(defop(
    "minimum", fwd=np.minimum, vjp=(_min_grad, lambda xp, g, out, a, b: _min_grad(xp, g, out, b, a)), kind=E,
    symbol=r"\min", label_const=r"\min(a, @c)", local=(r"[@0 \leq @1]", r"[@1 \leq @0]"),
    forward=Form(r"\min(@0, @1)", "min(@0, @1)", ATOM), method="minimum", function={"minimum": METHOD},
    numpy="minimum"))
neg = unary(defop(
    "neg", fwd=np.negative, vjp=lambda xp, g, out, a: -g, kind=E,
    symbol=r"\times(-1)", local=("-1",), forward=Form("-@(0)", "-@(0)", PRODUCT),
    numeric=Text(r"@(0) \times (-1)", "@(0) × (-1)"),
    method=("__neg__", "neg", "negative"), function=("neg", "negative"), numpy="negative"))
abs = unary(defop(
    "abs", fwd=np.abs, vjp=lambda xp, g, out, a: g * xp.sign(a), kind=E,
    symbol=r"|\cdot|", label="|a|", local=(r"\mathrm{sign}(@0)",), forward=Form("|@0|", "|@0|", ATOM),
    method=("__abs__", "abs", "absolute"), function=("abs", "absolute"), numpy=("abs", "absolute")))


def _unary(name, fwd, vjp, local, tex, text=None, floating=True, symbol=None, numpy=None, method=None,
           form=None, **fields):
    """An elementwise function of one input that reads f(x): `tex` its LaTeX name (\\sinh), `text` its plain
    name; a method and a bibun function of the op's name, and bibun.numpy's `numpy` names."""
    text = text or name
    names = method or (name,)
    return unary(defop(name, fwd=fwd, vjp=vjp, kind=E, symbol=symbol or tex, local=(local,),
                       forward=form or Form(rf"{tex}(@0)", f"{text}(@0)", ATOM), method=names, function=names,
                       numpy=numpy if numpy is not None else name, **fields), floating=floating)


# floating: integer input gives float32, as in PyTorch (NumPy would give float64)
exp = _unary("exp", np.exp, lambda xp, g, out, a: g * out, r"\exp(@0)", r"\exp")
log = _unary("log", np.log, lambda xp, g, out, a: g / a, r"\frac{1}{@0}", r"\log")
sqrt = unary(defop(
    "sqrt", fwd=np.sqrt, vjp=lambda xp, g, out, a: g / (2 * out), kind=E,
    symbol=r"\sqrt{}", label=r"\sqrt{a}", local=(r"\frac{1}{2\sqrt{@0}}",), forward=Form(r"\sqrt{@0}", "sqrt(@0)", ATOM),
    method="sqrt", function="sqrt", numpy="sqrt"), floating=True)
sin = _unary("sin", np.sin, lambda xp, g, out, a: g * xp.cos(a), r"\cos @0", r"\sin")
cos = _unary("cos", np.cos, lambda xp, g, out, a: -g * xp.sin(a), r"-\sin @0", r"\cos")
tanh = _unary("tanh", np.tanh, lambda xp, g, out, a: g * (1 - out * out), r"1 - \tanh^2 @0", r"\tanh")
sigmoid = unary(defop(
    "sigmoid", fwd=_sigmoid, vjp=lambda xp, g, out, a: g * out * (1 - out), kind=E,
    symbol=r"\sigma", local=(r"\sigma(@0)(1 - \sigma(@0))",), forward=Form(r"\sigma(@0)", "σ(@0)", ATOM),
    method="sigmoid", function="sigmoid", numpy={"sigmoid": (_sigmoid, None)}))
relu = unary(defop(
    "relu", fwd=lambda a: np.maximum(a, 0, dtype=a.dtype), vjp=lambda xp, g, out, a: g * (a > 0), kind=E,
    symbol="ReLU", label=r"\mathrm{ReLU}", local=(r"[@0 > 0]",), forward=Form(r"\mathrm{ReLU}(@0)", "ReLU(@0)", ATOM),
    method="relu", function="relu"))
reciprocal = unary(defop(
    "reciprocal", fwd=lambda a: 1 / a, vjp=lambda xp, g, out, a: -g * out * out, kind=E,
    symbol="1/a", local=(r"-\frac{1}{@0^2}",), forward=Form(r"\frac{1}{@0}", "1/@(0)", (ATOM, PRODUCT)),
    method="reciprocal", function="reciprocal", numpy="reciprocal"), floating=True)
clamp = unary(defop(
    "clamp", fwd=_clamp, vjp=_clamp_grad, kind=E,
    symbol="clamp", label=r"\mathrm{clamp}", local=(r"[\min \leq @0 \leq \max]",),
    forward=Form(r"\mathrm{clamp}(@0)", "clamp(@0)", ATOM),
    method={"clamp": _clamp_method, "clip": _clamp_method}, function={"clamp": METHOD, "clip": METHOD},
    numpy={"clip": _clip_np}))


# In-place forms of the VJPs a backward over big arrays spends its time in. Each writes its VJP's result into
# the upstream gradient g, with the VJP's own NumPy calls in the same order, so the same bits; the engine calls
# one only where nothing else holds g (autograd/engine.py), and each returns None, leaving the VJP to run,
# where the result would not have g's dtype.
def _times(k):                                # mul: g * b, g * a
    def into(g, out, *args):
        other = args[k]
        return np.multiply(g, other, out=g) if np.result_type(g, other) == g.dtype else None
    return into


def _over(g, out, a, b):                      # div, for a: g / b
    return np.true_divide(g, b, out=g) if np.result_type(g, b) == g.dtype else None


def _negated(g, out, *args):                  # neg, and sub for b: -g
    return np.negative(g, out=g)


def _times_out(g, out, a):                    # exp: g * out
    return np.multiply(g, out, out=g) if out.dtype == g.dtype else None


def _tanh_into(g, out, a):                    # g * (1 - out * out)
    if out.dtype != g.dtype:
        return None
    t = out * out
    np.subtract(1, t, out=t)
    return np.multiply(g, t, out=g)


def _sigmoid_into(g, out, a):                 # g * out * (1 - out)
    if out.dtype != g.dtype:
        return None
    np.multiply(g, out, out=g)
    return np.multiply(g, 1 - out, out=g)


def _relu_into(g, out, a):                    # g * (a > 0)
    return np.multiply(g, a > 0, out=g) if out.dtype == g.dtype else None


for _name, _into in (("mul", (_times(1), _times(0))), ("div", (_over, None)), ("neg", (_negated,)),
                     ("sub", (None, _negated)), ("exp", (_times_out,)), ("tanh", (_tanh_into,)),
                     ("sigmoid", (_sigmoid_into,)), ("relu", (_relu_into,))):
    OPS[_name].vjp_into = _into

# -- more of the elementwise family: logarithms and exponentials in other bases, trigonometric and hyperbolic
# functions and their inverses (PyTorch names asin, NumPy arcsin)
_LN2, _LN10 = math.log(2.0), math.log(10.0)
log2 = _unary("log2", np.log2, lambda xp, g, out, a: g / (a * _LN2), r"\frac{1}{@0 \ln 2}", r"\log_2")
log10 = _unary("log10", np.log10, lambda xp, g, out, a: g / (a * _LN10), r"\frac{1}{@0 \ln 10}", r"\log_{10}")
log1p = _unary("log1p", np.log1p, lambda xp, g, out, a: g / (1 + a), r"\frac{1}{1 + @0}", r"\log1p",
               symbol=r"\log(1+a)")
expm1 = _unary("expm1", np.expm1, lambda xp, g, out, a: g * (out + 1), r"\exp(@0)", r"\mathrm{expm1}",
               symbol=r"e^a - 1")
exp2 = _unary("exp2", np.exp2, lambda xp, g, out, a: g * out * _LN2, r"2^{@0} \ln 2", r"\mathrm{exp2}",
              symbol="2^a")
tan = _unary("tan", np.tan, lambda xp, g, out, a: g * (1 + out * out), r"1 + \tan^2 @0", r"\tan")
sinh = _unary("sinh", np.sinh, lambda xp, g, out, a: g * xp.cosh(a), r"\cosh @0", r"\sinh")
cosh = _unary("cosh", np.cosh, lambda xp, g, out, a: g * xp.sinh(a), r"\sinh @0", r"\cosh")
asin = _unary("asin", np.arcsin, lambda xp, g, out, a: g / xp.sqrt(1 - a * a), r"\frac{1}{\sqrt{1 - @0^2}}",
              r"\arcsin", method=("asin", "arcsin"), numpy="arcsin")
acos = _unary("acos", np.arccos, lambda xp, g, out, a: -g / xp.sqrt(1 - a * a), r"-\frac{1}{\sqrt{1 - @0^2}}",
              r"\arccos", method=("acos", "arccos"), numpy="arccos")
atan = _unary("atan", np.arctan, lambda xp, g, out, a: g / (1 + a * a), r"\frac{1}{1 + @0^2}",
              r"\arctan", method=("atan", "arctan"), numpy="arctan")
asinh = _unary("asinh", np.arcsinh, lambda xp, g, out, a: g / xp.sqrt(a * a + 1), r"\frac{1}{\sqrt{@0^2 + 1}}",
               r"\mathrm{arsinh}", method=("asinh", "arcsinh"), numpy="arcsinh")
acosh = _unary("acosh", np.arccosh, lambda xp, g, out, a: g / xp.sqrt(a * a - 1), r"\frac{1}{\sqrt{@0^2 - 1}}",
               r"\mathrm{arcosh}", method=("acosh", "arccosh"), numpy="arccosh")
atanh = _unary("atanh", np.arctanh, lambda xp, g, out, a: g / (1 - a * a), r"\frac{1}{1 - @0^2}",
               r"\mathrm{artanh}", method=("atanh", "arctanh"), numpy="arctanh")
square = unary(defop(
    "square", fwd=np.square, vjp=lambda xp, g, out, a: g * (2 * a), kind=E, grad_name="PowBackward0",
    symbol="^2", label="a^{2}", local=(r"2 @0",), forward=Form("@(0)^{2}", "@(0)^2", POWER),
    method="square", function="square", numpy="square"))
# step functions: a zero gradient, as PyTorch gives (integers stay integers)
floor = _unary("floor", np.floor, _zero, "0", r"\lfloor", floating=False, symbol=r"\lfloor\cdot\rfloor",
               form=Form(r"\lfloor @0 \rfloor", "floor(@0)", ATOM))
ceil = _unary("ceil", np.ceil, _zero, "0", r"\lceil", floating=False, symbol=r"\lceil\cdot\rceil",
              form=Form(r"\lceil @0 \rceil", "ceil(@0)", ATOM))
round = _unary("round", lambda a, decimals=0: np.round(a, decimals), _zero, "0", r"\mathrm{round}",
               floating=False, numpy=dict.fromkeys(("round", "around"), lambda a, decimals=0:
                                                   round(tensor_of(a), decimals=decimals)))
sign = _unary("sign", np.sign, _zero, "0", r"\mathrm{sign}", floating=False)
trunc = _unary("trunc", np.trunc, _zero, "0", r"\mathrm{trunc}", floating=False, method=("trunc", "fix"),
               numpy=("trunc", "fix"))



def _atan2_grad(i):
    def vjp(xp, g, out, a, b):
        return g * (b if i == 0 else -a) / (a * a + b * b)
    return vjp


def _quotient(rounding):
    # d(a mod b)/db = -(a / b rounded as the mod rounds it): down for remainder, towards zero for fmod
    def vjp(xp, g, out, a, b):
        return -g * getattr(xp, rounding)(a / b)
    return vjp


atan2 = binary(defop(
    "atan2", fwd=_floating(np.arctan2), vjp=(_atan2_grad(0), _atan2_grad(1)), kind=E,
    symbol=r"\mathrm{atan2}", local=(r"\frac{@1}{@0^2 + @1^2}", r"-\frac{@0}{@0^2 + @1^2}"),
    forward=Form(r"\mathrm{atan2}(@0, @1)", "atan2(@0, @1)", ATOM),
    method=("atan2", "arctan2"), function=("atan2", "arctan2"), numpy="arctan2"))
hypot = binary(defop(
    "hypot", fwd=_floating(np.hypot), vjp=(lambda xp, g, out, a, b: g * a / out, lambda xp, g, out, a, b: g * b / out),
    kind=E, symbol=r"\mathrm{hypot}", local=(r"\frac{@0}{\sqrt{@0^2 + @1^2}}", r"\frac{@1}{\sqrt{@0^2 + @1^2}}"),
    forward=Form(r"\sqrt{@0^2 + @1^2}", "hypot(@0, @1)", ATOM), method="hypot", function="hypot", numpy="hypot"))
logaddexp = binary(defop(
    "logaddexp", fwd=_floating(np.logaddexp),
    vjp=(lambda xp, g, out, a, b: g * xp.exp(a - out), lambda xp, g, out, a, b: g * xp.exp(b - out)), kind=E,
    symbol=r"\mathrm{logaddexp}", local=(r"\frac{e^{@0}}{e^{@0} + e^{@1}}", r"\frac{e^{@1}}{e^{@0} + e^{@1}}"),
    forward=Form(r"\log(e^{@0} + e^{@1})", "logaddexp(@0, @1)", ATOM),
    method="logaddexp", function="logaddexp", numpy="logaddexp"))
# a mod b: PyTorch's remainder and NumPy's mod take the sign of b (Python's %), fmod the sign of a (C's fmod)
remainder = binary(defop(
    "remainder", fwd=np.remainder, vjp=(_g, _quotient("floor")),
    kind=E, symbol=r"\bmod", local=("1", r"-\lfloor @0 / @1 \rfloor"),
    forward=Form(r"@(0) \bmod @(1)", "@(0) mod @(1)", PRODUCT),
    method={"__mod__": None, "__rmod__": lambda self, other: remainder(other, self), "remainder": None},
    function="remainder", numpy=("remainder", "mod")))
fmod = binary(defop(
    "fmod", fwd=np.fmod, vjp=(_g, _quotient("trunc")), kind=E,
    symbol=r"\mathrm{fmod}", local=("1", r"-\mathrm{trunc}(@0 / @1)"),
    forward=Form(r"\mathrm{fmod}(@0, @1)", "fmod(@0, @1)", ATOM), method="fmod", function="fmod", numpy="fmod"))


def _floor_divide(a, b):
    """a // b, rounded down: a step function, so no gradient (PyTorch does not differentiate it)."""
    return constant(np.floor_divide(data_of(a), data_of(b)))


def _rfloor_divide(self, other):
    return _floor_divide(other, self)


defsurface("floor_divide", method={"__floordiv__": _floor_divide, "__rfloordiv__": _rfloor_divide,
                                   "floor_divide": _floor_divide},
           function={"floor_divide": _floor_divide}, numpy={"floor_divide": _floor_divide})


def _where(c, a, b):
    return np.where(c, a, b)


def _where_function(condition, input=None, other=None):
    c = data_of(condition)
    if input is None:
        return tuple(constant(i.astype(np.int64)) for i in np.nonzero(c))
    if not hasattr(input, "_data") and not hasattr(other, "_data"):
        input = tensor_of(input)              # where(c, 1.0, 0.0): float32, as PyTorch, not NumPy's float64
    return where(c.astype(bool, copy=False), input, other)


def _where_np(condition, x=None, y=None):
    if x is None:
        return np.nonzero(data_of(condition))
    return where(data_of(condition).astype(bool, copy=False), x, y)


where = nary(defop(
    "where", fwd=_where, vjp=(None, lambda xp, g, out, c, a, b: g * c, lambda xp, g, out, c, a, b: g * (c == 0)),
    kind=E, symbol="where", local=(None, "[c]", "[not c]"),
    function={"where": _where_function}, numpy={"where": _where_np}))


# comparisons: bool tensors, never part of the graph (the operators themselves are Tensor's own)
def _comparison(f):
    def compare(input, other):
        return constant(f(data_of(input), data_of(other)))
    compare.__name__ = f.__name__
    return compare


for _torch_names, _np_name in ((("eq",), "equal"), (("ne", "not_equal"), "not_equal"), (("lt", "less"), "less"),
                               (("le", "less_equal"), "less_equal"), (("gt", "greater"), "greater"),
                               (("ge", "greater_equal"), "greater_equal")):
    _f = _comparison(getattr(np, _np_name))
    defsurface(_np_name, method=dict.fromkeys(_torch_names[1:], _f), function=dict.fromkeys(_torch_names, _f),
               numpy={_np_name: _f})


def _predicate(f):
    def test(input):
        return constant(f(data_of(input)))
    test.__name__ = f.__name__
    return test


for _np_name in ("isfinite", "isnan", "isinf", "logical_not"):
    _f = _predicate(getattr(np, _np_name))
    defsurface(_np_name, method={_np_name: _f}, function={_np_name: _f}, numpy={_np_name: _f})
