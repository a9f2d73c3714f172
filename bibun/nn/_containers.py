"""Containers PyTorch code builds models with beyond Sequential and ModuleList: ModuleDict, ParameterList,
ParameterDict; and Unflatten, the inverse of Flatten. What they hold is registered under the names
state_dict uses (`heads.cls.weight`, `scales.0`), as in PyTorch."""
import collections.abc

from .module import Module
from .parameter import Parameter


class ModuleDict(Module):
    """Modules by name, in insertion order; the parent sees their parameters."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        if not isinstance(module, Module):
            raise TypeError(f"ModuleDict holds modules, got {type(module).__name__} for key {key!r}")
        setattr(self, str(key), module)

    def __delitem__(self, key):
        delattr(self, key)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def items(self):
        return self._modules.items()

    def values(self):
        return self._modules.values()

    def pop(self, key):
        m = self._modules[key]
        del self[key]
        return m

    def clear(self):
        for k in list(self._modules):
            del self[k]

    def update(self, modules):
        items = modules.items() if isinstance(modules, collections.abc.Mapping) else modules
        for k, m in items:
            self[k] = m

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleDict has no forward(): call its modules, e.g. self.heads['name'](x)")


def _as_parameter(value):
    return value if isinstance(value, Parameter) or value is None else Parameter(value)


class ParameterList(Module):
    """Parameters in a list, registered as `0`, `1`, ...: tensors put in become Parameters."""

    def __init__(self, values=None):
        super().__init__()
        for v in values or ():
            self.append(v)

    def __getitem__(self, i):
        values = list(self._parameters.values())
        return values[i]

    def __setitem__(self, i, value):
        n = len(self)
        i = i + n if i < 0 else i
        if not 0 <= i < n:
            raise IndexError(f"index {i} is out of range for a ParameterList of {n}")
        setattr(self, str(i), _as_parameter(value))

    def __len__(self):
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters.values())

    def append(self, value):
        setattr(self, str(len(self)), _as_parameter(value))
        return self

    def extend(self, values):
        for v in values:
            self.append(v)
        return self

    def extra_repr(self):
        return "\n".join(f"({i}): Parameter containing: [{p.dtype} of size {'x'.join(map(str, p.shape))}]"
                         for i, p in enumerate(self))


class ParameterDict(Module):
    """Parameters by name, in insertion order: tensors put in become Parameters."""

    def __init__(self, parameters=None):
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key):
        return self._parameters[key]

    def __setitem__(self, key, value):
        setattr(self, str(key), _as_parameter(value))

    def __delitem__(self, key):
        delattr(self, key)

    def __len__(self):
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters)

    def __contains__(self, key):
        return key in self._parameters

    def keys(self):
        return self._parameters.keys()

    def items(self):
        return self._parameters.items()

    def values(self):
        return self._parameters.values()

    def pop(self, key):
        p = self._parameters[key]
        del self[key]
        return p

    def update(self, parameters):
        items = parameters.items() if isinstance(parameters, collections.abc.Mapping) else parameters
        for k, v in items:
            self[k] = v

    def extra_repr(self):
        return "\n".join(f"({k}): Parameter containing: [{p.dtype} of size {'x'.join(map(str, p.shape))}]"
                         for k, p in self.items())


class Unflatten(Module):
    """Split dimension `dim` into `unflattened_size` (one entry may be -1)."""

    def __init__(self, dim, unflattened_size):
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, input):
        d = self.dim % input.ndim if input.ndim else 0
        shape = tuple(input.shape)
        sizes = self.unflattened_size
        known = 1
        for s in sizes:
            known *= s if s != -1 else 1
        if (-1 not in sizes and known != shape[d]) or (-1 in sizes and shape[d] % known):
            raise RuntimeError(f"Unflatten: dimension {self.dim} of the input (shape {shape}) has size {shape[d]}, "
                               f"which cannot be split into {sizes}: the sizes' product must be {shape[d]}")
        return input.reshape(shape[:d] + sizes + shape[d + 1:])

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
