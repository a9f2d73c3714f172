"""Small differences from PyTorch that gave a wrong number, a raw NumPy error or a silent truncation;
each checked against PyTorch itself where it is installed."""
import numpy as np
import pytest

import bibun
import bibun.nn as nn
import bibun.nn.functional as F

try:
    import torch
except ImportError:
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is the reference these cases are compared with")


@needs_torch
def test_bce_with_logits_at_infinite_logits_matches_pytorch():
    z = np.array([-np.inf, -1e4, 0.0, 1e4, np.inf])
    Z, Y = np.meshgrid(z, [0.0, 0.3, 1.0])
    for reduction in ("none", "sum", "mean"):
        want = torch.nn.functional.binary_cross_entropy_with_logits(torch.tensor(Z), torch.tensor(Y),
                                                                       reduction=reduction).numpy()
        with np.errstate(all="ignore"):
            got = F.binary_cross_entropy_with_logits(bibun.tensor(Z), bibun.tensor(Y), reduction=reduction).numpy()
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        np.testing.assert_allclose(got[~np.isnan(got)], want[~np.isnan(want)], rtol=1e-12)
    got = F.binary_cross_entropy_with_logits(bibun.tensor([np.inf]), bibun.tensor([0.0]))
    assert got.item() == np.inf                    # it used to be nan


@pytest.mark.parametrize("call", ["t.max()", "t.min()", "t.max(dim=0)", "bibun.max(t)"])
def test_max_of_an_empty_tensor_says_so(call):
    t = bibun.zeros(0)
    with pytest.raises(RuntimeError, match="empty tensor"):
        eval(call)


@needs_torch
@pytest.mark.parametrize("code", ["t /= 2", "t += 2.5", "t.div_(2)", "t *= 1.5", "b += 1", "b *= 2",
                                  "t += 2", "t *= 3", "b *= b"])
def test_integer_in_place_division_is_refused_as_pytorch_does(code):
    def run(lib):
        t, b = lib.tensor([1, 2, 3]), lib.tensor([True, False])
        try:
            exec(code)
        except RuntimeError as e:
            return "refused", str(e).split(":")[0]
        return t.tolist(), b.tolist()
    assert run(bibun) == run(torch)


def test_integer_division_message_says_what_to_do():
    t = bibun.tensor([1, 2, 3])
    with pytest.raises(RuntimeError, match=r"t = t / \.\.\..*t\.float\(\)"):
        t /= 2
    assert t.tolist() == [1, 2, 3]                 # untouched


@needs_torch
def test_register_hook_on_leaf_and_intermediate():
    res = []
    for lib in (bibun, torch):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        seen = []
        h = x.register_hook(lambda g: seen.append(g.tolist()) or g * 2)
        y = x * 3
        y.register_hook(lambda g: g + 1)
        (y * y).sum().backward()
        first = x.grad.tolist()
        h.remove()
        x.grad = None
        (x * x).sum().backward()
        res.append((first, seen, x.grad.tolist()))
    assert res[0] == res[1]


def test_register_hook_refuses_what_cannot_have_one():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        bibun.ones(2).register_hook(lambda g: g)
    x = bibun.ones(2, requires_grad=True)
    x.register_hook(lambda g: bibun.ones(3))
    with pytest.raises(RuntimeError, match="shape"):
        (x * 2).sum().backward()


def test_requires_grad_assigned_on_integers_is_refused_at_backward():
    x = bibun.tensor([1, 2])
    x.requires_grad = True
    with pytest.raises(RuntimeError, match="floating point"):
        (x * 2.0).sum().backward()
    with pytest.raises(RuntimeError, match="floating point"):
        (x * 2).sum().backward()


def test_module_to_converts_buffers_and_grads():
    m = nn.Linear(2, 2)
    m.register_buffer("running", bibun.zeros(2))
    m.register_buffer("count", bibun.tensor(3))
    m(bibun.ones(1, 2)).sum().backward()
    m.double()
    assert (m.weight.dtype, m.weight.grad.dtype, m.running.dtype, m.count.dtype) == \
        (bibun.float64, bibun.float64, bibun.float64, bibun.int64)
    m.float()
    assert (m.bias.dtype, m.bias.grad.dtype, m.running.dtype) == (bibun.float32,) * 3


def test_a_base_class_call_runs():
    class Scaled(nn.Module):
        def __call__(self, x):
            return self.forward(x) * 10

    class Net(Scaled):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 1)

        def forward(self, x):
            return self.fc(x)

    net, x = Net(), bibun.ones(1, 2)
    assert net(x).item() == pytest.approx(net.forward(x).item() * 10)


def test_forward_assigned_on_an_instance_is_used():
    lin = nn.Linear(2, 1)
    other = nn.Linear(2, 1)
    lin.forward = lambda x: x.sum(1, keepdim=True)
    assert lin(bibun.ones(1, 2)).tolist() == [[2.0]]
    assert isinstance(lin, nn.Linear) and type(lin).__name__ == "Linear"
    assert other(bibun.ones(1, 2)).tolist() == other.forward(bibun.ones(1, 2)).tolist()


@needs_torch
def test_relu_and_dropout_in_place_change_their_input():
    res = []
    for lib in (bibun, torch):
        net = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.ReLU(inplace=True), lib.nn.Linear(4, 1)).double()
        with lib.no_grad():
            for p in net.parameters():
                p.copy_(lib.linspace(-1, 1, p.numel(), dtype=lib.float64).reshape(p.shape))
        x = lib.linspace(-2, 2, 6, dtype=lib.float64).reshape(2, 3)
        h = net[0](x)
        out = net[1](h)
        net(x).sum().backward()
        t = lib.ones(4)
        lib.nn.functional.dropout(t, 0.5, True, inplace=True)
        res.append((out is h, h.detach().numpy(), [p.grad.numpy() for p in net.parameters()],
                    set(t.tolist()) <= {0.0, 2.0}))
    (same_b, h_b, g_b, drop_b), (same_t, h_t, g_t, drop_t) = res
    assert same_b and same_t and drop_b and drop_t
    # sums of at most 4 products of numbers below 5 in float64: any order of summation is within
    # 4 · 25 · 2⁻⁵³ ≈ 1e-14 of any other
    np.testing.assert_allclose(h_b, h_t, rtol=0, atol=1e-13)
    for a, b in zip(g_b, g_t):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-13)


@needs_torch
def test_walking_next_functions_as_the_60_minute_blitz_does():
    """PyTorch's tutorial prints loss.grad_fn, then .next_functions[0][0] twice: MseLossBackward0,
    AddmmBackward0 (a Linear), AccumulateGrad (its bias)."""
    walks = []
    for lib in (bibun, torch):
        lib.manual_seed(0)
        net = lib.nn.Sequential(lib.nn.Linear(3, 2), lib.nn.ReLU(), lib.nn.Linear(2, 1))
        loss = lib.nn.MSELoss()(net(lib.ones(4, 3)), lib.zeros(4, 1))
        f = loss.grad_fn
        names = [type(f).__name__ if lib is torch else f.name()]
        f = f.next_functions[0][0]
        names.append(type(f).__name__ if lib is torch else f.name())
        names.append([type(g).__name__ if lib is torch else (g.name() if g is not None else None)
                      for g, _ in f.next_functions])
        leaf = f.next_functions[0][0]
        names.append(tuple(leaf.variable.shape))
        walks.append(names)
    torch_walk = walks[1]                  # its third entry is TBackward0 (W.T), bibun's the weight itself
    assert walks[0][:2] == torch_walk[:2] == ["MseLossBackward0", "AddmmBackward0"]
    assert walks[0][2][:2] == torch_walk[2][:2] == ["AccumulateGrad", "ReluBackward0"]
    assert walks[0][3] == torch_walk[3] == (1,)
