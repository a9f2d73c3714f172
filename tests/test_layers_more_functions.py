"""The activations, norms, embedding, KL divergence and cosine similarity of bibun.nn.functional against PyTorch in
float64 (values and the gradient of every input), and the new primitives against finite differences."""
import numpy as np
import pytest

import bibun
import bibun.nn.functional as F
from bibun.autograd import gradcheck

from layers_more_helpers import check

torch = pytest.importorskip("torch")
import torch.nn.functional as TF  # noqa: E402

RNG = np.random.default_rng(0)
# values either side of 0, the kinks (0, ±1, 6) themselves, and far out where naive forms overflow
EDGES = np.array([-800.0, -30.0, -6.0, -1.0, -0.5, -1e-3, 0.0, 1e-3, 0.5, 1.0, 6.0, 25.0, 800.0])
SHAPES = [(7,), (3, 5), (2, 3, 4)]

ACTIVATIONS = [
    ("gelu", lambda x: F.gelu(x), lambda x: TF.gelu(x)),
    ("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"), lambda x: TF.gelu(x, approximate="tanh")),
    ("silu", F.silu, TF.silu),
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.2), lambda x: TF.leaky_relu(x, 0.2)),
    ("leaky_relu_default", F.leaky_relu, TF.leaky_relu),
    ("elu", lambda x: F.elu(x, alpha=1.3), lambda x: TF.elu(x, alpha=1.3)),
    ("softplus", F.softplus, TF.softplus),
    ("softplus_beta", lambda x: F.softplus(x, beta=2.0, threshold=3.0),
     lambda x: TF.softplus(x, beta=2.0, threshold=3.0)),
    ("logsigmoid", F.logsigmoid, TF.logsigmoid),
    ("hardtanh", F.hardtanh, TF.hardtanh),
    ("hardtanh_range", lambda x: F.hardtanh(x, -0.5, 2.0), lambda x: TF.hardtanh(x, -0.5, 2.0)),
    ("relu6", F.relu6, TF.relu6),
    ("mish", F.mish, TF.mish),
    ("softsign", F.softsign, TF.softsign),
    ("threshold", lambda x: F.threshold(x, 0.5, -2.0), lambda x: TF.threshold(x, 0.5, -2.0)),
    ("glu", lambda x: F.glu(x, 0), lambda x: TF.glu(x, 0)),
    ("softmin", lambda x: F.softmin(x, dim=-1), lambda x: TF.softmin(x, dim=-1)),
]


@pytest.mark.parametrize("name,fb,ft", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
@pytest.mark.parametrize("shape", SHAPES)
def test_activation_matches_pytorch(name, fb, ft, shape):
    if name == "glu" and shape[0] % 2:
        shape = (2 * shape[0],) + shape[1:]
    x = RNG.standard_normal(shape) * 3
    check(fb, ft, x)


@pytest.mark.parametrize("name,fb,ft", [a for a in ACTIVATIONS if a[0] not in ("glu", "softmin")],
                         ids=[a[0] for a in ACTIVATIONS if a[0] not in ("glu", "softmin")])
def test_activation_at_kinks_and_far_out(name, fb, ft):
    # PyTorch's choice of gradient at each kink (hardtanh: 0 at ±1; elu: alpha at 0; leaky: the slope at 0) and
    # no overflow to inf / nan at ±800
    check(fb, ft, EDGES)


@pytest.mark.parametrize("name", ["erf", "gelu", "silu", "leaky_relu", "elu", "softplus", "log_sigmoid", "hardtanh",
                                  "mish", "softsign", "threshold"])
def test_new_primitives_by_finite_differences(name):
    from bibun.ops import activations as A
    params = {"threshold": {"threshold": 0.1, "value": -1.0}, "elu": {"alpha": 0.7}}.get(name, {})
    # away from the kinks (|x| >= 0.05 from 0, ±1, 0.1): the central difference of a smooth function
    x = bibun.tensor(np.array([-2.5, -1.3, -0.6, -0.2, 0.3, 0.7, 1.6, 2.2]), requires_grad=True)
    assert gradcheck(lambda t: getattr(A, name)(t, **params), (x,), eps=1e-6, atol=1e-8, rtol=1e-6)
    for approximate in ("tanh",):
        assert gradcheck(lambda t: A.gelu(t, approximate=approximate), (x,), eps=1e-6, atol=1e-8, rtol=1e-6)


def test_prelu_matches_pytorch_one_slope_and_per_channel():
    x = RNG.standard_normal((4, 3, 5))
    check(lambda a, w: F.prelu(a, w), lambda a, w: TF.prelu(a, w), x, np.array([0.25]))
    check(lambda a, w: F.prelu(a, w), lambda a, w: TF.prelu(a, w), x, np.array([0.1, -0.3, 0.7]))
    x4 = RNG.standard_normal((2, 3, 4, 4))
    check(lambda a, w: F.prelu(a, w), lambda a, w: TF.prelu(a, w), x4, np.array([0.1, -0.3, 0.7]))


def test_activations_keep_float32():
    x = bibun.randn(4, 5)
    for f in (F.gelu, F.silu, F.mish, F.softplus, F.logsigmoid, F.elu, F.softsign, F.relu6):
        assert f(x).dtype == bibun.float32


def test_inplace_forms_write_into_the_input_and_keep_the_gradient():
    for fb, ft in ((lambda t: F.leaky_relu(t, 0.1, inplace=True), lambda t: TF.leaky_relu(t, 0.1, inplace=True)),
                   (lambda t: F.elu(t, inplace=True), lambda t: TF.elu(t, inplace=True)),
                   (lambda t: F.relu6(t, inplace=True), lambda t: TF.relu6(t, inplace=True)),
                   (lambda t: F.silu(t, inplace=True), lambda t: TF.silu(t, inplace=True))):
        check(lambda a: fb(a * 2), lambda a: ft(a * 2), RNG.standard_normal((3, 4)) * 4)
        x = bibun.randn(5)
        y = fb(x)
        assert y is x


def test_gradient_of_gradient_through_activations():
    # d²/dx² of each, against PyTorch's double backward
    x0 = np.array([-2.0, -0.7, 0.3, 1.1, 2.5])
    for fb, ft in ((F.gelu, TF.gelu), (F.silu, TF.silu), (F.mish, TF.mish), (F.softplus, TF.softplus),
                   (F.elu, TF.elu), (lambda t: F.gelu(t, approximate="tanh"), lambda t: TF.gelu(t, approximate="tanh"))):
        out = []
        for lib, f in ((bibun, fb), (torch, ft)):
            x = lib.tensor(x0, requires_grad=True)
            (g,) = lib.autograd.grad(f(x).sum(), x, create_graph=True)
            (h,) = lib.autograd.grad(g.sum(), x)
            out.append(h.numpy())
        np.testing.assert_allclose(out[0], out[1], rtol=1e-12, atol=1e-13)


# -- norms ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (3, 3, 4, 2)])
def test_batch_norm_training_and_eval_match_pytorch(shape):
    x = RNG.standard_normal(shape) * 2 + 1
    c = shape[1]
    w, b = RNG.standard_normal(c), RNG.standard_normal(c)
    for training in (True, False):
        stats = {}
        for lib in ("b", "t"):
            rm, rv = np.linspace(-1, 1, c), np.linspace(0.5, 2, c)
            stats[lib] = (bibun.tensor(rm), bibun.tensor(rv)) if lib == "b" else (torch.tensor(rm), torch.tensor(rv))
        check(lambda a, ww, bb: F.batch_norm(a, *stats["b"], ww, bb, training=training, momentum=0.3, eps=1e-4),
              lambda a, ww, bb: TF.batch_norm(a, *stats["t"], ww, bb, training=training, momentum=0.3, eps=1e-4),
              x, w, b)
        # the running statistics: PyTorch's momentum, the unbiased variance
        np.testing.assert_allclose(stats["b"][0].numpy(), stats["t"][0].numpy(), rtol=1e-13, atol=1e-14)
        np.testing.assert_allclose(stats["b"][1].numpy(), stats["t"][1].numpy(), rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("shape,normalized", [((4, 6), (6,)), ((2, 3, 5), (5,)), ((2, 3, 4), (3, 4))])
def test_layer_norm_matches_pytorch(shape, normalized):
    x = RNG.standard_normal(shape) * 3
    w, b = RNG.standard_normal(normalized), RNG.standard_normal(normalized)
    check(lambda a, ww, bb: F.layer_norm(a, normalized, ww, bb), lambda a, ww, bb: TF.layer_norm(a, normalized, ww, bb),
          x, w, b)
    check(lambda a: F.layer_norm(a, normalized, eps=0.1), lambda a: TF.layer_norm(a, normalized, eps=0.1), x)


@pytest.mark.parametrize("shape,groups", [((2, 6, 5), 3), ((3, 4, 2, 3), 2), ((2, 4), 4), ((2, 6, 3, 3), 1)])
def test_group_norm_matches_pytorch(shape, groups):
    x = RNG.standard_normal(shape) * 2
    w, b = RNG.standard_normal(shape[1]), RNG.standard_normal(shape[1])
    check(lambda a, ww, bb: F.group_norm(a, groups, ww, bb), lambda a, ww, bb: TF.group_norm(a, groups, ww, bb),
          x, w, b)


def test_normalize_and_cosine_similarity_match_pytorch():
    x, y = RNG.standard_normal((4, 5)), RNG.standard_normal((4, 5))
    check(lambda a: F.normalize(a), lambda a: TF.normalize(a), x)
    check(lambda a: F.normalize(a, p=1, dim=0), lambda a: TF.normalize(a, p=1, dim=0), x)
    check(lambda a, b: F.cosine_similarity(a, b), lambda a, b: TF.cosine_similarity(a, b), x, y)
    check(lambda a, b: F.cosine_similarity(a, b, dim=0), lambda a, b: TF.cosine_similarity(a, b, dim=0), x, y)
    # broadcasting, and a zero vector: its norm is clamped at eps, its gradient stays finite, as in PyTorch
    z = x.copy()
    z[1] = 0
    check(lambda a, b: F.cosine_similarity(a, b, dim=-1), lambda a, b: TF.cosine_similarity(a, b, dim=-1),
          z, y[:1])
    check(lambda a: F.normalize(a), lambda a: TF.normalize(a), z.T.copy())


@pytest.mark.parametrize("reduction", ["mean", "batchmean", "sum", "none"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_matches_pytorch(reduction, log_target):
    logp = np.log(np.random.default_rng(1).dirichlet(np.ones(5), size=4))
    q = np.random.default_rng(2).dirichlet(np.ones(5), size=4)
    q[0, 2] = 0.0                                            # 0 log 0 counts as 0
    t = np.log(q + 1e-3) if log_target else q
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                      # PyTorch's warning about reduction='mean'
        check(lambda a, b: F.kl_div(a, b, reduction=reduction, log_target=log_target),
              lambda a, b: TF.kl_div(a, b, reduction=reduction, log_target=log_target), logp, t,
              grad=[True, log_target])


@pytest.mark.parametrize("padding_idx", [None, 0, -1])
def test_embedding_matches_pytorch(padding_idx):
    w = RNG.standard_normal((6, 3))
    idx = np.array([[0, 2, 5, 2], [5, 5, 1, 0]])
    check(lambda ww, i: F.embedding(i, ww, padding_idx=padding_idx),
          lambda ww, i: TF.embedding(i, ww, padding_idx=padding_idx), w, idx, grad=[True, False])


def test_embedding_and_norm_errors_say_what_to_do():
    w = bibun.randn(5, 2)
    with pytest.raises(IndexError, match=r"index 5 is out of range for a table of 5 rows.*num_embeddings"):
        F.embedding(bibun.tensor([1, 5]), w)
    with pytest.raises(RuntimeError, match=r"integer indices.*indices.long\(\)"):
        F.embedding(bibun.tensor([1.0, 2.0]), w)
    with pytest.raises(RuntimeError, match=r"normalized_shape=\[4\].*\[\*, 4\].*\[3, 5\].*LayerNorm\(5\)"):
        F.layer_norm(bibun.randn(3, 5), (4,))
    with pytest.raises(ValueError, match=r"more than 1 value per channel.*model.eval\(\)"):
        F.batch_norm(bibun.randn(1, 3), bibun.zeros(3), bibun.ones(3), training=True)
    with pytest.raises(ValueError, match="approximate"):
        F.gelu(bibun.randn(3), approximate="fast")


def test_erf_without_scipy_gives_the_same_numbers(monkeypatch):
    import sys
    from bibun.ops import activations as A
    x = np.linspace(-6, 6, 241)
    with_scipy = A._erf(x)
    monkeypatch.setattr(A, "_erf_ufunc", None)
    monkeypatch.setitem(sys.modules, "scipy.special", None)          # import scipy.special now fails
    without = A._erf(x)
    assert A._erf_ufunc is not None and without.dtype == np.float64
    # both are the C library's erf or as close: within 2 ulp of each other
    np.testing.assert_allclose(without, with_scipy, rtol=4.5e-16, atol=0)
    assert A._erf(x.astype(np.float32)).dtype == np.float32
