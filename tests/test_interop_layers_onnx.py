"""export_onnx for convolution, pooling, the norms, embeddings and the newer activations, run in onnxruntime
and compared with bibun within the rounding bound of both."""
import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import bibun
from bibun.interop import export_onnx
from interop_layer_models import ACTIVATIONS, U32, U64, activation, cnn, embed, mlp, rounding_bound
from test_interop_layers_torch import Functional

# onnxruntime's CPU kernels for Erf, Softsign, Conv and AveragePool take float32 only
RUNS_IN_FLOAT64 = {1, 2, 3, 4, 5, 6, 7, 8, 10}      # the ACTIVATIONS whose graphs use none of them


def _run(path, feeds):
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, feeds)[0]


def _ops(path):
    return {n.op_type for n in onnx.load(str(path)).graph.node}


@pytest.mark.parametrize("make, ops, other", [
    (cnn, {"Conv", "BatchNormalization", "Relu", "MaxPool", "GlobalAveragePool", "Gemm"}, (2, 3, 8, 8)),
    (mlp, {"LayerNormalization", "Erf", "Gemm"}, (3, 6)),
    (embed, {"Gather", "ReduceMean", "Gemm"}, (2, 4)),         # only the batch size is free
])
def test_models_agree_with_onnx_runtime(tmp_path, make, ops, other):
    model, x = make()
    model.eval()
    path = export_onnx(model, x, tmp_path / "m.onnx")
    assert _ops(path) >= ops
    more = bibun.tensor(np.random.default_rng(0).integers(0, 12, other)) if make is embed else bibun.randn(*other)
    for batch in (x, more):                         # the batch size is left free
        want = model(batch).detach().numpy()
        got = _run(path, {"input": batch.numpy()})
        assert got.shape == want.shape and np.all(np.abs(got - want) <= 2 * rounding_bound(model, batch, U32))


@pytest.mark.parametrize("k", range(len(ACTIVATIONS)))
def test_each_activation_agrees_with_onnx_runtime(tmp_path, k):
    model, x = activation(k)
    path = export_onnx(model, x, tmp_path / "a.onnx")
    assert np.all(np.abs(_run(path, {"input": x.numpy()}) - model(x).detach().numpy())
                  <= 2 * rounding_bound(model, x, U32))
    if k in RUNS_IN_FLOAT64:
        model, x = model.double(), x.double()
        path = export_onnx(model, x, tmp_path / "a64.onnx")
        assert np.all(np.abs(_run(path, {"input": x.numpy()}) - model(x).detach().numpy())
                      <= 2 * rounding_bound(model, x, U64))


def test_batch_norm_and_layer_norm_keep_their_float64_eps(tmp_path):
    # ONNX's epsilon attribute is a float32: 1e-5 would be rounded there and not in bibun's float64
    bibun.manual_seed(0)
    for model, x in ((bibun.nn.BatchNorm1d(3), bibun.randn(4, 3)), (bibun.nn.LayerNorm(5), bibun.randn(4, 5))):
        model = model.double().eval()
        x = x.double()
        with bibun.no_grad():
            for p in model.parameters():
                p.add_(bibun.randn(*p.shape).double())
        path = export_onnx(model, x, tmp_path / "n.onnx")
        assert ("BatchNormalization" in _ops(path)) == isinstance(model, bibun.nn.BatchNorm1d)
        # the same formula on both sides, numbers of order one: a few float64 roundings
        np.testing.assert_allclose(_run(path, {"input": x.numpy()}), model(x).detach().numpy(), rtol=0, atol=1e-14)


def test_functional_forms_export(tmp_path):
    bibun.manual_seed(5)
    model = Functional().eval()
    x, idx = bibun.randn(3, 2, 9, 9), bibun.tensor(np.array([[1, 2], [3, 3], [0, 9]]))
    path = export_onnx(model, (x, idx), tmp_path / "f.onnx")
    assert _ops(path) >= {"Conv", "PRelu", "Pad", "MaxPool", "AveragePool", "GlobalAveragePool", "Gather",
                          "LeakyRelu", "Elu", "Softsign", "Clip", "BatchNormalization"}
    want = model(x, idx).detach().numpy()
    got = _run(path, {"input_0": x.numpy(), "input_1": idx.numpy()})
    # outputs of order one after a layer norm, each from a chain of fewer than 100 float32 roundings
    np.testing.assert_allclose(got, want, rtol=0, atol=100 * U32 * max(1, np.abs(want).max()))


def test_pooling_with_ceil_mode_and_divisors(tmp_path):
    from bibun import nn
    bibun.manual_seed(6)
    model = nn.Sequential(nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False),
                          nn.AvgPool2d(2, 1, divisor_override=3), nn.MaxPool2d(2, 2, ceil_mode=True),
                          nn.AdaptiveAvgPool2d((2, 1)))
    x = bibun.randn(2, 3, 10, 10)
    path = export_onnx(model, x, tmp_path / "p.onnx")
    got, want = _run(path, {"input": x.numpy()}), model(x).detach().numpy()
    assert got.shape == want.shape == (2, 3, 2, 1)
    # means of at most 9 then 4 then 2x2 cells of values below 5: fewer than 30 roundings of numbers below 5
    np.testing.assert_allclose(got, want, rtol=0, atol=30 * U32 * 5)
