"""Moving models between bibun, PyTorch and ONNX, with the numbers unchanged.

    torch_model = bibun.interop.to_torch(model)            # same structure, same weights
    model = bibun.interop.from_torch(torch_model)
    bibun.interop.save_torch(model, "model.pt")           # torch.load(..., weights_only=True) reads it
    state = bibun.load("torch_model.pt")                   # torch.save(model.state_dict(), ...) files
    bibun.interop.export_onnx(model, example_input, "model.onnx")

PyTorch and ONNX are optional: they are imported inside the functions that need them, never by
`import bibun`, and a missing one is named with the pip command that installs it.
"""
from .torch_file import save_torch


def to_torch(module, example_input=None):
    from .torch_modules import to_torch as _to_torch
    return _to_torch(module, example_input)


def from_torch(torch_module):
    from .torch_modules import from_torch as _from_torch
    return _from_torch(torch_module)


def export_onnx(module, example_input, path, opset=17):
    from .onnx_export import export_onnx as _export
    return _export(module, example_input, path, opset)


__all__ = ["to_torch", "from_torch", "save_torch", "export_onnx"]
