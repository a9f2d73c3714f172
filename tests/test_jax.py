"""bibun.jax on its own: arrays (dtypes, printing, immutability, .at[]), the transforms, jax.random, jax.nn
and tree_util. The comparison with the real JAX is in test_jax_reference.py.

Expected values are exact where the arithmetic is (small integers, powers of two) and otherwise the float64
value with a tolerance of a few float32 roundings: each float32 op rounds by at most half an ulp (EPS32 / 2
relative), and the functions here chain fewer than ten ops with derivatives of order one, so 16 ulp of
the result is a safe bound that still fails on any real mistake."""
import re
import warnings

import numpy as np
import pytest

import bibun
import bibun.jax as jax
import bibun.jax.numpy as jnp

EPS32 = np.finfo(np.float32).eps


def close32(got, want, ulps=16):
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=ulps * EPS32, atol=ulps * EPS32)


def chapter_loss(w, x):
    return -jnp.log(1.0 / (1 + jnp.exp(-jnp.dot(x, w))))


def sigmoid64(z):
    return 1 / (1 + np.exp(-z))


X = np.array([1.0, -1.0])
W = np.array([1.0, 0.5])
LOSS64 = -np.log(sigmoid64(X @ W))
GRAD64 = -(1 - sigmoid64(X @ W)) * X


# -- the chapter's cell --------------------------------------------------------------------------------------------
def test_chapter_cell_values_and_printed_forms():
    x = jnp.array([1, -1], dtype=jnp.float32)
    w = jnp.array([1.0, 0.5], dtype=jnp.float32)
    loss, g = chapter_loss(w, x), jax.grad(chapter_loss)(w, x)
    assert isinstance(loss, jax.Array) and loss.dtype == np.float32 and loss.shape == ()
    close32(loss, LOSS64)
    close32(g, GRAD64)
    assert re.fullmatch(r"0\.474076\d\d", str(loss))              # a float32 scalar: 8 significant digits
    assert re.fullmatch(r"\[-0\.377540\d\d  0\.377540\d\d\]", str(g))
    assert re.fullmatch(r"Array\(\[-0\.377540\d\d,  0\.377540\d\d\], dtype=float32\)", repr(g))


# -- arrays: dtypes, printing, immutability ---------------------------------------------------------------------
def test_array_dtypes_are_jax_defaults():
    assert jnp.array(1.0).dtype == np.float32
    assert jnp.array([1, 2]).dtype == np.int32
    assert jnp.array(np.arange(3.0)).dtype == np.float32          # float64 data narrows (x64 is off)
    assert jnp.array([True]).dtype == np.bool_
    assert jnp.zeros(3).dtype == np.float32 and jnp.ones((2, 2)).dtype == np.float32
    assert jnp.arange(4).dtype == np.int32 and jnp.arange(4.0).dtype == np.float32
    assert jnp.linspace(0, 1, 5).dtype == np.float32
    assert (jnp.array([1, 2]) + 1.5).dtype == np.float32            # a Python float keeps float32
    assert (jnp.array([1.0]) + np.float64(2)).dtype == np.float32
    assert jnp.sum(jnp.array([1, 2])).dtype == np.int32
    assert jnp.exp(jnp.array([0, 1])).dtype == np.float32
    with pytest.warns(UserWarning, match="float64 is not available.*float32"):
        assert jnp.array([1.0], dtype=jnp.float64).dtype == np.float32


# the real JAX's output for these, recorded with JAX 0.10.2 (test_jax_reference.py checks them live)
PRINTED = [
    (lambda: jnp.array([1, -1]), "[ 1 -1]", "Array([ 1, -1], dtype=int32)"),
    (lambda: jnp.arange(12.0).reshape(3, 4), "[[ 0.  1.  2.  3.]\n [ 4.  5.  6.  7.]\n [ 8.  9. 10. 11.]]",
     "Array([[ 0.,  1.,  2.,  3.],\n       [ 4.,  5.,  6.,  7.],\n       [ 8.,  9., 10., 11.]], dtype=float32)"),
    (lambda: jnp.array([True, False]), "[ True False]", "Array([ True, False], dtype=bool)"),
    (lambda: jnp.zeros((2, 0)), "[]", "Array([], shape=(2, 0), dtype=float32)"),
    (lambda: jnp.array([3.0]) * 1.5, "[4.5]", "Array([4.5], dtype=float32)"),
    (lambda: jnp.arange(2000.0), None,
     "Array([0.000e+00, 1.000e+00, 2.000e+00, ..., 1.997e+03, 1.998e+03,\n       1.999e+03], dtype=float32)"),
    (lambda: jax.random.PRNGKey(0), "[0 0]", "Array([0, 0], dtype=uint32)"),
]


@pytest.mark.parametrize("make,text,rep", PRINTED)
def test_arrays_print_as_jax_prints_them(make, text, rep):
    a = make()
    if text is not None:
        assert str(a) == text
    assert repr(a) == rep


def test_item_assignment_is_refused_with_the_at_fix():
    x = jnp.array([1.0, 2.0])
    with pytest.raises(TypeError, match=re.escape("x = x.at[idx].set(y)")):
        x[0] = 5.0
    with pytest.raises(ValueError, match="read-only"):
        np.asarray(x)[0] = 5.0                   # NumPy's view of it is read-only, as JAX's is
    assert x.tolist() == [1.0, 2.0]


def test_array_copies_its_numpy_source():
    a = np.array([1.0, 2.0], dtype=np.float32)
    x = jnp.array(a)
    a[0] = 9.0
    assert x.tolist() == [1.0, 2.0]


def test_arrays_are_unhashable_and_lists_do_not_broadcast_in():
    x = jnp.array([1.0])
    with pytest.raises(TypeError):
        hash(x)
    with pytest.raises(TypeError):
        x + [1.0]


def test_array_methods():
    x = jnp.arange(6.0).reshape(2, 3)
    assert x.shape == (2, 3) and x.ndim == 2 and x.size == 6 and len(x) == 2
    assert x.T.shape == (3, 2) and x.transpose(1, 0).shape == (3, 2) and x.reshape((3, 2)).shape == (3, 2)
    assert x.sum().item() == 15.0 and x.sum(axis=0).tolist() == [3.0, 5.0, 7.0]
    assert x.mean(axis=1, keepdims=True).shape == (2, 1)
    assert x.max().item() == 5.0 and int(x.argmax()) == 5
    assert x.astype(jnp.int32).dtype == np.int32 and x.ravel().shape == (6,) and x.flatten().shape == (6,)
    assert (x > 2).dtype == np.bool_ and (x > 2).sum().item() == 3
    assert x[1, ::2].tolist() == [3.0, 5.0] and x[jnp.array([1, 1])].shape == (2, 3)
    assert [r.tolist() for r in x] == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert f"{x.sum():.1f}" == "15.0" and float(x[0, 1]) == 1.0
    assert (x @ x.T).tolist() == [[5.0, 14.0], [14.0, 50.0]]
    assert (2 - x)[0].tolist() == [2.0, 1.0, 0.0] and (np.float32(2) * x).dtype == np.float32


def test_jnp_functions_return_arrays_and_cover_bibun_numpy():
    a = jnp.array([[1.0, 2.0], [3.0, 4.0]])
    for result in (jnp.exp(a), jnp.sum(a, axis=0), jnp.concatenate([a, a]), jnp.stack([a, a], axis=1),
                   jnp.where(a > 2, a, 0.0), jnp.linalg.inv(a), jnp.maximum(a, 2.5), jnp.sum([1.0, 2.0])):
        assert isinstance(result, jax.Array) and result.dtype == np.float32
    assert jnp.concatenate([a, a]).shape == (4, 2)
    assert jnp.sum([1.0, 2.0]).item() == 3.0
    close32(jnp.linalg.inv(a), np.linalg.inv(np.array([[1.0, 2.0], [3.0, 4.0]])))
    with pytest.raises(AttributeError, match="bibun.jax.numpy has no 'fft'"):
        jnp.fft
    assert not hasattr(jnp, "sigmoid")                # jax.nn.sigmoid: real jax.numpy has none


# -- .at[] -------------------------------------------------------------------------------------------------------
def test_at_updates_return_new_arrays():
    x = jnp.array([1.0, 2.0, 3.0])
    assert x.at[1].set(9.0).tolist() == [1.0, 9.0, 3.0]
    assert x.at[1:].add(1.0).tolist() == [1.0, 3.0, 4.0]
    assert x.at[jnp.array([0, 2])].multiply(jnp.array([2.0, 3.0])).tolist() == [2.0, 2.0, 9.0]
    assert x.at[2].get().item() == 3.0
    assert x.tolist() == [1.0, 2.0, 3.0]                          # x itself never changes
    idx = jnp.array([0, 0, 2])
    assert x.at[idx].add(jnp.array([1.0, 2.0, 3.0])).tolist() == [4.0, 2.0, 6.0]       # repeats add up
    assert x.at[idx].multiply(jnp.array([2.0, 5.0, 3.0])).tolist() == [10.0, 2.0, 9.0]  # and multiply
    assert x.at[idx].set(jnp.array([7.0, 8.0, 9.0])).tolist() == [8.0, 2.0, 9.0]       # the last one stays
    assert jnp.array([1, 2]).at[0].set(2.7).tolist() == [2, 2]                          # cast to the array's dtype
    with pytest.raises(ValueError, match="do not fit the selected elements"):
        x.at[:2].set(jnp.array([1.0, 2.0, 3.0]))


@pytest.mark.parametrize("how", ["set", "add", "multiply"])
def test_at_updates_are_differentiable(how):
    """f(x, v) = sum(c * x.at[idx].how(v)) with repeated indices; the gradients by hand (exact in float32)."""
    x0 = np.array([1.0, 2.0, 3.0, 4.0], dtype=np.float32)
    v0 = np.array([2.0, 3.0, 5.0], dtype=np.float32)
    c = np.array([1.0, 10.0, 100.0, 1000.0], dtype=np.float32)
    idx = np.array([1, 3, 1])

    def f(x, v):
        return jnp.sum(jnp.array(c) * getattr(x.at[idx], how)(v))
    gx, gv = jax.grad(f, argnums=(0, 1))(jnp.array(x0), jnp.array(v0))
    if how == "set":       # elements 1 and 3 are replaced; v[0] is overwritten by v[2]
        want_x, want_v = [1.0, 0.0, 100.0, 0.0], [0.0, 1000.0, 10.0]
    elif how == "add":
        want_x, want_v = c, c[idx]
    else:                  # x1 * v0 * v2 and x3 * v1
        want_x = [1.0, 10.0 * 2 * 5, 100.0, 1000.0 * 3]
        want_v = [10.0 * 2 * 5, 1000.0 * 4, 10.0 * 2 * 2]
    assert gx.tolist() == list(want_x) and gv.tolist() == list(want_v)


# -- grad and value_and_grad -------------------------------------------------------------------------------------
def test_value_and_grad_argnums_and_has_aux():
    def f(a, b, scale=1.0):
        return scale * jnp.sum(a * b * b), {"b2": b * b}
    a, b = jnp.array([1.0, 2.0]), jnp.array([3.0, 4.0])
    (value, aux), (ga, gb) = jax.value_and_grad(f, argnums=(0, 1), has_aux=True)(a, b, scale=2.0)
    assert value.item() == 2 * (9 + 32) and aux["b2"].tolist() == [9.0, 16.0]
    assert ga.tolist() == [18.0, 32.0] and gb.tolist() == [12.0, 32.0]
    g, aux = jax.grad(f, argnums=1, has_aux=True)(a, b)
    assert g.tolist() == [6.0, 16.0] and not aux["b2"]._t.requires_grad
    assert jax.grad(lambda a, b: jnp.sum(a * b), argnums=-1)(a, b).tolist() == [1.0, 2.0]


def test_grad_of_pytrees_python_floats_and_unused_arguments():
    params = {"w": jnp.array([1.0, 2.0]), "b": 0.5, "layers": [jnp.array(3.0)]}

    def f(p, x):
        return jnp.sum(p["w"] * x) + p["b"] * p["layers"][0]
    g = jax.grad(f)(params, jnp.array([3.0, 4.0]))
    assert set(g) == {"w", "b", "layers"} and g["w"].tolist() == [3.0, 4.0]
    assert g["b"].item() == 3.0 and g["b"].dtype == np.float32 and g["layers"][0].item() == 0.5
    assert jax.grad(lambda x, y: 2.0 * x)(1.0, 5.0).item() == 2.0
    assert jax.grad(lambda x, y: 2.0 * x, argnums=1)(1.0, 5.0).item() == 0.0         # y is not used: 0
    assert jax.grad(lambda x: 3.0)(1.0).item() == 0.0


def test_grad_of_grad_and_closures():
    assert jax.grad(jax.grad(lambda x: x ** 3))(2.0).item() == 12.0
    assert jax.grad(jax.grad(jax.grad(lambda x: x ** 3)))(2.0).item() == 6.0
    # d/dx [x * d/dy (x y)] = d/dx x² = 2x: the inner grad is taken with respect to y only
    assert jax.grad(lambda x: x * jax.grad(lambda y: x * y)(3.0))(2.0).item() == 4.0
    assert jax.grad(lambda x: x * jax.grad(lambda y: x * y)(x))(2.0).item() == 4.0


def test_grad_errors_say_what_to_do():
    with pytest.raises(TypeError, match=r"grad requires real- and scalar-valued outputs, but <lambda> returned an "
                                        r"array of shape \(2,\).*jax.jacrev.*jax.vmap\(jax.grad\(f\)\)"):
        jax.grad(lambda x: x * 2)(jnp.ones(2))
    with pytest.raises(TypeError, match=r"shape \(1,\)"):
        jax.grad(lambda x: x * 2)(jnp.ones(1))
    with pytest.raises(TypeError, match=r"requires float inputs, but argument 0 of <lambda> is int32.*1\.0 rather "
                                        r"than 1"):
        jax.grad(lambda x: x * 2.0)(1)
    with pytest.raises(TypeError, match="has_aux=True"):
        jax.grad(lambda x: (x, x))(1.0)
    with pytest.raises(TypeError, match=r"argument 2 \(argnums=2\).*called with 2 positional arguments"):
        jax.grad(lambda x, y: x, argnums=2)(1.0, 2.0)
    with pytest.raises(TypeError, match="scalar-valued outputs, but f returned int32"):
        def f(x):
            return jnp.array(1)
        jax.grad(f)(1.0)
    with pytest.raises(TypeError, match=r"Use jax.numpy \(jnp.f\) instead of numpy"):
        jax.grad(lambda x: jnp.sum(np.exp(x)))(jnp.ones(2))


# -- jacrev, hessian, vmap ----------------------------------------------------------------------------------------
def test_jacrev_and_hessian():
    x = jnp.array([1.0, 2.0, 3.0])
    assert jax.jacrev(lambda x: x * x)(x).tolist() == np.diag([2.0, 4.0, 6.0]).tolist()
    assert jax.jacrev(lambda x: jnp.sum(x) * x[:2])(x).tolist() == [[7.0, 1.0, 1.0], [2.0, 8.0, 2.0]]
    assert jax.hessian(lambda x: jnp.sum(x ** 3))(x).tolist() == np.diag([6.0, 12.0, 18.0]).tolist()
    assert jax.hessian(lambda x: x[0] * x[1])(x).tolist() == [[0, 1, 0], [1, 0, 0], [0, 0, 0]]


def test_vmap_is_the_stacked_loop():
    xs = jnp.array([[1.0, -1.0], [2.0, 0.5], [0.0, 3.0]])
    w = jnp.array([1.0, 0.5])
    per_example = jax.vmap(jax.grad(chapter_loss), in_axes=(None, 0))(w, xs)
    assert per_example.shape == (3, 2)
    for i in range(3):
        assert per_example[i].tolist() == jax.grad(chapter_loss)(w, xs[i]).tolist()
    assert jax.vmap(lambda a, b: a * b)(xs, xs).tolist() == (xs * xs).tolist()
    assert jax.vmap(jnp.sum, in_axes=1)(xs).tolist() == [3.0, 2.5]
    assert jax.vmap(lambda r: r * 2, out_axes=1)(xs).tolist() == (2 * xs.T).tolist()
    out = jax.vmap(lambda r: {"s": jnp.sum(r), "r": r})(xs)
    assert out["s"].tolist() == [0.0, 2.5, 3.0] and out["r"].shape == (3, 2)
    # the gradient through a vmap is the sum of the per-example gradients
    g = jax.grad(lambda w: jnp.sum(jax.vmap(chapter_loss, in_axes=(None, 0))(w, xs)))(w)
    close32(g, np.sum([jax.grad(chapter_loss)(w, xs[i]).tolist() for i in range(3)], axis=0))
    with pytest.raises(ValueError, match="inconsistent sizes.*argument 0 has size 3.*argument 1 has size 2"):
        jax.vmap(lambda a, b: a)(xs, w)
    with pytest.raises(TypeError, match="ints or None, one per argument"):
        jax.vmap(lambda p: p["a"], in_axes=({"a": 0},))({"a": xs})
    with pytest.raises(ValueError, match="in_axes is None for all"):
        jax.vmap(lambda a: a, in_axes=None)(xs)


# -- jax.random ----------------------------------------------------------------------------------------------------
def test_random_keys_are_explicit_and_deterministic():
    key = jax.random.PRNGKey(42)
    assert key.tolist() == [0, 42] and jax.random.PRNGKey(2 ** 32 + 1).tolist() == [1, 1]
    a, b = jax.random.normal(key, (5,)), jax.random.normal(jax.random.PRNGKey(42), (5,))
    assert a.dtype == np.float32 and a.tolist() == b.tolist()
    assert jax.random.normal(jax.random.PRNGKey(43), (5,)).tolist() != a.tolist()
    keys = jax.random.split(key)
    assert keys.shape == (2, 2) and keys.dtype == np.uint32 and keys.tolist() == jax.random.split(key).tolist()
    k1, k2 = keys
    assert jax.random.normal(k1, (5,)).tolist() != jax.random.normal(k2, (5,)).tolist()
    assert jax.random.split(key, 3).shape == (3, 2)
    assert jax.random.fold_in(key, 1).tolist() != jax.random.fold_in(key, 2).tolist()


def test_random_distributions():
    n = 20000
    z = np.asarray(jax.random.normal(jax.random.PRNGKey(0), (n,)), dtype=np.float64)
    # the sample mean and variance are within 5 standard errors of 0 and 1 (sd of the variance: sqrt(2/n))
    assert abs(z.mean()) < 5 / np.sqrt(n) and abs(z.var() - 1) < 5 * np.sqrt(2 / n)
    u = np.asarray(jax.random.uniform(jax.random.PRNGKey(1), (n,), minval=-2.0, maxval=3.0))
    assert u.dtype == np.float32 and u.min() >= -2.0 and u.max() < 3.0
    assert abs(u.mean() - 0.5) < 5 * 5 / np.sqrt(12 * n)
    r = jax.random.randint(jax.random.PRNGKey(2), (n,), 0, 10)
    assert r.dtype == np.int32 and set(np.unique(np.asarray(r))) == set(range(10))
    assert sorted(jax.random.permutation(jax.random.PRNGKey(3), 5).tolist()) == [0, 1, 2, 3, 4]
    assert jax.random.bernoulli(jax.random.PRNGKey(4), 0.5, (10,)).dtype == np.bool_


def test_random_refuses_a_seed_where_a_key_goes():
    with pytest.raises(TypeError, match=r"key made by jax.random.PRNGKey\(seed\), got int 0"):
        jax.random.normal(0, (3,))
    with pytest.raises(TypeError, match="takes one key, but got 2 keys"):
        jax.random.normal(jax.random.split(jax.random.PRNGKey(0)), (3,))
    with pytest.raises(TypeError, match="int seed"):
        jax.random.PRNGKey(1.5)


# -- jax.nn ------------------------------------------------------------------------------------------------------
def test_nn_functions_and_their_gradients():
    z64 = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]])
    z = jnp.array(z64)
    lse = np.log(np.exp(z64).sum(axis=-1, keepdims=True))
    close32(jax.nn.sigmoid(z), sigmoid64(z64))
    assert jax.nn.relu(z).tolist() == np.maximum(z64, 0).tolist()
    close32(jax.nn.softmax(z), np.exp(z64 - lse))
    close32(jax.nn.log_softmax(z), z64 - lse)
    close32(jax.nn.softmax(z, axis=0), np.exp(z64) / np.exp(z64).sum(axis=0))
    close32(jax.nn.logsumexp(z), np.log(np.exp(z64).sum()))
    close32(jax.nn.logsumexp(z, axis=1, keepdims=True), lse)
    close32(jax.grad(lambda z: jnp.sum(jax.nn.sigmoid(z)))(z), sigmoid64(z64) * (1 - sigmoid64(z64)))
    close32(jax.grad(lambda z: jax.nn.logsumexp(z))(z), np.exp(z64) / np.exp(z64).sum())
    assert jax.grad(jax.nn.relu)(0.0).item() == 0.0 and jax.grad(jax.nn.relu)(2.0).item() == 1.0
    assert jax.nn.one_hot(jnp.array([0, 2]), 3).tolist() == [[1, 0, 0], [0, 0, 1]]


# -- tree_util ---------------------------------------------------------------------------------------------------
def test_tree_util_training_step():
    params = {"w": jnp.array([1.0, 2.0]), "b": jnp.array(0.5)}
    grads = jax.grad(lambda p: jnp.sum(p["w"] ** 2) + p["b"])(params)
    new = jax.tree_util.tree_map(lambda p, g: p - 0.5 * g, params, grads)
    assert new["w"].tolist() == [0.0, 0.0] and new["b"].item() == 0.0
    leaves, treedef = jax.tree_util.tree_flatten({"b": 1, "a": [2, (3, None)]})
    assert leaves == [2, 3, 1] and jax.tree_util.tree_unflatten(treedef, leaves) == {"b": 1, "a": [2, (3, None)]}
    assert repr(treedef) == "PyTreeDef({'a': [*, (*, None)], 'b': *})"
    with pytest.raises(ValueError, match="same structure"):
        jax.tree_util.tree_map(lambda a, b: a, {"a": 1}, {"b": 1})


# -- one engine: Tensors in, Tensors out -----------------------------------------------------------------------------
def test_jnp_given_tensors_returns_tensors():
    w = bibun.tensor([1.0, 0.5], requires_grad=True)
    loss = chapter_loss(w, bibun.tensor([1.0, -1.0]))
    assert isinstance(loss, bibun.Tensor)
    loss.backward()
    close32(w.grad.numpy(), GRAD64)


def test_no_warnings_on_the_common_path():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = jnp.array([1, -1], dtype=jnp.float32)
        jax.value_and_grad(chapter_loss)(jnp.array([1.0, 0.5]), x)
