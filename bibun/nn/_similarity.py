"""Comparing distributions and directions: kl_div / KLDivLoss, cosine_similarity / CosineSimilarity and
normalize, made of existing ops with PyTorch's arguments and its handling of zeros."""
from .._creation import where
from .._tensor import Tensor
from . import reduction as _reduction
from .module import Module

_KL_REDUCTIONS = ("mean", "batchmean", "sum", "none")


def _t(x):
    return x if isinstance(x, Tensor) else Tensor._from_data(x)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """KL(target || exp(input)), pointwise target (log target - input): `input` holds log-probabilities (e.g.
    log_softmax), `target` probabilities (log-probabilities with log_target=True)."""
    if reduction not in _KL_REDUCTIONS:
        raise ValueError(f"{reduction!r} is not a valid value for reduction: use 'batchmean' (the KL divergence "
                         f"per sample), 'sum', 'mean' or 'none'")
    x, t = _t(input), _t(target)
    if log_target:
        l = t.exp() * (t - x)
    else:
        positive = t > 0                        # 0 log 0 = 0, as PyTorch's xlogy
        l = t * where(positive, t, 1.0).log() - t * x
    if reduction == "batchmean":
        return l.sum() / x.shape[0] if x.ndim else l.sum()
    return _reduction.apply(l, reduction)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """(x1 / |x1|) · (x2 / |x2|) along dim, each norm at least eps: as PyTorch, the clamp changes the value
    only, the gradient is the norm's own."""
    a, b = _t(x1), _t(x2)
    return ((a / _clamped_norm(a, dim, eps)) * (b / _clamped_norm(b, dim, eps))).sum(dim)


def _clamped_norm(x, dim, eps):
    n = x.norm(2, dim=dim, keepdim=True)
    lift = n._data.clip(min=eps) - n._data
    return n + Tensor._wrap(lift) if lift.any() else n


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(|input|_p, eps) along dim: unit vectors, and zero vectors left at zero."""
    x = _t(input)
    return x / x.norm(p, dim=dim, keepdim=True).clamp(min=eps)


class KLDivLoss(Module):
    def __init__(self, size_average=None, reduce=None, reduction="mean", log_target=False):
        super().__init__()
        if reduction not in _KL_REDUCTIONS:
            kl_div(Tensor._from_data([0.0]), Tensor._from_data([0.0]), reduction=reduction)   # its message
        self.reduction, self.log_target = reduction, log_target

    def forward(self, input, target):
        return kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class CosineSimilarity(Module):
    def __init__(self, dim=1, eps=1e-8):
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1, x2):
        return cosine_similarity(x1, x2, self.dim, self.eps)

    def extra_repr(self):
        return f"dim={self.dim}, eps={self.eps}"
