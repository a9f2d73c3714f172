"""RMSprop, with PyTorch's arguments, defaults and update order (momentum, centered, weight decay)."""
import numpy as np

from .optimizer import Optimizer


class RMSprop(Optimizer):
    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 maximize=False):
        for name, v in (("learning rate", lr), ("epsilon value", eps), ("momentum value", momentum),
                        ("weight_decay value", weight_decay), ("alpha value", alpha)):
            if not v >= 0:
                raise ValueError(f"Invalid {name}: {v} (it must be >= 0)")
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=centered, maximize=maximize))

    def _update_group(self, group, ready):
        lr, alpha, eps, wd, momentum = (group[k] for k in ("lr", "alpha", "eps", "weight_decay", "momentum"))
        for p, g in ready:
            x = p._data
            if group["maximize"]:
                g = -g
            if wd:
                g = g + wd * x
            st = self.state.get(p)
            if st is None:
                st = self.state[p] = {"step": 0, "square_avg": np.zeros_like(x)}
                if momentum > 0:
                    st["momentum_buffer"] = np.zeros_like(x)
                if group["centered"]:
                    st["grad_avg"] = np.zeros_like(x)
            st["step"] += 1
            sq = st["square_avg"]
            sq *= alpha
            sq += (1 - alpha) * g * g          # addcmul's order: (value · g) · g
            if group["centered"]:
                ga = st["grad_avg"]
                ga += (1 - alpha) * (g - ga)          # lerp towards g, as PyTorch computes it
                avg = np.sqrt(sq - ga * ga)
            else:
                avg = np.sqrt(sq)
            avg += eps
            if momentum > 0:
                buf = st["momentum_buffer"]
                buf *= momentum
                buf += g / avg
                x -= lr * buf
            else:
                x -= lr * (g / avg)
