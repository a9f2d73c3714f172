"""jax.jit over bibun.jit: the arrays going in are handed to the trace as the Tensors they hold, and the
Tensors coming out are JAX arrays again, so that a replay reads each call's own arrays (a JAX array is
immutable, and bibun.jit would otherwise see it as an opaque object)."""
import functools

from .._tensor import Tensor
from .. import jit as _bibun_jit
from ._array import Array, wrap
from .tree_util import tree_map


def _unwrapped(tree):
    return tree_map(lambda x: x._t if isinstance(x, Array) else x, tree)


def _wrapped(tree):
    return tree_map(lambda x: wrap(x) if isinstance(x, Tensor) else x, tree)


def jit(fun=None, *, static_argnums=None, static_argnames=None, donate_argnums=None, **options):
    """Trace `fun` once per signature and replay it (bibun.jit). Python numbers among the arguments are part
    of the signature by value, which is what JAX's static_argnums asks for, so those options need nothing
    more; donate_argnums is a device-memory hint with no meaning here."""
    if fun is None:                                   # @jax.jit(static_argnums=...)
        return functools.partial(jit, static_argnums=static_argnums, static_argnames=static_argnames,
                                 donate_argnums=donate_argnums, **options)
    if options:
        raise TypeError(f"bibun.jax.jit takes static_argnums, static_argnames and donate_argnums; "
                        f"{', '.join(sorted(options))} {'is' if len(options) == 1 else 'are'} not supported")

    def on_tensors(*args, **kwargs):
        return _unwrapped(fun(*_wrapped(args), **_wrapped(kwargs)))

    on_tensors.__name__ = getattr(fun, "__name__", "function")
    traced = _bibun_jit(on_tensors)

    @functools.wraps(fun)
    def call(*args, **kwargs):
        return _wrapped(traced(*_unwrapped(args), **_unwrapped(kwargs)))

    call.plan = lambda *args, **kwargs: traced.plan(*_unwrapped(args), **_unwrapped(kwargs))
    return call
