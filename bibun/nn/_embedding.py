"""Embedding: a lookup table of learned vectors, one row per index, as function and layer with PyTorch's
arguments, initialisation (N(0, 1), the padding row zero) and repr."""
import numpy as np

from .._errors import ShapeError
from .._tensor import Tensor
from ..ops.embedding import embedding as _embedding
from . import init
from .module import Module
from .parameter import Parameter


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    if max_norm is not None or scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: max_norm, scale_grad_by_freq and sparse are not available in bibun; "
                                  "leave them at their defaults")
    idx = input if isinstance(input, Tensor) else Tensor._from_data(np.asarray(input))
    d = idx._data
    n = weight.shape[0]
    if d.dtype.kind not in "iu":
        raise ShapeError(f"embedding expects integer indices (Long or Int), got a {idx.dtype} tensor: convert them "
                         f"with indices.long(); an embedding looks rows up, it does not multiply")
    if d.size and (d.min() < 0 or d.max() >= n):
        bad = int(d.max()) if d.max() >= n else int(d.min())
        raise IndexError(f"embedding: index {bad} is out of range for a table of {n} rows (0..{n - 1}): "
                         f"make num_embeddings larger than the largest index (vocabulary size)")
    if padding_idx is not None:
        padding_idx = _padding_row(padding_idx, n)
    return _embedding(weight, idx, padding_idx=padding_idx) if padding_idx is not None else _embedding(weight, idx)


def _padding_row(padding_idx, n):
    if not -n <= padding_idx < n:
        raise ValueError(f"padding_idx must be within num_embeddings ({n}), got {padding_idx}")
    return padding_idx % n


class Embedding(Module):
    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq=False, sparse=False, _weight=None, _freeze=False, device=None, dtype=None):
        super().__init__()
        if max_norm is not None or scale_grad_by_freq or sparse:
            raise NotImplementedError("Embedding: max_norm, scale_grad_by_freq and sparse are not available in "
                                      "bibun; leave them at their defaults")
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = None if padding_idx is None else _padding_row(padding_idx, num_embeddings)
        if _weight is None:
            dt = np.float32 if dtype is None else Tensor._wrap(np.zeros(0, np.float32)).type(dtype)._data.dtype
            self.weight = Parameter(Tensor._wrap(np.empty((num_embeddings, embedding_dim), dt)),
                                    requires_grad=not _freeze)
            self.reset_parameters()
        else:
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self):
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight._data[self.padding_idx] = 0

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None):
        rows, dim = embeddings.shape
        return cls(rows, dim, padding_idx=padding_idx, _weight=embeddings.detach().clone(), _freeze=freeze)

    def forward(self, input):
        return embedding(input, self.weight, self.padding_idx)

    def extra_repr(self):
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        return s + (f", padding_idx={self.padding_idx}" if self.padding_idx is not None else "")
