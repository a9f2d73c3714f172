"""The models the interop tests move between bibun, PyTorch and ONNX, and the float32 error bound that
their outputs are compared with."""
import numpy as np

import bibun
from bibun import nn
from bibun.workbench.models import build_model

U32 = 2.0 ** -24            # unit roundoff of float32
ACTIVATION_ULPS = 4         # tanh / sigmoid / exp: a few roundings each, in any libm


class Net(nn.Module):
    """A user subclass: its own parameter, a ModuleList, a Dropout, ops between the layers."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(6, 5)
        self.act = nn.Tanh()
        self.blocks = nn.ModuleList([nn.Linear(5, 5), nn.Linear(5, 5)])
        self.drop = nn.Dropout(0.2)
        self.out = nn.Linear(5, 3)
        self.scale = nn.Parameter(bibun.tensor(0.5))

    def forward(self, x):
        h = self.act(self.fc1(x.flatten(1)))
        for b in self.blocks:
            h = h + self.drop(b(h)).relu()
        return self.out(h) * self.scale + 1


def models():
    """(name, model, example input) for the chapter's models and a user subclass, seeded."""
    bibun.manual_seed(0)
    blobs = nn.Sequential(nn.Linear(2, 1))
    circles = nn.Sequential(nn.Linear(2, 4), nn.Sigmoid(), nn.Linear(4, 1))
    mlp = build_model("mlp", 784, 10, (256, 128), "relu")
    net = Net()
    return [("blobs", blobs, bibun.randn(8, 2)), ("circles", circles, bibun.randn(8, 2)),
            ("mlp", mlp, bibun.rand(8, 1, 28, 28)), ("user", net, bibun.randn(8, 2, 3))]


def float32_bound(model, x):
    """Elementwise bound on |float32 output - exact output| for a Sequential of Flatten, Linear and
    activations: a Linear of fan-in n rounds within gamma_(n+1) (|W||h| + |b|) and passes on |W| times the
    error it received; an activation (slope at most 1) adds a few roundings of its output."""
    h = np.abs(x.detach().numpy().astype(np.float64)).reshape(len(x), -1)
    err = np.zeros_like(h)
    for layer in model:
        if isinstance(layer, nn.Linear):
            W, b = np.abs(layer.weight.detach().numpy().astype(np.float64)), np.abs(layer.bias.detach().numpy())
            n = W.shape[1] + 1
            mag = h @ W.T + b
            err = err @ W.T + n * U32 / (1 - n * U32) * mag
            h = mag
        elif isinstance(layer, (nn.Sigmoid, nn.Tanh)):
            h = np.minimum(h, 1.0)
            err = err + ACTIVATION_ULPS * U32 * h
    return err
