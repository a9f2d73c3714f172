"""Cases for the layers' primitives (activations, convolution and its windows, pooling, padding, embedding), merged
into tests/test_grad_ops.py's CASES: each runs there against finite differences and PyTorch in float64, forward,
backward and backward of backward. Inputs keep away from each function's kinks."""
import numpy as np

from test_grad_ops import Case, R, away, not_near, rn, unary_cases


def F(M):
    return M.nn.functional


def conv_cases(nd):
    conv = "conv1d" if nd == 1 else "conv2d"
    sp = (7,) if nd == 1 else (6, 5)
    k = (3,) if nd == 1 else (3, 2)
    return [
        Case(lambda M, x, w, b: getattr(F(M), conv)(x, w, b), rn(2, 3, *sp), rn(4, 3, *k), rn(4), desc=f"{conv}"),
        Case(lambda M, x, w: getattr(F(M), conv)(x, w, stride=2, padding=1, dilation=2, groups=2), rn(2, 4, *sp),
             rn(6, 2, *k), desc=f"{conv} strided, dilated, grouped"),
    ]


LAYERS = {
    "erf": unary_cases("erf", rn),
    "gelu": [Case(lambda M, a: F(M).gelu(a), rn(3, 4), desc="exact"),
             Case(lambda M, a: F(M).gelu(a, approximate="tanh"), rn(2, 3), desc="tanh")],
    "silu": [Case(lambda M, a: F(M).silu(a), rn(3, 4))],
    "leaky_relu": [Case(lambda M, a: F(M).leaky_relu(a, 0.2), away(3, 4))],
    "elu": [Case(lambda M, a: F(M).elu(a, 0.7), away(3, 4))],
    "softplus": [Case(lambda M, a: F(M).softplus(a), rn(3, 4)),
                 Case(lambda M, a: F(M).softplus(a, beta=2.0, threshold=1.0), not_near((3, 4), (0.5,)),
                      desc="beta, threshold")],
    "log_sigmoid": [Case(lambda M, a: F(M).logsigmoid(a), rn(3, 4))],
    "hardtanh": [Case(lambda M, a: F(M).hardtanh(a, -0.5, 0.8), not_near((3, 4), (-0.5, 0.8)))],
    "mish": [Case(lambda M, a: F(M).mish(a), rn(3, 4))],
    "softsign": [Case(lambda M, a: F(M).softsign(a), away(3, 4))],
    "threshold": [Case(lambda M, a: F(M).threshold(a, 0.3, -2.0), not_near((3, 4), (0.3,)))],
    "prelu": [Case(lambda M, a, w: F(M).prelu(a, w), away(2, 3, 4), rn(3), desc="per channel"),
              Case(lambda M, a, w: F(M).prelu(a, w), away(3, 4), rn(1), desc="one slope")],
    "convolution": conv_cases(1) + conv_cases(2),
    "im2col": [Case(lambda M, x: F(M).unfold(x, (2, 3), dilation=(2, 1), padding=1, stride=(1, 2)), rn(2, 3, 5, 6))],
    "col2im": [Case(lambda M, c: F(M).fold(c, (5, 6), (2, 3), padding=1, stride=(2, 1)), rn(2, 18, 18))],
    "max_pool": [Case(lambda M, x: F(M).max_pool2d(x, 2), rn(2, 3, 4, 6)),
                 Case(lambda M, x: F(M).max_pool2d(x, 3, 2, 1, ceil_mode=True), rn(2, 2, 6, 7), desc="ceil_mode")],
    "avg_pool": [Case(lambda M, x: F(M).avg_pool2d(x, 2), rn(2, 3, 4, 6)),
                 Case(lambda M, x: F(M).avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
                      rn(2, 2, 6, 7), desc="ceil_mode, padding not counted")],
    "adaptive_avg_pool": [Case(lambda M, x: F(M).adaptive_avg_pool2d(x, (2, 3)), rn(2, 3, 5, 7))],
    "constant_pad_nd": [Case(lambda M, x: F(M).pad(x, (1, 2, -1, 1), value=0.5), rn(2, 3, 4))],
    "embedding": [Case(lambda M, w, i: F(M).embedding(i, w), rn(5, 3), R.integers(0, 5, (2, 4))),
                  # the padding row gets no gradient by design, where finite differences see one: PyTorch only
                  Case(lambda M, w, i: F(M).embedding(i, w, padding_idx=1), rn(5, 3), np.array([[1, 0, 4, 1]]),
                       fd=False, desc="padding_idx")],
}
