"""The source of a small PyTorch file that rebuilds a bibun model's architecture (for `bibun export`)."""
from .. import nn


def _layer(m, indent):
    kind = type(m)
    if kind is nn.Linear:
        return f"nn.Linear({m.in_features}, {m.out_features}, bias={m.bias is not None})"
    if kind in (nn.ReLU, nn.Sigmoid, nn.Tanh, nn.Identity):
        return f"nn.{kind.__name__}()"
    if kind in (nn.Softmax, nn.LogSoftmax):
        return f"nn.{kind.__name__}(dim={m.dim!r})"
    if kind is nn.Flatten:
        return f"nn.Flatten(start_dim={m.start_dim}, end_dim={m.end_dim})"
    if kind is nn.Dropout:
        return f"nn.Dropout(p={m.p!r})"
    if kind in (nn.Sequential, nn.ModuleList):
        pad = " " * (indent + 4)
        inner = "".join(f"{pad}{_layer(c, indent + 4)},\n" for c in m._modules.values())
        return (f"nn.Sequential(\n{inner}{' ' * indent})" if kind is nn.Sequential
                else f"nn.ModuleList([\n{inner}{' ' * indent}])")
    raise TypeError(f"a {kind.__name__} cannot be written as PyTorch source; export the weights with "
                    f"bibun.interop.save_torch and rebuild the model with bibun.interop.to_torch instead")


def torch_source(module, weights_name="model.pt", title="a bibun model"):
    """Python source defining build_model() (the architecture) and load_model() (with the saved weights)."""
    return f'''"""{title}, rebuilt in PyTorch; the weights are in {weights_name} (written by bibun export).

    from model import load_model
    model = load_model()          # a torch.nn.Module with the trained weights
"""
import os

import torch
from torch import nn


def build_model():
    return {_layer(module, 4)}


def load_model(path=None):
    model = build_model()
    path = path or os.path.join(os.path.dirname(os.path.abspath(__file__)), {weights_name!r})
    model.load_state_dict(torch.load(path, weights_only=True))
    return model
'''
