"""Running one function on bibun and on PyTorch in float64 with the same inputs and the same upstream gradient,
for the tests/test_layers_more*.py files."""
import numpy as np

import bibun

# float64 rounding: each result here is a sum of at most a few hundred products of numbers of order 1, each
# rounding adds at most eps = 2.2e-16 relative, and the two libraries add in different orders: 1e-12 covers
# 400 terms with room to spare, while any wrong index or missing term is an error of order 1
RTOL = ATOL = 1e-12


def run(lib, fn, arrays, upstream_seed=0, grad=None):
    """fn(*tensors) on `lib` (bibun or torch); the output and the gradient of sum(out * G) for every float input
    (G a fixed random array, so that every output element's gradient is checked, not only their sum)."""
    grad = [a.dtype.kind == "f" for a in arrays] if grad is None else grad
    ts = [lib.tensor(a, requires_grad=bool(g)) for a, g in zip(arrays, grad)]
    out = fn(*ts)
    outs = out if isinstance(out, tuple) else (out,)
    loss = 0
    for k, o in enumerate(outs):
        if o.dtype in (bibun.float64, getattr(lib, "float64", None)) and o.requires_grad:
            g = np.random.default_rng(upstream_seed + k).standard_normal(tuple(o.shape))
            loss = loss + (o * lib.tensor(g)).sum()
    if not isinstance(loss, int):
        loss.backward()
    return ([o.detach().numpy() for o in outs],
            [t.grad.numpy() if t.grad is not None else None for t, g in zip(ts, grad) if g])


def check(fb, ft, *arrays, rtol=RTOL, atol=ATOL, grad=None):
    """bibun's fb and PyTorch's ft agree on values and on the gradient of every input."""
    import torch
    (vb, gb), (vt, gt) = run(bibun, fb, arrays, grad=grad), run(torch, ft, arrays, grad=grad)
    assert len(vb) == len(vt)
    for b, t in zip(vb, vt):
        assert b.shape == t.shape and b.dtype == t.dtype, (b.shape, t.shape, b.dtype, t.dtype)
        np.testing.assert_allclose(b, t, rtol=rtol, atol=atol)
    for b, t in zip(gb, gt):
        assert (b is None) == (t is None)
        if b is not None:
            np.testing.assert_allclose(b, t, rtol=rtol, atol=atol)


def module_pair(make_bibun, make_torch):
    """The two layers with the same weights (bibun's, copied into PyTorch's), both float64."""
    import torch
    mb = make_bibun().double()
    mt = make_torch().double()
    mt.load_state_dict({k: torch.tensor(v.numpy()) for k, v in mb.state_dict().items()})
    return mb, mt
