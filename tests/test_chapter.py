"""The chapter's code cells (sections 8.1.4 to 8.3.2), ported: the same code with `torch` replaced by
`bibun`, checking the facts the chapter shows, for three seeds."""
import re

import numpy as np
import pytest

import bibun
from bibun.datasets import toy
from bibun.utils.data import DataLoader, TensorDataset

SEEDS = (0, 1, 2)
NUM = r"-?\d+\.\d{4}"


def _data(kind):
    X, y = toy.blobs() if kind == "blobs" else toy.circles()
    return bibun.from_numpy(X).type(bibun.float), bibun.from_numpy(y).type(bibun.float)


def _accuracy(model, X, Y):
    return ((model(X) > 0).float() == Y).float().mean().item()


def _train(model, X, Y, epochs=1000, lr=0.5):
    loader = DataLoader(TensorDataset(X, Y), batch_size=4, shuffle=True)
    loss_fn = bibun.nn.BCEWithLogitsLoss()
    optimizer = bibun.optim.SGD(model.parameters(), lr=lr)
    for _ in range(epochs):
        for x, y in loader:
            loss = loss_fn(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model


def test_8_1_4_autograd_cell(capsys):
    np_ = bibun.numpy

    def loss(w, x):
        return -np_.log(1.0 / (1 + np_.exp(-np_.dot(x, w))))

    x = np_.array([1, -1])
    w = np_.array([1.0, 0.5])
    print(loss(w, x))
    print(bibun.grad(loss)(w, x))
    out = capsys.readouterr().out.splitlines()
    assert out == ["0.47407698418010663", "[-0.37754067  0.37754067]"]


def test_8_1_4_torch_cell():
    x = bibun.tensor([1, -1], dtype=bibun.float)
    w = bibun.tensor([1.0, 0.5], dtype=bibun.float, requires_grad=True)
    loss = -bibun.dot(x, w).sigmoid().log()
    loss.backward()
    assert loss.item() == pytest.approx(0.4740769565105438, abs=1e-7)
    assert repr(w.grad) == "tensor([-0.3775,  0.3775])"


def test_8_2_first_rows():
    X, Y = _data("blobs")
    assert repr(X[:4]) == ("tensor([[ 2.4885, -7.4323],\n        [ 1.4338, -8.7279],\n"
                           "        [ 2.1874, -8.8029],\n        [ 1.1995, -4.6490]])")
    assert repr(Y[:4]) == "tensor([[1.],\n        [1.],\n        [1.],\n        [0.]])"


@pytest.mark.parametrize("seed", SEEDS)
def test_8_2_1_primitive_loop(seed):
    bibun.manual_seed(seed)
    X, Y = _data("blobs")
    loader = DataLoader(TensorDataset(X, Y), batch_size=4, shuffle=True)
    w = bibun.randn(2, 1, dtype=bibun.float, requires_grad=True)
    b = bibun.randn(1, dtype=bibun.float, requires_grad=True)
    H = []
    eta = 0.01
    for _ in range(1000):
        sumloss = 0.
        for x, y in loader:
            y_hat = (x.matmul(w) + b).sigmoid()
            l = y * y_hat + (1 - y) * (1 - y_hat)
            loss = -l.log().sum()
            sumloss += loss.item()
            loss.backward()
            with bibun.no_grad():
                w -= eta * w.grad
                b -= eta * b.grad
                w.grad.zero_()
                b.grad.zero_()
        H.append(sumloss)
    assert re.fullmatch(rf"tensor\(\[\[\s*{NUM}\],\n\s+\[\s*{NUM}\]\], requires_grad=True\)", repr(w))
    assert re.fullmatch(rf"tensor\(\[\s*{NUM}\], requires_grad=True\)", repr(b))
    assert H[-1] < 0.2 * H[0]
    assert _accuracy(lambda x: x.matmul(w) + b, X, Y) == 1.0


def _state_dict_pattern(prefix):
    w = rf"'{prefix}\.weight', tensor\(\[\[\s*{NUM},\s+{NUM}\]\]\)"
    b = rf"'{prefix}\.bias', tensor\(\[\s*{NUM}\]\)"
    return rf"OrderedDict\(\[\({w}\), \({b}\)\]\)|OrderedDict\(\{{{w.replace(', tensor', ': tensor')}, " \
           rf"{b.replace(', tensor', ': tensor')}\}}\)"


@pytest.mark.parametrize("seed", SEEDS)
def test_8_2_2_sequential_manual_update(seed):
    bibun.manual_seed(seed)
    X, Y = _data("blobs")
    loader = DataLoader(TensorDataset(X, Y), batch_size=4, shuffle=True)
    model = bibun.nn.Sequential(bibun.nn.Linear(2, 1, bias=True))
    loss_fn = bibun.nn.BCEWithLogitsLoss()
    for _ in range(1000):
        for x, y in loader:
            loss = loss_fn(model(x), y)
            model.zero_grad()
            loss.backward()
            with bibun.no_grad():
                for param in model.parameters():
                    param -= 0.1 * param.grad
    assert repr(model) == "Sequential(\n  (0): Linear(in_features=2, out_features=1, bias=True)\n)"
    assert re.fullmatch(_state_dict_pattern("0"), repr(model.state_dict()))
    assert _accuracy(model, X, Y) == 1.0


@pytest.mark.parametrize("seed", SEEDS)
def test_8_2_3_optimizer(seed):
    bibun.manual_seed(seed)
    X, Y = _data("blobs")
    model = _train(bibun.nn.Sequential(bibun.nn.Linear(2, 1, bias=True)), X, Y)
    assert _accuracy(model, X, Y) == 1.0


@pytest.mark.parametrize("seed", SEEDS)
def test_8_2_4_module_class(seed):
    class SingleLayerNN(bibun.nn.Module):
        def __init__(self, d_in, d_out):
            super().__init__()
            self.linear1 = bibun.nn.Linear(d_in, d_out, bias=True)

        def forward(self, x):
            return self.linear1(x)

    bibun.manual_seed(seed)
    X, Y = _data("blobs")
    model = _train(SingleLayerNN(2, 1), X, Y)
    assert re.fullmatch(_state_dict_pattern("linear1"), repr(model.state_dict()))
    assert _accuracy(model, X, Y) == 1.0


@pytest.mark.parametrize("seed", SEEDS)
def test_8_3_1_single_layer_fails_on_circles(seed):
    bibun.manual_seed(seed)
    X, Y = _data("circles")
    model = _train(bibun.nn.Sequential(bibun.nn.Linear(2, 1, bias=True)), X, Y)
    assert _accuracy(model, X, Y) <= 0.85


@pytest.mark.parametrize("seed", SEEDS)
def test_8_3_2_two_layers_separate_circles(seed):
    bibun.manual_seed(seed)
    X, Y = _data("circles")
    model = bibun.nn.Sequential(
        bibun.nn.Linear(2, 4, bias=True),
        bibun.nn.Sigmoid(),
        bibun.nn.Linear(4, 1, bias=True),
    )
    _train(model, X, Y)
    assert repr(model) == ("Sequential(\n  (0): Linear(in_features=2, out_features=4, bias=True)\n  (1): Sigmoid()\n"
                           "  (2): Linear(in_features=4, out_features=1, bias=True)\n)")
    assert _accuracy(model, X, Y) >= 0.95


def test_heatmap_helper_runs_on_bibun_tensors():
    """The chapter's plotting helpers take bibun tensors where they took torch's (matplotlib, np.where)."""
    matplotlib = pytest.importorskip("matplotlib", reason="matplotlib not installed: plotting check skipped")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    X, Y = _data("blobs")
    fig, ax = plt.subplots()
    ax.set_xlim(X[:, 0].min() - 0.5, X[:, 0].max() + 0.5)
    I = np.where(Y == 0)
    ax.scatter(X[I, 0], X[I, 1], c="tab:blue", marker="_")
    XX, YY = np.meshgrid(np.linspace(-1, 1, 8), np.linspace(-1, 1, 8))
    out = bibun.nn.Linear(2, 1)(bibun.from_numpy(np.vstack([XX.ravel(), YY.ravel()]).T).type(bibun.float))
    C = out.detach().numpy().copy().reshape(XX.shape)
    ax.pcolormesh(XX, YY, C, shading="auto")
    plt.close(fig)
    assert C.shape == (8, 8)
