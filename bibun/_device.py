"""bibun.device: where a tensor lives. bibun computes with NumPy on the CPU, so there is one device.
(The module is `_device` so that the name `bibun.device` is the class, as `torch.device` is.)

`device("cpu")`, `.to(device)` and the `device=` arguments of the creation functions are accepted so that
PyTorch code written for any machine runs unchanged; asking for an accelerator (CUDA, MPS, ...) stops with
a message that says what to write instead. Code that picks its device the usual way,
``device = "cuda" if bibun.cuda.is_available() else "cpu"``, gets the CPU.
"""

# the device types PyTorch knows: naming one of them is an accelerator request, anything else a typo
_ACCELERATORS = ("cuda", "mps", "xpu", "hip", "xla", "mtia", "ipu", "hpu", "ve", "vulkan", "meta", "opengl",
                 "opencl", "ideep", "mkldnn", "fpga", "maia", "lazy", "privateuseone")


class NoAcceleratorError(RuntimeError):
    """An accelerator was asked for; bibun runs on the CPU only."""


def accelerator_message(what):
    return (f"{what}: bibun runs on the CPU only (it computes with NumPy), so there is no GPU to use. Fix: use "
            f"the CPU: `device = bibun.device('cpu')` (the usual `device = 'cuda' if bibun.cuda.is_available() "
            f"else 'cpu'` picks it too, since is_available() is False), and leave out .cuda() / .to('cuda').")


class device:
    """A device, printed as PyTorch prints it: ``device(type='cpu')``; ``str(d)`` is ``'cpu'``."""
    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        elif isinstance(type, int) and not isinstance(type, bool):
            raise NoAcceleratorError(accelerator_message(f"device({type})"))    # an integer names a GPU
        elif not isinstance(type, str):
            raise TypeError(f"device() takes a string such as 'cpu' (or a device), got {_typename(type)}")
        kind, _, num = type.partition(":")
        if num:
            if index is not None:
                raise RuntimeError(f"device({type!r}, {index}): give the index once, in the string or as the "
                                   f"second argument")
            if not num.isdigit():
                raise RuntimeError(f"Invalid device string: {type!r}: write 'cpu' (or 'cpu:0')")
            index = int(num)
        if kind != "cpu":
            if kind in _ACCELERATORS:
                raise NoAcceleratorError(accelerator_message(f"device({type!r})"))
            raise RuntimeError(f"Expected a device type such as 'cpu' at the start of the device string, got "
                               f"{type!r}: bibun has one device, 'cpu'")
        if index is not None and index != 0:
            raise RuntimeError(f"device('cpu', {index}): the CPU has index 0 only")
        self.type, self.index = "cpu", index

    def __repr__(self):
        return "device(type='cpu')" if self.index is None else f"device(type='cpu', index={self.index})"

    def __str__(self):
        return "cpu" if self.index is None else f"cpu:{self.index}"

    def __eq__(self, other):
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return device, (self.type, self.index)


CPU = device("cpu")


def _typename(x):
    return type(x).__name__


def is_device(x):
    """Whether `x` names a device (a device, a device string such as 'cpu' or 'cuda:0', or an integer GPU
    index), as `.to()` tells a device argument from a dtype."""
    if isinstance(x, device):
        return True
    if isinstance(x, str):
        return x.partition(":")[0] in ("cpu",) + _ACCELERATORS
    return isinstance(x, int) and not isinstance(x, bool)


def check(d, what=None):
    """The device that a `device=` argument names: None and the CPU pass, accelerators stop with the message
    (naming `what` was called, where given)."""
    if d is None or d is CPU:
        return CPU
    if what is None:
        return device(d)
    try:
        return device(d)
    except NoAcceleratorError:
        raise NoAcceleratorError(accelerator_message(what)) from None


_default = CPU


def set_default_device(d):
    """Where new tensors are made: only the CPU (None resets it to the CPU)."""
    global _default
    _default = check(d)


def get_default_device():
    return _default
