"""Tensor: an ndarray with PyTorch's surface, and the place where the graph starts.

The arithmetic lives in `ops/` (one entry per primitive); a Tensor only holds its array, whether it
requires grad, its `.grad`, the node that made it (`grad_fn`) and a version counter bumped by
in-place changes.
"""
import warnings

import numpy as np

from . import _device, _dtype
from . import _tensor_messages as _msg
from ._tensor_inplace import InPlace
from ._print import format_tensor
from .autograd import engine, version_counter
from .ops import shape as S
from .ops import _args, _registry

_new = object.__new__


class Size(tuple):
    """A shape, printed as PyTorch prints it."""

    def __repr__(self):
        return f"bibun.Size([{', '.join(str(n) for n in self)}])"

    def numel(self):
        return int(np.prod(self))


_axes = _args.axes


def _key(key):
    """An index with Tensors in it, as NumPy understands it."""
    if isinstance(key, Tensor):
        return key._data
    if isinstance(key, tuple):
        return tuple(k._data if isinstance(k, Tensor) else k for k in key)
    if isinstance(key, list) and any(isinstance(k, Tensor) for k in key):
        return [k._data if isinstance(k, Tensor) else k for k in key]
    return key


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list, Size)):
        shape = shape[0]
    return tuple(int(s) for s in shape)


class _Count(int):
    """The number of elements, callable as PyTorch's size(): `t.size` is NumPy's, `t.size()` PyTorch's."""

    def __call__(self, dim=None):
        return Size(self._shape) if dim is None else self._shape[dim]


class Tensor(InPlace):
    __slots__ = ("_data", "requires_grad", "_grad", "grad_fn", "_version", "_changed_by", "_past", "hooks",
                 "__weakref__")
    # _changed_by: what changed it in place last (for error messages); _past: (clock, tensor) where an
    # in-place op under grad mode gave it a new history, the tensor as it was before (see engine._inputs_then).
    # Both are set only by in-place changes and read only when something went wrong or changed. hooks: the
    # gradient hooks of a leaf (register_hook), set by the first one.
    __array_priority__ = 1000          # ndarray <op> Tensor calls our reflected op: a Tensor, never an object array
    __hash__ = object.__hash__          # == is elementwise, so identity hashing (optimizer state is keyed by tensor)

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        _registry.bind_tensor_type(cls)          # a subclass (nn.Parameter) goes through the ops' fast paths too

    def __init__(self, data=None, *, dtype=None, requires_grad=False):
        a = _infer([] if data is None else data, None if dtype is None else _dtype.to_np(dtype))
        if dtype is not None:
            a = a.astype(_dtype.to_np(dtype), copy=False)
        _dtype.from_np(a.dtype)
        if requires_grad and a.dtype.kind != "f":
            raise RuntimeError(_msg.int_grad(a))
        self._data, self.requires_grad, self._grad, self.grad_fn, self._version = \
            a, bool(requires_grad), None, None, version_counter.FROM_DATA

    # -- construction used by the ops: no checks, no copies -------------------------------------
    @classmethod
    def _wrap(cls, data, requires_grad=False):
        t = _new(Tensor)
        t._data = data
        t.requires_grad = requires_grad
        t._grad = None
        t.grad_fn = None
        t._version = 0
        return t

    @staticmethod
    def _from_data(x):
        """A constant Tensor for an operand that is not one (list, ndarray, ...), without copying."""
        if isinstance(x, Tensor):
            return x
        a = np.asarray(x)
        if a.dtype == np.float64 and not isinstance(x, np.ndarray):
            a = a.astype(np.float32)              # Python floats become float32, as in PyTorch
        _dtype.from_np(a.dtype)
        return Tensor._wrap(a)

    # -- what it is ------------------------------------------------------------------------------
    @property
    def data(self):
        """The same numbers without the graph (shares memory), as PyTorch's `.data`."""
        return Tensor._wrap(self._data)

    @data.setter
    def data(self, value):
        self._data = value._data if isinstance(value, Tensor) else np.asarray(value)
        # no version bump: nodes saved the old array itself, which this does not change (PyTorch's escape hatch)

    @property
    def shape(self):
        return Size(self._data.shape)

    @property
    def size(self):
        """PyTorch's `t.size()` / `t.size(dim)` (the shape), and NumPy's `a.size` (the number of elements), so
        that code written for either reads a traced array right."""
        n = _Count(self._data.size)
        n._shape = self._data.shape
        return n

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    def numel(self):
        return self._data.size

    nelement = numel

    @property
    def dtype(self):
        return _dtype.from_np(self._data.dtype)

    @property
    def is_leaf(self):
        return self.grad_fn is None

    # -- .grad: a property over the `_grad` slot, which the engine and the optimizers use directly --------
    @property
    def grad(self):
        """The gradient that backward() accumulated here: leaves only, unless retain_grad() was called."""
        g = self._grad
        if g is None and self.grad_fn is not None and self.grad_fn.retained is None:
            warnings.warn(_msg.non_leaf_grad(self), UserWarning, stacklevel=2)
        return g

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got {type(value).__name__}; "
                                f"wrap it with bibun.tensor(...)")
            if value._data.shape != self._data.shape:
                raise RuntimeError(f"assigned grad has data of a different size: the tensor has shape "
                                   f"{tuple(self._data.shape)} and the gradient {tuple(value._data.shape)}; a "
                                   f"gradient always has the shape of its tensor")
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def device(self):
        return _device.CPU

    is_cuda = False

    def get_device(self):
        return -1                          # PyTorch's answer for a CPU tensor

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __repr__(self):
        grad_fn = self.grad_fn.name() if self.grad_fn is not None else None
        return format_tensor(self._data, requires_grad=self.requires_grad and grad_fn is None, grad_fn=grad_fn)

    def __format__(self, spec):
        if self._data.ndim == 0 and spec:
            return format(self._data.item(), spec)
        return object.__format__(self, spec) if spec else repr(self)

    # -- leaving bibun ---------------------------------------------------------------------------
    def _no_grad_check(self, what):
        if self.requires_grad:
            raise RuntimeError(f"Can't call {what} on Tensor that requires grad: it is part of a graph. "
                               f"Use tensor.detach().{what} instead.")

    def numpy(self):
        self._no_grad_check("numpy()")
        if engine.tracer is not None:
            engine.tracer.notify("on_read", self, ".numpy()")
        return self._data

    def __array__(self, dtype=None, copy=None):
        if engine.tracer is not None:
            engine.tracer.notify("on_read", self, "np.asarray()")
        if self.requires_grad:
            raise RuntimeError(_msg.implicit_numpy(self))
        if dtype is not None and np.dtype(dtype) != self._data.dtype:
            return self._data.astype(dtype)
        return self._data.copy() if copy else self._data

    def item(self):
        if engine.tracer is not None:
            engine.tracer.notify("on_read", self, ".item()")
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar: "
                               f"pick one element first (t[0].item()) or reduce it (t.sum().item())")
        return self._data.item()

    def tolist(self):
        if engine.tracer is not None:
            engine.tracer.notify("on_read", self, ".tolist()")
        return self._data.tolist()

    def _scalar_value(self, what):
        if engine.tracer is not None:
            engine.tracer.notify("on_read", self, what)
        if self._data.size != 1:
            raise ValueError(f"only one element tensors can be converted to Python scalars (this one has "
                             f"{self._data.size}); index one element or reduce it first")
        return self._data.item()

    def __float__(self):
        return float(self._scalar_value("float()"))

    def __int__(self):
        return int(self._scalar_value("int()"))

    def __index__(self):
        if self._data.dtype.kind not in "iub":
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self):
        if engine.tracer is not None:
            engine.tracer.notify("on_read", self, "bool()")
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with {self._data.size} values is ambiguous: use "
                               f"(t).any() or (t).all()")
        return bool(self._data.item())

    # -- graph -------------------------------------------------------------------------------------
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        if gradient is None and not create_graph and inputs is None:     # loss.backward(): the short way
            engine.run_backward((self,), (engine._seed(self, None, False),), bool(retain_graph))
        else:
            engine.backward(self, gradient, retain_graph, create_graph, inputs)

    def detach(self):
        t = Tensor._wrap(self._data)
        t._version = version_counter.DETACHED
        return t

    def detach_(self):
        self.grad_fn = None
        self.requires_grad = False
        return self

    def requires_grad_(self, requires_grad=True):
        if requires_grad and self._data.dtype.kind != "f":
            raise RuntimeError(_msg.int_grad(self._data))
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError("you can only change requires_grad flags of leaf variables; use .detach() "
                               "to get a tensor without a graph")
        self.requires_grad = requires_grad
        return self

    def register_hook(self, hook):
        """Call `hook(grad)` whenever the gradient with respect to this tensor is computed; a tensor it
        returns replaces the gradient (for a leaf, before it is added into .grad). Returns a handle whose
        remove() takes the hook off."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient: set "
                               "requires_grad=True on it (or on what it is computed from) first")
        holder = self if self.grad_fn is None else self.grad_fn
        hooks = getattr(holder, "hooks", None)
        if hooks is None:
            hooks = holder.hooks = []
        hooks.append(hook)
        engine.hooks_used()
        return _HookHandle(hooks, hook)

    def retain_grad(self):
        """Keep `.grad` on this non-leaf tensor after backward (leaves keep it anyway)."""
        if self.grad_fn is None:
            if not self.requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        import weakref
        self.grad_fn.retained = weakref.ref(self)

    @property
    def retains_grad(self):
        return self.grad_fn is not None and self.grad_fn.retained is not None

    # -- dtype conversions -------------------------------------------------------------------------
    def to(self, *args, dtype=None, copy=False, device=None, non_blocking=False, memory_format=None):
        _device.check(device)
        for a in args:
            if isinstance(a, (_dtype.dtype, type)) or (isinstance(a, str) and a in _dtype.ALIASES):
                dtype = a
            elif isinstance(a, Tensor):
                dtype = a.dtype
            elif _device.is_device(a):
                _device.check(a, f"tensor.to({a!r})")     # the CPU passes (bibun runs there); accelerators stop
            else:
                raise TypeError(f"to() takes a device ('cpu'), a dtype or a tensor, got {type(a).__name__}")
        if dtype is None:
            return self.clone() if copy else self
        return self.type(dtype) if not copy else self.type(dtype).clone()

    def type(self, dtype=None):
        if dtype is None:
            return f"bibun.{_TYPE_NAMES[_dtype.from_np(self._data.dtype).name]}"
        target = _dtype.to_np(dtype)
        if target == self._data.dtype:
            return self
        if target.kind != "f":              # integers and bools carry no gradient (as in PyTorch)
            return Tensor._wrap(self._data.astype(target))
        return S.to_dtype(self, dtype=target)

    def float(self):
        return self.type(_dtype.float32)

    def double(self):
        return self.type(_dtype.float64)

    def half(self):
        return self.type(_dtype.float16)

    def long(self):
        return self.type(_dtype.int64)

    def int(self):
        return self.type(_dtype.int32)

    def bool(self):
        return self.type(_dtype.bool_)

    def cpu(self, memory_format=None):
        return self

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        raise _device.NoAcceleratorError(_device.accelerator_message("tensor.cuda()"))

    def contiguous(self, memory_format=None):
        return self

    def astype(self, dtype):
        """NumPy's name for a cast (bibun.numpy code calls it on traced arrays)."""
        return self.type(np.dtype(dtype) if not isinstance(dtype, _dtype.dtype) else dtype)

    # -- the arithmetic, reductions and shape methods are bound from the op table (see the end of this file):
    # a method that is exactly an op is the op itself, one call less per operation
    def __pos__(self):
        return self

    def __getitem__(self, key):
        return S.getitem(self, key=_key(key))

    @staticmethod
    def _index(key):
        """An index with its Tensors as arrays (for [...] = in the in-place methods)."""
        return _key(key)

    # -- comparisons: bool tensors, never part of the graph ---------------------------------------------
    def _cmp(self, other, f):
        o = other._data if isinstance(other, Tensor) else other
        r = np.asarray(f(self._data, o))
        if engine.tracer is not None:           # bibun.jit records it as a step of its own
            engine.tracer.notify("on_numpy", f, (self, other), r)
        return Tensor._wrap(r)

    def __eq__(self, other):
        return self._cmp(other, np.equal)

    def __ne__(self, other):
        return self._cmp(other, np.not_equal)

    def __lt__(self, other):
        return self._cmp(other, np.less)

    def __le__(self, other):
        return self._cmp(other, np.less_equal)

    def __gt__(self, other):
        return self._cmp(other, np.greater)

    def __ge__(self, other):
        return self._cmp(other, np.greater_equal)

    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__

    def __and__(self, other):
        return self._cmp(other, np.logical_and if self._data.dtype == bool else np.bitwise_and)

    def __or__(self, other):
        return self._cmp(other, np.logical_or if self._data.dtype == bool else np.bitwise_or)

    def __xor__(self, other):
        return self._cmp(other, np.logical_xor if self._data.dtype == bool else np.bitwise_xor)

    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__

    def __invert__(self):
        return self._cmp(None, _invert)

    def equal(self, other):
        return self.shape == other.shape and bool(np.array_equal(self._data, other._data))

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return bool(np.allclose(self._data, _data_of(other), rtol=rtol, atol=atol, equal_nan=equal_nan))


# what .type() answers, as PyTorch names its CPU tensor types
_TYPE_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor", "int64": "LongTensor",
               "int32": "IntTensor", "int16": "ShortTensor", "int8": "CharTensor", "uint8": "ByteTensor",
               "bool": "BoolTensor"}


class _HookHandle:
    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def _invert(a, _):
    return ~a


def _data_of(x):
    return x._data if isinstance(x, Tensor) else np.asarray(x)


# the binding step: the engine and the op table, below this layer, learn the class they build results with
_registry.bind_tensor_type(Tensor)
engine.bind(tensor=Tensor)


def _infer(data, dtype=None):
    """A fresh array for `data`, converted straight to `dtype` when one is given (never through float32:
    tensor(0.1, dtype=float64) is exactly 0.1)."""
    if isinstance(data, Tensor):
        return data._data.copy()
    if isinstance(data, np.ndarray):
        return data.copy()
    if isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in data):
        data = [x._data if isinstance(x, Tensor) else x for x in data]
    a = np.array(data)
    if dtype is not None and a.dtype.kind in "fiub":
        return np.array(data, dtype=dtype)
    if a.dtype == np.float64 and not isinstance(data, np.generic):
        a = a.astype(np.float32)
    elif a.dtype.kind in "iu" and not isinstance(data, np.generic):
        a = a.astype(np.int64)
    elif a.dtype.kind not in "fiub":
        raise TypeError(f"could not make a tensor from {type(data).__name__} of {a.dtype}: give numbers, "
                        f"nested lists of numbers, or a NumPy array")
    return a




def _bind_methods():
    """The methods every op (and every surface entry) declares, bound as declared: one loop, so that a new op
    adds no line here. A method that is exactly an op is the op's own function (no extra call)."""
    for name, impl, _ in _registry.bindings("method"):
        if getattr(impl, "__name__", None) == "<lambda>":
            impl.__name__ = impl.__qualname__ = name
        setattr(Tensor, name, impl)


_bind_methods()
