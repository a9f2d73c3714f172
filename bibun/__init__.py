"""bibun (微分): reverse-mode automatic differentiation on NumPy, with PyTorch's surface.

    import bibun
    w = bibun.tensor([1.0, 0.5], requires_grad=True)
    loss = -bibun.dot(bibun.tensor([1.0, -1.0]), w).sigmoid().log()
    loss.backward()
    print(w.grad)          # tensor([-0.3775,  0.3775])
"""
from ._memory import keep_freed_memory as _keep_freed_memory
_keep_freed_memory()       # before the first array: see bibun/_memory.py
from ._dtype import (dtype, float32, float64, float16, int64, int32, int16, int8, uint8,
                     bool_ as bool)
from ._dtype import float32 as float, float64 as double, float16 as half, int64 as long, int32 as int
from ._dtype import int16 as short
from ._print import set_printoptions, get_printoptions
from ._tensor import Tensor, Size
from ._creation import (tensor, as_tensor, from_numpy, zeros, ones, empty, full, zeros_like, ones_like, empty_like,
                        full_like, eye, arange, linspace)
from .random import (Generator, manual_seed, seed, initial_seed, get_rng_state, set_rng_state, randn, rand,
                     randint, randperm, normal, randn_like, rand_like, default_generator)
from .autograd import no_grad, enable_grad, set_grad_enabled, is_grad_enabled
from . import autograd, ops, numpy, linalg, func, nn, optim, utils
from .nn.parameter import Parameter
from .func import (grad, value_and_grad, elementwise_grad, grad_and_aux, make_vjp, make_jvp,
                   hessian_vector_product, hessian_tensor_product, jacobian, hessian)
# devices: bibun runs on the CPU; these let PyTorch code that picks its device run unchanged
from ._device import device, set_default_device, get_default_device
from . import cuda, backends, accelerator
# user-defined differentiable ops: PyTorch's autograd.Function, HIPS autograd's primitive / defvjp
from .autograd.function import Function as _Function, FunctionCtx as _FunctionCtx, primitive, defvjp
autograd.Function, autograd.FunctionCtx = _Function, _FunctionCtx
from .autograd import functional as _autograd_functional  # noqa: E402,F401  (bibun.autograd.functional)
# in-place variants, clamp_min/max and unique on Tensor
from . import _tensor_methods  # noqa: E402,F401
from ._tensor_methods import unique  # noqa: E402
# how many threads bibun.jit's big elementwise runs are shared over (PyTorch's names)
from ._threads import get_num_threads, set_num_threads  # noqa: E402
# trace a step once, replay it as NumPy: bibun.jit (the package is callable) and PyTorch's name for it
from . import jit  # noqa: E402
from .jit import compile  # noqa: E402,A001

__version__ = "0.1.0"


def save(obj, f):
    """Save a Tensor or a state_dict without pickle (see bibun._serialize); atomic for paths."""
    from ._serialize import save as _save
    return _save(obj, f)


def load(f, map_location=None, weights_only=True):
    """Load what bibun.save wrote, or a state dict saved by torch.save (read without running its pickle:
    only tensors and OrderedDicts are admitted); refuses anything else and damaged files."""
    from ._serialize import load as _load
    return _load(f, map_location, weights_only)


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(input):
    return input.numel()


def _method(name):
    def f(input, *args, **kwargs):
        return getattr(Tensor._from_data(input), name)(*args, **kwargs)
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"bibun.{name}(input, ...) is input.{name}(...)"
    return f


def _bind_functions():
    """The functions every op (and every surface entry) declares, bound as declared (bibun.linalg binds its
    own): one loop, so that a new op adds no line here. Ops that take any array-like input are bound as
    themselves, one call less."""
    for name, impl, _ in ops.bindings("function"):
        if "." not in name:
            globals()[name] = _method(name) if impl is ops.METHOD else impl


_bind_functions()
# the Tensor's own methods that are no op's (comparing whole tensors, leaving the graph)
allclose, equal, detach = _method("allclose"), _method("equal"), _method("detach")


# out= on the functions that take it in PyTorch (after the functions above are bound)
from ._out import OUT_FUNCTIONS as _out_names, with_out as _with_out  # noqa: E402
for _name in _out_names:
    globals()[_name] = _with_out(globals()[_name], _name)
del _out_names, _with_out, _name


def __getattr__(name):
    # the layers above the core load on first use, so `import bibun` needs NumPy alone:
    # bibun.explain(...) explains a computation, bibun.viz draws, bibun.workbench trains and reports,
    # bibun.datasets loads data
    if name in ("explain", "viz", "workbench", "datasets", "interop"):
        import importlib
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'bibun' has no attribute {name!r}")
