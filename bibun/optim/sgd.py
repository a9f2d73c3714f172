"""Stochastic gradient descent, with PyTorch's momentum, dampening, nesterov and weight decay."""
from ..autograd import version_counter
from .optimizer import Optimizer


class SGD(Optimizer):
    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, maximize=False):
        if lr < 0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize))

    def _update_group(self, group):
        lr, momentum, wd = group["lr"], group["momentum"], group["weight_decay"]
        plain = not (momentum or wd or group["maximize"])
        skipped = 0
        for p in group["params"]:
            gt = p._grad
            if gt is None:
                skipped += 1
                continue
            gt._version = _STEPPED             # used by a step: backward adding onto it means no zero_grad()
            g = gt._data
            if plain:                          # the chapter's case: p -= lr * g, nothing else
                p._data -= lr * g
                p._version = version_counter.tick()
                continue
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
            p._version = version_counter.tick()
        return skipped


_STEPPED = version_counter.STEPPED
