"""bibun.cuda: what PyTorch code asks about CUDA. bibun runs on the CPU, so there is never a GPU here.

The questions scripts ask before choosing a device answer "no" (is_available() is False, device_count()
is 0); seeding the GPUs is a no-op, as in PyTorch on a machine without one; anything that would use a
GPU stops with a message that says to use the CPU.
"""
from ._device import NoAcceleratorError, accelerator_message


def is_available():
    return False


def device_count():
    return 0


def is_initialized():
    return False


def manual_seed(seed):
    """Nothing to seed: there is no GPU (bibun.manual_seed seeds everything bibun draws)."""


def manual_seed_all(seed):
    """Nothing to seed: there is no GPU (bibun.manual_seed seeds everything bibun draws)."""


def empty_cache():
    """Nothing to free: there is no GPU memory."""


class _NoCudaAttribute(NoAcceleratorError, AttributeError):
    """Also an AttributeError, so that hasattr() and introspection keep working."""


def __getattr__(name):
    if name.startswith("_"):
        raise AttributeError(f"module 'bibun.cuda' has no attribute {name!r}")
    raise _NoCudaAttribute(accelerator_message(f"bibun.cuda.{name}"))
