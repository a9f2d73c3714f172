"""Adagrad, with PyTorch's arguments and defaults (lr_decay, initial_accumulator_value, eps, weight decay)."""
import numpy as np

from .optimizer import Optimizer


class Adagrad(Optimizer):
    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 maximize=False):
        for name, v in (("learning rate", lr), ("lr_decay value", lr_decay), ("weight_decay value", weight_decay),
                        ("initial_accumulator_value value", initial_accumulator_value), ("epsilon value", eps)):
            if not v >= 0:
                raise ValueError(f"Invalid {name}: {v} (it must be >= 0)")
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps,
                                      maximize=maximize))
        for group in self.param_groups:          # PyTorch makes the state at once: state_dict() shows it
            for p in group["params"]:
                self._new_state(p, group)

    def _new_state(self, p, group):
        st = self.state[p] = {"step": 0, "sum": np.full_like(p._data, group["initial_accumulator_value"])}
        return st

    def _update_group(self, group, ready):
        lr, lr_decay, wd, eps = (group[k] for k in ("lr", "lr_decay", "weight_decay", "eps"))
        for p, g in ready:
            x = p._data
            st = self.state.get(p) or self._new_state(p, group)
            st["step"] += 1
            if group["maximize"]:
                g = -g
            if wd:
                g = g + wd * x
            clr = lr / (1 + (st["step"] - 1) * lr_decay)
            s = st["sum"]
            s += g * g
            x -= clr * (g / (np.sqrt(s) + eps))
