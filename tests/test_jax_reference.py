"""bibun.jax against the real JAX (skipped, with the reason shown, where JAX is not installed).

Both compute in float32. The two libraries round differently inside exp and log (XLA's own kernels against
NumPy's), so values agree to a few float32 roundings, not bit for bit: the functions below chain at most
about ten ops with derivatives of order one, each rounding by half an ulp, so 16 ulp of the value's scale
bounds the difference. Printed forms and integer results are compared exactly."""
import numpy as np
import pytest

import bibun.jax as bj
import bibun.jax.numpy as bjnp

jax = pytest.importorskip("jax", reason="the real JAX is not installed: nothing to compare bibun.jax with")
jnp = pytest.importorskip("jax.numpy")

EPS32 = np.finfo(np.float32).eps


def same(ours, theirs, ulps=16):
    """Same pytree, shapes and dtypes; values within `ulps` float32 roundings of the largest magnitude."""
    ours_leaves, ours_def = bj.tree_util.tree_flatten(ours)
    theirs_leaves, theirs_def = jax.tree_util.tree_flatten(theirs)
    assert len(ours_leaves) == len(theirs_leaves), (ours_def, theirs_def)
    for a, b in zip(ours_leaves, theirs_leaves):
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape and a.dtype == b.dtype, (a, b)
        scale = max(1.0, float(np.max(np.abs(b.astype(np.float64)), initial=0.0)))
        np.testing.assert_allclose(a.astype(np.float64), b.astype(np.float64), rtol=0, atol=ulps * EPS32 * scale)


def both(make):
    """Run `make(jax, jnp)` on bibun.jax and on the real JAX."""
    return make(bj, bjnp), make(jax, jnp)


def chapter_loss(jnp):
    return lambda w, x: -jnp.log(1.0 / (1 + jnp.exp(-jnp.dot(x, w))))


def test_chapter_cell():
    def cell(jax, jnp):
        loss = chapter_loss(jnp)
        x = jnp.array([1, -1], dtype=jnp.float32)
        w = jnp.array([1.0, 0.5], dtype=jnp.float32)
        return loss(w, x), jax.grad(loss)(w, x)
    (ours_loss, ours_grad), (loss, grad) = both(cell)
    same(ours_loss, loss)
    same(ours_grad, grad)
    assert str(ours_grad) == str(grad)                  # [-0.37754065  0.37754065] in both


@pytest.mark.parametrize("make", [
    lambda jax, jnp: jnp.array([1, -1]),
    lambda jax, jnp: jnp.array([-0.5, 0.25], dtype=jnp.float32),
    lambda jax, jnp: jnp.arange(12.0).reshape(3, 4),
    lambda jax, jnp: jnp.arange(24).reshape(2, 3, 4),
    lambda jax, jnp: jnp.array([True, False]),
    lambda jax, jnp: jnp.zeros((2, 0)),
    lambda jax, jnp: jnp.arange(2000.0),
    lambda jax, jnp: jnp.array([1e-8, 1.0]),
    lambda jax, jnp: jnp.array(123456789.0, dtype=jnp.float32),     # not weakly typed: see the README
    lambda jax, jnp: jnp.ones((3, 40)),
    lambda jax, jnp: jnp.array([[1.5, -2.0]]) * 3,
    lambda jax, jnp: jax.random.PRNGKey(7),
], ids=["int", "float", "matrix", "3d", "bool", "empty", "summarised", "small", "large", "wide", "row", "key"])
def test_printed_forms(make):
    ours, theirs = both(make)
    assert str(ours) == str(theirs)
    assert repr(ours) == repr(theirs)


def test_grad_argnums_has_aux_and_value_and_grad():
    def run(jax, jnp):
        def f(a, b, c):
            y = jnp.tanh(a * b) + jnp.sin(c) * b
            return jnp.sum(y ** 2), {"y": y}
        a = jnp.array([0.3, -1.2, 2.0])
        b = jnp.array([1.5, 0.5, -0.7])
        c = jnp.array(0.4)
        return (jax.grad(f, has_aux=True)(a, b, c),
                jax.grad(f, argnums=(0, 2), has_aux=True)(a, b, c),
                jax.value_and_grad(f, argnums=1, has_aux=True)(a, b, c),
                jax.value_and_grad(lambda a: f(a, b, c)[0])(a))
    ours, theirs = both(run)
    same(ours, theirs)


def test_grad_of_a_small_network_with_dict_parameters():
    def run(jax, jnp):
        rng = np.random.default_rng(0)
        params = {"W1": jnp.array(rng.normal(size=(3, 4))), "b1": jnp.zeros(4),
                  "W2": jnp.array(rng.normal(size=(4, 2))), "b2": jnp.array([0.1, -0.1])}
        x = jnp.array(rng.normal(size=(5, 3)))
        y = jnp.array([0, 1, 1, 0, 1])

        def loss(p, x, y):
            h = jax.nn.relu(x @ p["W1"] + p["b1"])
            logits = h @ p["W2"] + p["b2"]
            logp = jax.nn.log_softmax(logits)
            return -jnp.mean(jnp.sum(logp * jax.nn.one_hot(y, 2), axis=1))
        value, g = jax.value_and_grad(loss)(params, x, y)
        step = jax.tree_util.tree_map(lambda p, g: p - 0.1 * g, params, g)
        return value, g, loss(step, x, y)
    ours, theirs = both(run)
    same(ours, theirs)


def test_nn_functions():
    def run(jax, jnp):
        z = jnp.array([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]])
        fs = [jax.nn.sigmoid, jax.nn.relu, jax.nn.softmax, jax.nn.log_softmax, jax.nn.logsumexp,
              lambda z: jax.nn.softmax(z, axis=0), lambda z: jax.nn.logsumexp(z, axis=1, keepdims=True)]
        return [f(z) for f in fs] + [jax.grad(lambda z: jnp.sum(f(z) * jnp.arange(6.0).reshape(2, 3)))(z)
                                     for f in fs]
    ours, theirs = both(run)
    same(ours, theirs)
    assert (bj.grad(bj.nn.relu)(0.0), jax.grad(jax.nn.relu)(0.0)) == (0.0, 0.0)


def test_at_updates_and_their_gradients():
    def run(jax, jnp):
        x = jnp.array([1.0, 2.0, 3.0, 4.0])
        v = jnp.array([2.0, 3.0, 5.0])
        idx = jnp.array([1, 3, 1])
        unique = jnp.array([2, 0])
        c = jnp.array([1.0, 10.0, 100.0, 1000.0])
        out = [x.at[idx].add(v), x.at[idx].multiply(v), x.at[unique].set(v[:2]), x.at[1:3].set(0.5),
               x.at[2].get(), x.at[idx].get()]
        # JAX differentiates multiply only for unique indices (bibun also for repeated ones, see test_jax.py)
        for how, i, vals in (("add", idx, v), ("multiply", unique, v[:2]), ("set", unique, v[:2])):
            unique_indices = how != "add"          # JAX needs the promise to differentiate multiply
            out.append(jax.grad(lambda x, v: jnp.sum(c * getattr(x.at[i], how)(v, unique_indices=unique_indices)),
                                argnums=(0, 1))(x, vals))
        return out
    ours, theirs = both(run)
    same(ours, theirs)


def test_vmap_jacrev_hessian():
    def run(jax, jnp):
        xs = jnp.array([[1.0, -1.0], [2.0, 0.5], [0.0, 3.0]])
        w = jnp.array([1.0, 0.5])
        loss = chapter_loss(jnp)
        return (jax.vmap(jax.grad(loss), in_axes=(None, 0))(w, xs),
                jax.vmap(lambda r: jnp.outer(r, r), in_axes=1, out_axes=2)(xs),
                jax.jacrev(lambda w: jnp.tanh(xs @ w))(w),
                jax.hessian(lambda w: loss(w, xs[1]))(w))
    ours, theirs = both(run)
    same(ours, theirs)


def test_nested_grad():
    def run(jax, jnp):
        f = lambda x: jnp.sin(x) * x ** 2                                              # noqa: E731
        return (jax.grad(jax.grad(f))(0.7), jax.grad(jax.grad(jax.grad(f)))(0.7),
                jax.grad(lambda x: x * jax.grad(lambda y: jnp.sin(x * y))(x))(0.7))
    ours, theirs = both(run)
    same(ours, theirs)


def test_the_same_mistakes_raise_the_same_error_types():
    for make in (lambda jax, jnp: jax.grad(lambda x: x * 2)(jnp.ones(2)),
                 lambda jax, jnp: jax.grad(lambda x: x * 2)(jnp.ones(1)),
                 lambda jax, jnp: jax.grad(lambda x: x * 2.0)(1),
                 lambda jax, jnp: jnp.ones(2).__setitem__(0, 1.0)):
        for lib in ((bj, bjnp), (jax, jnp)):
            with pytest.raises(TypeError):
                make(*lib)


def test_dtypes_follow_jax():
    def run(jax, jnp):
        a, i = jnp.array([1.5, 2.0]), jnp.array([1, 2])
        return [x.dtype for x in (jnp.array(1.0), jnp.array([1, 2]), jnp.array(np.arange(3.0)), jnp.arange(4),
                                  jnp.zeros(2), jnp.linspace(0, 1, 3), i + 1.5, i * 2, a * i, jnp.sum(i),
                                  jnp.exp(i), jnp.mean(a), i / 2, a > 1, jnp.argmax(a),
                                  jax.random.normal(jax.random.PRNGKey(0), (2,)),
                                  jax.random.uniform(jax.random.PRNGKey(0), (2,)),
                                  jax.random.split(jax.random.PRNGKey(0)))]
    ours, theirs = both(run)
    assert ours == theirs


def test_every_jnp_name_exists_in_jax_numpy():
    ours = {n for n in dir(bjnp) if not n.startswith("_")}
    missing = sorted(n for n in ours if not hasattr(jnp, n))
    assert not missing, f"bibun.jax.numpy has names real jax.numpy does not: {missing}"
    missing_linalg = sorted(n for n in dir(bjnp.linalg) if not n.startswith("_") and not hasattr(jnp.linalg, n))
    assert not missing_linalg
