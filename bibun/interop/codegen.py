"""The source of a small PyTorch file that rebuilds a bibun model's architecture (for `bibun export`)."""
from .. import nn
from .layer_table import ARGS, constructor_args


def _layer(m, indent):
    kind = type(m)
    if kind in (nn.Sequential, nn.ModuleList, nn.ModuleDict):
        pad = " " * (indent + 4)
        if kind is nn.ModuleDict:
            inner = "".join(f"{pad}{k!r}: {_layer(c, indent + 4)},\n" for k, c in m.items())
            return f"nn.ModuleDict({{\n{inner}{' ' * indent}}})"
        inner = "".join(f"{pad}{_layer(c, indent + 4)},\n" for c in m._modules.values())
        return (f"nn.Sequential(\n{inner}{' ' * indent})" if kind is nn.Sequential
                else f"nn.ModuleList([\n{inner}{' ' * indent}])")
    if kind.__name__ in ARGS and kind is getattr(nn, kind.__name__):
        return f"nn.{kind.__name__}({', '.join(f'{k}={v!r}' for k, v in constructor_args(m).items())})"
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
