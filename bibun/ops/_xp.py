"""The array namespace VJPs run against when no graph of the backward pass is built: NumPy plus the
few functions NumPy lacks (bibun.numpy offers the same names on Tensors, for higher-order gradients)."""
import types

import numpy as np

from .elementwise import _sigmoid
from .reduction import _log_softmax, _softmax, _sum

RAW = types.SimpleNamespace(**{k: getattr(np, k) for k in dir(np) if not k.startswith("_")})
RAW.sigmoid = _sigmoid
RAW.sum = _sum
RAW.softmax = lambda a, axis: _softmax(a, axis)
RAW.log_softmax = lambda a, axis: _log_softmax(a, axis)
