"""Embedding: rows of a weight matrix picked by integer indices. Its VJP adds each output row's gradient into
the row it came from (indices repeat), except the padding row, which never learns (PyTorch's padding_idx)."""
import numpy as np

from ._registry import ATOM, Form, Text, defop
from ._wrap import nary
from .shape import scatter_add


def _embedding_grad(xp, g, out, w, idx, padding_idx=None):
    shape = tuple(w.shape)
    flat = np.asarray(getattr(idx, "_data", idx)).reshape(-1)
    rows = xp.reshape(g, (flat.size, shape[1]))
    if hasattr(rows, "grad_fn"):                       # a graph of the backward pass: the recorded scatter
        grad = scatter_add(rows, shape=shape, key=(flat,))
    else:
        grad = np.zeros(shape, rows.dtype)
        np.add.at(grad, flat, rows)
    if padding_idx is not None:
        keep = np.ones((shape[0], 1), grad.dtype if isinstance(grad, np.ndarray) else grad._data.dtype)
        keep[padding_idx] = 0
        grad = grad * keep
    return grad


embedding = nary(defop(
    "embedding", fwd=lambda w, idx, padding_idx=None: w[idx], vjp=(_embedding_grad, None), kind="shape",
    grad_name="EmbeddingBackward0", symbol="embed", label=r"W[\cdot]", local=(None, None),
    vjp_text=(Text(r"\sum_{i: @1_i = r} @g_i", "sum of @g over the positions of each row"), None),
    forward=Form(r"@0[@1]", "@0[@1]", ATOM)))
