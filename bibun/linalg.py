"""bibun.linalg: PyTorch's torch.linalg (norm, vector_norm, matrix_norm, inv, det, slogdet, solve, cholesky,
eigh, eigvalsh, cross). Each function is declared with its op in bibun/ops/linalg.py and bound here."""
from .ops import bindings as _bindings


def _bind():
    for name, impl, _ in _bindings("function"):
        if name.startswith("linalg."):
            globals()[name[len("linalg."):]] = impl


_bind()
