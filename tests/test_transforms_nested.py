"""Transforms inside transforms (HIPS autograd's own test cases), checked against HIPS autograd where it
is installed and against the closed forms always."""
import math

import numpy as onp
import pytest

import bibun
import bibun.numpy as np

try:
    import autograd as hips
    import autograd.numpy as hnp
except ImportError:                      # the closed forms below still check every case
    hips = hnp = None


def test_inner_grad_keeps_what_it_closes_over():
    """d/dx [x * d/dy (x y)] = d/dx x² = 2x: the inner gradient is x, still a function of the outer x."""
    f = lambda lib: lambda x: x * lib.grad(lambda y: x * y)(2.0)   # noqa: E731
    assert bibun.grad(f(bibun))(1.0) == pytest.approx(2.0, rel=1e-15)
    assert bibun.grad(f(bibun))(3.0) == pytest.approx(6.0, rel=1e-15)
    if hips:
        assert hips.grad(f(hips))(1.0) == pytest.approx(bibun.grad(f(bibun))(1.0), rel=1e-15)


def test_inner_grad_with_respect_to_a_later_argument():
    """d/dx of ∂/∂y sin(sin x + sin y) at y = 0.3: -sin(sin x + sin y) cos x cos y."""
    def f(lib, lnp):
        return lambda x: lib.grad(lambda x, y: lnp.sin(lnp.sin(x) + lnp.sin(y)), 1)(x, 0.3)
    x, y = 0.5, 0.3
    want = -math.sin(math.sin(x) + math.sin(y)) * math.cos(x) * math.cos(y)
    assert bibun.grad(f(bibun, np))(x) == pytest.approx(want, rel=1e-14)
    if hips:
        assert hips.grad(f(hips, hnp))(x) == pytest.approx(want, rel=1e-14)


def test_no_perturbation_confusion():
    """The classic case (Siskind & Pearlmutter): d/dx [x · d/dy (x + y)] at y = x is 1, not 2."""
    got = bibun.grad(lambda x: x * bibun.grad(lambda y: x + y)(x))(1.0)
    assert got == pytest.approx(1.0, rel=1e-15)


def test_third_derivative_by_nesting():
    f = lambda x: np.sin(x) * x   # noqa: E731
    d3 = bibun.grad(bibun.grad(bibun.grad(f)))
    x = 0.8
    assert d3(x) == pytest.approx(-3 * math.sin(x) - x * math.cos(x), rel=1e-13)


def test_output_independent_of_the_input_has_zero_gradient():
    """HIPS autograd returns zeros (with a warning) rather than failing."""
    assert bibun.grad(lambda x: 3.0)(1.0) == 0.0
    g = bibun.grad(lambda x: 3.0)(onp.ones(3))
    assert isinstance(g, onp.ndarray) and g.tolist() == [0.0, 0.0, 0.0]
    if hips:
        with pytest.warns(UserWarning):
            assert hips.grad(lambda x: 3.0)(1.0) == 0.0


def test_nested_hessian_vector_product_of_a_closure():
    """grad of (grad f · v) is H v; with f = Σ w_i x_i³ the Hessian is diag(6 w x)."""
    w = onp.array([1.0, -2.0, 0.5])
    v = onp.array([0.3, 0.1, -1.0])
    x0 = onp.array([0.2, 0.7, -1.1])
    f = lambda x: np.sum(w * x ** 3)   # noqa: E731
    hvp = bibun.grad(lambda x: np.sum(bibun.grad(f)(x) * v))(x0)
    onp.testing.assert_allclose(hvp, 6 * w * x0 * v, rtol=1e-14)
