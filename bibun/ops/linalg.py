"""Matrix products. 1-D operands follow NumPy's matmul rules; batch broadcasting is the engine's sum_to."""
import numpy as np

from ._registry import PRODUCT, SUM, defop
from ._wrap import binary, nary


def _mm_grad_a(xp, g, out, a, b):
    if b.ndim == 1:
        return xp.expand_dims(g, -1) * b if a.ndim > 1 else g * b
    if a.ndim == 1:
        return xp.matmul(xp.expand_dims(g, -2), xp.swapaxes(b, -1, -2))
    return xp.matmul(g, xp.swapaxes(b, -1, -2))


def _mm_grad_b(xp, g, out, a, b):
    if a.ndim == 1:
        return xp.expand_dims(a, -1) * xp.expand_dims(g, -2) if b.ndim > 1 else g * a
    if b.ndim == 1:           # a batched: g is (..., n); the engine sums the batch axes away
        return xp.matmul(xp.swapaxes(a, -1, -2), g) if a.ndim == 2 else xp.expand_dims(g, -1) * a
    return xp.matmul(xp.swapaxes(a, -1, -2), g)


def _linear(x, w, b=None):
    out = x @ w.T
    if b is not None:
        out += b
    return out


def _linear_grad_w(xp, g, out, x, w, b=None):
    if x.ndim == 1:
        return xp.expand_dims(g, -1) * x
    if x.ndim > 2:
        x, g = xp.reshape(x, (-1, x.shape[-1])), xp.reshape(g, (-1, g.shape[-1]))
    return g.T @ x


def _linear_grad_b(xp, g, out, x, w, b=None):
    return xp.sum(g, axis=0 if g.ndim == 2 else tuple(range(g.ndim - 1)))


L = "linalg"
# the gradients a product passes back read as matrix products: ∂L/∂W = (∂L/∂z) xᵀ for z = W x
matmul = binary(defop("matmul", np.matmul, (_mm_grad_a, _mm_grad_b), kind=L, symbol="@",
                      local=("@1^\\top", "@0^\\top"), grad_name="MmBackward0",
                      forward=(r"@(0) \, @(1)", "@(0) @ @(1)", PRODUCT),
                      vjp_text=((r"@g \, @1^{\top}", "@g @1ᵀ"), (r"@0^{\top} \, @g", "@0ᵀ @g")),
                      by_ndim={(1, 1): dict(forward=(r"@(0)^{\top} \, @(1)", "@(0) @ @(1)", PRODUCT),    # hᵀq
                                            vjp_text=((r"@g \, @1", "@g·@1"), (r"@g \, @0", "@g·@0"))),
                               (1, None): dict(vjp_text=((r"@1 \, @g", "@1 @g"), (r"@0 \, @g^{\top}", "@0 @gᵀ")))}))
dot = binary(defop("dot", np.dot, (lambda xp, g, out, a, b: g * b, lambda xp, g, out, a, b: g * a),
                   kind=L, symbol=r"\cdot", local=("@1", "@0"), forward=(r"@(0) \cdot @(1)", "@(0)·@(1)", PRODUCT),
                   vjp_text=(("@g @1", "@g·@1"), ("@g @0", "@g·@0"))))
# fused x @ W.T + b, the body of nn.Linear: one node instead of three
linear = nary(defop("linear", _linear,
                    (lambda xp, g, out, x, w, b=None: g @ w, _linear_grad_w, _linear_grad_b),
                    kind=L, symbol="linear", label=r"\mathrm{linear}", local=("W", "x^\\top", "1"),
                    grad_name="AddmmBackward0", forward=(r"@(0) @(1)^{\top} + @2", "@(0) @(1)ᵀ + @2", SUM),
                    vjp_text=(("@g @1", "@g @1"), (r"@g^{\top} @0", "@gᵀ @0"), (r"\sum @g", "sum(@g)"))))
