"""Optimizer: parameter groups, per-parameter state keyed by the parameter itself, zero_grad, state_dict.

Updates run on the arrays directly: no graph is recorded and nothing is allocated per step beyond
NumPy's temporaries.
"""
import copy

import numpy as np

from .._tensor import Tensor
from ..autograd.engine import zero_grads
from ..autograd import engine, version_counter

_STEPPED = version_counter.STEPPED


class Optimizer:
    def __init__(self, params, defaults):
        self.defaults = defaults
        self.state = {}
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            "but got a Tensor: pass model.parameters() or [tensor]")
        owner = getattr(params, "module", None)        # model.parameters() says whose parameters they are
        groups = list(params)
        if not groups:
            raise ValueError(_empty_message(owner))
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for g in groups:
            self.add_param_group(g)

    def add_param_group(self, group):
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, got {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor: optimize the tensors you created with "
                                 "requires_grad=True (or the model's parameters), not results computed from them")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        g = dict(self.defaults)
        g.update(group)
        g["params"] = params
        self.param_groups.append(g)
        self._count = sum(len(g["params"]) for g in self.param_groups)

    def zero_grad(self, set_to_none=True):
        zero_grads((p for g in self.param_groups for p in g["params"]), set_to_none)

    def step(self, closure=None):
        loss = None
        if closure is not None:
            from ..autograd.grad_mode import enable_grad
            with enable_grad():
                loss = closure()
        if engine.tracer is not None:               # bibun.jit replays the update itself, reading the live groups
            engine.tracer.notify("on_effect", self._apply_step, ())
        self._apply_step()
        return loss

    def _apply_step(self):
        """The update of every parameter that has a gradient, from the groups' present hyper-parameters."""
        skipped = 0
        for group in self.param_groups:
            ready = []
            for p in group["params"]:
                gt = p._grad
                if gt is None:
                    skipped += 1
                    continue
                gt._version = _STEPPED      # used by a step: backward adding onto it means no zero_grad()
                ready.append((p, gt._data))
            self._update_group(group, ready)
            for p, _ in ready:
                p._version = version_counter.tick()
        if skipped and not self._warned:
            self._warn_no_grad(skipped)

    def _update_group(self, group, ready):
        """Update in place each parameter of `group` in `ready`, a list of (parameter, gradient array)."""
        raise NotImplementedError

    _warned = False

    def _warn_no_grad(self, skipped):
        """Some parameters (or all) had no gradient at this step: say which, once per optimizer."""
        import warnings
        from .._errors import name_of
        missing = [p for g in self.param_groups for p in g["params"] if p._grad is None and p.requires_grad]
        if not missing:
            return                       # frozen parameters: nothing to say
        self._warned = True
        if len(missing) == self._count:
            msg = ("optimizer.step() found no gradient on any parameter, so it changed nothing: call "
                   "loss.backward() before optimizer.step() (and optimizer.zero_grad() before backward(), not "
                   "between backward() and step()).")
        else:
            names = [name_of(p) for p in missing[:6]]
            shown = ", ".join(f"`{n}`" if n else f"a parameter of shape {tuple(p._data.shape)}"
                              for n, p in zip(names, missing))
            more = f" and {len(missing) - 6} more" if len(missing) > 6 else ""
            msg = (f"{len(missing)} of {self._count} parameters got no gradient from backward(), so step() did "
                   f"not change them: {shown}{more}. Their .grad is None because they were not used to compute "
                   f"the loss: check that forward() uses every layer you created (or freeze the ones you leave "
                   f"out with requires_grad_(False)).")
        warnings.warn(msg, UserWarning, stacklevel=4)

    def state_dict(self):
        index = {}
        groups = []
        for g in self.param_groups:
            ids = []
            for p in g["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            groups.append({**{k: v for k, v in g.items() if k != "params"}, "params": ids})
        state = {}
        for g in self.param_groups:
            for p in g["params"]:
                if p in self.state:
                    state[index[id(p)]] = {k: (v.detach() if isinstance(v, Tensor) else
                                               Tensor._wrap(v.copy()) if isinstance(v, np.ndarray) else v)
                                           for k, v in self.state[p].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            keys = list(state_dict)[:3] if isinstance(state_dict, dict) else type(state_dict).__name__
            raise ValueError(f"optimizer.load_state_dict needs what optimizer.state_dict() returned (a dict with "
                             f"'state' and 'param_groups'), got {keys}: a model's weights go to "
                             f"model.load_state_dict instead")
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups) or any(
                len(a["params"]) != len(b["params"]) for a, b in zip(groups, self.param_groups)):
            raise ValueError("loaded state dict has a different number of parameter groups or parameters than "
                             "this optimizer: build the optimizer over the same model first")
        by_index = {}
        for saved, g in zip(groups, self.param_groups):
            for i, p in zip(saved["params"], g["params"]):
                by_index[i] = p
        state = {}
        for i, st in state_dict["state"].items():
            p = by_index[int(i)]
            for k, v in st.items():     # buffers (momentum, moments) have their parameter's shape
                if isinstance(v, Tensor) and v._data.ndim and v._data.shape != p._data.shape:
                    raise ValueError(f"loaded optimizer state '{k}' of parameter {i} has shape "
                                     f"{tuple(v._data.shape)}, but that parameter has shape {tuple(p._data.shape)}: "
                                     f"the state was saved for a different model; nothing was loaded")
            state[p] = {k: (v._data.astype(p._data.dtype, copy=True) if isinstance(v, Tensor) else copy.copy(v))
                        for k, v in st.items()}
        for saved, g in zip(groups, self.param_groups):     # checked: now change the optimizer
            g.update((k, v) for k, v in saved.items() if k != "params")
        self.state = state

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for k in sorted(k for k in g if k != "params"):
                lines.append(f"    {k}: {g[k]}")
        lines.append(")")
        return "\n".join(lines)


def _empty_message(module):
    head = "optimizer got an empty parameter list"
    if module is None:
        return (head + ": the model has no parameters it can see. If its layers sit in a plain Python list, wrap "
                "the list in nn.ModuleList([...]); layers must be assigned to attributes of self in __init__.")
    why = getattr(module, "_why_no_parameters", None)      # a bibun.nn.Module says why it has none
    return head + ": " + (why() if callable(why) else f"{type(module).__name__} has no parameters")
