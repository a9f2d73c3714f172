"""bibun.jit on arguments that are neither tensors nor arrays, and jax.jit (bibun.jit on JAX's arrays)."""
import gc

import numpy as np
import pytest

import bibun
import bibun.jax as jax
import bibun.jax.numpy as jnp


class Box:
    """An argument bibun.jit sees as an opaque object, holding a tensor."""
    def __init__(self, v):
        self.t = bibun.tensor([v])


def test_an_object_argument_is_never_mistaken_for_a_dead_one_with_the_same_id():
    # keyed by identity: a new object that takes a freed one's id must not replay the old one's trace
    g = bibun.jit(lambda b: b.t * 2)
    got = []
    for v in range(6):
        got.append(g(Box(float(v))).tolist())
        gc.collect()
    assert got == [[2.0 * v] for v in range(6)]


def chapter_loss(w, x):
    return -jnp.log(1.0 / (1 + jnp.exp(-jnp.dot(x, w))))


def test_jax_jit_of_grad_replays_on_each_calls_arrays():
    g = jax.jit(jax.grad(chapter_loss))
    x = jnp.array([1, -1], dtype=jnp.float32)
    for scale in (1.0, 2.0, -3.0):
        w = jnp.array([1.0, 0.5], dtype=jnp.float32) * scale
        got = g(w, x)
        assert isinstance(got, jax.Array) and got.dtype == np.float32
        assert got.tolist() == jax.grad(chapter_loss)(w, x).tolist()      # the same bits as eager
    assert "dot.vjp" in str(g.plan(w, x))


def test_jax_jit_of_value_and_grad_and_as_a_decorator():
    @jax.jit
    def step(w, x, lr):
        loss, g = jax.value_and_grad(chapter_loss)(w, x)
        return w - lr * g, loss

    w = jnp.array([1.0, 0.5], dtype=jnp.float32)
    x = jnp.array([1, -1], dtype=jnp.float32)
    eager_w = w
    for _ in range(5):
        w, loss = step(w, x, 0.1)
        eager_loss, eager_g = jax.value_and_grad(chapter_loss)(eager_w, x)
        eager_w = eager_w - 0.1 * eager_g
        assert w.tolist() == eager_w.tolist() and loss.tolist() == eager_loss.tolist()


def test_jax_jit_refuses_options_it_does_not_have():
    with pytest.raises(TypeError, match="backend"):
        jax.jit(chapter_loss, backend="cpu")


def test_jax_jit_matches_real_jax():
    real = pytest.importorskip("jax", reason="JAX is not installed: jax.jit compared with bibun's eager grad only")
    import jax.numpy as rjnp

    def real_loss(w, x):
        return -rjnp.log(1.0 / (1 + rjnp.exp(-rjnp.dot(x, w))))
    w, x = np.array([1.0, 0.5], np.float32), np.array([1.0, -1.0], np.float32)
    want = np.asarray(real.jit(real.grad(real_loss))(w, x))
    got = np.asarray(jax.jit(jax.grad(chapter_loss))(jnp.array(w), jnp.array(x)))
    # a handful of float32 ops: XLA's log and exp may differ from NumPy's by an ulp each
    np.testing.assert_allclose(got, want, rtol=16 * np.finfo(np.float32).eps)
