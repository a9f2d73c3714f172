"""Tests for bibun._print: arrays must print exactly as PyTorch prints tensors."""

import numpy as np
import pytest

from bibun._print import format_tensor, get_printoptions, set_printoptions

DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]
FLOAT_DTYPES = ["float32", "float64", "float16"]
SHAPES = [(), (1,), (5,), (3, 4), (2, 3, 4), (2, 1, 3, 1), (0,), (0, 3), (30,), (7, 40),
          (2000,), (100, 100), (11, 11, 11)]


@pytest.fixture(autouse=True)
def _reset_printoptions():
    set_printoptions(profile="default")
    yield
    set_printoptions(profile="default")


@pytest.fixture
def torch():
    torch = pytest.importorskip("torch", reason="comparisons against PyTorch need torch")
    torch.set_printoptions(profile="default")
    yield torch
    torch.set_printoptions(profile="default")


def torch_repr(t):
    return repr(t).replace("torch.", "bibun.")


def check(torch, a, **opts):
    """format_tensor(a) must equal repr of the same tensor, plain and with autograd suffixes."""
    if opts:
        set_printoptions(**opts)
        torch.set_printoptions(**opts)
    a = np.asarray(a)
    t = torch.from_numpy(a.copy())
    assert format_tensor(a) == torch_repr(t)
    if a.dtype.kind == "f":
        leaf = torch.tensor(a, requires_grad=True)
        assert format_tensor(a, requires_grad=True) == torch_repr(leaf)
        out = leaf * 2
        assert format_tensor(out.detach().numpy(), requires_grad=True,
                             grad_fn="MulBackward0") == torch_repr(out)


def random_array(rng, shape, dtype, kind):
    """Values of ``dtype`` drawn in one of several styles that stress the formatter."""
    if dtype == "bool":
        return np.asarray(rng.random(shape) < 0.5)
    if dtype.startswith(("int", "uint")):
        info = np.iinfo(dtype)
        lo, hi = [(0, 9), (-100, 100), (info.min, info.max)][kind % 3]
        return np.asarray(rng.integers(max(lo, info.min), hi, size=shape, endpoint=True), dtype)
    normal = rng.standard_normal(shape)
    if kind == 0:
        x = normal
    elif kind == 1:  # each value its own magnitude, 1e-10 .. 1e10
        x = normal * 10.0 ** rng.uniform(-10, 10, shape)
    elif kind == 2:  # integer-valued floats
        x = np.round(normal * 100)
    else:  # zeros of both signs, nan and infs mixed in
        m = rng.random(shape)
        x = np.select([m < .1, m < .2, m < .3, m < .4, m < .5],
                      [np.nan, np.inf, -np.inf, -0.0, 0.0], normal)
    with np.errstate(over="ignore"):
        return np.asarray(x).astype(dtype)


# ----------------------------------------------------------------- without torch

@pytest.mark.parametrize("a, kwargs, expected", [
    (np.array([-0.3775, 0.3775], np.float32), {}, "tensor([-0.3775,  0.3775])"),
    (np.array([[2.4885, -7.4323], [1.4338, -8.7279]], np.float32), {},
     "tensor([[ 2.4885, -7.4323],\n        [ 1.4338, -8.7279]])"),
    (np.array([[1.0], [0.0]], np.float32), {}, "tensor([[1.],\n        [0.]])"),
    (np.array(0.4741, np.float32), {}, "tensor(0.4741)"),
    (np.array([1, 2]), {}, "tensor([1, 2])"),
    (np.array([True, False]), {}, "tensor([ True, False])"),
    (np.array([1.0, 2.0]), {}, "tensor([1., 2.], dtype=bibun.float64)"),
    (np.array([1, 2], np.int32), {}, "tensor([1, 2], dtype=bibun.int32)"),
    (np.array([1e-8, 1e3], np.float32), {}, "tensor([1.0000e-08, 1.0000e+03])"),
    (np.zeros((0, 3), np.float32), {}, "tensor([], size=(0, 3))"),
    (np.zeros(0, np.int64), {}, "tensor([], dtype=bibun.int64)"),
    (np.array([np.nan, np.inf], np.float32), {}, "tensor([nan, inf])"),
    (np.array([1.0, np.nan, -np.inf], np.float32), {}, "tensor([1., nan, -inf])"),
    (np.array([-0.0, 1.5], np.float32), {}, "tensor([-0.0000, 1.5000])"),
    (np.array([1.0, 2.0], np.float32), {"requires_grad": True},
     "tensor([1., 2.], requires_grad=True)"),
    (np.array([2.0, 4.0], np.float32), {"requires_grad": True, "grad_fn": "MulBackward0"},
     "tensor([2., 4.], grad_fn=<MulBackward0>)"),
    (np.array([1, 2], np.int8), {"module": "torch"}, "tensor([1, 2], dtype=torch.int8)"),
    (np.array([[1, 2], [3, 4]]), {"prefix": "Foo"}, "Foo([[1, 2],\n     [3, 4]])"),
])
def test_literal(a, kwargs, expected):
    assert format_tensor(a, **kwargs) == expected


def test_summarised_literal():
    assert format_tensor(np.arange(2000)) == "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])"
    set_printoptions(threshold=5)
    assert format_tensor(np.arange(10)) == "tensor([0, 1, 2,  ..., 7, 8, 9])"


def test_line_wrapping_literal():
    text = format_tensor(np.arange(30))
    assert text == ("tensor([ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16, 17,\n"
                    "        18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29])")
    assert all(len(line) <= 80 for line in text.splitlines())


def test_printoptions_roundtrip():
    assert get_printoptions() == dict(precision=4, threshold=1000, edgeitems=3,
                                      linewidth=80, sci_mode=None)
    set_printoptions(precision=2, sci_mode=True)
    assert format_tensor(np.array([1.12345], np.float32)) == "tensor([1.12e+00])"
    saved = get_printoptions()
    set_printoptions(profile="full")  # also resets sci_mode, as in PyTorch
    assert get_printoptions()["threshold"] == float("inf")
    assert get_printoptions()["sci_mode"] is None
    set_printoptions(**saved)
    assert get_printoptions() == saved
    set_printoptions(profile="short")
    assert format_tensor(np.array([1.12345], np.float32)) == "tensor([1.12])"
    with pytest.raises(ValueError):
        set_printoptions(profile="bogus")


def test_unsupported_dtype():
    with pytest.raises(TypeError):
        format_tensor(np.array([1 + 2j]))


# ------------------------------------------------------------- against PyTorch

@pytest.mark.parametrize("a", [
    [-0.3775, 0.3775], [[2.4885, -7.4323], [1.4338, -8.7279]], [[1.0], [0.0]], 0.4741,
    [1e-8, 1e3], [1e-10, 1e10], [1e8, 1.0], [1e9], [1e-5], [123456789.0], [1e-4, 0.1],
    [0.0, -0.0], [-0.0], -0.0, [0.0], [np.nan, np.inf], [np.nan, -np.inf, 1.5],
    [np.nan, 2.0, 1e10], [1.0, 2.0, 3.0], [-1.0, 100.0], [1e5, 1e-3], [0.1, 1000.0],
    [0.1, 100.01], [1.5, 2.0], [1e20, 1e-20], [3.0e38], [1e-45],
])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_float_values_match_torch(torch, a, dtype):
    with np.errstate(over="ignore", under="ignore"):
        check(torch, np.asarray(a).astype(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_random_arrays_match_torch(torch, shape, dtype):
    rng = np.random.default_rng([DTYPES.index(dtype), len(shape), *shape])
    for kind in range(4):
        check(torch, random_array(rng, shape, dtype, kind))


@pytest.mark.parametrize("opts", [
    dict(precision=2), dict(precision=0), dict(precision=7), dict(sci_mode=False),
    dict(sci_mode=True), dict(threshold=5), dict(edgeitems=1, threshold=10),
    dict(edgeitems=0, threshold=3), dict(linewidth=40), dict(linewidth=200),
    dict(profile="short"), dict(profile="full"), dict(threshold=0),
], ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "bool"])
def test_printoptions_match_torch(torch, opts, dtype):
    rng = np.random.default_rng(7)
    set_printoptions(**opts)
    torch.set_printoptions(**opts)
    for shape in [(), (5,), (3, 4), (2, 3, 4), (30,), (7, 40), (2000,), (0, 2)]:
        for kind in range(4):
            check(torch, random_array(rng, shape, dtype, kind))


def test_summarisation_matches_torch(torch):
    rng = np.random.default_rng(3)
    for shape in [(1001,), (2000,), (100, 100), (4, 4, 4, 20), (3, 500), (500, 3)]:
        check(torch, rng.standard_normal(shape).astype(np.float32))
        check(torch, rng.integers(-10**6, 10**6, shape))


def test_suffix_wrapping_matches_torch(torch):
    # The dtype and autograd suffixes must move to a new line exactly when torch's do.
    for n in range(1, 14):
        a = np.linspace(-1, 1, n)
        check(torch, a)
        check(torch, a.astype(np.float16))
        check(torch, np.arange(n, dtype=np.int16) * 1001)
    check(torch, np.arange(6.0).reshape(2, 3), linewidth=30)


def test_prefix_indent_matches_torch(torch):
    class LongerName(torch.Tensor):
        pass

    rng = np.random.default_rng(5)
    for shape in [(), (30,), (3, 4), (2, 3, 4), (100, 100)]:
        for dtype in ["float32", "float64"]:
            a = np.asarray(rng.standard_normal(shape) * 100).astype(dtype)
            for grad in (False, True):
                sub = torch.Tensor._make_subclass(LongerName, torch.from_numpy(a.copy()), grad)
                assert format_tensor(a, prefix="LongerName", requires_grad=grad) \
                    == torch_repr(sub)
                param = torch.nn.Parameter(torch.from_numpy(a.copy()), requires_grad=grad)
                assert format_tensor(a, prefix="Parameter containing:\ntensor",
                                     requires_grad=grad) == torch_repr(param)


def test_grad_fn_suffix_matches_torch(torch):
    a = np.array([[1.5, -2.0], [3.25, 4.0]], np.float32)
    t = torch.tensor(a, requires_grad=True)
    for out, name in [(t * 2, "MulBackward0"), (t + 1, "AddBackward0"),
                      (t.sum(), "SumBackward0"), (t.exp(), "ExpBackward0")]:
        assert format_tensor(out.detach().numpy(), grad_fn=name) == torch_repr(out)
