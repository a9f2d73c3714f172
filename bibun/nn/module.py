"""Module: parameters and sub-modules registered by attribute assignment, as in PyTorch.

A parameter lives both in `_parameters` (for named_parameters / state_dict, in insertion order) and
in the instance's `__dict__`, so that `self.weight` in a forward pass is a plain attribute lookup.
"""
import collections

import numpy as np

from .._tensor import Parameter, Tensor
from ..autograd.grad_mode import no_grad


class Module:
    training = True

    def __init_subclass__(cls, **kw):
        # calling a module is calling its forward: bind it directly, one Python frame less per layer
        super().__init_subclass__(**kw)
        if "forward" in cls.__dict__ and "__call__" not in cls.__dict__:
            cls.__call__ = cls.__dict__["forward"]

    def __init__(self, *args, **kwargs):
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "training", True)

    # -- registration ------------------------------------------------------------------------------
    def __setattr__(self, name, value):
        params = self.__dict__.get("_parameters")
        if isinstance(value, (Parameter, Module)) and params is None:
            kind = "parameters" if isinstance(value, Parameter) else "submodules"
            raise AttributeError(f"cannot assign {kind} before Module.__init__() call: call "
                                 f"super().__init__() first in {type(self).__name__}.__init__")
        if params is not None:
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
        if not params and self.__dict__.get("_plain_lists"):
            import warnings
            warnings.warn(_plain_list_message(self), stacklevel=2)
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
        for p in self.parameters():
            if p.grad is not None:
                if set_to_none:
                    p.grad = None
                else:
                    p.grad._data[...] = 0

    def apply(self, fn):
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    def to(self, *args, **kwargs):
        dtype = kwargs.get("dtype") or next((a for a in args if not isinstance(a, str)), None)
        if dtype is not None:
            with no_grad():
                for p in self.parameters():
                    p._data = p._data.astype(p.type(dtype)._data.dtype)
        return self

    def double(self):
        from .. import float64
        return self.to(float64)

    def float(self):
        from .. import float32
        return self.to(float32)

    def cpu(self):
        return self

    # -- state ---------------------------------------------------------------------------------------
    def state_dict(self, destination=None, prefix="", keep_vars=False):
        out = collections.OrderedDict() if destination is None else destination
        for mp, m in self.named_modules(prefix=prefix.rstrip(".")):
            for n, t in list(m._parameters.items()) + list(m._buffers.items()):
                if t is not None:
                    out[f"{mp}.{n}" if mp else n] = t if keep_vars else t.detach()
        return out

    def load_state_dict(self, state_dict, strict=True, assign=False):
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        mismatched = []
        for k, t in own.items():
            if k in state_dict:
                src = state_dict[k]
                shape = tuple(src.shape) if hasattr(src, "shape") else np.shape(src)
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
                               + "\n\tCheck that the model is built with the same layers and sizes as the one "
                               "that was saved (pass strict=False to load only the matching entries).")
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


_IncompatibleKeys = collections.namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


def _warn_plain_list(module, name):
    module.__dict__.setdefault("_plain_lists", []).append(name)


def _plain_list_message(module):
    names = ", ".join(f"self.{n}" for n in module.__dict__["_plain_lists"])
    return (f"{type(module).__name__} has no parameters: its layers sit in a plain Python list ({names}), which "
            f"Module does not look inside, so an optimizer would train nothing. Fix: wrap the list in "
            f"nn.ModuleList([...]) (or nn.Sequential(...)).")


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
        for m in self._modules.values():
            x = m(x)
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
