"""DataLoader: batches from a dataset, shuffled with bibun's seeded generator.

A TensorDataset (or a Subset of one) is batched by one fancy index per tensor per batch, not by
fetching samples one by one and stacking them: that is most of what a small training loop costs.
"""
import math

import numpy as np

from ..._tensor import Tensor
from ...random import _gen
from .dataset import Subset, TensorDataset


def default_collate(batch):
    """Stack a list of samples: tensors and arrays along a new first dim, numbers into a tensor,
    tuples / dicts element by element."""
    first = batch[0]
    if isinstance(first, Tensor):
        return Tensor._wrap(np.stack([b._data for b in batch]))
    if isinstance(first, np.ndarray):
        return Tensor._wrap(np.stack(batch))
    if isinstance(first, (bool, np.bool_)):
        return Tensor._wrap(np.array(batch, dtype=bool))
    if isinstance(first, (int, np.integer)):
        return Tensor._wrap(np.array(batch, dtype=np.int64))
    if isinstance(first, (float, np.floating)):
        return Tensor._wrap(np.array(batch, dtype=np.float64))
    if isinstance(first, (str, bytes)):
        return list(batch)
    if isinstance(first, dict):
        return {k: default_collate([b[k] for b in batch]) for k in first}
    if isinstance(first, (tuple, list)):
        if any(len(b) != len(first) for b in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return type(first)(default_collate(list(s)) for s in zip(*batch)) if isinstance(first, tuple) \
            else [default_collate(list(s)) for s in zip(*batch)]
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
                    f"found {type(first).__name__}")


def _tensor_source(dataset):
    """(arrays, index map) when the dataset is rows of tensors that can be sliced in one go."""
    if isinstance(dataset, TensorDataset) and not any(t.requires_grad for t in dataset.tensors):
        return [t._data for t in dataset.tensors], None
    if isinstance(dataset, Subset):
        inner = _tensor_source(dataset.dataset)
        if inner is not None:
            arrays, idx = inner
            sub = np.asarray(dataset.indices, dtype=np.int64)
            return arrays, (sub if idx is None else idx[sub])
    return None


class DataLoader:
    def __init__(self, dataset, batch_size=1, shuffle=False, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 generator=None, **kwargs):
        if batch_size is not None and (not isinstance(batch_size, int) or batch_size <= 0):
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        self.dataset, self.batch_size, self.shuffle = dataset, batch_size, shuffle
        self.sampler, self.drop_last, self.generator = sampler, drop_last, generator
        self.collate_fn = collate_fn
        self.num_workers = num_workers
        self._source = _tensor_source(dataset) if collate_fn is None and sampler is None else None

    def __len__(self):
        n = len(self.sampler) if self.sampler is not None else len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _order(self):
        n = len(self.dataset)
        if self.sampler is not None:
            return np.asarray(list(iter(self.sampler)), dtype=np.int64)
        if self.shuffle:
            return _gen(self.generator).permutation(n)
        return None

    def __iter__(self):
        order = self._order()
        n = len(order) if order is not None else len(self.dataset)
        bs = self.batch_size
        stop = n - n % bs if self.drop_last else n
        if self._source is not None:
            arrays, idx = self._source
            if idx is not None:
                order = idx if order is None else idx[order]
            wrap = Tensor._wrap
            if order is None:
                for i in range(0, stop, bs):
                    yield [wrap(a[i:i + bs].copy()) for a in arrays]
            else:
                for i in range(0, stop, bs):
                    sel = order[i:i + bs]
                    yield [wrap(a[sel]) for a in arrays]
            return
        collate = self.collate_fn or default_collate
        ds = self.dataset
        for i in range(0, stop, bs):
            sel = range(i, min(i + bs, n)) if order is None else order[i:i + bs].tolist()
            yield collate([ds[j] for j in sel])
