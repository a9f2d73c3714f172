"""smooth_l1_loss / SmoothL1Loss and huber_loss / HuberLoss against PyTorch in float64: values and
gradients, every reduction, inside and outside the quadratic band, and at its edge."""
import numpy as np
import pytest

import bibun
from bibun import nn

torch = pytest.importorskip("torch")
import torch.nn.functional as TF  # noqa: E402

# differences that hit the band's edges exactly (|d| = 0, 0.5, 1, 2) and values either side
D = np.array([[-3.0, -2.0, -1.0, -0.5, -0.2], [0.0, 0.2, 0.5, 1.0, 2.5]])


def _both(fn_bibun, fn_torch, d=D, rng_seed=0):
    y0 = np.random.default_rng(rng_seed).standard_normal(d.shape)
    x0 = y0 + d
    out = []
    for lib, fn in ((bibun, fn_bibun), (torch, fn_torch)):
        x = lib.tensor(x0, requires_grad=True)
        y = lib.tensor(y0)
        l = fn(x, y)
        l.sum().backward()
        out.append((l.detach().numpy(), x.grad.numpy()))
    return out


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("beta", [1.0, 0.5, 2.0, 0.0])
def test_smooth_l1_matches_pytorch(reduction, beta):
    (v, g), (tv, tg) = _both(lambda x, y: bibun.nn.functional.smooth_l1_loss(x, y, reduction=reduction, beta=beta),
                             lambda x, y: TF.smooth_l1_loss(x, y, reduction=reduction, beta=beta))
    np.testing.assert_allclose(v, tv, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(g, tg, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("delta", [1.0, 0.5, 2.0])
def test_huber_matches_pytorch(reduction, delta):
    (v, g), (tv, tg) = _both(lambda x, y: nn.HuberLoss(reduction=reduction, delta=delta)(x, y),
                             lambda x, y: torch.nn.HuberLoss(reduction=reduction, delta=delta)(x, y))
    np.testing.assert_allclose(v, tv, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(g, tg, rtol=1e-14, atol=1e-15)


def test_module_forms_and_gradient_by_finite_differences():
    (v, g), (tv, tg) = _both(lambda x, y: nn.SmoothL1Loss(beta=0.7)(x, y),
                             lambda x, y: torch.nn.SmoothL1Loss(beta=0.7)(x, y))
    np.testing.assert_allclose(v, tv, rtol=1e-14)
    # away from the kinks (|d| = beta), the central difference of the loss is its gradient
    rng = np.random.default_rng(3)
    x0, y0 = rng.standard_normal(6), rng.standard_normal(6)
    f = lambda x: bibun.nn.functional.smooth_l1_loss(bibun.tensor(x), bibun.tensor(y0), beta=0.7).item()  # noqa: E731
    x = bibun.tensor(x0, requires_grad=True)
    bibun.nn.functional.smooth_l1_loss(x, bibun.tensor(y0), beta=0.7).backward()
    h = 1e-6
    fd = [(f(x0 + h * e) - f(x0 - h * e)) / (2 * h) for e in np.eye(6)]
    # piecewise quadratic: the central difference is exact up to rounding, about eps·|f|/h ≈ 1e-10
    np.testing.assert_allclose(x.grad.numpy(), fd, rtol=0, atol=1e-8)
    assert repr(nn.SmoothL1Loss()) == repr(torch.nn.SmoothL1Loss()) and repr(nn.HuberLoss()) == "HuberLoss()"


def test_bad_arguments():
    x = bibun.ones(3)
    with pytest.raises(ValueError, match="does not support negative values for beta"):
        bibun.nn.functional.smooth_l1_loss(x, x, beta=-1)
    with pytest.raises(ValueError, match="non-positive values for delta"):
        bibun.nn.functional.huber_loss(x, x, delta=0)
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        nn.HuberLoss(reduction="avg")
    with pytest.raises(RuntimeError, match="Target size"):
        bibun.nn.functional.huber_loss(bibun.ones(3, 1), bibun.ones(3))
