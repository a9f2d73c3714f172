"""The primitive table, grouped by kind. `OPS` maps each name to its forward, VJPs, teaching text and public
names; `bindings` lists those names for the modules that bind them (bibun._tensor, bibun, bibun.numpy)."""
from ._registry import METHOD, OPS, SURFACES, Op, apply, bindings, defop, defsurface
from . import elementwise, reduction, shape, linalg, losses
from . import activations, conv, pool, embedding
from ._xp import RAW
from ..autograd import engine as _engine

_engine.bind(raw=RAW)
