"""bibun <-> PyTorch for convolution, pooling, the norms, embeddings, the newer activations and containers: the
same modules, state_dicts, modes, outputs and gradients on both sides."""
import collections

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import bibun
import bibun.nn.functional as F
from bibun import nn
from bibun.interop import from_torch, to_torch
from interop_layer_models import ACTIVATIONS, U32, U64, activation, cnn, embed, mlp, rounding_bound

MODELS = {"cnn": cnn, "mlp": mlp, "embed": embed, **{f"act{k}": (lambda k=k: activation(k))
                                                        for k in range(len(ACTIVATIONS))}}
# float64 gradient chains here are at most a few hundred roundings of values below 100: far inside this
GRAD64 = 1e-12


def _t(x):
    return torch.from_numpy(x.numpy().copy())


@pytest.mark.parametrize("name", list(MODELS))
def test_round_trip_in_float32(name):
    model, x = MODELS[name]()
    model.eval()
    tm = to_torch(model, x)
    assert not tm.training
    back = from_torch(tm)
    want = model(x).detach().numpy()
    got = tm(_t(x)).detach().numpy()
    assert got.dtype == want.dtype == np.float32
    np.testing.assert_array_equal(back(x).detach().numpy(), want)     # the same ops on the same weights
    assert np.all(np.abs(got - want) <= 2 * rounding_bound(model, x, U32))  # each side within it of the exact
    assert list(tm.state_dict()) == list(model.state_dict()) == list(back.state_dict())
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(tm.state_dict()[k].numpy(), v.numpy())
        np.testing.assert_array_equal(back.state_dict()[k].numpy(), v.numpy())


@pytest.mark.parametrize("name", list(MODELS))
def test_outputs_and_gradients_in_float64(name):
    model, x = MODELS[name]()
    model = model.double().eval()
    x = x.double() if x.dtype == bibun.float32 else x
    tm = to_torch(model, x)
    assert all(p.dtype == torch.float64 for p in tm.parameters())
    xb = x.detach().requires_grad_() if x.dtype == bibun.float64 else x
    xt = _t(x).requires_grad_() if x.dtype == bibun.float64 else _t(x)
    yb, yt = model(xb), tm(xt)
    assert np.all(np.abs(yt.detach().numpy() - yb.detach().numpy()) <= 2 * rounding_bound(model, x, U64))
    w = np.random.default_rng(1).standard_normal(tuple(yb.shape))
    (yb * bibun.tensor(w)).sum().backward()
    (yt * torch.from_numpy(w)).sum().backward()
    pairs = [(xt.grad, xb.grad)] if x.dtype == bibun.float64 else []
    tparams = dict(tm.named_parameters())
    pairs += [(tparams[k].grad, p.grad) for k, p in model.named_parameters()]
    for gt, gb in pairs:
        np.testing.assert_allclose(gt.numpy(), gb.numpy(), rtol=0, atol=GRAD64 * max(1, np.abs(gb.numpy()).max()))


def test_the_cnn_becomes_torch_layers_with_its_arguments():
    model, _ = cnn()
    tm = to_torch(model)
    assert [type(m).__name__ for m in tm] == ["Conv2d", "BatchNorm2d", "ReLU", "MaxPool2d", "Conv2d",
                                              "AdaptiveAvgPool2d", "Flatten", "Linear"]
    conv = tm[4]
    assert (conv.padding, conv.dilation, conv.groups, conv.stride) == ("same", (2, 2), 2, (1, 1))
    assert int(tm[1].num_batches_tracked) == 2
    np.testing.assert_array_equal(tm[1].running_var.numpy(), model[1].running_var.numpy())


@pytest.mark.parametrize("layer", [nn.BatchNorm1d(3), nn.BatchNorm2d(3), nn.BatchNorm1d(3, momentum=None)])
def test_batch_norm_trains_the_same_way_in_both(layer):
    bibun.manual_seed(0)
    layer = layer.double()
    shape = (6, 3) if isinstance(layer, nn.BatchNorm1d) else (6, 3, 2, 2)
    tm = to_torch(layer)
    assert tm.training
    for _ in range(3):                  # batch statistics out, running statistics updated, batches counted
        x = bibun.randn(*shape).double() * 3 + 1
        yb, yt = layer(x), tm(_t(x))
        np.testing.assert_allclose(yt.detach().numpy(), yb.detach().numpy(), rtol=0, atol=GRAD64)
    for k, v in layer.state_dict().items():
        np.testing.assert_allclose(tm.state_dict()[k].numpy(), v.numpy(), rtol=0, atol=GRAD64)
    back = from_torch(tm.eval())
    assert not back.training and int(back.num_batches_tracked.item()) == 3
    np.testing.assert_array_equal(back.running_mean.numpy(), tm.running_mean.numpy())


def test_each_module_keeps_its_own_mode():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Dropout2d(0.5),
                          nn.ModuleDict({"a": nn.Linear(2, 2), "b": nn.Unflatten(1, (2, 1))}))
    model[1].eval()
    model[3]["b"].eval()
    tm = to_torch(model)
    modes = [m.training for m in model.modules()]
    assert [m.training for m in tm.modules()] == modes == [True, True, False, True, True, True, False]
    assert [m.training for m in from_torch(tm).modules()] == modes


class Functional(nn.Module):
    """The functional forms in a forward of one's own: activations, convolution, pooling, padding, lookups."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 4, 3)
        self.w = nn.Parameter(bibun.randn(4, 2, 3, 3) * 0.3)
        self.slope = nn.Parameter(bibun.full((4,), 0.2))
        self.bn = nn.BatchNorm2d(4)
        self.heads = nn.ModuleDict({"a": nn.Linear(4, 3), "b": nn.Linear(4, 3)})
        self.emb = nn.Embedding(10, 4)

    def forward(self, x, idx):
        h = F.gelu(self.conv(x)) + F.conv2d(x, self.w, stride=1, padding=0)
        h = F.max_pool2d(F.pad(F.prelu(h, self.slope), (1, 0, 0, 1)), 2, ceil_mode=True)
        h = self.bn(F.elu(F.leaky_relu(h, 0.1), 0.5))
        h = F.adaptive_avg_pool2d(F.avg_pool2d(h, 2, 1, 1, count_include_pad=False), 1).flatten(1)
        h = F.layer_norm(F.mish(h), (4,)) + F.embedding(idx, self.emb.weight).mean(1)
        a, b = self.heads["a"](h), self.heads["b"](h)
        return F.silu(a) * F.softplus(b, beta=2) + F.hardtanh(F.softsign(a), -0.5, 0.5)


def test_functional_forms_in_a_forward_of_ones_own():
    bibun.manual_seed(5)
    model = Functional().double().eval()
    x, idx = bibun.randn(3, 2, 9, 9).double(), bibun.tensor(np.array([[1, 2], [3, 3], [0, 9]]))
    tm = to_torch(model, (x, idx))
    assert isinstance(tm.heads, torch.nn.ModuleDict) and isinstance(tm.bn, torch.nn.BatchNorm2d)
    xb, xt = x.detach().requires_grad_(), _t(x).requires_grad_()
    yb, yt = model(xb, idx), tm(xt, _t(idx))
    np.testing.assert_allclose(yt.detach().numpy(), yb.detach().numpy(), rtol=0, atol=GRAD64)
    yb.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(xt.grad.numpy(), xb.grad.numpy(), rtol=0, atol=GRAD64)
    tparams = dict(tm.named_parameters())
    for k, p in model.named_parameters():
        np.testing.assert_allclose(tparams[k].grad.numpy(), p.grad.numpy(), rtol=0, atol=GRAD64)
    back = from_torch(tm)
    np.testing.assert_array_equal(back(x, idx).detach().numpy(), yb.detach().numpy())


def test_from_torch_keeps_names_and_arguments():
    torch.manual_seed(0)
    t = torch.nn.Sequential(collections.OrderedDict([
        ("stem", torch.nn.Conv1d(2, 4, 3, stride=2, padding=1, bias=False)), ("norm", torch.nn.GroupNorm(2, 4)),
        ("act", torch.nn.GELU("tanh")), ("flat", torch.nn.Flatten()), ("ln", torch.nn.LayerNorm(20, bias=False)),
        ("head", torch.nn.Linear(20, 3))]))
    b = from_torch(t)
    assert list(b.state_dict()) == list(t.state_dict())
    assert b.stem.bias is None and b.stem.stride == (2,) and b.act.approximate == "tanh" and b.ln.bias is None
    x = torch.randn(5, 2, 10, dtype=torch.float64)
    t, b = t.double(), b.double()
    np.testing.assert_allclose(b(bibun.from_numpy(x.numpy())).detach().numpy(), t(x).detach().numpy(),
                               rtol=0, atol=GRAD64)


def test_what_bibun_lacks_is_refused_by_name():
    with pytest.raises(NotImplementedError, match="padding_mode='reflect' is not available in bibun"):
        from_torch(torch.nn.Conv2d(1, 1, 3, padding_mode="reflect"))
    with pytest.raises(TypeError, match="LSTM, which bibun has no layer for"):
        from_torch(torch.nn.ModuleDict({"rnn": torch.nn.LSTM(2, 2)}))


def test_generated_source_rebuilds_the_cnn():
    from bibun.interop.codegen import torch_source
    model, x = cnn()
    scope = {}
    exec(torch_source(model), scope)
    tm = scope["build_model"]()
    tm.load_state_dict({k: _t(v) for k, v in model.state_dict().items()})
    model.eval()
    assert np.all(np.abs(tm.eval()(_t(x)).detach().numpy() - model(x).detach().numpy())
                  <= 2 * rounding_bound(model, x, U32))


@pytest.mark.parametrize("layer", [nn.LogSigmoid(), nn.Threshold(0.1, -2.0), nn.GLU(1), nn.Softmin(1)])
def test_the_other_activations_cross_too(layer):
    bibun.manual_seed(7)
    x = bibun.randn(3, 4).double() * 4
    tm = to_torch(layer)
    assert type(tm).__name__ == type(layer).__name__ and type(from_torch(tm)) is type(layer)
    # the same formula on values of order one: a few float64 roundings
    np.testing.assert_allclose(tm(_t(x)).numpy(), layer(x).numpy(), rtol=0, atol=GRAD64)
