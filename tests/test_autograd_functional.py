"""bibun.autograd.functional (jacobian, hessian, vjp, jvp, vhp, hvp) against torch.autograd.functional,
in float64, with PyTorch's signatures: tuple inputs and outputs, v, create_graph and strict."""
import numpy as np
import pytest

import bibun

torch = pytest.importorskip("torch")

# a handful of float64 operations per entry: agreement to a few ulps
RTOL, ATOL = 1e-13, 1e-14

rng = np.random.default_rng(0)
X = rng.standard_normal(3)
Y = rng.standard_normal((2, 2))
V3 = rng.standard_normal(3)
V22 = rng.standard_normal((2, 2))


def t(lib, a, requires_grad=False):
    return lib.tensor(a, dtype=lib.float64, requires_grad=requires_grad)


def one_in_one_out(a):
    return a.sin() * a.sum()


def two_in_two_out(a, b):
    return (a.exp() * a.sum(), (b @ b).tanh())


def scalar_of_one(a):
    return (a.exp() * a).sum() + (a * a).sum() * a[0]


def scalar_of_two(a, b):
    return (a.sum() * b * b).sum() + (b.tanh() * a[1]).sum()


def _same(got, want):
    if isinstance(want, (tuple, list)):
        assert isinstance(got, tuple) and len(got) == len(want)
        for g, w in zip(got, want):
            _same(g, w)
        return
    assert tuple(got.shape) == tuple(want.shape)
    assert not got.requires_grad                 # results are detached unless create_graph=True
    np.testing.assert_allclose(got.numpy(), want.detach().numpy(), rtol=RTOL, atol=ATOL)


def both(call):
    return call(bibun), call(torch)


@pytest.mark.parametrize("call", [
    lambda L: L.autograd.functional.jacobian(one_in_one_out, t(L, X)),
    lambda L: L.autograd.functional.jacobian(two_in_two_out, (t(L, X), t(L, Y))),
    lambda L: L.autograd.functional.jacobian(lambda a: a * 2, (t(L, X),)),
    lambda L: L.autograd.functional.hessian(scalar_of_one, t(L, X)),
    lambda L: L.autograd.functional.hessian(scalar_of_two, (t(L, X), t(L, Y))),
    lambda L: L.autograd.functional.vjp(one_in_one_out, t(L, X), t(L, V3)),
    lambda L: L.autograd.functional.vjp(two_in_two_out, (t(L, X), t(L, Y)), (t(L, V3), t(L, V22))),
    lambda L: L.autograd.functional.vjp(scalar_of_one, t(L, X)),
    lambda L: L.autograd.functional.jvp(one_in_one_out, t(L, X), t(L, V3)),
    lambda L: L.autograd.functional.jvp(two_in_two_out, (t(L, X), t(L, Y)), (t(L, V3), t(L, V22))),
    lambda L: L.autograd.functional.jvp(lambda a: a.exp(), t(L, 0.5)),
    lambda L: L.autograd.functional.vhp(scalar_of_one, t(L, X), t(L, V3)),
    lambda L: L.autograd.functional.hvp(scalar_of_one, t(L, X), t(L, V3)),
    lambda L: L.autograd.functional.hvp(scalar_of_two, (t(L, X), t(L, Y)), (t(L, V3), t(L, V22))),
])
def test_matches_pytorch(call):
    got, want = both(call)
    _same(got, want)


def test_unused_input_gives_zeros_and_strict_refuses_it():
    for lib in (bibun, torch):
        AF = lib.autograd.functional
        J = AF.jacobian(lambda a, b: a * 2, (t(lib, X), t(lib, Y)))
        assert J[1].shape == (3, 2, 2) and not J[1].numpy().any()
        assert not AF.vjp(lambda a, b: a.sum(), (t(lib, X), t(lib, Y)))[1][1].numpy().any()
        jv = AF.jvp(lambda a, b: a * 1, (t(lib, X), t(lib, Y)), (t(lib, V3), t(lib, V22)))[1]
        assert jv.numpy().tolist() == V3.tolist()
    with pytest.raises(RuntimeError, match="independent of input 1, which strict=True does not allow"):
        bibun.autograd.functional.jacobian(lambda a, b: a * 2, (t(bibun, X), t(bibun, Y)), strict=True)
    with pytest.raises(RuntimeError, match="independent of input 1"):
        bibun.autograd.functional.vjp(lambda a, b: a.sum(), (t(bibun, X), t(bibun, Y)), strict=True)


def test_create_graph_keeps_the_result_differentiable():
    for lib in (bibun, torch):
        x = t(lib, X, requires_grad=True)
        H = lib.autograd.functional.hessian(lambda a: (a ** 4).sum(), x, create_graph=True)
        assert H.requires_grad
        H.sum().backward()                         # d/dx of sum(12 x²) = 24 x
        np.testing.assert_allclose(x.grad.numpy(), 24 * X, rtol=1e-14)
        x.grad = None
        _, jv = lib.autograd.functional.jvp(lambda a: a ** 3, x, t(lib, V3), create_graph=True)
        jv.sum().backward()                        # d/dx of sum(3 x² v) = 6 x v
        np.testing.assert_allclose(x.grad.numpy(), 6 * X * V3, rtol=1e-14)


def test_jacobian_against_finite_differences():
    f = lambda a: a.sin() * a.exp().sum() + a * a  # noqa: E731
    J = bibun.autograd.functional.jacobian(f, t(bibun, X)).numpy()
    h = 1e-6
    fd = np.stack([(f(t(bibun, X + h * e)).numpy() - f(t(bibun, X - h * e)).numpy()) / (2 * h)
                   for e in np.eye(3)], axis=1)
    # truncation h²·f'''/6 ≈ 1e-12·e^|x|, rounding eps·|f|/h ≈ 1e-10
    np.testing.assert_allclose(J, fd, rtol=0, atol=1e-8)


@pytest.mark.parametrize("call, message", [
    (lambda AF: AF.vjp(lambda a: a * 2, t(bibun, X)), "v can be left out only when the function's output is a single"),
    (lambda AF: AF.jvp(lambda a: a * 2, t(bibun, X)), "v can be left out only when the input is a single number"),
    (lambda AF: AF.vjp(lambda a: a * 2, t(bibun, X), t(bibun, [1.0, 2.0])), r"v\[0\] has shape \(2,\) but"),
    (lambda AF: AF.jacobian(lambda a: a * 2, [1.0, 2.0]), "the inputs must be a Tensor or a tuple of Tensors"),
    (lambda AF: AF.hessian(lambda a: a * 2, t(bibun, X)), "the function must return a Tensor with a single element"),
    (lambda AF: AF.hvp(lambda a: a * 2, t(bibun, X), t(bibun, X)), "must return a Tensor with a single element"),
])
def test_clear_errors(call, message):
    with pytest.raises((RuntimeError, TypeError), match=message):
        call(bibun.autograd.functional)


def test_inputs_are_not_changed():
    x = t(bibun, X)
    bibun.autograd.functional.hessian(scalar_of_one, x)
    assert not x.requires_grad and x.grad is None
