"""PyTorch and ONNX stay optional: importing bibun, bibun.interop, or loading a torch-format file imports neither."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_bibun_never_imports_torch_or_onnx(tmp_path):
    code = ("import sys, bibun, bibun.interop\n"
            "bibun.interop.save_torch({'w': bibun.ones(2, 3)}, sys.argv[1])\n"
            "assert bibun.load(sys.argv[1])['w'].shape == (2, 3)\n"
            "bad = [m for m in ('torch', 'onnx', 'onnxruntime') if m in sys.modules]\n"
            "print(bad)\n")
    env = dict(os.environ, PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "w.pt")], capture_output=True, text=True,
                         env=env, check=True)
    assert out.stdout.strip() == "[]"
