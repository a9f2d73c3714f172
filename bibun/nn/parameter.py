"""Parameter: the Tensor a Module registers as one of its weights (PyTorch's torch.nn.parameter)."""
import numpy as np

from .._print import format_tensor
from .._tensor import Tensor
from ..autograd import engine


class Parameter(Tensor):
    """A Tensor that a Module registers as one of its parameters; requires grad by default."""
    __slots__ = ()
    _is_parameter = True            # how the layers below nn tell one (error messages, saving)

    def __new__(cls, data=None, requires_grad=True):
        if engine.tracer is not None:
            engine.tracer.notify("on_new_parameter")
        src = data if data is not None else Tensor._wrap(np.empty(0, np.float32))
        p = object.__new__(cls)
        p._data = src._data if isinstance(src, Tensor) else np.asarray(src)
        p._grad = None
        p.grad_fn = None
        p._version = 0
        p.requires_grad = requires_grad
        return p

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        return "Parameter containing:\n" + format_tensor(self._data, requires_grad=self.requires_grad,
                                                         prefix="tensor")
