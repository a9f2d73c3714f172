"""bibun.backends: the switches PyTorch scripts set or ask about. There is no GPU backend: `mps` and
`cudnn` report that they are not available, and setting cudnn's flags (deterministic, benchmark) is
accepted and changes nothing, since NumPy on the CPU is deterministic already."""
import types


def _unavailable(name, **flags):
    m = types.SimpleNamespace(is_available=lambda: False, is_built=lambda: False, **flags)
    m.__name__ = f"bibun.backends.{name}"
    return m


mps = _unavailable("mps")
cudnn = _unavailable("cudnn", enabled=True, deterministic=False, benchmark=False, allow_tf32=False)
cuda = _unavailable("cuda")
