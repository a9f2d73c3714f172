"""bibun.extend: HIPS autograd's `autograd.extend`, for code that defines its own primitives."""
from .autograd.function import primitive, defvjp

__all__ = ["primitive", "defvjp"]
