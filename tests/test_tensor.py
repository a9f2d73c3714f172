"""Tensor's PyTorch surface and the autograd engine's semantics: creation and dtype rules, leaving bibun
(numpy/item/tolist), NumPy interop, printing, leaf gradients, in-place rules, grad mode, the errors a
learner meets, the functional transforms, freeing the graph, and saving/loading without pickle."""
import contextlib
import gc
import io
import itertools
import pickle
import weakref

import numpy as np
import pytest

import bibun
import bibun.numpy as bnp
from bibun._serialize import LoadError


@pytest.fixture(autouse=True)
def _grad_mode_restored():
    yield
    assert bibun.is_grad_enabled(), "a test left grad mode off"


# -- creation and dtypes --------------------------------------------------------------------------------
@pytest.mark.parametrize("data, dtype", [
    (1.5, bibun.float32), ([1.0, 2.0], bibun.float32), ([1, 2.5], bibun.float32), (3, bibun.int64),
    ([1, 2], bibun.int64), ([[1, 2], [3, 4]], bibun.int64), ([True, False], bibun.bool), (True, bibun.bool),
    (np.array([1.0, 2.0]), bibun.float64), (np.array([1, 2], dtype=np.int32), bibun.int32),
    (np.array([1.0], dtype=np.float32), bibun.float32)])
def test_tensor_dtype_rules(data, dtype):
    """Python floats become float32 and ints int64 (as in PyTorch); NumPy arrays keep their dtype."""
    assert bibun.tensor(data).dtype == dtype


def test_dtype_objects_and_aliases():
    assert bibun.float is bibun.float32 and bibun.double is bibun.float64 and bibun.long is bibun.int64
    assert bibun.tensor([1, 2], dtype=bibun.float64).dtype == bibun.float64
    assert bibun.tensor([1.7, -2.2], dtype=bibun.long).tolist() == [1, -2]
    assert repr(bibun.float32) == "bibun.float32"
    assert bibun.float32.is_floating_point and not bibun.int64.is_floating_point


def test_result_dtypes_follow_pytorch():
    i = bibun.tensor([1, 2])
    assert (i / 2).dtype == bibun.float32 and (i / i).dtype == bibun.float32 and (1 / i).dtype == bibun.float32
    assert (i / 2).tolist() == [0.5, 1.0]
    for f in ("exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "reciprocal"):
        assert getattr(i, f)().dtype == bibun.float32, f
    assert bibun.tensor([1, 2], dtype=bibun.uint8).sqrt().dtype == bibun.float32
    assert (i * 1.5).dtype == bibun.float32 and (i + np.float64(0.5)).dtype == bibun.float32
    assert (i ** 0.5).dtype == bibun.float32 and (i * 2).dtype == bibun.int64
    assert (bibun.tensor([1.0, 2.0], dtype=bibun.float64) / 2).dtype == bibun.float64
    assert bibun.where(bibun.tensor([True, False]), 1.0, 0.0).dtype == bibun.float32
    assert bibun.where(bibun.tensor([True, False]), bibun.tensor([1.0, 2.0]), 0.0).dtype == bibun.float32
    assert (i > 1).sum().dtype == bibun.int64
    w = bibun.tensor([1.5, 2.5], requires_grad=True)
    assert not w.long().requires_grad and w.long().is_leaf           # integers carry no gradient


def test_tensor_copies_but_from_numpy_shares_memory():
    a = np.array([1.0, 2.0])
    t = bibun.tensor(a)
    f = bibun.from_numpy(a)
    a[0] = 9.0
    assert t.tolist() == [1.0, 2.0]
    assert f.tolist() == [9.0, 2.0] and f.dtype == bibun.float64
    f[1] = 7.0                                  # and the other way round
    assert a[1] == 7.0
    i = np.arange(3, dtype=np.int32)
    assert bibun.from_numpy(i).dtype == bibun.int32
    with pytest.raises(TypeError):
        bibun.from_numpy([1.0, 2.0])


def test_as_tensor():
    a = np.array([1.0, 2.0], dtype=np.float32)
    t = bibun.as_tensor(a)
    a[0] = 5.0
    assert t[0].item() == 5.0                   # same dtype: shares memory
    c = bibun.as_tensor(a, dtype=bibun.float64)
    a[0] = 6.0
    assert c.dtype == bibun.float64 and c[0].item() == 5.0
    assert bibun.as_tensor([1, 2]).dtype == bibun.int64
    assert bibun.as_tensor(t) is t


def test_filled_creation_functions():
    assert bibun.zeros(2, 3).shape == (2, 3) and bibun.zeros(2, 3).dtype == bibun.float32
    assert bibun.zeros((2, 3)).shape == bibun.Size([2, 3])
    assert bibun.ones(4).tolist() == [1.0] * 4
    assert bibun.empty(2, 2).shape == (2, 2)
    assert bibun.full((2,), 7).dtype == bibun.int64
    assert bibun.full((2,), 7.0).dtype == bibun.float32
    assert bibun.full((1,), True).dtype == bibun.bool
    assert bibun.full((2, 2), 3.0, dtype=bibun.float64).dtype == bibun.float64
    assert bibun.eye(3).tolist() == np.eye(3).tolist() and bibun.eye(3).dtype == bibun.float32
    assert bibun.eye(2, 3).shape == (2, 3)
    assert bibun.arange(5).tolist() == [0, 1, 2, 3, 4] and bibun.arange(5).dtype == bibun.int64
    assert bibun.arange(2, 8, 3).tolist() == [2, 5]
    r = bibun.arange(0, 1, 0.25)
    assert r.dtype == bibun.float32 and r.tolist() == [0.0, 0.25, 0.5, 0.75]
    l = bibun.linspace(0, 1, 5)
    assert l.dtype == bibun.float32 and l.tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    z = bibun.zeros(2, requires_grad=True)
    assert z.requires_grad and z.is_leaf


def test_like_functions_keep_shape_and_dtype():
    x = bibun.tensor([[1, 2, 3]], dtype=bibun.int32)
    for f, v in ((bibun.zeros_like, 0), (bibun.ones_like, 1)):
        y = f(x)
        assert y.shape == x.shape and y.dtype == bibun.int32 and np.all(y.numpy() == v)
    assert bibun.full_like(x, 4).tolist() == [[4, 4, 4]]
    assert bibun.empty_like(x).shape == (1, 3)
    assert bibun.zeros_like(x, dtype=bibun.float64).dtype == bibun.float64
    f = bibun.ones_like(bibun.zeros(2), requires_grad=True)
    assert f.requires_grad


def test_random_reproducible_under_manual_seed():
    def draw():
        return (bibun.randn(3, 2).numpy().copy(), bibun.rand(4).numpy().copy(),
                bibun.randint(0, 10, (5,)).numpy().copy(), bibun.randperm(6).numpy().copy())

    bibun.manual_seed(0)
    a = draw()
    bibun.manual_seed(0)
    b = draw()
    bibun.manual_seed(1)
    c = draw()
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[0], c[0])
    randn, rand, randint, perm = a
    assert randn.dtype == np.float32 and randn.shape == (3, 2)
    assert rand.dtype == np.float32 and np.all((rand >= 0) & (rand < 1))
    assert randint.dtype == np.int64 and np.all((randint >= 0) & (randint < 10))
    assert perm.dtype == np.int64 and sorted(perm.tolist()) == list(range(6))
    assert bibun.randint(5, (3,)).max().item() < 5                  # randint(high, size)
    assert bibun.randn(2, 3, dtype=bibun.float64).dtype == bibun.float64
    assert bibun.randn((2, 3)).shape == (2, 3)


def test_generator_is_independent_of_the_global_seed():
    g1 = bibun.Generator().manual_seed(42)
    x = bibun.randn(4, generator=g1).numpy().copy()
    bibun.manual_seed(0)
    bibun.randn(10)                                                  # moves the default generator only
    g2 = bibun.Generator().manual_seed(42)
    np.testing.assert_array_equal(bibun.randn(4, generator=g2).numpy(), x)
    np.testing.assert_array_equal(bibun.randperm(5, generator=bibun.Generator().manual_seed(3)).numpy(),
                                  bibun.randperm(5, generator=bibun.Generator().manual_seed(3)).numpy())
    state = bibun.get_rng_state()
    y = bibun.rand(3).numpy().copy()
    bibun.set_rng_state(state)
    np.testing.assert_array_equal(bibun.rand(3).numpy(), y)


# -- conversions ------------------------------------------------------------------------------------------
def test_type_conversions():
    x = bibun.tensor([1.7, -2.5])
    assert x.double().dtype == bibun.float64
    assert x.float() is x                                            # already float32: no copy
    assert x.long().tolist() == [1, -2] and x.long().dtype == bibun.int64
    assert x.int().dtype == bibun.int32
    assert x.type(bibun.float64).dtype == bibun.float64
    assert x.to(bibun.float64).dtype == bibun.float64
    assert x.to(bibun.tensor([1], dtype=bibun.int32)).dtype == bibun.int32
    assert x.to("cpu") is x
    assert x.to("cpu", bibun.float64).dtype == bibun.float64
    assert bibun.tensor([0, 2]).bool().tolist() == [False, True]


@pytest.mark.parametrize("dtype, name", [(bibun.float32, "FloatTensor"), (bibun.float64, "DoubleTensor"),
                                         (bibun.int64, "LongTensor"), (bibun.int32, "IntTensor"),
                                         (bibun.bool, "BoolTensor"), (bibun.float16, "HalfTensor"),
                                         (bibun.uint8, "ByteTensor"), (bibun.int8, "CharTensor"),
                                         (bibun.int16, "ShortTensor")])
def test_type_without_argument_names_the_tensor_type(dtype, name):
    assert bibun.zeros(1, dtype=dtype).type() == f"bibun.{name}"


def test_conversion_is_differentiable():
    x = bibun.tensor([1.0, 2.0], dtype=bibun.float64, requires_grad=True)
    y = (x.float() * 3).double().sum()
    y.backward()
    assert x.grad.dtype == bibun.float64 and x.grad.tolist() == [3.0, 3.0]


def test_numpy_refuses_while_grad_is_tracked():
    w = bibun.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"\.detach\(\)"):
        w.numpy()
    with pytest.raises(RuntimeError, match=r"\.detach\(\)"):
        np.asarray(w)
    d = w.detach().numpy()
    d[0] = 5.0                                                       # detach shares memory
    assert w[0].item() == 5.0
    y = w * 2
    with pytest.raises(RuntimeError, match=r"\.detach\(\)"):
        y.numpy()


def test_item_tolist_and_numpy_interop():
    assert bibun.tensor([2.5]).item() == 2.5 and isinstance(bibun.tensor(3).item(), int)
    assert bibun.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert bibun.tensor(1.5).tolist() == 1.5
    with pytest.raises(RuntimeError, match="elements"):
        bibun.tensor([1.0, 2.0]).item()
    t = bibun.tensor([1.0, 2.0])
    a = np.asarray(t)
    assert isinstance(a, np.ndarray) and a.dtype == np.float32 and a.tolist() == [1.0, 2.0]
    assert np.asarray(t, dtype=np.float64).dtype == np.float64
    assert float(bibun.tensor(2.0)) == 2.0 and int(bibun.tensor(3)) == 3
    assert [1, 2, 3][bibun.tensor(1)] == 2


@pytest.mark.parametrize("op", ["+", "-", "*", "/", "**", "@", "<", "<=", ">", ">=", "==", "!="])
def test_ndarray_op_tensor_gives_a_tensor(op):
    a = np.array([1.0, 2.0], dtype=np.float32)
    t = bibun.tensor([0.5, 2.0])
    r = eval(f"a {op} t")
    assert isinstance(r, bibun.Tensor), type(r)
    np.testing.assert_allclose(np.asarray(r), eval(f"a {op} t.numpy()"))
    w = bibun.tensor([0.5, 2.0], requires_grad=True)
    if op in "+-*/**@":
        r = eval(f"a {op} w")
        assert isinstance(r, bibun.Tensor) and r.requires_grad


def test_numpy_scalar_op_tensor():
    w = bibun.tensor([1.0, 2.0], requires_grad=True)
    for r in (np.float64(2.0) * w, w * np.float64(2.0), np.float32(1.0) + w, np.int64(3) - w):
        assert isinstance(r, bibun.Tensor) and r.requires_grad and r.dtype == bibun.float32


def test_comparisons_return_bool_tensors():
    x = bibun.tensor([1.0, 2.0, 3.0])
    y = bibun.tensor([3.0, 2.0, 1.0])
    for r, expected in ((x < 2, [True, False, False]), (x <= 2, [True, True, False]), (x > y, [False, False, True]),
                        (x >= y, [False, True, True]), (x == y, [False, True, False]), (x != 2, [True, False, True]),
                        (x.eq(y), [False, True, False]), (2 < x, [False, False, True])):
        assert isinstance(r, bibun.Tensor) and r.dtype == bibun.bool and r.tolist() == expected
    w = bibun.tensor([1.0], requires_grad=True)
    assert not (w > 0).requires_grad
    assert ((x > 1) & (x < 3)).tolist() == [False, True, False]
    assert ((x < 2) | (x > 2)).tolist() == [True, False, True]
    assert (~(x > 1)).tolist() == [True, False, False]
    assert (True & (x > 1)).tolist() == [False, True, True]


# -- printing (the strings PyTorch prints for the same tensors) ----------------------------------------------
def _chapter_loss():
    w = bibun.tensor([1.0, 0.5], requires_grad=True)
    x = bibun.tensor([1.0, -1.0])
    loss = -bibun.log(bibun.sigmoid(bibun.dot(x, w)))
    return w, loss


def test_printing_like_pytorch():
    w, loss = _chapter_loss()
    loss.backward()
    assert repr(w.grad) == "tensor([-0.3775,  0.3775])"
    assert repr(w) == "tensor([1.0000, 0.5000], requires_grad=True)"
    assert repr(loss) == "tensor(0.4741, grad_fn=<NegBackward0>)"
    assert repr(bibun.tensor(3.5, requires_grad=True) * 2) == "tensor(7., grad_fn=<MulBackward0>)"
    assert repr(bibun.tensor([[1.0, 2.5], [3, 4]])) == "tensor([[1.0000, 2.5000],\n        [3.0000, 4.0000]])"
    assert repr(bibun.tensor([1, 2, 3])) == "tensor([1, 2, 3])"
    assert repr(bibun.tensor([True, False])) == "tensor([ True, False])"
    assert repr(bibun.tensor([1.5, 2.0], dtype=bibun.float64)) == "tensor([1.5000, 2.0000], dtype=bibun.float64)"
    assert repr(bibun.tensor([1e-5, 1.0])) == "tensor([1.0000e-05, 1.0000e+00])"
    assert repr(bibun.Parameter(bibun.tensor([1.0, 2.0]))) == \
        "Parameter containing:\ntensor([1., 2.], requires_grad=True)"
    assert str(bibun.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    m = bibun.tensor([[1.0, 2.0]], requires_grad=True)
    assert repr(m.sum()) == "tensor(3., grad_fn=<SumBackward0>)"
    assert repr(m.sum(1)) == "tensor([3.], grad_fn=<SumBackward1>)"
    assert repr(m.mean()) == "tensor(1.5000, grad_fn=<MeanBackward0>)"
    assert repr(m.mean(dim=0)) == "tensor([1., 2.], grad_fn=<MeanBackward1>)"
    assert repr(m.max(1).values) == "tensor([2.], grad_fn=<MaxBackward0>)"
    assert repr(m.max()) == "tensor(2., grad_fn=<MaxBackward1>)"
    assert f"{bibun.tensor(0.123456):.3f}" == "0.123"


# -- leaves and .grad ------------------------------------------------------------------------------------------
def test_grad_accumulates_across_backward_calls_and_zero_():
    x = bibun.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    g = x.grad
    assert g.tolist() == [2.0, 4.0] and not g.requires_grad and g.grad_fn is None
    (x * x).sum().backward()
    assert x.grad.tolist() == [4.0, 8.0]
    x.grad.zero_()
    assert x.grad.tolist() == [0.0, 0.0]
    (3 * x).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    x.grad = None
    x.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


def test_grad_of_a_0d_leaf_is_a_tensor_holding_an_array():
    x = bibun.tensor(2.0, requires_grad=True)
    (x * 3.0).backward()
    assert isinstance(x.grad.numpy(), np.ndarray) and x.grad.item() == 3.0
    x.grad.zero_()                                                    # in place on a 0-d gradient
    assert x.grad.item() == 0.0
    (x * x).backward()
    assert x.grad.item() == 4.0
    (g,) = bibun.autograd.grad(x * 5.0, [x])
    assert isinstance(g.numpy(), np.ndarray) and g.item() == 5.0


def test_is_leaf_requires_grad_and_requires_grad_():
    a = bibun.tensor([1.0, 2.0])
    assert a.is_leaf and not a.requires_grad and a.grad_fn is None
    assert a.requires_grad_() is a and a.requires_grad and a.is_leaf
    b = a * 2
    assert not b.is_leaf and b.requires_grad and b.grad_fn.name() == "MulBackward0"
    c = b.detach()
    assert c.is_leaf and not c.requires_grad
    with pytest.raises(RuntimeError, match="float"):
        bibun.tensor([1, 2]).requires_grad_()
    with pytest.raises(RuntimeError, match="float"):
        bibun.tensor([1, 2], requires_grad=True)
    a.requires_grad_(False)
    assert not (a * 2).requires_grad


def test_retain_grad():
    a = bibun.tensor([1.0, 2.0], requires_grad=True)
    b = a * 3
    b.retain_grad()
    assert b.retains_grad
    c = b * a                          # not retained
    (b * b).sum().backward(retain_graph=True)
    assert b.grad.tolist() == [6.0, 12.0]
    with pytest.warns(UserWarning, match="retain_grad"):
        assert c.grad is None
    assert a.grad.tolist() == [18.0, 36.0]


def test_non_leaf_grad_is_none_without_retain_grad():
    a = bibun.tensor([1.0], requires_grad=True)
    b = a * 2
    b.sum().backward()
    with pytest.warns(UserWarning, match="retain_grad"):
        assert b.grad is None
    assert a.grad.tolist() == [2.0]


# -- in-place ----------------------------------------------------------------------------------------------------
def test_inplace_update_under_no_grad():
    w = bibun.tensor([1.0, 0.5], requires_grad=True)
    x = bibun.tensor([1.0, -1.0])
    loss = -bibun.log(bibun.sigmoid(bibun.dot(x, w)))
    loss.backward()
    eta = 0.1
    data = w.detach().numpy()
    with bibun.no_grad():
        w -= eta * w.grad
    assert w.is_leaf and w.requires_grad and w.grad_fn is None
    assert w.detach().numpy() is data                                # really in place
    np.testing.assert_allclose(w.detach().numpy(), [1.0 + 0.1 * 0.3775407, 0.5 - 0.1 * 0.3775407], rtol=1e-6)
    with bibun.no_grad():
        w += 1
        w *= 2
        w /= 2
        w.add_(1.0).sub_(1.0).mul_(1.0)
        w.add_(bibun.tensor([1.0, 1.0]), alpha=-1)
        w.copy_(bibun.tensor([3.0, 4.0]))
        assert w.tolist() == [3.0, 4.0]
        w.fill_(2.0)
        assert w.tolist() == [2.0, 2.0]
        w.zero_()
    assert w.tolist() == [0.0, 0.0] and w.is_leaf and w.requires_grad


@pytest.mark.parametrize("update", ["w -= 1", "w += w", "w *= 2", "w /= 2", "w.add_(1)", "w.sub_(1)",
                                    "w.mul_(2)", "w.zero_()", "w.fill_(1.0)", "w.copy_(bibun.ones(2))",
                                    "w[0] = 3.0"])
def test_inplace_on_leaf_requiring_grad_outside_no_grad_is_an_error(update):
    w = bibun.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="no_grad"):
        exec(update)
    assert w.tolist() == [1.0, 2.0]


def test_inplace_on_non_leaf_is_recorded():
    """y += 1 on an intermediate result: the graph goes through it (no cycle, no lost gradient)."""
    a = bibun.tensor([1.0, 2.0], requires_grad=True)
    y = a * 2
    y += 1
    y *= a
    assert y.tolist() == [3.0, 10.0] and not y.is_leaf
    y.sum().backward()
    assert a.grad.tolist() == [2 * 1.0 * 2 + 1, 2 * 2.0 * 2 + 1]         # d/da (2a + 1) a = 4a + 1
    b = bibun.tensor([1.0, 2.0], requires_grad=True)
    z = b.exp() * 1                    # mul's backward does not read its output: it may change in place
    z.mul_(2).add_(b)
    z.sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), 2 * np.exp([1.0, 2.0]) + 1, rtol=1e-6)
    z = b.exp()                        # exp's backward reads its output: PyTorch refuses, and so do we
    z.mul_(2)
    with pytest.raises(RuntimeError, match="output of exp .* `mul_` changed it"):
        z.sum().backward()


def test_setitem_on_non_leaf():
    a = bibun.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = a * 2
    y[0] = 0.0                                                        # a constant: no gradient flows there
    y.sum().backward()
    assert a.grad.tolist() == [0.0, 2.0, 2.0]
    b = bibun.tensor([5.0, 6.0], requires_grad=True)
    a.grad = None
    y = a * 1
    y[1:] = b * b
    assert y.tolist() == [1.0, 25.0, 36.0]
    y.sum().backward()
    assert a.grad.tolist() == [1.0, 0.0, 0.0] and b.grad.tolist() == [10.0, 12.0]


def test_modifying_a_saved_tensor_then_backward_is_an_error():
    """PyTorch raises rather than computing a wrong gradient from changed values."""
    a = bibun.tensor([1.0, 2.0], requires_grad=True)
    y = a * 2
    z = y * y                                                         # mul saved y
    y += 1
    with pytest.raises(RuntimeError, match="in ?place"):
        z.sum().backward()
    w = bibun.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    with bibun.no_grad():
        w -= 0.1                                                      # an update before backward
    with pytest.raises(RuntimeError, match="in ?place"):
        loss.backward()
    w.grad = None
    (w * w).sum().backward()                                          # the usual order works
    np.testing.assert_allclose(w.grad.numpy(), [1.8, 3.8], rtol=1e-6)


# -- grad mode -----------------------------------------------------------------------------------------------
def test_no_grad_enable_grad_set_grad_enabled_as_context_managers():
    w = bibun.tensor([1.0], requires_grad=True)
    with bibun.no_grad():
        assert not bibun.is_grad_enabled()
        assert not (w * 2).requires_grad
        with bibun.enable_grad():
            assert (w * 2).requires_grad
        assert not (w * 2).requires_grad
    assert (w * 2).requires_grad
    with bibun.set_grad_enabled(False):
        assert not (w * 2).requires_grad
    assert bibun.is_grad_enabled()
    with bibun.set_grad_enabled(True):
        assert (w * 2).requires_grad
    bibun.set_grad_enabled(False)                                     # as a plain call
    try:
        assert not bibun.is_grad_enabled()
    finally:
        bibun.set_grad_enabled(True)
    with pytest.raises(ValueError):
        with bibun.no_grad():
            raise ValueError
    assert bibun.is_grad_enabled()


def test_grad_mode_decorators():
    w = bibun.tensor([1.0], requires_grad=True)

    @bibun.no_grad()
    def f(x):
        return x * 2

    @bibun.no_grad
    def f_bare(x):
        return x * 2

    @bibun.enable_grad()
    def g(x):
        return x * 2

    @bibun.set_grad_enabled(False)
    def h(x):
        return x * 2

    assert bibun.is_grad_enabled()                                    # defining h switched nothing
    assert not f(w).requires_grad and not f_bare(w).requires_grad and not h(w).requires_grad
    assert f.__name__ == "f" and f_bare.__name__ == "f_bare"
    with bibun.no_grad():
        assert g(w).requires_grad
    assert bibun.is_grad_enabled()


# -- the errors a learner meets -----------------------------------------------------------------------------------
def test_backward_on_non_scalar_without_gradient():
    x = bibun.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="scalar") as e:
        y.backward()
    assert "sum()" in str(e.value) and "gradient" in str(e.value)
    y.backward(bibun.tensor([1.0, 0.5]))
    assert x.grad.tolist() == [2.0, 1.0]
    with pytest.raises(RuntimeError, match="shape"):
        (x * 2).backward(bibun.ones(3))


def test_backward_on_tensor_not_requiring_grad():
    x = bibun.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match="does not require grad") as e:
        (x * 2).sum().backward()
    assert "requires_grad=True" in str(e.value)
    w = bibun.tensor([1.0], requires_grad=True)
    with bibun.no_grad():
        loss = (w * 2).sum()
    with pytest.raises(RuntimeError, match="no_grad"):
        loss.backward()


def test_second_backward_through_freed_graph():
    x = bibun.tensor([1.0, 2.0], requires_grad=True)
    loss = (x.exp() * x).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match=r"retain_graph=True"):
        loss.backward()
    h = x * 3                                                         # an intermediate reused in a new loss
    (h * h).sum().backward()
    with pytest.raises(RuntimeError, match=r"second time"):
        (h * 2).sum().backward()


def test_retain_graph_allows_a_second_backward():
    x = bibun.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    assert x.grad.tolist() == [4.0, 8.0]


def test_long_chain_backpropagates_without_recursion():
    x = bibun.tensor([0.5], dtype=bibun.float64, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y = y + x
    y.sum().backward()
    assert x.grad.tolist() == [2.0]
    y = x
    for _ in range(100_000):
        y = y * 1.0
    del y                                                             # freeing a deep graph: no recursion either


# -- graph shapes ---------------------------------------------------------------------------------------------------
def test_reused_non_leaf():
    a = bibun.tensor([1.5, -2.0], requires_grad=True)
    b = a + a
    c = b * b                                                         # c = 4a^2
    c.sum().backward()
    assert a.grad.tolist() == [12.0, -16.0]


def test_same_tensor_as_both_inputs():
    x = bibun.tensor([3.0, -1.0], requires_grad=True)
    (x * x).sum().backward()
    assert x.grad.tolist() == [6.0, -2.0]
    x.grad = None
    (x / x + x - x).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]


def test_broadcast_gradients_are_summed_back():
    a = bibun.ones(3, 1, requires_grad=True)
    b = bibun.ones(1, 4, requires_grad=True)
    s = bibun.tensor(2.0, requires_grad=True)
    (a * b + s).sum().backward()
    assert a.grad.shape == (3, 1) and a.grad.tolist() == [[4.0]] * 3
    assert b.grad.shape == (1, 4) and b.grad.tolist() == [[3.0] * 4]
    assert s.grad.shape == () and s.grad.item() == 12.0
    v = bibun.ones(4, requires_grad=True)
    (bibun.ones(2, 3, 4) * v).sum().backward()
    assert v.grad.tolist() == [6.0] * 4


def test_no_aliasing_between_leaf_grads():
    a = bibun.tensor([1.0, 2.0], requires_grad=True)
    b = bibun.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    a.grad.zero_()
    assert b.grad.tolist() == [1.0, 1.0]
    a.grad = None
    b.grad = None
    c = a + b
    c.backward(bibun.tensor([1.0, 1.0]))
    b.grad.zero_()
    assert a.grad.tolist() == [1.0, 1.0]


@pytest.mark.parametrize("order", list(itertools.permutations("sqt")))
def test_gradient_shared_by_a_leaf_and_a_pending_node_is_not_corrupted(order):
    """`a + m` hands the same gradient array to a's .grad and to m, which waits for its other consumer;
    a later contribution to a's .grad must not be added into that array in place."""
    a = bibun.tensor([1.0, 2.0], requires_grad=True)
    m = a * 2
    terms = {"s": lambda: a + m, "q": lambda: m * 3, "t": lambda: a * 5}
    loss = terms[order[0]]()
    for k in order[1:]:
        loss = loss + terms[k]()
    (loss * 1.0).sum().backward()                                     # * 1.0: a fresh (writable) gradient
    assert a.grad.tolist() == [14.0, 14.0]                            # 3 + 6 + 5


def test_user_gradient_is_not_modified():
    x = bibun.tensor([1.0, 2.0], requires_grad=True)
    g = bibun.tensor([1.0, 1.0])
    x.backward(g)
    x.backward(g)
    assert g.tolist() == [1.0, 1.0] and x.grad.tolist() == [2.0, 2.0]


# -- functional API --------------------------------------------------------------------------------------------------
def test_autograd_grad():
    x = bibun.tensor([1.0, 2.0], requires_grad=True)
    y = bibun.tensor([3.0], requires_grad=True)
    z = bibun.tensor([0.0], requires_grad=True)
    out = (x * x).sum() * y.sum()
    gx, gy = bibun.autograd.grad(out, [x, y], retain_graph=True)
    assert gx.tolist() == [6.0, 12.0] and gy.tolist() == [5.0]
    assert x.grad is None and y.grad is None                          # returned, not stored
    with pytest.raises(RuntimeError, match="allow_unused"):
        bibun.autograd.grad(out, [x, z], retain_graph=True)
    gx, gz = bibun.autograd.grad(out, [x, z], allow_unused=True, retain_graph=True)
    assert gz is None
    (gx,) = bibun.autograd.grad(out, x, create_graph=True)
    assert gx.requires_grad
    (gxx,) = bibun.autograd.grad(gx.sum(), x)
    assert gxx.tolist() == [6.0, 6.0]


def test_autograd_grad_results_do_not_alias():
    a = bibun.tensor([1.0, 2.0], requires_grad=True)
    b = bibun.tensor([3.0, 4.0], requires_grad=True)
    ga, gb = bibun.autograd.grad((a + b).sum(), [a, b])
    ga.zero_()
    assert gb.tolist() == [1.0, 1.0]


def test_grad_and_value_and_grad_on_numpy_and_tensors():
    def f(w, x):
        return bnp.sum(bnp.tanh(w * x))

    w, x = np.array([0.3, -0.2]), np.array([1.0, 2.0])
    g = bibun.grad(f)(w, x)
    assert isinstance(g, np.ndarray)
    np.testing.assert_allclose(g, x * (1 - np.tanh(w * x) ** 2))
    gx = bibun.grad(f, argnum=1)(w, x)
    np.testing.assert_allclose(gx, w * (1 - np.tanh(w * x) ** 2))
    v, g2 = bibun.value_and_grad(f)(w, x)
    assert isinstance(v, float) and np.isclose(v, np.sum(np.tanh(w * x)))
    np.testing.assert_allclose(g2, g)
    wt = bibun.tensor(w)
    gt = bibun.grad(lambda w: (w * w).sum())(wt)
    assert isinstance(gt, bibun.Tensor) and gt.tolist() == (2 * w).tolist()
    assert bibun.grad(lambda s: s * s * s)(2.0) == 12.0
    with pytest.raises(TypeError, match="one number"):
        bibun.grad(lambda w: w * 2)(w)


def test_grad_of_grad_of_tanh():
    d1 = bibun.grad(bnp.tanh)
    d2 = bibun.grad(d1)
    d3 = bibun.grad(d2)
    for x in (-1.3, 0.0, 0.4, 2.0):
        t = np.tanh(x)
        assert np.isclose(d1(x), 1 - t ** 2, rtol=1e-12)
        assert np.isclose(d2(x), -2 * t * (1 - t ** 2), rtol=1e-12, atol=1e-15)
        assert np.isclose(d3(x), -2 * (1 - t ** 2) ** 2 + 4 * t ** 2 * (1 - t ** 2), rtol=1e-12, atol=1e-15)


def _fd_jacobian(f, x, eps=1e-6):
    cols = []
    for j in range(x.size):
        e = np.zeros_like(x)
        e.flat[j] = eps
        cols.append((np.asarray(f(x + e)) - np.asarray(f(x - e))).reshape(-1) / (2 * eps))
    return np.stack(cols, axis=-1)


def test_jacobian_and_hessian_against_finite_differences():
    def f(x):
        return bnp.sin(x) * bnp.sum(x * x) + bnp.exp(x[::-1])

    def s(x):
        return bnp.sum(x ** 3) + x[0] * x[1] * x[2] + bnp.log(bnp.sum(bnp.exp(x)))

    x = np.array([0.3, -0.7, 1.1])
    J = bibun.func.jacobian(f)(x)
    assert J.shape == (3, 3)
    np.testing.assert_allclose(J, _fd_jacobian(lambda v: f(v), x), rtol=1e-6, atol=1e-8)
    H = bibun.func.hessian(s)(x)
    assert H.shape == (3, 3)
    np.testing.assert_allclose(H, _fd_jacobian(bibun.grad(s), x), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(H, H.T, atol=1e-12)
    Jt = bibun.func.jacobian(lambda v: v * 2)(bibun.tensor([1.0, 2.0]))
    assert isinstance(Jt, bibun.Tensor) and Jt.tolist() == [[2.0, 0.0], [0.0, 2.0]]


def test_chapter_autograd_cell():
    """Section 8.1.4's cell with `autograd` replaced by `bibun`."""
    def loss(w, x):
        return -bnp.log(1.0 / (1 + bnp.exp(-bnp.dot(x, w))))

    x = bnp.array([1, -1])
    w = bnp.array([1.0, 0.5])
    grad_loss = bibun.grad(loss)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        print(loss(w, x))
        print(grad_loss(w, x))
    assert out.getvalue() == "0.47407698418010663\n[-0.37754067  0.37754067]\n"


def test_gradcheck_is_usable_and_catches_a_wrong_gradient():
    x = bibun.tensor(np.array([0.3, -0.5]), requires_grad=True)
    assert bibun.autograd.gradcheck(lambda v: (v.sin() * v).sum(), [x])
    with pytest.raises(ValueError, match="float64"):
        bibun.autograd.gradcheck(lambda v: v.sum(), [bibun.tensor([1.0], requires_grad=True)])
    t = bibun.from_numpy(np.arange(6.0).reshape(2, 3).T).requires_grad_()     # a strided leaf
    assert bibun.autograd.gradcheck(lambda v: (v * v * v).sum(), [t])
    wrong = lambda v: bibun.Tensor._from_data(np.sin(v.detach().numpy())) + v.detach() * 0 + v  # noqa: E731
    assert not bibun.autograd.gradcheck(wrong, [x], raise_exception=False)


# -- memory: the graph goes with its root ---------------------------------------------------------------------------
def test_graph_is_freed_by_reference_counting_alone():
    gc.collect()
    gc.disable()
    try:
        x = bibun.randn(3, requires_grad=True)
        h = x * 2
        ref = weakref.ref(h)
        loss = (h * h).sum()
        del h
        assert ref() is not None                                       # the graph holds it
        loss.backward(retain_graph=True)
        assert ref() is not None
        del loss
        assert ref() is None

        h = x.exp()
        ref = weakref.ref(h)
        loss = (h * h).sum()
        del h
        loss.backward()
        del loss
        assert ref() is None

        h = x.tanh()
        ref, node = weakref.ref(h), weakref.ref(h.grad_fn)
        loss = h.sum()
        del h, loss                                                    # never backpropagated
        assert ref() is None and node() is None
    finally:
        gc.enable()


# -- save / load ---------------------------------------------------------------------------------------------------
def test_save_load_round_trip(tmp_path):
    state = {"w": bibun.tensor([[1.0, 2.0]], requires_grad=True), "b": bibun.tensor([0.5], dtype=bibun.float64),
             "n": bibun.tensor([1, 2, 3]), "mask": bibun.tensor([True, False]), "step": 7, "name": "run"}
    path = tmp_path / "ckpt.bibun"
    bibun.save(state, path)
    got = bibun.load(path)
    assert set(got) == set(state)
    for k in ("w", "b", "n", "mask"):
        assert isinstance(got[k], bibun.Tensor)
        assert got[k].dtype == state[k].dtype
        np.testing.assert_array_equal(got[k].detach().numpy(), state[k].detach().numpy())
    assert got["step"] == 7 and got["name"] == "run"
    buf = io.BytesIO()
    bibun.save(state["w"], buf)
    buf.seek(0)
    assert bibun.load(buf).tolist() == [[1.0, 2.0]]


def test_load_refuses_a_pickle(tmp_path):
    path = tmp_path / "evil.pt"
    with open(path, "wb") as f:
        pickle.dump({"w": [1.0, 2.0]}, f)
    with pytest.raises(LoadError):
        bibun.load(path)


def test_load_refuses_a_truncated_file(tmp_path):
    path = tmp_path / "ckpt.bibun"
    bibun.save({"w": bibun.randn(50, 50)}, path)
    data = path.read_bytes()
    for cut in (len(data) // 2, 40, len(data) - 10):
        path.write_bytes(data[:cut])
        with pytest.raises(LoadError):
            bibun.load(path)
    path.write_bytes(b"")
    with pytest.raises(LoadError):
        bibun.load(path)


def test_interrupted_save_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.bibun"
    bibun.save({"w": bibun.tensor([1.0, 2.0])}, path)
    before = path.read_bytes()

    def broken_savez(file, *args, **kwargs):
        file.write(b"PK\x03\x04 half a zip")
        raise KeyboardInterrupt("interrupted midway")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(KeyboardInterrupt):
        bibun.save({"w": bibun.tensor([3.0, 4.0])}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert bibun.load(path)["w"].tolist() == [1.0, 2.0]
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.bibun"]     # no temporary file left behind


# -- bibun.numpy: NumPy on arrays, traced on Tensors -------------------------------------------------------------
_BNP = {
    "add": lambda x: bnp.add(x, 2.0 * x[::-1]), "subtract": lambda x: bnp.subtract(x, x * x),
    "multiply": lambda x: bnp.multiply(x, x[::-1]), "divide": lambda x: bnp.divide(x, 2.0 + x * x),
    "power": lambda x: bnp.power(bnp.abs(x) + 1.0, 1.5), "negative": lambda x: bnp.negative(x),
    "exp": lambda x: bnp.exp(x), "log": lambda x: bnp.log(x * x + 1), "sqrt": lambda x: bnp.sqrt(x * x + 1),
    "sin": lambda x: bnp.sin(x), "cos": lambda x: bnp.cos(x), "tanh": lambda x: bnp.tanh(x),
    "abs": lambda x: bnp.abs(x), "maximum": lambda x: bnp.maximum(x, 0.1), "minimum": lambda x: bnp.minimum(x, 0.1),
    "clip": lambda x: bnp.clip(x, -0.5, 0.6), "where": lambda x: bnp.where(x > 0, x, 2 * x),
    "dot": lambda x: bnp.dot(bnp.reshape(x, (2, 3)), bnp.array([1.0, -2.0, 0.5])),
    "matmul": lambda x: bnp.matmul(bnp.reshape(x, (3, 2)), bnp.reshape(x, (2, 3))),
    "sum": lambda x: bnp.sum(bnp.reshape(x, (2, 3)) ** 2, axis=1), "mean": lambda x: bnp.mean(x * x, keepdims=True),
    "max": lambda x: bnp.max(bnp.reshape(x, (3, 2)), axis=0), "min": lambda x: bnp.min(x),
    "logsumexp": lambda x: bnp.logsumexp(bnp.reshape(x, (2, 3)), axis=1),
    "softmax": lambda x: bnp.softmax(bnp.reshape(x, (2, 3))), "log_softmax": lambda x: bnp.log_softmax(x),
    "sigmoid": lambda x: bnp.sigmoid(x), "transpose": lambda x: bnp.transpose(bnp.reshape(x, (2, 3))) * x[0],
    "swapaxes": lambda x: bnp.swapaxes(bnp.reshape(x, (1, 2, 3)), 0, 2) * x[1],
    "expand_dims": lambda x: bnp.expand_dims(x, 0) * x, "broadcast_to": lambda x: bnp.broadcast_to(x, (2, 6)) * x,
    "concatenate": lambda x: bnp.concatenate([x, x * x]), "stack": lambda x: bnp.stack([x, x * x], axis=1),
    "sign": lambda x: bnp.sign(x) * x, "zeros_like": lambda x: bnp.zeros_like(x) + x,
}


@pytest.mark.parametrize("name", sorted(_BNP))
def test_bibun_numpy_is_numpy_on_arrays_and_traces_tensors(name):
    f = _BNP[name]
    x = np.array([0.3, -0.7, 1.1, -0.2, 0.5, 0.9])
    plain = f(x)
    assert isinstance(plain, (np.ndarray, np.generic)) and not isinstance(plain, bibun.Tensor)
    w = np.random.default_rng(0).standard_normal(np.shape(plain))

    def s(v):
        return bnp.sum(f(v) * w)

    g = bibun.grad(s)(x)
    assert isinstance(g, np.ndarray)
    np.testing.assert_allclose(g, _fd_jacobian(s, x).reshape(-1), rtol=1e-6, atol=1e-8)


def test_mixed_dtype_arithmetic_promotes_as_pytorch_does():
    # literal cases (NumPy alone would give float64 for the first three)
    assert (bibun.tensor([1.0, 2.0]) + bibun.tensor([1, 2])).dtype == bibun.float32
    assert (bibun.tensor([1.0, 2.0]) * bibun.tensor(2.5, dtype=bibun.float64)).dtype == bibun.float32
    assert (bibun.tensor([1, 2], dtype=bibun.int32) + bibun.tensor(2.5)).dtype == bibun.float32
    assert (bibun.tensor([1, 2]) + bibun.tensor(2.5, dtype=bibun.float64)).dtype == bibun.float64
    assert (bibun.tensor([1, 2], dtype=bibun.uint8) + bibun.tensor(300)).dtype == bibun.uint8
    w = bibun.tensor([1.0, 2.0], requires_grad=True)
    (w * bibun.tensor([3, 4])).sum().backward()
    assert w.grad.dtype == bibun.float32 and w.grad.tolist() == [3.0, 4.0]


def test_mixed_dtype_promotion_matches_pytorch_for_every_pair():
    torch = pytest.importorskip("torch", reason="PyTorch not installed: cross-checks against it skipped")
    import itertools
    names = ["float32", "float64", "int64", "int32", "uint8", "bool"]
    for da, db in itertools.product(names, names):
        for a0, b0 in itertools.product([True, False], repeat=2):
            va = np.array(1 if a0 else [1, 2]).astype(da)
            vb = np.array(1 if b0 else [1, 2]).astype(db)
            for op in ("add", "mul", "div"):
                want = getattr(torch, op)(torch.tensor(va), torch.tensor(vb)).dtype
                got = getattr(bibun, op)(bibun.tensor(va), bibun.tensor(vb)).dtype
                assert str(want) == f"torch.{got.name}", (op, da, a0, db, b0)
