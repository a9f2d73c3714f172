"""The new layers against PyTorch's: state_dict keys, repr, forward values and the gradients of input and every
parameter in float64 with the same weights; batch norm's buffers through training, eval and bibun.save/load;
the containers; and a small CNN that learns sklearn's 8x8 digits."""
import time

import numpy as np
import pytest

import bibun
from bibun import nn

from bibun.workbench.threads import blas_threads
from layers_more_helpers import RTOL, ATOL, module_pair

torch = pytest.importorskip("torch")
tnn = torch.nn

RNG = np.random.default_rng(2)

LAYERS = [  # (name, bibun factory, torch factory, input shape)
    ("Conv2d", lambda m: m.Conv2d(3, 4, 3, stride=2, padding=1), (2, 3, 7, 7)),
    ("Conv2d_groups", lambda m: m.Conv2d(4, 6, (3, 2), dilation=(1, 2), groups=2, bias=False), (2, 4, 6, 7)),
    ("Conv2d_same", lambda m: m.Conv2d(2, 3, 3, padding="same"), (1, 2, 5, 5)),
    ("Conv1d", lambda m: m.Conv1d(3, 5, 4, stride=2, padding=1), (2, 3, 11)),
    ("BatchNorm1d", lambda m: m.BatchNorm1d(4), (6, 4)),
    ("BatchNorm1d_seq", lambda m: m.BatchNorm1d(3, momentum=0.2), (4, 3, 5)),
    ("BatchNorm2d", lambda m: m.BatchNorm2d(3, eps=1e-3), (4, 3, 3, 3)),
    ("BatchNorm2d_plain", lambda m: m.BatchNorm2d(3, affine=False, track_running_stats=False), (4, 3, 2, 2)),
    ("LayerNorm", lambda m: m.LayerNorm(5), (3, 4, 5)),
    ("LayerNorm_2d", lambda m: m.LayerNorm((4, 5), elementwise_affine=True), (3, 4, 5)),
    ("GroupNorm", lambda m: m.GroupNorm(2, 6), (3, 6, 4)),
    ("PReLU", lambda m: m.PReLU(), (3, 4)),
    ("PReLU_channels", lambda m: m.PReLU(3, init=0.1), (2, 3, 4)),
    ("MaxPool2d", lambda m: m.MaxPool2d(2), (2, 3, 6, 6)),
    ("MaxPool2d_args", lambda m: m.MaxPool2d(3, 2, 1, ceil_mode=True), (2, 3, 6, 6)),
    ("AvgPool2d", lambda m: m.AvgPool2d(3, 2, 1, count_include_pad=False), (2, 3, 6, 6)),
    ("AdaptiveAvgPool2d", lambda m: m.AdaptiveAvgPool2d((2, 3)), (2, 3, 7, 7)),
    ("GELU", lambda m: m.GELU(), (3, 4)),
    ("GELU_tanh", lambda m: m.GELU(approximate="tanh"), (3, 4)),
    ("SiLU", lambda m: m.SiLU(), (3, 4)),
    ("LeakyReLU", lambda m: m.LeakyReLU(0.2), (3, 4)),
    ("ELU", lambda m: m.ELU(alpha=0.5), (3, 4)),
    ("Softplus", lambda m: m.Softplus(beta=2, threshold=5), (3, 4)),
    ("Hardtanh", lambda m: m.Hardtanh(-2.0, 2.0), (3, 4)),
    ("ReLU6", lambda m: m.ReLU6(), (3, 4)),
    ("Mish", lambda m: m.Mish(), (3, 4)),
    ("Softsign", lambda m: m.Softsign(), (3, 4)),
    ("LogSigmoid", lambda m: m.LogSigmoid(), (3, 4)),
    ("GLU", lambda m: m.GLU(), (3, 4)),
    ("Softmin", lambda m: m.Softmin(dim=1), (3, 4)),
    ("Threshold", lambda m: m.Threshold(0.1, 20.0), (3, 4)),
    ("Unflatten", lambda m: m.Unflatten(1, (2, 6)), (3, 12)),
    ("Dropout2d_eval", lambda m: m.Dropout2d(0.3).eval(), (2, 3, 4, 4)),
    ("Sequential_cnn", lambda m: m.Sequential(m.Conv2d(1, 4, 3, padding=1), m.BatchNorm2d(4), m.ReLU(),
                                              m.MaxPool2d(2), m.Conv2d(4, 6, 3), m.GELU(),
                                              m.AdaptiveAvgPool2d(1), m.Flatten(), m.LayerNorm(6),
                                              m.Linear(6, 3)), (4, 1, 8, 8)),
]


@pytest.mark.parametrize("name,make,shape", LAYERS, ids=[l[0] for l in LAYERS])
def test_layer_matches_pytorch(name, make, shape):
    mb, mt = module_pair(lambda: make(nn), lambda: make(tnn))
    assert list(mb.state_dict()) == list(mt.state_dict())
    assert repr(mb) == repr(mt)
    x0 = RNG.standard_normal(shape)
    for train in ((True, False) if "eval" not in name else (False,)):
        mb.train(train)
        mt.train(train)
        xb, xt = bibun.tensor(x0, requires_grad=True), torch.tensor(x0, requires_grad=True)
        yb, yt = mb(xb), mt(xt)
        np.testing.assert_allclose(yb.detach().numpy(), yt.detach().numpy(), rtol=RTOL, atol=ATOL)
        g = RNG.standard_normal(tuple(yt.shape))
        (yb * bibun.tensor(g)).sum().backward()
        (yt * torch.tensor(g)).sum().backward()
        np.testing.assert_allclose(xb.grad.numpy(), xt.grad.numpy(), rtol=RTOL, atol=ATOL)
        tp = dict(mt.named_parameters())
        for k, p in mb.named_parameters():
            np.testing.assert_allclose(p.grad.numpy(), tp[k].grad.numpy(), rtol=RTOL, atol=ATOL, err_msg=k)
            p.grad = None
            tp[k].grad = None
        tb = dict(mt.named_buffers())
        for k, b in mb.named_buffers():          # running statistics, num_batches_tracked
            np.testing.assert_allclose(b.numpy(), tb[k].numpy(), rtol=1e-13, atol=1e-14, err_msg=k)


def test_default_initialisation_has_pytorch_shapes_and_ranges():
    bibun.manual_seed(0)
    conv = nn.Conv2d(4, 8, 3, groups=2)
    bound = 1 / np.sqrt(2 * 9)                         # fan_in = in_channels / groups * kernel area
    assert conv.weight.shape == (8, 2, 3, 3) and conv.weight.dtype == bibun.float32
    assert np.abs(conv.weight.detach().numpy()).max() <= bound and np.abs(conv.bias.detach().numpy()).max() <= bound
    assert np.abs(conv.weight.detach().numpy()).max() > 0.8 * bound
    emb = nn.Embedding(50, 4, padding_idx=3)
    w = emb.weight.detach().numpy()
    assert (w[3] == 0).all() and 0.7 < w.std() < 1.3
    bn = nn.BatchNorm2d(5)
    assert bn.num_batches_tracked.dtype == bibun.int64 and bn.num_batches_tracked.shape == ()
    np.testing.assert_array_equal(bn.running_var.numpy(), 1)
    assert nn.PReLU(3).weight.detach().numpy().tolist() == [0.25] * 3


def test_batch_norm_momentum_none_is_a_cumulative_average_as_pytorch():
    mb, mt = module_pair(lambda: nn.BatchNorm1d(3, momentum=None), lambda: tnn.BatchNorm1d(3, momentum=None))
    for k in range(4):
        x = RNG.standard_normal((5, 3)) * (k + 1)
        mb(bibun.tensor(x))
        mt(torch.tensor(x))
    for (k, b), (_, t) in zip(mb.state_dict().items(), mt.state_dict().items()):
        np.testing.assert_allclose(b.numpy(), t.numpy(), rtol=1e-13, err_msg=k)
    assert int(mb.num_batches_tracked.item()) == 4


def test_batch_norm_buffers_round_trip_through_save_and_load(tmp_path):
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(8, 2))
    for _ in range(3):
        model(bibun.randn(4, 1, 4, 4))
    path = tmp_path / "cnn.bin"
    bibun.save(model.state_dict(), path)
    fresh = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(8, 2))
    fresh.load_state_dict(bibun.load(path))
    for (k, a), (_, b) in zip(model.state_dict().items(), fresh.state_dict().items()):
        assert a.dtype == b.dtype and a.shape == b.shape, k
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=k)
    assert int(fresh[1].num_batches_tracked.item()) == 3
    x = bibun.randn(2, 1, 4, 4)
    model.eval(), fresh.eval()
    np.testing.assert_array_equal(model(x).detach().numpy(), fresh(x).detach().numpy())
    # and PyTorch takes the same state_dict
    tm = tnn.Sequential(tnn.Conv2d(1, 2, 3), tnn.BatchNorm2d(2), tnn.Flatten(), tnn.Linear(8, 2)).eval()
    tm.load_state_dict({k: torch.tensor(v.numpy()) for k, v in bibun.load(path).items()})
    np.testing.assert_allclose(tm(torch.tensor(x.numpy())).detach().numpy(), model(x).detach().numpy(), rtol=1e-5,
                               atol=1e-6)


def test_model_double_converts_running_stats_and_keeps_the_counter_integer():
    bn = nn.BatchNorm1d(2).double()
    assert bn.running_mean.dtype == bibun.float64 and bn.num_batches_tracked.dtype == bibun.int64


def test_containers_register_what_they_hold_under_pytorchs_keys():
    def build(m, lib):
        class Net(m.Module):
            def __init__(self):
                super().__init__()
                self.heads = m.ModuleDict({"cls": m.Linear(3, 2), "reg": m.Linear(3, 1)})
                self.scales = m.ParameterList([m.Parameter(lib.ones(2)), lib.zeros(3)])
                self.extra = m.ParameterDict({"a": m.Parameter(lib.ones(1)), "b": lib.zeros(2, 2)})
        return Net()
    nb, nt = build(nn, bibun), build(tnn, torch)
    assert list(nb.state_dict()) == list(nt.state_dict())
    assert [n for n, _ in nb.named_parameters()] == [n for n, _ in nt.named_parameters()]
    assert all(p.requires_grad for p in nb.parameters())
    assert list(nb.heads.keys()) == ["cls", "reg"] and "cls" in nb.heads and len(nb.heads) == 2
    assert isinstance(nb.scales[1], nn.Parameter) and len(nb.scales) == 2 and nb.extra["b"].shape == (2, 2)
    nb.heads["aux"] = nn.Linear(3, 4)
    nb.scales.append(bibun.ones(1))
    assert "heads.aux.weight" in nb.state_dict() and "scales.2" in nb.state_dict()
    nb.heads.pop("aux")
    assert "heads.aux.weight" not in nb.state_dict()
    with pytest.raises(TypeError, match="ModuleDict holds modules"):
        nb.heads["x"] = 3


def test_unflatten_and_batchnorm_errors_say_what_to_do():
    with pytest.raises(RuntimeError, match=r"size 12, which cannot be split into \(5, 2\)"):
        nn.Unflatten(1, (5, 2))(bibun.randn(2, 12))
    assert nn.Unflatten(1, (-1, 3))(bibun.randn(2, 12)).shape == (2, 4, 3)
    with pytest.raises(RuntimeError, match=r"BatchNorm2d\(4.*expected 4D \(N, C, H, W\) input, got 2D.*BatchNorm1d"):
        nn.BatchNorm2d(4)(bibun.randn(3, 4))
    with pytest.raises(RuntimeError, match=r"expected input with 4 channels.*BatchNorm1d\(5\)"):
        nn.BatchNorm1d(4)(bibun.randn(3, 5))


def test_small_cnn_learns_sklearn_digits_in_seconds():
    from sklearn.datasets import load_digits
    digits = load_digits()
    x = bibun.tensor((digits.images / 16.0).astype(np.float32)).unsqueeze(1)        # (1797, 1, 8, 8)
    y = bibun.tensor(digits.target.astype(np.int64))
    bibun.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(8, 16, 3, padding=1), nn.GELU(), nn.AdaptiveAvgPool2d(2), nn.Flatten(),
                          nn.Dropout(0.1), nn.Linear(64, 10))
    opt = bibun.optim.Adam(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    start = time.perf_counter()
    losses = []
    with blas_threads(1):       # small matrices: BLAS threads would only wait on each other (see workbench.threads)
        _train(model, opt, loss_fn, x, y, losses)
    elapsed = time.perf_counter() - start
    model.eval()
    with bibun.no_grad():
        accuracy = (model(x).argmax(1) == y).float().mean().item()
    assert np.mean(losses[:5]) > 2.0 and np.mean(losses[-10:]) < 0.6 * np.mean(losses[:5])
    assert accuracy > 0.8
    assert elapsed < 30            # about a second on one free core; generous for a loaded machine


def _train(model, opt, loss_fn, x, y, losses):
    for epoch in range(3):
        perm = np.random.default_rng(epoch).permutation(len(y))
        for i in range(0, len(perm), 64):
            idx = bibun.tensor(perm[i:i + 64])
            loss = loss_fn(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
