"""The Tensor's in-place changes (+=, add_, fill_, [...] = ...), as a base class of Tensor: under grad mode
an in-place op is recorded as an out-of-place one whose result the tensor becomes (`_rebase`), leaving the old
array and history to the nodes that used them; otherwise it writes into the array and ticks the in-place clock.
A leaf that requires grad may change only under no_grad, as in PyTorch."""
import numpy as np

from . import _tensor_messages as _msg
from ._generator import _gen
from .autograd import engine, grad_mode, version_counter
from .ops import elementwise as E, shape as S

# in-place forms of the four arithmetic ops (NumPy ufuncs with out=)
_INPLACE = {E.add: np.add, E.sub: np.subtract, E.mul: np.multiply, E.div: np.true_divide}
_OP_SIGN = {"+=": "+", "-=": "-", "*=": "*", "/=": "/", "add_": "+", "sub_": "-", "mul_": "*", "div_": "/"}
# what an integer tensor is called in PyTorch's casting error
_INT_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _is_float(x):
    return type(x) is float or isinstance(x, np.ndarray) and x.dtype.kind == "f" or isinstance(x, np.floating)


class InPlace:
    __slots__ = ()

    def __setitem__(self, key, value):
        key = self._index(key)
        if self._records((value,)):
            self._check_inplace("[...] =", key)
            if not isinstance(value, InPlace):          # a constant: no gradient flows where it lands
                value = self._wrap(np.asarray(value, dtype=self._data.dtype))
            keep = np.ones(self._data.shape, dtype=self._data.dtype)
            keep[key] = 0
            put = S.scatter_add(S.broadcast_to(value, shape=self._data[key].shape), shape=self._data.shape, key=key)
            self._record(lambda before: before * self._wrap(keep) + put, "[...] =")
            return
        self._check_inplace("[...] =")
        value = value._data if isinstance(value, InPlace) else value
        if engine.tracer is not None:
            engine.tracer.notify("on_inplace", self, _put, (key, value), "[...] =")
        _put(self._data, key, value)
        self._changed("[...] =")

    # -- in place ------------------------------------------------------------------------------------
    def _check_inplace(self, what, key=None):
        if self.grad_fn is None and self.requires_grad and grad_mode.is_grad_enabled():
            raise RuntimeError(_msg.leaf_inplace(self, what, key))

    def _alias(self):
        """A second Tensor object for this tensor's present value and history: what an in-place op under
        grad mode records as its input, so that the graph never loops back onto `self`."""
        t = self._wrap(self._data, self.requires_grad)
        t.grad_fn = self.grad_fn
        t._version = self._version
        t._past = getattr(self, "_past", None)
        return t

    def _changed(self, what, made_by=None):
        """Tick the in-place clock for a change to this tensor; an op whose backward reads this tensor as
        its output (exp, tanh, sigmoid...) now refuses to run, as PyTorch's does."""
        fn = self.grad_fn
        self._version = v = version_counter.tick(self, what, made_by)
        if fn is not None:
            fn.out_changed = what
        return v

    def _rebase(self, before, new, what):
        """Make this tensor the result `new` of an out-of-place op (an in-place op under grad mode),
        computed from `before = self._alias()`. The old array is left as it was, and nodes that took
        `self` as an input earlier still backpropagate into the history they saw (`_past`)."""
        made_by = self.grad_fn.op.name if self.grad_fn is not None else None    # before it changes
        self._changed(what, made_by or "")
        self._past = (self._version, before)
        self._data, self.grad_fn, self.requires_grad = new._data, new.grad_fn, new.requires_grad
        return self

    def _records(self, others):
        """Whether an in-place change of this tensor with `others` is recorded (grad mode, and a tensor that
        requires grad among them): then it is an out-of-place op whose result the tensor becomes."""
        return grad_mode.is_grad_enabled() and (self.requires_grad or any(
            isinstance(o, InPlace) and o.requires_grad for o in others))

    def _record(self, compute, what, *args, **kwargs):
        """The recorded form of an in-place change: compute(self as it was, ...) becomes this tensor."""
        before = self._alias()
        new = compute(before, *args, **kwargs)
        self._fits(new._data.shape)
        return self._rebase(before, new, what)

    def _fits(self, shape):
        if tuple(shape) != self._data.shape:
            raise RuntimeError(f"output with shape {list(self._data.shape)} doesn't match the broadcast shape "
                               f"{list(shape)}")

    def _inplace(self, op, other, what):
        """+=, add_ and their kin: outside grad mode one NumPy ufunc writes into the array itself."""
        self._check_inplace(what)
        if self._records((other,)):
            return self._record(op, what, other)
        o = other._data if isinstance(other, InPlace) else other
        d = self._data
        if isinstance(o, np.ndarray):
            self._fits(np.broadcast_shapes(o.shape, d.shape))
        if d.dtype.kind in "biu" and (op is E.div or _is_float(o) or d.dtype.kind == "b" and not (
                (type(o) is bool or isinstance(o, np.ndarray) and o.dtype.kind == "b") and op in (E.add, E.mul))):
            kind = "Float" if op is E.div or _is_float(o) else "Long"
            raise RuntimeError(_msg.cannot_store(kind, _INT_NAMES.get(d.dtype.name, d.dtype.name), what,
                                                 f"`t = t {_OP_SIGN.get(what, '/')} ...`"))
        if engine.tracer is not None:
            engine.tracer.notify("on_inplace", self, _UPDATE[op], (o,), what)
        _INPLACE[op](d, o, out=d, casting="unsafe")
        self._changed(what)
        return self

    def __iadd__(self, other):
        return self._inplace(E.add, other, "+=")

    def __isub__(self, other):
        return self._inplace(E.sub, other, "-=")

    def __imul__(self, other):
        return self._inplace(E.mul, other, "*=")

    def __itruediv__(self, other):
        return self._inplace(E.div, other, "/=")

    def add_(self, other, alpha=1):
        return self._inplace(E.add, other if alpha == 1 else other * alpha, "add_")

    def sub_(self, other, alpha=1):
        return self._inplace(E.sub, other if alpha == 1 else other * alpha, "sub_")

    def mul_(self, other):
        return self._inplace(E.mul, other, "mul_")

    def div_(self, other):
        return self._inplace(E.div, other, "div_")

    def fill_(self, value):
        self._check_inplace("fill_")
        value = value.item() if isinstance(value, InPlace) else value
        if engine.tracer is not None:
            engine.tracer.notify("on_inplace", self, _put, (Ellipsis, value), "fill_()")
        self._data[...] = value
        self._changed('fill_()')
        return self

    def zero_(self):
        return self.fill_(0)

    def copy_(self, src):
        self._check_inplace("copy_")
        s = src._data if isinstance(src, InPlace) else np.asarray(src)
        try:
            b = np.broadcast_to(s, self._data.shape)
            if engine.tracer is not None:
                engine.tracer.notify("on_inplace", self, _copy, (s,), "copy_()")
            np.copyto(self._data, b, casting="unsafe")
        except ValueError:
            raise RuntimeError(f"copy_: the source of shape {list(np.shape(s))} cannot be broadcast to "
                               f"the destination of shape {list(self.shape)}") from None
        self._changed('copy_()')
        return self

    def uniform_(self, a=0.0, b=1.0, generator=None):
        return self._fill_random(_gen(generator).uniform(a, b, self._data.shape))

    def normal_(self, mean=0.0, std=1.0, generator=None):
        return self._fill_random(_gen(generator).normal(mean, std, self._data.shape))

    def _fill_random(self, values):
        self._check_inplace("init")
        self._data[...] = values
        self._changed('init')
        return self


# the in-place changes as functions of the array they write into, which bibun.jit records and replays
def _put(a, key, value):
    a[key] = value


def _copy(a, src):
    np.copyto(a, np.broadcast_to(src, a.shape), casting="unsafe")


def _ufunc_into(f):
    def update(a, o):
        f(a, o, out=a, casting="unsafe")
    update.__name__ = f.__name__ + "_"
    return update


_UPDATE = {op: _ufunc_into(f) for op, f in _INPLACE.items()}
