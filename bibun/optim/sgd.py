"""Stochastic gradient descent, with PyTorch's momentum, dampening, nesterov and weight decay."""
from .optimizer import Optimizer


class SGD(Optimizer):
    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, maximize=False):
        if lr < 0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize))

    def _update_group(self, group, ready):
        lr, momentum, wd = group["lr"], group["momentum"], group["weight_decay"]
        if not (momentum or wd or group["maximize"]):
            for p, g in ready:                 # the chapter's case: p -= lr * g, nothing else
                p._data -= lr * g
            return
        for p, g in ready:
            if group["maximize"]:
                g = -g
            if wd:
                g = g + wd * p._data
            if momentum:
                st = self.state.setdefault(p, {})
                buf = st.get("momentum_buffer")
                if buf is None:
                    buf = st["momentum_buffer"] = g.copy()
                else:
                    buf *= momentum
                    buf += (1 - group["dampening"]) * g
                g = g + momentum * buf if group["nesterov"] else buf
            p._data -= lr * g
