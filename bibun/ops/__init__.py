"""The primitive table, grouped by kind. `OPS` maps each name to its forward, VJPs and teaching text."""
from ._registry import OPS, Op, apply, defop
from . import elementwise, reduction, shape, linalg, losses
from ._xp import RAW
from ..autograd import engine as _engine

_engine.raw_numpy = RAW
