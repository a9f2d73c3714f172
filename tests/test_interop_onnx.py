"""export_onnx, checked by running the file in onnxruntime against bibun's own output."""
import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import bibun
import bibun.nn.functional as F
from bibun import nn
from bibun.interop import export_onnx
from interop_models import float32_bound, models


def _run(path, feeds):
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, feeds)


@pytest.mark.parametrize("name", ["blobs", "circles", "mlp", "user"])
def test_onnx_runtime_agrees_with_bibun(tmp_path, name):
    _, model, x = next(m for m in models() if m[0] == name)
    model.eval()
    path = export_onnx(model, x, tmp_path / "m.onnx")
    proto = onnx.load(str(path))
    assert proto.opset_import[0].version >= 17
    assert {i.name for i in proto.graph.initializer} >= set(model.state_dict())
    for batch in (x, bibun.randn(3, *x.shape[1:]) if name != "mlp" else bibun.rand(3, 1, 28, 28)):
        want = model(batch).detach().numpy()
        got = _run(path, {"input": batch.numpy()})[0]
        tol = 1e-6 if name == "user" else 2 * float32_bound(model, batch)   # "user": see test_interop_torch
        assert got.shape == want.shape and np.all(np.abs(got - want) <= tol)


class WithLoss(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))

    def forward(self, x, y, yf):
        z = self.net(x)
        return (F.cross_entropy(z, y) + F.mse_loss(z, yf, reduction="sum") + F.binary_cross_entropy_with_logits(z, yf)
                + F.binary_cross_entropy(z.sigmoid(), yf) + F.nll_loss(z.log_softmax(1), y, reduction="sum"))


def test_losses_export_in_float64(tmp_path):
    bibun.manual_seed(0)
    model = WithLoss().double()
    x, y, yf = bibun.randn(5, 3).double(), bibun.tensor([0, 1, 1, 0, 1]), bibun.rand(5, 2).double()
    path = export_onnx(model, (x, y, yf), tmp_path / "loss.onnx")
    got = _run(path, {"input_0": x.numpy(), "input_1": y.numpy(), "input_2": yf.numpy()})[0]
    np.testing.assert_allclose(got, model(x, y, yf).item(), rtol=0, atol=1e-6)


def test_an_op_without_translation_is_named(tmp_path):
    class Cum(nn.Module):
        def forward(self, x):
            return x.cumsum(1)

    with pytest.raises(TypeError, match="the op 'cumsum' has no ONNX translation"):
        export_onnx(Cum(), bibun.randn(2, 3), tmp_path / "c.onnx")
    assert not (tmp_path / "c.onnx").exists()
