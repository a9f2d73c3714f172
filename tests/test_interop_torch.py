"""bibun <-> PyTorch: modules with the same structure and weights give the same outputs and gradients."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import bibun
from bibun import nn
from bibun.interop import from_torch, to_torch
from interop_models import Net, float32_bound, models

def _pair(name):
    _, model, x = next(m for m in models() if m[0] == name)      # fresh: a test may change it
    return model, x


def _torch_input(x):
    return torch.from_numpy(x.detach().numpy().copy())


@pytest.mark.parametrize("name", ["blobs", "circles", "mlp", "user"])
def test_to_torch_and_back_gives_the_same_outputs_in_float32(name):
    model, x = _pair(name)
    model.eval()
    tm = to_torch(model, x).eval()
    back = from_torch(tm).eval()
    want = model(x).detach().numpy()
    got_t = tm(_torch_input(x)).detach().numpy()
    got_b = back(x).detach().numpy()
    assert got_b.dtype == got_t.dtype == np.float32
    np.testing.assert_array_equal(got_b, want)          # bibun -> torch -> bibun: the same ops on the same weights
    if name == "user":
        tol = 1e-6        # 3 small layers of fan-in <= 6: a few float32 roundings of values below 10
    else:
        tol = 2 * float32_bound(model, x)               # each side within the bound of the exact value
    assert np.all(np.abs(got_t - want) <= tol)
    assert list(back.state_dict()) == list(model.state_dict())
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(tm.state_dict()[k].numpy(), v.numpy())


@pytest.mark.parametrize("name", ["blobs", "circles", "mlp", "user"])
def test_outputs_and_gradients_agree_in_float64(name):
    model, x = _pair(name)
    model = model.double()
    x = x.double()
    tm = to_torch(model, x).eval()
    model.eval()
    xb = x.detach().requires_grad_()
    xt = _torch_input(x).requires_grad_()
    yb, yt = model(xb), tm(xt)
    np.testing.assert_allclose(yt.detach().numpy(), yb.detach().numpy(), rtol=0, atol=1e-6)
    w = np.random.default_rng(1).standard_normal(tuple(yb.shape))       # a fixed cotangent
    (yb * bibun.tensor(w)).sum().backward()
    (yt * torch.from_numpy(w)).sum().backward()
    np.testing.assert_allclose(xt.grad.numpy(), xb.grad.numpy(), rtol=0, atol=1e-6)
    tparams = dict(tm.named_parameters())
    for k, p in model.named_parameters():
        np.testing.assert_allclose(tparams[k].grad.numpy(), p.grad.numpy(), rtol=0, atol=1e-6)


def test_traced_module_takes_other_batch_sizes_and_trains_in_torch():
    bibun.manual_seed(3)
    net = Net()
    tm = to_torch(net, bibun.randn(4, 2, 3))
    assert type(tm).__name__ == "Net" and isinstance(tm.blocks, torch.nn.ModuleList)
    assert isinstance(tm.drop, torch.nn.Dropout)
    assert tm(torch.randn(11, 2, 3)).shape == (11, 3)
    tm.train()
    torch.manual_seed(0)
    out = tm(torch.ones(64, 2, 3))
    assert out.std(0).max() > 0         # dropout is live in training mode: rows differ


def test_from_torch_builds_bibun_layers():
    torch.manual_seed(0)
    t = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(6, 4), torch.nn.ReLU(), torch.nn.Linear(4, 3),
                            torch.nn.LogSoftmax(dim=1))
    b = from_torch(t)
    assert [type(m).__name__ for m in b] == ["Flatten", "Linear", "ReLU", "Linear", "LogSoftmax"]
    x = torch.randn(5, 2, 3)
    np.testing.assert_allclose(b(bibun.from_numpy(x.numpy())).detach().numpy(), t(x).detach().numpy(),
                               rtol=0, atol=1e-6)


def test_refusals_say_what_to_do():
    with pytest.raises(TypeError, match="example_input"):
        to_torch(Net())

    class Odd(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 3)

        def forward(self, x):
            return self.fc(x).cumsum(1)

    with pytest.raises(TypeError, match="Odd.forward uses the op 'cumsum'"):
        to_torch(Odd(), bibun.randn(2, 3))
    with pytest.raises(TypeError, match="Conv3d, which bibun has no layer for"):
        from_torch(torch.nn.Sequential(torch.nn.Conv3d(1, 1, 3)))
    with pytest.raises(TypeError, match="SmoothL1Loss, which has no PyTorch translation"):
        to_torch(nn.Sequential(nn.SmoothL1Loss()))
