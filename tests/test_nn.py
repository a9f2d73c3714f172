"""nn, optim and utils.data: PyTorch's behaviour, checked against PyTorch in float64 where it is installed."""
import collections
import math

import numpy as np
import pytest

import bibun
from bibun import nn
from bibun.utils.data import DataLoader, Subset, TensorDataset, random_split

RNG = np.random.default_rng(0)


def torch_or_skip():
    return pytest.importorskip("torch", reason="PyTorch not installed: cross-checks against it skipped")


def _copy_params(src, dst, torch):
    with torch.no_grad():
        for (name, p), (name2, q) in zip(src.named_parameters(), dst.named_parameters()):
            assert name == name2
            q.copy_(torch.tensor(p.detach().numpy()))


def _grads(model):
    return {n: p.grad.numpy().copy() for n, p in model.named_parameters()}


MODELS = {
    "linear": lambda m: m.Sequential(m.Linear(5, 3)),
    "mlp-relu": lambda m: m.Sequential(m.Linear(5, 7), m.ReLU(), m.Linear(7, 3)),
    "mlp-sigmoid-tanh": lambda m: m.Sequential(m.Linear(5, 6), m.Sigmoid(), m.Linear(6, 4), m.Tanh(), m.Linear(4, 3)),
    "flatten-softmax": lambda m: m.Sequential(m.Flatten(), m.Linear(5, 3), m.Softmax(dim=1)),
    "logsoftmax": lambda m: m.Sequential(m.Linear(5, 3), m.LogSoftmax(dim=1), m.Identity()),
}

LOSSES = {
    "ce": (lambda m: m.CrossEntropyLoss(), "index"),
    "ce-sum": (lambda m: m.CrossEntropyLoss(reduction="sum"), "index"),
    "ce-none-ignore": (lambda m: m.CrossEntropyLoss(reduction="none", ignore_index=1), "index"),
    "nll": (lambda m: m.NLLLoss(), "index"),
    "mse": (lambda m: m.MSELoss(), "float"),
    "bce-logits": (lambda m: m.BCEWithLogitsLoss(), "binary"),
    "bce-logits-posw": (lambda m: m.BCEWithLogitsLoss(pos_weight=None), "binary"),
    "l1": (lambda m: m.L1Loss(), "float"),
}


@pytest.mark.filterwarnings("ignore:cross_entropy got the output of softmax")   # deliberate: compared as is
@pytest.mark.parametrize("model_name", sorted(MODELS))
@pytest.mark.parametrize("loss_name", sorted(LOSSES))
def test_layers_and_losses_match_pytorch_float64(model_name, loss_name):
    torch = torch_or_skip()
    bibun.manual_seed(3)
    x = RNG.standard_normal((6, 5))
    make_loss, kind = LOSSES[loss_name]
    if kind == "index":
        y = RNG.integers(0, 3, 6)
    elif kind == "binary":
        y = RNG.integers(0, 2, (6, 3)).astype(np.float64)
    else:
        y = RNG.standard_normal((6, 3))
    ours = MODELS[model_name](nn).double()
    theirs = MODELS[model_name](torch.nn).double()
    _copy_params(ours, theirs, torch)
    lo = make_loss(nn)(ours(bibun.tensor(x)), bibun.tensor(y))
    lt = make_loss(torch.nn)(theirs(torch.tensor(x)), torch.tensor(y))
    # float64, well-conditioned inputs: both engines are within a few hundred eps; these agree to 1e-12 with
    # NumPy's and PyTorch's AVX-512 and AVX2 kernels alike, so 1e-10 leaves a hundredfold margin
    np.testing.assert_allclose(lo.detach().numpy(), lt.detach().numpy(), rtol=1e-10, atol=1e-12)
    lo.sum().backward()
    lt.sum().backward()
    for (n, g), (_, h) in zip(sorted(_grads(ours).items()), sorted(_grads(theirs).items())):
        np.testing.assert_allclose(g, h, rtol=1e-10, atol=1e-12, err_msg=n)


def test_bce_with_logits_pos_weight_matches_pytorch():
    torch = torch_or_skip()
    z = RNG.standard_normal((5, 2)) * 3
    y = RNG.integers(0, 2, (5, 2)).astype(np.float64)
    pw = np.array([2.0, 0.5])
    zb = bibun.tensor(z, requires_grad=True)
    zt = torch.tensor(z, requires_grad=True)
    lb = nn.BCEWithLogitsLoss(pos_weight=bibun.tensor(pw))(zb, bibun.tensor(y))
    lt = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(pw))(zt, torch.tensor(y))
    lb.backward()
    lt.backward()
    assert lb.item() == pytest.approx(lt.item(), rel=1e-12)
    np.testing.assert_allclose(zb.grad.numpy(), zt.grad.numpy(), rtol=1e-10)


def test_bce_with_logits_is_stable_at_large_logits():
    z = bibun.tensor([[1000.0], [-1000.0], [1000.0]], requires_grad=True)
    y = bibun.tensor([[0.0], [1.0], [1.0]])
    loss = nn.BCEWithLogitsLoss()(z, y)
    loss.backward()
    assert loss.item() == pytest.approx(2000 / 3)
    np.testing.assert_allclose(z.grad.numpy().ravel(), [1 / 3, -1 / 3, 0], atol=1e-7)


def test_cross_entropy_is_stable_at_large_scores():
    z = bibun.tensor([[1000.0, 0.0], [0.0, -1000.0]], requires_grad=True)
    loss = nn.CrossEntropyLoss()(z, bibun.tensor([1, 0]))
    loss.backward()
    assert loss.item() == pytest.approx(500.0)
    assert np.isfinite(z.grad.numpy()).all()


def test_linear_default_init_is_uniform_within_one_over_sqrt_fan_in():
    bibun.manual_seed(0)
    lin = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w = lin.weight.detach().numpy()
    assert w.shape == (300, 400) and lin.bias.shape == (300,)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert abs(w.mean()) < 0.01 * bound and w.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)
    assert lin.weight.dtype == bibun.float32 and lin.weight.requires_grad


def test_module_registration_and_walks():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
            self.head = nn.Linear(3, 1)
            self.blocks = nn.ModuleList([nn.Linear(1, 1), nn.Linear(1, 1)])

        def forward(self, x):
            return self.head(self.body(x))

    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["body.0.weight", "body.0.bias", "head.weight", "head.bias", "blocks.0.weight",
                     "blocks.0.bias", "blocks.1.weight", "blocks.1.bias"]
    assert [type(m).__name__ for m in net.children()] == ["Sequential", "Linear", "ModuleList"]
    assert len(list(net.modules())) == 8
    net.eval()
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    assert list(net.state_dict()) == names
    assert net(bibun.ones(4, 2)).shape == (4, 1)


def test_module_repr_matches_pytorch():
    torch = torch_or_skip()
    for build in MODELS.values():
        assert repr(build(nn)) == repr(build(torch.nn))
    assert repr(nn.Dropout(0.2)) == repr(torch.nn.Dropout(0.2))
    assert repr(nn.Linear(3, 2, bias=False)) == repr(torch.nn.Linear(3, 2, bias=False))


def test_load_state_dict_reports_missing_unexpected_and_mismatched():
    model = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    sd = model.state_dict()
    bad = collections.OrderedDict(sd)
    del bad["1.bias"]
    bad["2.weight"] = bibun.zeros(1)
    bad["0.weight"] = bibun.zeros(5, 5)
    with pytest.raises(RuntimeError) as e:
        model.load_state_dict(bad)
    msg = str(e.value)
    assert '"1.bias"' in msg and '"2.weight"' in msg and "size mismatch for 0.weight" in msg
    other = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    other.load_state_dict(sd)
    assert all(bibun.equal(a, b) for a, b in zip(other.state_dict().values(), sd.values()))
    keys = other.load_state_dict({"0.weight": sd["0.weight"]}, strict=False)
    assert keys.missing_keys == ["0.bias", "1.weight", "1.bias"] and keys.unexpected_keys == []


def test_state_dict_round_trip_through_bibun_save(tmp_path):
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    bibun.save(model.state_dict(), tmp_path / "w.npz")
    loaded = bibun.load(tmp_path / "w.npz")
    assert list(loaded) == list(model.state_dict())
    fresh = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    fresh.load_state_dict(loaded)
    x = bibun.randn(5, 4)
    assert bibun.equal(fresh(x), model(x))


def _sgd_run(lib, opt_factory, steps=5):
    lib.manual_seed(0)
    w = lib.tensor(np.array([[0.5, -1.0], [2.0, 0.25]]), requires_grad=True)
    b = lib.tensor(np.array([0.1, -0.2]), requires_grad=True)
    opt = opt_factory(lib.optim, [w, b])
    x = lib.tensor(np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]]))
    for _ in range(steps):
        opt.zero_grad()
        loss = ((x @ w.T + b) ** 2).sum()
        loss.backward()
        opt.step()
    return w.detach().numpy().copy(), b.detach().numpy().copy()


OPTIMIZERS = {
    "sgd": lambda o, p: o.SGD(p, lr=0.01),
    "sgd-momentum": lambda o, p: o.SGD(p, lr=0.01, momentum=0.9),
    "sgd-nesterov-wd": lambda o, p: o.SGD(p, lr=0.01, momentum=0.9, nesterov=True, weight_decay=0.1),
    "sgd-dampening": lambda o, p: o.SGD(p, lr=0.01, momentum=0.5, dampening=0.3),
    "adam": lambda o, p: o.Adam(p, lr=0.05),
    "adam-wd-amsgrad": lambda o, p: o.Adam(p, lr=0.05, weight_decay=0.1, amsgrad=True),
    "adamw": lambda o, p: o.AdamW(p, lr=0.05),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizers_match_pytorch(name):
    torch = torch_or_skip()
    ours = _sgd_run(bibun, OPTIMIZERS[name])
    theirs = _sgd_run(torch, OPTIMIZERS[name])
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_optimizer_state_dict_round_trip_continues_identically(tmp_path):
    def run(resume):
        w = bibun.tensor([1.0, -2.0], requires_grad=True)
        opt = bibun.optim.Adam([w], lr=0.1)
        for step in range(6):
            if resume and step == 3:
                bibun.save({"w": w.detach(), "opt": opt.state_dict()}, tmp_path / "ck.npz")
                ck = bibun.load(tmp_path / "ck.npz")
                w = bibun.tensor(ck["w"].numpy(), requires_grad=True)
                opt = bibun.optim.Adam([w], lr=0.1)
                opt.load_state_dict(ck["opt"])
            opt.zero_grad()
            (w ** 2).sum().backward()
            opt.step()
        return w.detach().numpy()
    np.testing.assert_array_equal(run(False), run(True))


@pytest.mark.filterwarnings("ignore:optimizer.step.. found no gradient")   # only the schedule matters here
def test_step_lr():
    w = bibun.zeros(1, requires_grad=True)
    opt = bibun.optim.SGD([w], lr=1.0)
    sched = bibun.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    lrs = []
    for _ in range(5):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert lrs == [1.0, 1.0, 0.5, 0.5, 0.25]
    assert sched.get_last_lr() == [0.25]


def test_zero_grad_sets_none_by_default_and_zeroes_on_request():
    w = bibun.ones(2, requires_grad=True)
    opt = bibun.optim.SGD([w], lr=0.1)
    (w * 3).sum().backward()
    opt.zero_grad(set_to_none=False)
    assert w.grad.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert w.grad is None


def test_dataloader_batches_tensor_dataset_and_shuffles_with_the_generator():
    X = bibun.arange(10).reshape(10, 1).float()
    Y = bibun.arange(10)
    ds = TensorDataset(X, Y)
    batches = list(DataLoader(ds, batch_size=4))
    assert [b[1].tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert len(DataLoader(ds, batch_size=4, drop_last=True)) == 2
    g1, g2 = bibun.Generator().manual_seed(5), bibun.Generator().manual_seed(5)
    a = [b[1].tolist() for b in DataLoader(ds, batch_size=3, shuffle=True, generator=g1)]
    c = [b[1].tolist() for b in DataLoader(ds, batch_size=3, shuffle=True, generator=g2)]
    assert a == c and sorted(sum(a, [])) == list(range(10)) and sum(a, []) != list(range(10))
    for xb, yb in DataLoader(ds, batch_size=3, shuffle=True):
        assert (xb[:, 0].long() == yb).all()
    bibun.manual_seed(1)
    first = [b[1].tolist() for b in DataLoader(ds, batch_size=10, shuffle=True)]
    bibun.manual_seed(1)
    assert first == [b[1].tolist() for b in DataLoader(ds, batch_size=10, shuffle=True)]


def test_dataloader_batches_are_copies_not_views_of_the_dataset():
    X = bibun.zeros(4, 2)
    for xb, in DataLoader(TensorDataset(X), batch_size=2):
        xb += 1
    assert X.sum().item() == 0


def test_dataloader_collates_a_plain_dataset_and_subsets():
    class Squares(bibun.utils.data.Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return bibun.tensor([float(i)]), i * i

    xb, yb = next(iter(DataLoader(Squares(), batch_size=5)))
    assert xb.shape == (5, 1) and yb.tolist() == [0, 1, 4, 9, 16] and yb.dtype == bibun.int64
    ds = TensorDataset(bibun.arange(10))
    sub = Subset(ds, [9, 3, 5])
    assert [b[0].tolist() for b in DataLoader(sub, batch_size=2)] == [[9, 3], [5]]
    parts = random_split(ds, [7, 3], generator=bibun.Generator().manual_seed(0))
    assert sorted(parts[0].indices + parts[1].indices) == list(range(10))
    assert [len(p) for p in random_split(ds, [0.5, 0.5])] == [5, 5]
    raw = list(DataLoader(Squares(), batch_size=2, collate_fn=lambda batch: batch))
    assert raw[0][1][1] == 1


def test_dropout_scales_in_training_and_passes_through_in_eval():
    bibun.manual_seed(0)
    d = nn.Dropout(0.25)
    x = bibun.ones(10000)
    y = d(x)
    kept = (y > 0).float().mean().item()
    assert kept == pytest.approx(0.75, abs=0.02)
    np.testing.assert_allclose(np.unique(y.numpy()), [0.0, 1 / 0.75], rtol=1e-6)
    d.eval()
    assert bibun.equal(d(x), x)


def test_init_functions():
    bibun.manual_seed(0)
    w = bibun.empty(200, 100)
    nn.init.xavier_uniform_(w)
    assert np.abs(w.numpy()).max() <= math.sqrt(6 / 300)
    nn.init.kaiming_uniform_(w, nonlinearity="relu")
    assert np.abs(w.numpy()).max() <= math.sqrt(6 / 100)
    nn.init.zeros_(w)
    assert w.sum().item() == 0
    nn.init.normal_(w, 0.0, 2.0)
    assert w.numpy().std() == pytest.approx(2.0, rel=0.05)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_on_one_unbatched_sample(reduction):
    z = bibun.tensor([1.0, 2.0, 0.5], requires_grad=True)
    loss = nn.functional.cross_entropy(z, bibun.tensor(1), reduction=reduction)
    assert loss.shape == ()
    expected = np.log(np.exp([1.0, 2.0, 0.5]).sum()) - 2.0
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    loss.backward()
    p = np.exp([1.0, 2.0, 0.5]) / np.exp([1.0, 2.0, 0.5]).sum()
    np.testing.assert_allclose(z.grad.numpy(), p - np.eye(3)[1], rtol=1e-6)


def test_cross_entropy_with_every_target_ignored_is_nan_with_zero_gradient():
    z = bibun.zeros(2, 3, requires_grad=True)
    loss = nn.functional.cross_entropy(z, bibun.tensor([-100, -100]))
    assert np.isnan(loss.item())
    loss.backward()
    assert z.grad.tolist() == [[0.0] * 3] * 2
