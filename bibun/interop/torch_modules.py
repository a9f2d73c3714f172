"""bibun modules to PyTorch modules and back: same structure, same names, same weights (copied exactly).

The layers with a PyTorch twin (layer_table.py: Linear, the activations, convolution, pooling, the norms,
Embedding, Dropout, Flatten, the containers) become that twin, built with the same arguments, holding the
same parameters and buffers (their state_dict keys are PyTorch's on both sides), in the same train/eval mode.
A user's own subclass of bibun.nn.Module becomes a torch.nn.Module of the same class name whose sub-modules
are translated the same way and whose forward replays, with torch functions, the ops its bibun forward ran on
`example_input` (recorded once, _graph.py); from_torch turns that module back into bibun, replaying the same
ops with bibun's. An op with no translation is refused naming the op and the class.
"""
import collections

import numpy as np

from .. import nn
from .._tensor import Tensor
from ._graph import batch_free_shape, record
from .layer_table import ARGS, constructor_args, translated_names
from .ops_torch import torch_ops

def import_torch():
    try:
        import torch
    except ImportError:
        raise ImportError("this needs PyTorch, which is not installed: pip install torch "
                          "(or pip install 'bibun[interop]')") from None
    return torch


def _torch_dtype(torch, np_dtype):
    return getattr(torch, np.dtype(np_dtype).name if np.dtype(np_dtype) != np.bool_ else "bool")


def _tensor_to_torch(torch, a):
    return torch.from_numpy(np.array(a, copy=True))


# ---- bibun -> torch ---------------------------------------------------------------------------------------

def to_torch(module, example_input=None):
    """A torch.nn.Module with `module`'s structure and weights. A user subclass of bibun.nn.Module needs
    `example_input` (a tensor or a tuple of them) to record its forward once."""
    torch = import_torch()
    if not isinstance(module, nn.Module):
        raise TypeError(f"to_torch expects a bibun.nn.Module, got {type(module).__name__}")
    return _to_torch(torch, module, example_input, type(module).__name__)


def _is_layer(m, namespace):
    """Whether m is exactly one of the shared layers (not a subclass with its own forward)."""
    name = type(m).__name__
    return name in ARGS and type(m) is getattr(namespace, name, None)


def _float_dtype(tensors):
    return next((a.dtype for a in tensors if a.dtype.kind == "f"), None)


def _to_torch(torch, m, example_input, path):
    tnn = torch.nn
    kind = type(m)
    if _is_layer(m, nn):
        state = {k: v._data for k, v in m.state_dict().items()}
        kw = constructor_args(m)
        dt = _float_dtype(state.values())
        t = getattr(tnn, kind.__name__)(**kw, **({"dtype": _torch_dtype(torch, dt)} if dt is not None else {}))
        t.load_state_dict({k: _tensor_to_torch(torch, a) for k, a in state.items()}, strict=True)
        for name, p in m.named_parameters():
            t.get_parameter(name).requires_grad_(p.requires_grad)
    elif kind is nn.Sequential:
        t = tnn.Sequential()
        for name, child in m._modules.items():
            t.add_module(name, _to_torch(torch, child, None, f"{path}[{name}]"))
    elif kind is nn.ModuleList:
        t = tnn.ModuleList([_to_torch(torch, c, None, f"{path}[{i}]") for i, c in enumerate(m)])
    elif kind is nn.ModuleDict:
        t = tnn.ModuleDict({k: _to_torch(torch, c, None, f"{path}[{k!r}]") for k, c in m.items()})
    elif type(m).forward is nn.Module.forward or kind.__module__.startswith("bibun."):
        raise TypeError(f"to_torch: {path} is a {kind.__name__}, which has no PyTorch translation (translated: "
                        f"{translated_names()}, and your own Modules built from them)")
    else:
        t = _user_module(torch, m, example_input, path)
    t.training = m.training         # this module's own mode: a container may hold layers in the other one
    return t


def _as_inputs(example_input, path, kind):
    if example_input is None:
        raise TypeError(f"to_torch: {path} is your own Module subclass ({kind}); its forward is translated by "
                        f"running it once, so pass an example input: to_torch(model, example_input=x)")
    xs = example_input if isinstance(example_input, (tuple, list)) else (example_input,)
    return tuple(x if isinstance(x, Tensor) else Tensor._wrap(np.asarray(x)) for x in xs)


def _user_module(torch, m, example_input, path):
    graph = record(m, _as_inputs(example_input, path, type(m).__name__), calls=lambda sub: sub is not m)
    ops = torch_ops(torch)
    for s in graph.steps:
        if s.op != "call" and s.op not in ops and s.op != "reshape":
            raise TypeError(f"to_torch: {type(m).__name__}.forward uses the op {s.op!r}, which bibun.interop "
                            f"does not translate to PyTorch; write that part with the supported ops "
                            f"({', '.join(sorted(ops))}, reshape) or move it into a layer")
    children = {name: _to_torch(torch, c, None, f"{path}.{name}") for name, c in m._modules.items() if c is not None}
    params = {name: p._data for name, p in m._parameters.items() if p is not None}
    buffers = {name: b._data for name, b in m._buffers.items() if b is not None}
    cls = type(type(m).__name__, (traced_class(torch),), {"__module__": type(m).__module__})
    return cls(graph, children, params, buffers)


_TRACED = {}


def traced_class(torch):
    """torch.nn.Module that replays a recorded bibun graph (made once, PyTorch being imported lazily)."""
    if "cls" in _TRACED:
        return _TRACED["cls"]

    class Traced(torch.nn.Module):
        def __init__(self, graph, children, params, buffers):
            super().__init__()
            self.graph = graph
            for name, c in children.items():
                self.add_module(name, c)
            for name, a in params.items():
                self.register_parameter(name, torch.nn.Parameter(_tensor_to_torch(torch, a)))
            for name, a in buffers.items():
                self.register_buffer(name, _tensor_to_torch(torch, a))
            self._consts = {}
            for j, s in enumerate(graph.steps):
                for k, a in enumerate(s.args):
                    if a.kind == "const" and isinstance(a.value, np.ndarray):
                        self.register_buffer(f"_const_{j}_{k}", _tensor_to_torch(torch, a.value), persistent=False)
            self._ops = torch_ops(torch)

        def _value(self, r, vals, inputs, j, k):
            if r.kind == "step":
                return vals[r.value]
            if r.kind == "input":
                return inputs[r.value]
            if r.kind == "param":
                try:
                    return self.get_parameter(r.value)
                except AttributeError:
                    return self.get_buffer(r.value)
            if isinstance(r.value, np.ndarray):
                return getattr(self, f"_const_{j}_{k}")
            return r.value

        def forward(self, *inputs):
            vals = []
            for j, s in enumerate(self.graph.steps):
                args = [self._value(a, vals, inputs, j, k) for k, a in enumerate(s.args)]
                if s.op == "call":
                    vals.append(self.get_submodule(s.path)(*args))
                elif s.op == "reshape":
                    rest = batch_free_shape(s)
                    shape = (args[0].shape[0], *rest) if rest is not None else s.params["shape"]
                    vals.append(args[0].reshape(shape))
                else:
                    vals.append(self._ops[s.op](*args, **s.params))
            outs = [self._value(r, vals, inputs, -1, -1) for r in self.graph.outputs]
            return outs[0] if self.graph.single else tuple(outs)

    _TRACED["cls"] = Traced
    return Traced


# ---- torch -> bibun ---------------------------------------------------------------------------------------

def from_torch(torch_module):
    """A bibun module with `torch_module`'s structure and weights (the layers to_torch makes, and the modules
    to_torch made from your own bibun Modules)."""
    torch = import_torch()
    if not isinstance(torch_module, torch.nn.Module):
        raise TypeError(f"from_torch expects a torch.nn.Module, got {type(torch_module).__name__}")
    return _from_torch(torch, torch_module, type(torch_module).__name__)


def _array(t):
    return np.array(t.detach().cpu().numpy(), copy=True)


def _from_torch(torch, t, path):
    tnn = torch.nn
    kind = type(t)
    if _is_layer(t, tnn):
        state = {k: _array(v) for k, v in t.state_dict().items()}
        dt = _float_dtype(state.values())
        m = getattr(nn, kind.__name__)(**constructor_args(t), **({"dtype": _bibun_dtype(dt)} if dt is not None else {}))
        own = m.state_dict(keep_vars=True)
        if set(own) != set(state):
            raise TypeError(f"from_torch: {path} ({kind.__name__}) holds {sorted(state)}, but bibun's layer built "
                            f"with the same arguments holds {sorted(own)}; rebuild it in bibun and copy its state_dict")
        for k, v in own.items():
            v._data = state[k]
        for name, p in t.named_parameters():
            dict(m.named_parameters())[name].requires_grad_(p.requires_grad)
    elif kind is tnn.Sequential:
        m = nn.Sequential(collections.OrderedDict(
            (n, _from_torch(torch, c, f"{path}[{n}]")) for n, c in t.named_children()))
    elif kind is tnn.ModuleList:
        m = nn.ModuleList([_from_torch(torch, c, f"{path}[{i}]") for i, c in enumerate(t)])
    elif kind is tnn.ModuleDict:
        m = nn.ModuleDict({k: _from_torch(torch, c, f"{path}[{k!r}]") for k, c in t.items()})
    elif isinstance(t, traced_class(torch)):
        m = _replayed(torch, t, path)
    else:
        raise TypeError(f"from_torch: {path} is a {kind.__name__}, which bibun has no layer for (translated: "
                        f"{translated_names()}, and modules made by to_torch); rebuild it in bibun and copy its "
                        f"state_dict")
    m.training = t.training
    return m


def _bibun_dtype(np_dtype):
    from .. import _dtype
    return _dtype._BY_NP[np.dtype(np_dtype)]


class Replayed(nn.Module):
    """A bibun module whose forward replays a recorded graph with bibun's ops (made by from_torch)."""

    def __init__(self, graph):
        super().__init__()
        self.graph = graph

    def _value(self, r, vals, inputs):
        if r.kind == "step":
            return vals[r.value]
        if r.kind == "input":
            return inputs[r.value]
        if r.kind == "param":
            obj = self
            for part in r.value.split("."):
                obj = obj[int(part)] if isinstance(obj, (nn.Sequential, nn.ModuleList)) else getattr(obj, part)
            return obj
        return Tensor._wrap(r.value) if isinstance(r.value, np.ndarray) else r.value

    def forward(self, *inputs):
        from ..ops import OPS, apply
        vals = []
        for s in self.graph.steps:
            args = [self._value(a, vals, inputs) for a in s.args]
            if s.op == "call":
                sub = self
                for part in s.path.split("."):
                    sub = sub[int(part)] if isinstance(sub, (nn.Sequential, nn.ModuleList)) else getattr(sub, part)
                vals.append(sub(*args))
                continue
            params = s.params
            if s.op == "reshape":
                rest = batch_free_shape(s)
                if rest is not None:
                    params = {"shape": (args[0].shape[0], *rest)}
            op = OPS[s.op]
            if op.traced is not None:
                vals.append(op.traced(*args, **params))
            else:
                datas = tuple(x._data if isinstance(x, Tensor) else x for x in args)
                vals.append(apply(op, tuple(args), datas, params or None))
        outs = [self._value(r, vals, inputs) for r in self.graph.outputs]
        return outs[0] if self.graph.single else tuple(outs)


def _replayed(torch, t, path):
    cls = type(type(t).__name__, (Replayed,), {"__module__": type(t).__module__})
    m = cls(t.graph)
    for name, c in t.named_children():
        setattr(m, name, _from_torch(torch, c, f"{path}.{name}"))
    for name, p in t.named_parameters(recurse=False):
        setattr(m, name, nn.Parameter(Tensor._wrap(_array(p))))
    for name, b in t.named_buffers(recurse=False):
        if not name.startswith("_const_"):
            m.register_buffer(name, Tensor._wrap(_array(b)))
    return m
