"""bibun.accelerator: PyTorch's device-agnostic questions, answered for a CPU-only library.

PyTorch's own quickstart picks its device with
``torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"``:
here is_available() is False, so that line gives "cpu".
"""


def is_available():
    return False


def device_count():
    return 0


def current_accelerator(check_available=False):
    """None: there is no accelerator (as PyTorch answers on a machine without one)."""
    return None
