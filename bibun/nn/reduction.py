"""The `reduction` argument of every loss ('mean', 'sum' or 'none'), checked and applied in one place."""


def check(reduction):
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction!r} is not a valid value for reduction: use 'mean', 'sum' or 'none'")


def apply(losses, reduction):
    """The per-element `losses` (a Tensor) reduced as asked; a single loss is left as it is."""
    if reduction == "none" or losses.ndim == 0:
        return losses
    return losses.mean() if reduction == "mean" else losses.sum()
