"""Module: parameters and sub-modules registered by attribute assignment, as in PyTorch.

A parameter lives both in `_parameters` (for named_parameters / state_dict, in insertion order) and
in the instance's `__dict__`, so that `self.weight` in a forward pass is a plain attribute lookup.
"""
import collections
import types
import collections.abc

import numpy as np

from .. import _device
from .._tensor import Tensor
from ..autograd.engine import zero_grads
from .parameter import Parameter
from ..autograd.grad_mode import no_grad


def _bound_forward(fwd):
    """forward itself, marked as being its class's __call__ (so a subclass or an instance can tell)."""
    fwd._is_forward = True
    return fwd


_PLAIN = {}
# bumped whenever a module gains, loses or replaces a parameter or submodule, or switches train/eval: bibun.jit
# compares it to the count its trace saw and traces again when they differ (one integer read per call)
changes = 0


def _plain_call(cls):
    """A subclass of `cls` whose __call__ looks up forward on the instance (as PyTorch's does)."""
    sub = _PLAIN.get(cls)
    if sub is None:
        sub = _PLAIN[cls] = type(cls.__name__, (cls,), {"__call__": Module.__call__, "__module__": cls.__module__,
                                                        "__qualname__": cls.__qualname__})
    return sub


class Module:
    training = True

    def __init_subclass__(cls, **kw):
        # calling a module is calling its forward: bind it directly, one Python frame less per layer, where
        # that is exactly the same (no class between this one and Module defines its own __call__)
        super().__init_subclass__(**kw)
        own_call = next((k for k in cls.__mro__ if "__call__" in k.__dict__), Module)
        fwd = cls.__dict__.get("forward")
        if isinstance(fwd, types.FunctionType) and (own_call is Module or getattr(own_call.__call__, "_is_forward",
                                                                                    False)):
            cls.__call__ = _bound_forward(fwd)

    def __init__(self, *args, **kwargs):
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "training", True)

    # -- registration ------------------------------------------------------------------------------
    def __setattr__(self, name, value):
        if name == "forward" and getattr(type(self).__call__, "_is_forward", False):
            # m.forward = f on one instance: calls must go through it, so this instance leaves the fast path
            object.__setattr__(self, "__class__", _plain_call(type(self)))
        params = self.__dict__.get("_parameters")
        if isinstance(value, (Parameter, Module)) and params is None:
            kind = "parameters" if isinstance(value, Parameter) else "submodules"
            raise AttributeError(f"cannot assign {kind} before Module.__init__() call: call "
                                 f"super().__init__() first in {type(self).__name__}.__init__")
        if params is not None:
            if isinstance(value, (Parameter, Module)) or name in params or name in self._modules:
                global changes
                changes += 1
            for d in (self._parameters, self._modules, self._buffers):
                d.pop(name, None)
            if isinstance(value, Parameter):
                params[name] = value
            elif isinstance(value, Module):
                self._modules[name] = value
            elif name in self.__dict__.get("_buffer_names", ()):
                self._buffers[name] = value
            elif isinstance(value, (list, tuple)) and value and all(isinstance(v, Module) for v in value):
                _warn_plain_list(self, name)
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        global changes
        changes += 1
        for d in (self._parameters, self._modules, self._buffers):
            d.pop(name, None)
        object.__delattr__(self, name)

    def register_parameter(self, name, param):
        if param is None:
            self._parameters[name] = None
            object.__setattr__(self, name, None)
        else:
            setattr(self, name, param)

    def register_buffer(self, name, tensor, persistent=True):
        self.__dict__.setdefault("_buffer_names", set()).add(name)
        self._buffers[name] = tensor
        object.__setattr__(self, name, tensor)

    def add_module(self, name, module):
        setattr(self, name, module)

    register_module = add_module

    # -- calling -----------------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no forward(): define forward(self, x) in the class")

    # -- walking -----------------------------------------------------------------------------------
    def named_modules(self, memo=None, prefix=""):
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, m in self._modules.items():
            if m is not None:
                yield from m.named_modules(memo, f"{prefix}.{name}" if prefix else name)

    def modules(self):
        return (m for _, m in self.named_modules())

    def named_children(self):
        return ((n, m) for n, m in self._modules.items() if m is not None)

    def children(self):
        return (m for _, m in self.named_children())

    def named_parameters(self, prefix="", recurse=True):
        seen = set()
        mods = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for mp, m in mods:
            for n, p in m._parameters.items():
                if p is None or id(p) in seen:
                    continue
                seen.add(id(p))
                yield (f"{mp}.{n}" if mp else n), p

    def parameters(self, recurse=True):
        params = [p for _, p in self.named_parameters(recurse=recurse)]
        hidden = _plain_lists(self) if recurse else []
        if hidden:
            import warnings
            warnings.warn(_plain_list_message(self, hidden, len(params)), UserWarning, stacklevel=2)
        if not params:
            return _NoParameters(self)
        return iter(params)

    def named_buffers(self, prefix=""):
        for mp, m in self.named_modules(prefix=prefix):
            for n, b in m._buffers.items():
                if b is not None:
                    yield (f"{mp}.{n}" if mp else n), b

    def buffers(self):
        return (b for _, b in self.named_buffers())

    # -- modes ---------------------------------------------------------------------------------------
    def train(self, mode=True):
        global changes
        changes += 1
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        zero_grads((p for _, p in self.named_parameters()), set_to_none)

    def apply(self, fn):
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    def to(self, *args, device=None, dtype=None, non_blocking=False):
        _device.check(device)
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif _device.is_device(a):
                _device.check(a, f"model.to({a!r})")     # the CPU passes (bibun runs there); accelerators stop
            else:
                dtype = a
        if dtype is not None:
            # as PyTorch: floating-point parameters, their gradients and floating-point buffers change dtype;
            # integer buffers (counts, indices) keep theirs
            with no_grad():
                for t in list(self.parameters()) + list(self.buffers()):
                    if t._data.dtype.kind == "f":
                        t._data = t._data.astype(t.type(dtype)._data.dtype)
                        if t._grad is not None:
                            t._grad._data = t._grad._data.astype(t._data.dtype)
        return self

    def double(self):
        from .._dtype import float64
        return self.to(float64)

    def float(self):
        from .._dtype import float32
        return self.to(float32)

    def cpu(self):
        return self

    def cuda(self, device=None):
        raise _device.NoAcceleratorError(_device.accelerator_message("model.cuda()"))

    def _why_no_parameters(self):
        """Why this model has no parameters, for the optimizer's error (which cannot import nn)."""
        return _no_parameters_reason(self)

    # -- state ---------------------------------------------------------------------------------------
    def state_dict(self, destination=None, prefix="", keep_vars=False):
        out = collections.OrderedDict() if destination is None else destination
        for mp, m in self.named_modules(prefix=prefix.rstrip(".")):
            for n, t in list(m._parameters.items()) + list(m._buffers.items()):
                if t is not None:
                    out[f"{mp}.{n}" if mp else n] = t if keep_vars else t.detach()
        return out

    def load_state_dict(self, state_dict, strict=True, assign=False):
        if not isinstance(state_dict, collections.abc.Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict).__name__}: pass the dict "
                            f"itself, e.g. model.load_state_dict(bibun.load(path)), where the file was written by "
                            f"bibun.save(model.state_dict(), path)")
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        mismatched = []
        for k, t in own.items():
            if k in state_dict:
                src = state_dict[k]
                if not (isinstance(src, Tensor) or (isinstance(src, np.ndarray) and src.dtype.kind in "fiub")):
                    mismatched.append(f"wrong value for {k}: the checkpoint holds {type(src).__name__}"
                                      f"{' of ' + str(src.dtype) if isinstance(src, np.ndarray) else ''}, not a "
                                      f"tensor of numbers; the model's is a tensor of shape {list(t.shape)}.")
                    continue
                shape = tuple(src.shape)
                if shape != tuple(t.shape):
                    mismatched.append(f"size mismatch for {k}: copying a param with shape {list(shape)} from "
                                      f"checkpoint, the shape in current model is {list(t.shape)}.")
        errors = list(mismatched)
        if strict:
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ".")
            if unexpected:
                errors.insert(len(errors) - len(mismatched),
                              "Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ".")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(errors)
                               + "\n\t" + _state_dict_hint(missing, unexpected, mismatched))
        with no_grad():
            for k, t in own.items():
                if k in state_dict:
                    src = state_dict[k]
                    t.copy_(src if isinstance(src, Tensor) else Tensor._wrap(np.asarray(src)))
        return _IncompatibleKeys(missing, unexpected)

    # -- printing ------------------------------------------------------------------------------------
    def extra_repr(self):
        return ""

    def _get_name(self):
        return type(self).__name__

    def __repr__(self):
        lines = [line for line in self.extra_repr().split("\n") if line]
        for name, m in self._modules.items():
            body = repr(m).replace("\n", "\n  ")
            lines.append(f"({name}): {body}")
        if not self._modules:
            return f"{self._get_name()}({self.extra_repr()})"
        return f"{self._get_name()}(\n  " + "\n  ".join(lines) + "\n)"

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._modules))


def _state_dict_hint(missing, unexpected, mismatched):
    """The likely cause of a state_dict that does not fit, and what to do."""
    for a, b in ((unexpected, missing), (missing, unexpected)):
        if a and b and len(a) == len(b):
            pre = a[0][:len(a[0]) - len(next((m for m in b if a[0].endswith(m)), a[0]))] \
                if any(a[0].endswith(m) for m in b) else ""
            if pre and all(k.startswith(pre) and k[len(pre):] in b for k in a):
                if a is unexpected:
                    return (f"Every key of the checkpoint starts with '{pre}' (saved from a wrapped model, e.g. "
                            f"DataParallel): strip it, model.load_state_dict({{k.removeprefix('{pre}'): v for k, "
                            f"v in state.items()}}).")
                return (f"The model's keys start with '{pre}' and the checkpoint's do not: load into the inner "
                        f"model, or add the prefix, {{'{pre}' + k: v for k, v in state.items()}}.")
    return ("Check that the model is built with the same layers and sizes as the one that was saved (the "
            "class and its arguments); pass strict=False to load only the matching entries, but then the "
            "missing ones keep their random initial values.")


_IncompatibleKeys = collections.namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


def _warn_plain_list(module, name):
    lists = module.__dict__.setdefault("_plain_lists", [])
    if name not in lists:
        lists.append(name)


def _plain_lists(module):
    """`owner.attr` for every attribute of `module` or its sub-modules that is a plain list or tuple of
    layers holding parameters (invisible to parameters(), state_dict(), train())."""
    out = []
    for prefix, m in module.named_modules():
        for name in m.__dict__.get("_plain_lists", ()):
            value = m.__dict__.get(name)
            if isinstance(value, (list, tuple)) and any(
                    isinstance(v, Module) and next(v.named_parameters(), None) is not None for v in value):
                out.append(f"{prefix}.{name}" if prefix else f"self.{name}")
    return out


def _plain_list_message(module, hidden, n_params):
    names = ", ".join(hidden)
    cls = type(module).__name__
    head = f"{cls} has no registered parameters" if not n_params else \
        f"{cls} registers only {n_params} parameter tensors"
    return (f"{head}: layers sit in a plain Python list ({names}), which Module does not look inside, so "
            f"an optimizer would never train them. Fix: wrap the list in nn.ModuleList([...]) (or "
            f"nn.Sequential(...)). Collecting their parameters by hand for the optimizer is not enough: "
            f"state_dict(), train()/eval() and .to() would still miss those layers.")


def _no_parameters_reason(module):
    """Why `module` has no parameters, for the optimizer's error."""
    cls = type(module)
    name = cls.__name__
    hidden = _plain_lists(module)
    if hidden:
        return (f"{name} has 0 registered parameters: its layers sit in a plain Python list ({', '.join(hidden)}), "
                f"which Module does not look inside. Fix: wrap it in nn.ModuleList([...]) or nn.Sequential(...) "
                f"(or assign each layer to self). Collecting the list's parameters by hand would train them, but "
                f"state_dict(), train()/eval() and .to() would still miss those layers.")
    for typo in ("_init_", "__init", "_init__", "__init_", "__int__", "init"):
        if typo in cls.__dict__ and "__init__" not in cls.__dict__:
            return (f"{name} has 0 registered parameters: the class defines `{typo}`, not `__init__`, so Python "
                    f"never ran it and the layers were never created. Fix: rename it to `def __init__(self, ...)` "
                    f"(two underscores on each side), calling super().__init__() first.")
    return (f"{name} has 0 registered parameters: layers must be assigned to attributes of self in __init__ "
            f"(self.fc1 = nn.Linear(...)); layers kept in local variables, or created inside forward(), are "
            f"not registered (and the ones made in forward() would start from new random weights each call).")


class _NoParameters:
    """What parameters() returns for a module with none: an empty iterator that knows whose it is, so the
    optimizer's error can say why."""
    __slots__ = ("module",)

    def __init__(self, module):
        self.module = module

    def __iter__(self):
        return self

    def __next__(self):
        raise StopIteration


class Sequential(Module):
    """Modules applied one after the other; indexable, `len`, `append`."""

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], collections.OrderedDict):
            for name, m in modules[0].items():
                setattr(self, name, m)
        else:
            for i, m in enumerate(modules):
                setattr(self, str(i), m)

    def forward(self, x):
        try:
            for m in self._modules.values():
                x = m(x)
        except _NAMED as e:                     # costs nothing unless a layer fails: say which one
            _name_the_layer(self, m, e)
            raise
        return x

    def __getitem__(self, i):
        mods = list(self._modules.values())
        if isinstance(i, slice):
            return Sequential(*mods[i])
        return mods[i]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        setattr(self, str(len(self._modules)), module)
        return self


_NAMED = (RuntimeError, ValueError, TypeError, IndexError)


def _name_the_layer(seq, layer, e):
    """Prefix the failing layer's place, `layer (2) of Sequential`, to the message of exception `e`
    (same exception object and type, so code that catches it keeps working)."""
    if type(e).__str__ is not BaseException.__str__ or len(e.args) != 1 or not isinstance(e.args[0], str):
        return
    key = next((k for k, v in seq._modules.items() if v is layer), "?")
    where = f"layer ({key}) of {seq._get_name()}"
    msg = e.args[0]
    inner = getattr(e, "_bibun_layer", None)
    if inner is not None and msg.startswith(inner):         # a Sequential inside a Sequential
        rest = msg[len(inner):]
        where = f"{where}, {inner}"
    else:
        rest = ": " + msg
        short = _short(layer)
        if short not in msg:                                  # the layer's own message may print it already
            where = f"{where} ({short})"
    e.args = (where + rest,)
    e._bibun_layer = where


def _short(layer):
    text = repr(layer)
    return text if "\n" not in text else layer._get_name()


class ModuleList(Module):
    """A list of modules whose parameters the parent module sees."""

    def __init__(self, modules=None):
        super().__init__()
        for m in modules or ():
            self.append(m)

    def append(self, module):
        setattr(self, str(len(self._modules)), module)
        return self

    def extend(self, modules):
        for m in modules:
            self.append(m)
        return self

    def __getitem__(self, i):
        mods = list(self._modules.values())
        return ModuleList(mods[i]) if isinstance(i, slice) else mods[i]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())
