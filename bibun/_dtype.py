"""dtypes as objects, named as PyTorch names them (`bibun.float` is float32)."""
import builtins

import numpy as np


class dtype:
    __slots__ = ("name", "np", "is_floating_point", "is_signed", "itemsize")

    def __init__(self, name, np_type):
        self.name = name
        self.np = np.dtype(np_type)
        self.is_floating_point = self.np.kind == "f"
        self.is_signed = self.np.kind in "fi"
        self.itemsize = self.np.itemsize

    def __repr__(self):
        return f"bibun.{self.name}"

    def __reduce__(self):                # dtypes are singletons, also across copy/pickle
        return self.name


float32 = dtype("float32", np.float32)
float64 = dtype("float64", np.float64)
float16 = dtype("float16", np.float16)
int64 = dtype("int64", np.int64)
int32 = dtype("int32", np.int32)
int16 = dtype("int16", np.int16)
int8 = dtype("int8", np.int8)
uint8 = dtype("uint8", np.uint8)
bool_ = dtype("bool", np.bool_)

ALL = (float32, float64, float16, int64, int32, int16, int8, uint8, bool_)
_BY_NP = {d.np: d for d in ALL}
# PyTorch's aliases: torch.float is float32, torch.double float64, torch.long int64, ...
ALIASES = {"float": float32, "double": float64, "half": float16, "long": int64, "int": int32,
           "short": int16, "bool": bool_, "float32": float32, "float64": float64, "float16": float16,
           "int64": int64, "int32": int32, "int16": int16, "int8": int8, "uint8": uint8}


def from_np(np_dtype):
    """The bibun dtype of a NumPy dtype; refuses what PyTorch has no dtype for."""
    d = _BY_NP.get(np.dtype(np_dtype))
    if d is None:
        raise TypeError(f"NumPy dtype {np.dtype(np_dtype)} has no bibun dtype; convert the array first, "
                        f"e.g. arr.astype(np.float32)")
    return d


def to_np(d):
    """Accept a bibun dtype, a NumPy dtype or a Python type (float/int/bool) and give the NumPy dtype."""
    if isinstance(d, dtype):
        return d.np
    if d is builtins.float:
        return float32.np
    if d is builtins.int:
        return int64.np
    if d is builtins.bool:
        return bool_.np
    if isinstance(d, str) and d in ALIASES:
        return ALIASES[d].np
    try:
        return from_np(d).np
    except TypeError:
        raise TypeError(f"{d!r} is not a dtype; use one of bibun.float32, bibun.float64, bibun.int64, "
                        f"bibun.int32, bibun.bool, ...") from None
