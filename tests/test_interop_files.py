"""State dicts between bibun and PyTorch's file format: read without running the pickle, written so that
torch.load(weights_only=True) accepts them; hostile and damaged files refused in one line."""
import io
import os
import pickle
import zipfile

import numpy as np
import pytest

import bibun
from bibun import nn
from bibun._serialize import LoadError
from bibun.interop import save_torch


def _torch_zip(pkl, storages=(), prefix="archive"):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(f"{prefix}/data.pkl", pkl)
        for key, raw in storages:
            z.writestr(f"{prefix}/data/{key}", raw)
        z.writestr(f"{prefix}/version", b"3\n")
    return buf.getvalue()


class _WritesAFile:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


class _Touches:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        import pathlib
        return (pathlib.Path.touch, (pathlib.Path(self.path),))


@pytest.mark.parametrize("payload", [_WritesAFile, _Touches])
def test_a_pickle_that_would_run_code_is_refused_and_nothing_runs(tmp_path, payload):
    marker = tmp_path / "ran"
    path = tmp_path / "evil.pt"
    path.write_bytes(_torch_zip(pickle.dumps({"w": payload(str(marker))}, protocol=2)))
    with pytest.raises(LoadError) as e:
        bibun.load(path)
    msg = str(e.value)
    assert "\n" not in msg and "refuses" in msg and "nothing was run" in msg
    assert ("posix.system" in msg or "os.system" in msg) if payload is _WritesAFile else "getattr" in msg
    assert not marker.exists()


def test_bibun_written_file_round_trips_and_keeps_dtypes(tmp_path):
    sd = {"a": bibun.arange(6).reshape(2, 3), "b": bibun.randn(3, 4).double(), "c": bibun.tensor([True, False]),
          "d": bibun.tensor(2.5)}
    save_torch(sd, tmp_path / "x.pt")
    back = bibun.load(tmp_path / "x.pt")
    assert list(back) == list(sd)
    for k in sd:
        assert back[k].dtype == sd[k].dtype
        np.testing.assert_array_equal(back[k].numpy(), sd[k].numpy())


def test_damaged_files_are_refused_in_one_line(tmp_path):
    bibun.manual_seed(0)
    save_torch(nn.Linear(3, 2), tmp_path / "ok.pt")
    raw = (tmp_path / "ok.pt").read_bytes()
    (tmp_path / "cut.pt").write_bytes(raw[: len(raw) // 2])
    f32 = np.arange(4, dtype="<f4").tobytes()
    header = b"\x80\x02ccollections\nOrderedDict\n)R(X\x01\x00\x00\x00wctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x04tQK\x00"
    past_end = header + b"K\x03K\x02\x86K\x02K\x01\x86\x89ccollections\nOrderedDict\n)RtRu."     # 3x2 of 4 numbers
    (tmp_path / "past.pt").write_bytes(_torch_zip(past_end, [("0", f32)]))
    (tmp_path / "short.pt").write_bytes(_torch_zip(header + b"K\x04\x85K\x01\x85\x89ccollections\nOrderedDict\n)RtRu.",
                                                   [("0", f32[:8])]))
    (tmp_path / "garbled.pt").write_bytes(_torch_zip(b"\x80\x02ccollections\nOrderedDict\n)R(X\xff"))
    for name, why in [("cut.pt", "truncated or corrupted"), ("past.pt", "past the end of its storage"),
                      ("short.pt", "holds 8 bytes, not the 16"), ("garbled.pt", "pickle is damaged")]:
        with pytest.raises(LoadError, match=why) as e:
            bibun.load(tmp_path / name)
        assert "\n" not in str(e.value)


def test_wrong_shapes_are_refused_and_the_model_keeps_its_weights(tmp_path):
    bibun.manual_seed(0)
    save_torch(nn.Linear(3, 2), tmp_path / "small.pt")
    model = nn.Linear(4, 2)
    before = model.weight.detach().numpy().copy()
    with pytest.raises(RuntimeError, match="size mismatch for weight"):
        model.load_state_dict(bibun.load(tmp_path / "small.pt"))
    np.testing.assert_array_equal(model.weight.detach().numpy(), before)


def test_a_failed_save_leaves_the_old_file(tmp_path):
    path = tmp_path / "w.pt"
    save_torch({"a": bibun.ones(2)}, path)
    old = path.read_bytes()
    with pytest.raises(TypeError, match="'b' holds str"):
        save_torch({"a": bibun.zeros(2), "b": "text"}, path)
    assert path.read_bytes() == old
    assert os.listdir(tmp_path) == ["w.pt"]


def test_with_torch_both_ways(tmp_path):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    t = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    w = t[0].weight.detach().T[1:]              # a strided view: its storage is shared and offset
    torch.save(dict(t.state_dict(), view=w), tmp_path / "t.pt")
    got = bibun.load(tmp_path / "t.pt")
    for k, v in t.state_dict().items():
        np.testing.assert_array_equal(got[k].numpy(), v.numpy())
    np.testing.assert_array_equal(got["view"].numpy(), w.numpy())

    bibun.manual_seed(1)
    b = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)).double()
    save_torch(b, tmp_path / "b.pt")
    sd = torch.load(tmp_path / "b.pt", weights_only=True)
    assert list(sd) == list(b.state_dict()) and all(v.dtype == torch.float64 for v in sd.values())
    t2 = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2)).double()
    t2.load_state_dict(sd)
    x = np.random.default_rng(0).standard_normal((5, 3))
    np.testing.assert_array_equal(t2(torch.from_numpy(x)).detach().numpy(), b(bibun.from_numpy(x)).detach().numpy())
