"""The import contract: each layer of bibun imports only from the layers before it (imports inside
functions included), so that the core never depends on what is built on top of it.

Layers, lowest first (DESIGN.md): the base; autograd; ops; the tensor and its creation functions;
the front ends over the tensor (func, numpy, nn, optim, utils, ...); the layers that draw, explain and
load data; the workbench, the tour and the command line. A module may import its own package (its
siblings), anything in a lower layer, and nothing else of bibun: not a peer of its own layer (nn and
optim do not know each other). The package root `bibun` counts as a front end: it imports the core and
the front ends (the layers above load on first use), so only the layers above the front ends may use it."""
import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent / "bibun"

# (layer, [top-level names of bibun in it]); a name is a module (`_tensor`) or a package (`nn`)
LAYERS = [
    ("language", ["i18n"]),             # the language in effect and its catalog: the standard library alone
    ("base", ["_dtype", "_print", "_atomic", "_errors", "_device", "_generator", "_tensor_messages", "_threads"]),
    ("autograd", ["autograd"]),
    ("ops", ["ops"]),
    ("tensor's in-place changes", ["_tensor_inplace"]),
    ("tensor", ["_tensor"]),
    ("tensor creation", ["_creation"]),
    ("random tensors", ["random"]),
    # autograd.function and autograd.functional live in autograd/ because PyTorch names them so, but they
    # build on the Tensor: they are front ends, attached to bibun.autograd by the package root
    ("front ends", ["", "_tensor_methods", "_out", "func", "numpy", "nn", "optim", "utils",
                    "linalg", "cuda", "backends", "accelerator", "extend", "autograd.function",
                    "autograd.functional", "jit", "tf", "jax"]),
    ("PyTorch's file format", ["interop.torch_file"]),     # NumPy alone: bibun.load reads torch.save files
    ("saving", ["_serialize"]),         # bibun.save / load: tensors and nn's Parameters
    ("drawing", ["viz"]),
    ("teaching and data", ["explain", "datasets"]),
    ("interop", ["interop"]),           # to and from PyTorch and ONNX: the layers, the recorded forward
    ("workbench", ["workbench"]),
    ("tour", ["tour"]),
    ("command line", ["cli"]),
    ("python -m bibun", ["__main__"]),
]
LEVEL = {name: i for i, (_, names) in enumerate(LAYERS) for name in names}
# peers inside one layer that may use each other, lower first: the reason is written beside each
ALLOWED_PEERS = {
    "_generator": {"_device"},              # a Generator takes device= as PyTorch's does
    "_tensor_messages": {"_errors", "_print", "_dtype"},   # naming the user's tensor, showing its values
    "extend": {"autograd.function"},        # HIPS autograd's `autograd.extend` names: primitive, defvjp
    "jit": {"nn", "optim", "func"},         # jit sits above them (DESIGN.md): it traces their modules' changes
    "jax": {"jit"},                         # jax.jit is bibun.jit, on JAX's arrays
}


def _unit(module):
    """'bibun.nn.module' -> 'nn', 'bibun.autograd.function' -> 'autograd.function' (a module with a layer
    of its own); the package root -> ''."""
    parts = module.split(".")
    if len(parts) > 2 and ".".join(parts[1:3]) in LEVEL:
        return ".".join(parts[1:3])
    return parts[1] if len(parts) > 1 else ""


def imports_of(path):
    """(line, imported module) for every import in the file, at any depth, relative ones resolved."""
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    package = parts[:-1] if parts[-1] != "__init__" else parts[:-1]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod == "bibun" or (node.level and not node.module):
                # `from . import x` / `from .. import x`: each name may be a module of that package
                found += [(node.lineno, f"{mod}.{a.name}" if mod != "bibun" or a.name in LEVEL else mod)
                          for a in node.names]
            else:
                found.append((node.lineno, mod))
    return [(line, m) for line, m in found if m == "bibun" or m.startswith("bibun.")]


def violations(path):
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    me = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
    my_unit = _unit(me)
    out = []
    for line, target in imports_of(path):
        unit = _unit(target)
        where = f"{path.relative_to(ROOT.parent)}:{line} imports {target}"
        if my_unit == "" or (unit == my_unit and unit != ""):
            continue                     # the root imports what it offers; a package its own modules
        if unit == "" and LEVEL.get(my_unit, 0) <= LEVEL[""]:
            out.append(f"{where}: the package root, which imports everything")
            continue
        if my_unit not in LEVEL or unit not in LEVEL:
            out.append(f"{where}: {my_unit if my_unit not in LEVEL else unit} is in no layer (add it to LAYERS)")
        elif LEVEL[unit] > LEVEL[my_unit]:
            out.append(f"{where}: upward, from {LAYERS[LEVEL[my_unit]][0]} to {LAYERS[LEVEL[unit]][0]}")
        elif LEVEL[unit] == LEVEL[my_unit] and unit != "" and unit not in ALLOWED_PEERS.get(my_unit, ()):
            out.append(f"{where}: a peer in the layer {LAYERS[LEVEL[unit]][0]}")
    return out


def test_every_import_goes_down():
    found = [v for path in sorted(ROOT.rglob("*.py")) for v in violations(path)]
    assert not found, "imports against the layers:\n" + "\n".join(found)


@pytest.mark.parametrize("source, culprit", [
    ("def f():\n    from ..nn.module import Module\n", "upward, from autograd to front ends"),
    ("from .. import float64\n", "the package root"),
    ("import bibun.workbench\n", "upward, from autograd to workbench"),
])
def test_the_contract_catches_an_upward_import(tmp_path, monkeypatch, source, culprit):
    """Fed a module of the engine that reaches up (inside a function too), the check names it."""
    fake_root = tmp_path / "bibun"
    (fake_root / "autograd").mkdir(parents=True)
    bad = fake_root / "autograd" / "bad.py"
    bad.write_text(source)
    monkeypatch.setattr(__import__(__name__), "ROOT", fake_root)
    got = violations(bad)
    assert len(got) == 1 and culprit in got[0], got
