"""bibun.jax: JAX's surface over bibun's engine, so the chapter's JAX cell runs with `jax` replaced by
`bibun.jax`, and records the same graph as its PyTorch and Autograd cells.

    import bibun.jax as jax
    import bibun.jax.numpy as jnp

    def loss(w, x):
        return -jnp.log(1.0 / (1 + jnp.exp(-jnp.dot(x, w))))

    x = jnp.array([1, -1], dtype=jnp.float32)
    w = jnp.array([1.0, 0.5], dtype=jnp.float32)
    print(loss(w, x))              # 0.47407693
    print(jax.grad(loss)(w, x))    # [-0.37754065  0.37754065]

Arrays are immutable and float32 by default (jnp.array), `jax.random` takes explicit keys, and `vmap` is a
loop over the mapped axis (see _transforms.py).
"""
from . import numpy, random, nn, tree_util
from ._array import Array
from ._transforms import grad, value_and_grad, jacrev, hessian, vmap
from ._jit import jit

__all__ = ["Array", "jit", "grad", "value_and_grad", "jacrev", "hessian", "vmap", "numpy", "random", "nn", "tree_util"]
