"""`bibun export RUN_DIR --to torch|onnx` on a workbench run: the files load elsewhere and agree with bibun."""
import importlib.util
import sys

import numpy as np
import pytest

import bibun
from bibun.cli import main
from bibun.workbench import load_model


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    bibun.workbench.train("digits", "mlp", hidden=(16,), epochs=1, seed=0, out=out, quiet=True, report=False,
                          overwrite=True)
    return out


def test_export_torch_writes_a_state_dict_and_model_py(run_dir, capsys):
    assert main(["export", str(run_dir), "--to", "torch"]) == 0
    assert (run_dir / "model.pt").is_file() and (run_dir / "model.py").is_file()
    assert "model.py" in capsys.readouterr().out
    state = bibun.load(run_dir / "model.pt")           # bibun reads the torch file back, exactly
    net = load_model(run_dir)
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(state[k].numpy(), v.numpy())
    torch = pytest.importorskip("torch")
    spec = importlib.util.spec_from_file_location("exported_model", run_dir / "model.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    tm = mod.load_model()
    x = np.random.default_rng(0).random((5, 64), dtype=np.float32)
    got = tm(torch.from_numpy(x)).detach().numpy()
    want = net(bibun.from_numpy(x)).detach().numpy()
    # two float32 layers of fan-in 64 and 16 on inputs in [0, 1): see interop_models.float32_bound
    from interop_models import float32_bound
    assert np.all(np.abs(got - want) <= 2 * float32_bound(net, bibun.from_numpy(x)))


def test_export_onnx(run_dir):
    ort = pytest.importorskip("onnxruntime")
    assert main(["export", str(run_dir), "--to", "onnx"]) == 0
    net = load_model(run_dir)
    x = np.random.default_rng(1).random((7, 64), dtype=np.float32)
    got = ort.InferenceSession(str(run_dir / "model.onnx")).run(None, {"input": x})[0]
    from interop_models import float32_bound
    want = net(bibun.from_numpy(x)).detach().numpy()
    assert np.all(np.abs(got - want) <= 2 * float32_bound(net, bibun.from_numpy(x)))


def test_export_of_a_folder_without_a_run_fails_in_one_line(tmp_path, capsys):
    assert main(["export", str(tmp_path), "--to", "torch"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("bibun export: error:") and "config.json" in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []
