"""The array namespace VJPs run against when no graph of the backward pass is built: NumPy plus the
few functions NumPy lacks (bibun.numpy offers the same names on Tensors, for higher-order gradients)."""
import types

import numpy as np

from .activations import _erf
from .elementwise import _sigmoid
from .reduction import _log_softmax, _softmax, _sum

class _Namespace(types.SimpleNamespace):
    def __getattr__(self, name):          # any other NumPy name, looked up once then kept
        value = getattr(np, name)
        setattr(self, name, value)
        return value


# NumPy's names are copied in on first use: copying all of dir(np) would import its lazy submodules
RAW = _Namespace()
RAW.sigmoid = _sigmoid
RAW.erf = _erf
RAW.sum = _sum
RAW.softmax = lambda a, axis: _softmax(a, axis)
RAW.log_softmax = lambda a, axis: _log_softmax(a, axis)
