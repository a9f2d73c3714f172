"""HIPS autograd's transforms on bibun: elementwise_grad, grad_and_aux, make_vjp, hessian_vector_product,
jacobian, and containers of arrays as arguments; each against HIPS autograd itself (installed by the
test extras) and against closed forms."""
import numpy as onp
import pytest

import bibun
import bibun.numpy as np

hips = pytest.importorskip("autograd", reason="HIPS autograd is the reference these cases are compared with")
hnp = pytest.importorskip("autograd.numpy")

X = onp.array([0.3, -1.2, 2.0])


def both(make):
    """make(lib, lnp) -> a value; the two libraries' values, as float64 arrays (or nested structures)."""
    return make(bibun, np), make(hips, hnp)


def close(a, b):
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            close(a[k], b[k])
    elif isinstance(a, (tuple, list)):
        assert type(a) is type(b) and len(a) == len(b)
        for x, y in zip(a, b):
            close(x, y)
    else:
        onp.testing.assert_allclose(onp.asarray(a, dtype=float), onp.asarray(b, dtype=float), rtol=1e-13, atol=0)


def test_elementwise_grad():
    a, b = both(lambda lib, lnp: lib.elementwise_grad(lambda x: lnp.tanh(x) * x)(X))
    close(a, b)
    close(a, onp.tanh(X) + X * (1 - onp.tanh(X) ** 2))


def test_grad_and_aux():
    a, b = both(lambda lib, lnp: lib.grad_and_aux(lambda x: (lnp.sum(x ** 2), x * 2))(X))
    close(a, b)
    close(a[0], 2 * X)


def test_make_vjp():
    def make(lib, lnp):
        vjp, ans = lib.make_vjp(lambda x: lnp.sin(x) * 3)(X)
        return vjp(onp.array([1.0, 2.0, 3.0])), ans
    a, b = both(make)
    close(a, b)
    close(a[0], 3 * onp.cos(X) * [1, 2, 3])


def test_make_vjp_refuses_a_vector_of_the_wrong_shape():
    vjp, _ = bibun.make_vjp(lambda x: x * 2)(X)
    with pytest.raises(ValueError, match="shape"):
        vjp(onp.ones(2))


def test_hessian_vector_product():
    v = onp.array([1.0, 0.0, 2.0])
    a, b = both(lambda lib, lnp: lib.hessian_vector_product(lambda x: lnp.sum(lnp.sin(x) * x ** 3))(X, v))
    close(a, b)


def test_jacobian_and_hessian():
    a, b = both(lambda lib, lnp: lib.jacobian(lambda x: lnp.exp(x) * x[0])(X))
    close(a, b)
    a, b = both(lambda lib, lnp: lib.hessian(lambda x: lnp.sum(lnp.exp(x) * x[0]))(X))
    close(a, b)


CONTAINER_CASES = {
    "dict-of-tuple": ({"a": X, "b": (X * 2, 3.0)}, lambda lnp: lambda d: lnp.sum(d["a"] * d["b"][0]) * d["b"][1]),
    "list": ([X, X[:2]], lambda lnp: lambda l: lnp.sum(l[0][:2] * lnp.exp(l[1]))),
    "tuple-of-floats": ((2.0, 5.0), lambda lnp: lambda t: t[0] * t[1] ** 2),
}


@pytest.mark.parametrize("case", CONTAINER_CASES)
def test_containers_of_arrays(case):
    arg, loss = CONTAINER_CASES[case]
    a, b = both(lambda lib, lnp: lib.grad(loss(lnp))(arg))
    close(a, b)


def test_value_and_grad_with_aux_as_jax():
    value, g = bibun.value_and_grad(lambda x: (np.sum(x ** 2), "note"), has_aux=True)(X)
    assert value[1] == "note" and value[0] == pytest.approx(float(onp.sum(X ** 2)))
    close(g, 2 * X)


def test_make_jvp_is_forward_mode():
    v = onp.array([1.0, 2.0, -1.0])

    def make(lib, lnp):
        return lib.make_jvp(lambda x: lnp.sin(x) * lnp.sum(x ** 2))(X)(v)
    a, b = both(make)
    close(a, b)
    s = float(onp.sum(X ** 2))
    close(a[1], onp.cos(X) * v * s + onp.sin(X) * 2 * float(onp.dot(X, v)))   # J v by hand
