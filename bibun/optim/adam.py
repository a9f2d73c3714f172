"""Adam and AdamW (decoupled weight decay), with PyTorch's bias correction and defaults."""
import math

import numpy as np

from .optimizer import Optimizer


class Adam(Optimizer):
    _decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False,
                 maximize=False):
        if lr < 0 or eps < 0 or not (0 <= betas[0] < 1 and 0 <= betas[1] < 1):
            raise ValueError(f"Invalid Adam hyper-parameters: lr={lr}, betas={betas}, eps={eps}")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize))

    def _update_group(self, group, ready):
        lr, (b1, b2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        for p, g in ready:
            if group["maximize"]:
                g = -g
            x = p._data
            if wd and self._decoupled:
                x *= 1 - lr * wd
            elif wd:
                g = g + wd * x
            st = self.state.get(p)
            if st is None:
                st = self.state[p] = {"step": 0, "exp_avg": np.zeros_like(x), "exp_avg_sq": np.zeros_like(x)}
                if group["amsgrad"]:
                    st["max_exp_avg_sq"] = np.zeros_like(x)
            st["step"] += 1
            t = st["step"]
            m, v = st["exp_avg"], st["exp_avg_sq"]
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * (g * g)
            if group["amsgrad"]:
                np.maximum(st["max_exp_avg_sq"], v, out=st["max_exp_avg_sq"])
                v = st["max_exp_avg_sq"]
            denom = np.sqrt(v) / math.sqrt(1 - b2 ** t) + eps
            x -= (lr / (1 - b1 ** t)) * m / denom


class AdamW(Adam):
    _decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False,
                 maximize=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize)
