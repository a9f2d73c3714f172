"""conv1d / conv2d, the pools, pad, unfold / fold and dropout2d against PyTorch in float64 (values and the
gradients of input, weight and bias for many strides, paddings, dilations and groups), finite differences for
the new primitives, and gradients of gradients."""
import numpy as np
import pytest

import bibun
import bibun.nn.functional as F
from bibun.autograd import gradcheck

from layers_more_helpers import check

torch = pytest.importorskip("torch")
import torch.nn.functional as TF  # noqa: E402

RNG = np.random.default_rng(1)

CONV2D = [  # (N, C, H, W), (O, k), stride, padding, dilation, groups
    ((2, 3, 7, 6), (4, (3, 3)), 1, 0, 1, 1),
    ((2, 3, 7, 6), (4, (3, 2)), 2, 1, 1, 1),
    ((1, 4, 9, 8), (6, (3, 3)), (2, 3), (1, 2), (2, 1), 2),
    ((2, 4, 8, 8), (4, (3, 3)), 1, 1, 1, 4),               # depthwise
    ((3, 2, 5, 5), (3, (1, 1)), 1, 0, 1, 1),
    ((2, 2, 6, 7), (2, (2, 3)), 3, (0, 1), (1, 2), 1),     # a stride that leaves rows unused
    ((2, 3, 6, 6), (3, (3, 3)), 1, "same", 2, 1),
    ((2, 3, 6, 6), (3, (2, 2)), 1, "same", 1, 1),          # even kernel: the odd cell of padding on the right
    ((2, 3, 6, 6), (3, (3, 3)), 1, "valid", 1, 3),
]


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("xs,wk,stride,padding,dilation,groups", CONV2D)
@pytest.mark.parametrize("bias", [True, False])
def test_conv2d_matches_pytorch(xs, wk, stride, padding, dilation, groups, bias):
    o, k = wk
    x = RNG.standard_normal(xs)
    w = RNG.standard_normal((o, xs[1] // groups) + k)
    b = RNG.standard_normal(o)
    args = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    if bias:
        check(lambda a, ww, bb: F.conv2d(a, ww, bb, **args), lambda a, ww, bb: TF.conv2d(a, ww, bb, **args), x, w, b)
    else:
        check(lambda a, ww: F.conv2d(a, ww, **args), lambda a, ww: TF.conv2d(a, ww, **args), x, w)


@pytest.mark.parametrize("xs,o,k,stride,padding,dilation,groups", [
    ((2, 3, 10), 4, 3, 1, 0, 1, 1), ((2, 4, 11), 6, 4, 2, 2, 1, 2), ((1, 2, 9), 2, 3, 3, 1, 2, 2),
    ((2, 3, 8), 3, 3, 1, "same", 3, 1), ((2, 3), 5, 2, 1, 0, 1, 1)])          # the last: unbatched (C, L)
def test_conv1d_matches_pytorch(xs, o, k, stride, padding, dilation, groups):
    x = RNG.standard_normal(xs)
    w, b = RNG.standard_normal((o, xs[-2] // groups, k)), RNG.standard_normal(o)
    args = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    check(lambda a, ww, bb: F.conv1d(a, ww, bb, **args), lambda a, ww, bb: TF.conv1d(a, ww, bb, **args), x, w, b)


def test_unbatched_conv2d_matches_pytorch():
    x, w, b = RNG.standard_normal((3, 5, 5)), RNG.standard_normal((2, 3, 3, 3)), RNG.standard_normal(2)
    check(lambda a, ww, bb: F.conv2d(a, ww, bb, padding=1), lambda a, ww, bb: TF.conv2d(a, ww, bb, padding=1), x, w, b)


def test_convolution_by_finite_differences_and_gradient_of_gradient():
    x = bibun.tensor(RNG.standard_normal((1, 2, 5, 4)), requires_grad=True)
    w = bibun.tensor(RNG.standard_normal((2, 1, 2, 3)), requires_grad=True)
    b = bibun.tensor(RNG.standard_normal(2), requires_grad=True)
    # bilinear in (x, w): the central difference is exact up to rounding
    assert gradcheck(lambda a, ww, bb: F.conv2d(a, ww, bb, stride=(2, 1), padding=1, dilation=(1, 2), groups=2),
                     (x, w, b), atol=1e-8, rtol=1e-7)
    # the second derivative through the conv (its VJPs are recorded ops): against PyTorch's double backward
    x0, w0 = RNG.standard_normal((2, 2, 5, 5)), RNG.standard_normal((4, 1, 3, 3))
    out = []
    for lib, conv in ((bibun, F.conv2d), (torch, TF.conv2d)):
        a, ww = lib.tensor(x0, requires_grad=True), lib.tensor(w0, requires_grad=True)
        y = conv(a, ww, stride=2, padding=1, groups=2)
        gx, gw = lib.autograd.grad((y * y).sum(), (a, ww), create_graph=True)
        (gx.sum() + (gw * gw).sum()).backward()
        out.append((a.grad.numpy(), ww.grad.numpy()))
    for b_, t_ in zip(*out):
        np.testing.assert_allclose(b_, t_, rtol=1e-11, atol=1e-11)


POOLS = [  # (N, C, H, W), kernel, stride, padding, dilation, ceil_mode
    ((2, 3, 6, 6), 2, None, 0, 1, False),
    ((2, 2, 7, 5), 3, 2, 1, 1, False),
    ((1, 2, 7, 7), (3, 2), (2, 1), (1, 0), 1, True),
    ((2, 1, 8, 9), 3, 3, 1, 1, True),
    ((1, 2, 5, 6), 2, 2, 0, 1, True),
    ((2, 2, 9, 9), 3, 2, 1, 2, False),                      # dilation (max only)
    ((3, 7, 7), 2, None, 0, 1, False),                      # unbatched
]


@pytest.mark.parametrize("xs,kernel,stride,padding,dilation,ceil_mode", POOLS)
def test_max_pool2d_matches_pytorch(xs, kernel, stride, padding, dilation, ceil_mode):
    x = RNG.standard_normal(xs)
    args = dict(stride=stride, padding=padding, dilation=dilation, ceil_mode=ceil_mode)
    check(lambda a: F.max_pool2d(a, kernel, **args), lambda a: TF.max_pool2d(a, kernel, **args), x)
    check(lambda a: F.max_pool2d(a, kernel, return_indices=True, **args),
          lambda a: TF.max_pool2d(a, kernel, return_indices=True, **args), x)


def test_max_pool2d_ties_give_the_gradient_to_the_first_maximum_as_pytorch():
    x = np.zeros((1, 1, 4, 4))                               # after a ReLU: windows full of equal zeros
    x[0, 0, 1, 1] = x[0, 0, 2, 3] = 1.0
    x[0, 0, 3, 3] = 1.0
    check(lambda a: F.max_pool2d(a, 2), lambda a: TF.max_pool2d(a, 2), x)
    check(lambda a: F.max_pool2d(a, 3, 1, 1), lambda a: TF.max_pool2d(a, 3, 1, 1), x)


@pytest.mark.parametrize("xs,kernel,stride,padding,dilation,ceil_mode", [p for p in POOLS if p[4] == 1])
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool2d_matches_pytorch(xs, kernel, stride, padding, dilation, ceil_mode, count_include_pad):
    x = RNG.standard_normal(xs)
    args = dict(stride=stride, padding=padding, ceil_mode=ceil_mode, count_include_pad=count_include_pad)
    check(lambda a: F.avg_pool2d(a, kernel, **args), lambda a: TF.avg_pool2d(a, kernel, **args), x)
    check(lambda a: F.avg_pool2d(a, kernel, divisor_override=5, **args),
          lambda a: TF.avg_pool2d(a, kernel, divisor_override=5, **args), x)


@pytest.mark.parametrize("xs,size", [((2, 3, 6, 6), 1), ((2, 3, 7, 5), (3, 2)), ((1, 2, 5, 9), (None, 4)),
                                     ((2, 2, 4, 4), (6, 5)), ((3, 5, 5), 2)])
def test_adaptive_avg_pool2d_matches_pytorch(xs, size):
    x = RNG.standard_normal(xs)
    check(lambda a: F.adaptive_avg_pool2d(a, size), lambda a: TF.adaptive_avg_pool2d(a, size), x)


def test_pools_by_finite_differences_and_gradient_of_gradient():
    x = bibun.tensor(RNG.standard_normal((1, 2, 5, 5)), requires_grad=True)
    assert gradcheck(lambda a: F.max_pool2d(a, 3, 2, 1, ceil_mode=True), (x,), atol=1e-8, rtol=1e-7)
    assert gradcheck(lambda a: F.avg_pool2d(a, 3, 2, 1, ceil_mode=True, count_include_pad=False), (x,),
                     atol=1e-8, rtol=1e-7)
    assert gradcheck(lambda a: F.adaptive_avg_pool2d(a, (2, 3)), (x,), atol=1e-8, rtol=1e-7)
    x0 = RNG.standard_normal((2, 2, 6, 6))
    for fb, ft in ((lambda a: F.max_pool2d(a, 2), lambda a: TF.max_pool2d(a, 2)),
                   (lambda a: F.avg_pool2d(a, 3, 2, 1), lambda a: TF.avg_pool2d(a, 3, 2, 1)),
                   (lambda a: F.adaptive_avg_pool2d(a, 4), lambda a: TF.adaptive_avg_pool2d(a, 4))):
        out = []
        for lib, f in ((bibun, fb), (torch, ft)):
            a = lib.tensor(x0, requires_grad=True)
            (g,) = lib.autograd.grad((f(a) ** 3).sum(), a, create_graph=True)
            (h,) = lib.autograd.grad((g * g).sum(), a)
            out.append(h.numpy())
        np.testing.assert_allclose(out[0], out[1], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("pad,value", [((1, 2), 0.0), ((1, 0, 2, 3), -1.5), ((0, 1, 1, 0, 2, 1), 2.0),
                                       ((-1, 2, 1, -2), 0.0)])        # negative: crops
def test_pad_matches_pytorch(pad, value):
    x = RNG.standard_normal((2, 3, 4, 5))
    check(lambda a: F.pad(a, pad, value=value), lambda a: TF.pad(a, pad, value=value), x)
    a = bibun.tensor(x[0, :2, :3, :3].copy(), requires_grad=True)
    assert gradcheck(lambda t: F.pad(t, pad, value=value), (a,), atol=1e-8, rtol=1e-7)


@pytest.mark.parametrize("xs,kernel,dilation,padding,stride", [((2, 3, 6, 5), 2, 1, 0, 1), ((1, 2, 7, 7), (3, 2), 1, 1, 2),
                                                               ((2, 1, 8, 8), 3, 2, (1, 2), (2, 1)), ((3, 5, 5), 2, 1, 0, 1)])
def test_unfold_and_fold_match_pytorch(xs, kernel, dilation, padding, stride):
    x = RNG.standard_normal(xs)
    args = dict(dilation=dilation, padding=padding, stride=stride)
    check(lambda a: F.unfold(a, kernel, **args), lambda a: TF.unfold(a, kernel, **args), x)
    cols = TF.unfold(torch.tensor(x), kernel, **args).numpy()
    check(lambda c: F.fold(c, xs[-2:], kernel, **args), lambda c: TF.fold(c, xs[-2:], kernel, **args),
          RNG.standard_normal(cols.shape))


def test_im2col_and_col2im_by_finite_differences():
    from bibun.ops import conv as CV
    x = bibun.tensor(RNG.standard_normal((1, 2, 4, 5)), requires_grad=True)
    p = dict(kernel=(2, 3), stride=(2, 1), padding=((1, 1), (0, 2)), dilation=(1, 2))
    assert gradcheck(lambda a: CV.im2col(a, **p), (x,), atol=1e-8, rtol=1e-7)
    cols = bibun.tensor(RNG.standard_normal(tuple(CV.im2col(x, **p).shape)), requires_grad=True)
    assert gradcheck(lambda c: CV.col2im(c, shape=(1, 2, 4, 5), **p), (cols,), atol=1e-8, rtol=1e-7)


def test_dropout2d_zeroes_whole_channels_and_scales_the_rest():
    bibun.manual_seed(0)
    x = bibun.ones(8, 16, 3, 3, requires_grad=True)
    y = F.dropout2d(x, 0.25)
    per_channel = y.detach().numpy().reshape(8, 16, 9)
    assert set(np.unique(per_channel)) <= {0.0, np.float32(1 / 0.75)}
    assert (per_channel.min(-1) == per_channel.max(-1)).all()           # a channel is kept or dropped whole
    assert 0.1 < (per_channel[..., 0] == 0).mean() < 0.4
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.detach().numpy())   # d y / d x is the mask itself
    assert F.dropout2d(x, 0.5, training=False) is x
    np.testing.assert_array_equal(F.dropout2d(x, 1.0).detach().numpy(), 0)


def test_conv_and_pool_errors_say_what_to_do():
    conv = bibun.nn.Conv2d(3, 8, 3)
    with pytest.raises(RuntimeError, match=r"Conv2d\(3, 8.*expected input with 4 dimensions \(N, C, H, W\) or 3 "
                                           r"\(C, H, W\), got 2 dimensions.*unsqueeze"):
        conv(bibun.randn(8, 8))
    with pytest.raises(RuntimeError, match=r"expected input\[2, 8, 8, 3\] to have 3 channels.*permute\(0, 3, 1, 2\)"):
        conv(bibun.randn(2, 8, 8, 3))
    with pytest.raises(RuntimeError, match=r"to have 3 channels.*got 1 channels.*in_channels=1"):
        conv(bibun.randn(2, 1, 8, 8))
    with pytest.raises(RuntimeError, match=r"smaller than the kernel"):
        conv(bibun.randn(1, 3, 2, 2))
    with pytest.raises(RuntimeError, match=r"float64 but the weights are float32.*x.float\(\)"):
        conv(bibun.tensor(np.zeros((1, 3, 4, 4))))
    with pytest.raises(RuntimeError, match=r"Conv1d.*3 dimensions \(N, C, L\) or 2 \(C, L\), got 4"):
        bibun.nn.Conv1d(3, 4, 2)(bibun.randn(1, 3, 4, 4))
    with pytest.raises(ValueError, match="pad should be at most half"):
        F.max_pool2d(bibun.randn(1, 1, 4, 4), 2, padding=2)
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        bibun.nn.Conv2d(3, 8, 3, stride=2, padding="same")
    with pytest.raises(NotImplementedError, match="mode='constant'"):
        F.pad(bibun.randn(1, 1, 3, 3), (1, 1), mode="reflect")
