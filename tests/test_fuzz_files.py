"""Fuzzing bibun.load with random, mutated and crafted files (seeded, so every run tries the same cases).

Whatever the bytes, loading either returns what a checkpoint holds or raises LoadError (one line); it never
raises anything else, never hangs, never executes a payload and never writes a file."""
import builtins
import collections
import io
import json
import os
import pathlib
import pickle
import signal
import struct
import zipfile

import numpy as np
import pytest

import bibun
import bibun.nn as nn
from bibun._serialize import LoadError

SEED = 20240611
PER_CASE_SECONDS = 5


# -- building files ---------------------------------------------------------------------------------------------------
def _npy(header, payload=b"", version=(1, 0)):
    """A .npy member with the header dict text `header` (written as is, so it can lie)."""
    text = header.encode("latin1")
    size_fmt = "<H" if version[0] == 1 else "<I"
    pre = 8 + 2 + struct.calcsize(size_fmt)
    pad = -(pre + len(text) + 1) % 64
    text = text + b" " * pad + b"\n"
    return b"\x93NUMPY" + bytes(version) + struct.pack(size_fmt, len(text)) + text + payload


def _manifest(tree):
    return _npy(f"{{'descr': '|u1', 'fortran_order': False, 'shape': ({len(json.dumps(tree).encode())},), }}",
                json.dumps(tree).encode())


def _zip(members, compress=zipfile.ZIP_STORED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compress) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def _saved(obj):
    buf = io.BytesIO()
    bibun.save(obj, buf)
    return buf.getvalue()


def _valid_checkpoints():
    bibun.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    opt = bibun.optim.Adam(model.parameters())
    model(bibun.randn(5, 4)).sum().backward()
    opt.step()
    return [
        _saved(model.state_dict()),
        _saved(opt.state_dict()),
        _saved({"epoch": 3, "name": "run", "tags": ["a", ("b", 1.5)], "none": None,
                "w": bibun.randn(2, 3, requires_grad=True), "n": bibun.arange(4), "m": bibun.tensor([True, False]),
                "h": bibun.ones(2, dtype=bibun.float16), "d": bibun.zeros(3, dtype=bibun.float64),
                "nested": collections.OrderedDict(x={"y": [bibun.tensor(1.0)]})}),
        _saved(bibun.randn(6, 7)),
    ]


class _Payload:
    """A pickle that, if ever unpickled, creates the file `marker`."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (pathlib.Path.touch, (pathlib.Path(self.marker),))


def _crafted(marker):
    """Hand-made hostile files: (label, bytes, loads_fine)."""
    good_f32 = np.arange(6, dtype=np.float32).tobytes()
    ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
    tensor_at = {"format": 1, "root": {"t": "tensor", "k": "a0"}}
    evil = pickle.dumps(_Payload(marker))
    obj_array = io.BytesIO()
    np.save(obj_array, np.array([_Payload(marker)], dtype=object), allow_pickle=True)
    cases = [
        ("plain valid", _zip({"__bibun__.npy": _manifest(tensor_at), "a0.npy": _npy(ok, good_f32)}), True),
        ("fortran order", _zip({"__bibun__.npy": _manifest(tensor_at), "a0.npy": _npy(ok.replace("False", "True"),
                                                                                      good_f32)}), True),
        ("big endian", _zip({"__bibun__.npy": _manifest(tensor_at),
                             "a0.npy": _npy(ok.replace("<f4", ">f4"), np.arange(6, dtype=">f4").tobytes())}), True),
        ("a pickle", evil, False),
        ("a pickle inside the zip", _zip({"__bibun__.npy": _manifest(tensor_at), "a0.npy": evil}), False),
        ("object array (pickled payload)", _zip({"__bibun__.npy": _manifest(tensor_at),
                                                 "a0.npy": obj_array.getvalue()}), False),
        ("torch.save layout", _zip({"archive/data.pkl": evil, "archive/version": b"3\n"}), False),
        ("single npy", _npy(ok, good_f32), False),
        ("plain npz", _zip({"x.npy": _npy(ok, good_f32)}), False),
        ("missing array", _zip({"__bibun__.npy": _manifest(tensor_at)}), False),
        ("array used twice", _zip({"__bibun__.npy": _manifest({"format": 1, "root": {"t": "list", "items": [
            {"t": "tensor", "k": "a0"}, {"t": "tensor", "k": "a0"}]}}), "a0.npy": _npy(ok, good_f32)}), False),
        ("manifest as the array", _zip({"__bibun__.npy": _manifest({"format": 1, "root": {"t": "ndarray",
                                                                                         "k": "__bibun__"}})}), False),
        ("format 2", _zip({"__bibun__.npy": _manifest({"format": 2, "root": None})}), False),
        ("manifest not json", _zip({"__bibun__.npy": _npy("{'descr': '|u1', 'fortran_order': False, 'shape': (4,), }",
                                                          b"\xff\xfe{[")}), False),
        ("manifest not bytes", _zip({"__bibun__.npy": _npy(ok, good_f32)}), False),
        ("json nested 100000 deep", _zip({"__bibun__.npy": _manifest_raw(
            b'{"format": 1, "root": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")}), False),
        ("manifest nested 150 deep", _zip({"__bibun__.npy": _manifest(_deep(150))}), False),
        ("unknown entry type", _zip({"__bibun__.npy": _manifest({"format": 1, "root": {"t": "eval", "v": "1"}})}),
         False),
        ("unhashable key", _zip({"__bibun__.npy": _manifest({"format": 1, "root": {"t": "dict", "items": [
            [{"t": "list", "items": []}, {"t": "value", "v": 1}]]}})}), False),
        ("odd value", _zip({"__bibun__.npy": _manifest({"format": 1, "root": {"t": "value", "v": {"a": 1}}})}),
         False),
        ("huge int", _zip({"__bibun__.npy": _manifest_raw(b'{"format": 1, "root": {"t": "value", "v": '
                                                          + b"9" * 20000 + b"}}")}), False),
        ("requires_grad not a bool", _zip({"__bibun__.npy": _manifest(
            {"format": 1, "root": {"t": "tensor", "k": "a0", "rg": "yes"}}), "a0.npy": _npy(ok, good_f32)}), False),
        ("npy version 3", _zip({"__bibun__.npy": _manifest(tensor_at), "a0.npy": _npy(ok, good_f32, (3, 0))}),
         False),
        ("header over 10000 bytes", _zip({"__bibun__.npy": _manifest(tensor_at), "a0.npy": _npy(
            ok[:-1] + " " * 20000 + "}", good_f32, (2, 0))}), False),
        ("malformed header", _zip({"__bibun__.npy": _manifest(tensor_at), "a0.npy": _npy("__import__('os')",
                                                                                       good_f32)}), False),
        ("encrypted flag", _encrypted(_zip({"__bibun__.npy": _manifest(tensor_at), "a0.npy": _npy(ok, good_f32)})),
         False),
        ("deflate bomb header", _bomb(), False),
        ("bzip2 member", _zip({"__bibun__.npy": _manifest(tensor_at), "a0.npy": _npy(ok, good_f32)},
                              zipfile.ZIP_BZIP2), False),
    ]
    for shape in ["(1099511627776,)", "(1000000, 1000000)", "(-1,)", "(2, -3)", "(2.5,)", "('a',)",
                  "(" + "2, " * 40 + ")", "(3,)", "(2, 4)", "()"]:
        cases.append((f"shape {shape[:20]}", _zip({"__bibun__.npy": _manifest(tensor_at), "a0.npy": _npy(
            f"{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}", good_f32)}), False))
    for descr in ["|O", "<c8", "<c16", "<U3", "|S4", "<M8[s]", "<m8[s]", "|V24", "[('a', '<f4')]", "<u4", "<u8",
                  "<u2", "<f16" if np.dtype(np.longdouble).itemsize == 16 else "<g", "<f2x"]:
        text = descr if descr.startswith("[") else repr(descr)
        cases.append((f"dtype {descr}", _zip({"__bibun__.npy": _manifest(tensor_at), "a0.npy": _npy(
            f"{{'descr': {text}, 'fortran_order': False, 'shape': (6,), }}", good_f32)}), False))
    return cases


def _manifest_raw(raw):
    return _npy(f"{{'descr': '|u1', 'fortran_order': False, 'shape': ({len(raw)},), }}", raw)


def _deep(n):
    node = {"t": "value", "v": 1}
    for _ in range(n):
        node = {"t": "list", "items": [node]}
    return {"format": 1, "root": node}


def _encrypted(data):
    b = bytearray(data)
    i = 0
    while True:                                 # set bit 0 of the flags of every local and central header
        i = b.find(b"PK\x03\x04", i)
        if i < 0:
            break
        b[i + 6] |= 1
        i += 4
    i = 0
    while True:
        i = b.find(b"PK\x01\x02", i)
        if i < 0:
            break
        b[i + 8] |= 1
        i += 4
    return bytes(b)


def _bomb():
    """A deflated member whose directory entry claims a terabyte."""
    data = _zip({"__bibun__.npy": _manifest({"format": 1, "root": {"t": "tensor", "k": "a0"}}),
                 "a0.npy": _npy("{'descr': '<f4', 'fortran_order': False, 'shape': (262144,), }",
                                bytes(1 << 20))}, zipfile.ZIP_DEFLATED)
    b = bytearray(data)
    i = b.find(b"PK\x01\x02" + b"", b.find(b"PK\x01\x02") + 4)     # second central entry: a0.npy
    b[i + 24:i + 28] = struct.pack("<I", 0xFFFFFFF0)               # uncompressed size
    return bytes(b)


def _mutate(data, rng):
    b = bytearray(data)
    kind = rng.integers(6)
    if kind == 0:                                                 # flip a few bits
        for _ in range(rng.integers(1, 9)):
            i = rng.integers(len(b))
            b[i] ^= 1 << int(rng.integers(8))
    elif kind == 1:                                               # truncate
        b = b[:rng.integers(len(b))]
    elif kind == 2:                                               # overwrite a run with random bytes
        i = rng.integers(len(b))
        n = int(rng.integers(1, 64))
        b[i:i + n] = rng.bytes(n)
    elif kind == 3:                                               # delete a run
        i = rng.integers(len(b))
        del b[i:i + int(rng.integers(1, 256))]
    elif kind == 4:                                               # duplicate a run
        i = rng.integers(len(b))
        b[i:i] = b[i:i + int(rng.integers(1, 256))]
    else:                                                         # change bytes inside a header (text region)
        i = b.find(b"'shape': (")
        if i >= 0:
            j = i + 10 + int(rng.integers(0, 4))
            b[j:j + 1] = rng.choice([b"9", b"0", b"-", b",", b"(", b"9999999999"])
    return bytes(b)


# -- the harness ------------------------------------------------------------------------------------------------------
@pytest.fixture
def guarded(monkeypatch, tmp_path):
    """Fail on any attempt to open a file for writing, and on any case running past PER_CASE_SECONDS."""
    real_open, real_os_open = builtins.open, os.open
    writes = []

    def open_guard(file, mode="r", *args, **kwargs):
        if any(c in mode for c in "wax+"):
            writes.append(file)
            raise AssertionError(f"bibun.load opened {file!r} for writing")
        return real_open(file, mode, *args, **kwargs)

    def os_open_guard(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            writes.append(path)
            raise AssertionError(f"bibun.load opened {path!r} for writing")
        return real_os_open(path, flags, *args, **kwargs)

    def on_alarm(signum, frame):
        raise TimeoutError(f"bibun.load ran past {PER_CASE_SECONDS} s")

    def run(load_arg):
        old = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, PER_CASE_SECONDS)
        monkeypatch.setattr(builtins, "open", open_guard)
        monkeypatch.setattr(io, "open", open_guard)
        monkeypatch.setattr(os, "open", os_open_guard)
        try:
            return bibun.load(load_arg)
        finally:
            monkeypatch.undo()
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
    run.writes = writes
    return run


def _check(run, path, data, count_case, kind, loads_fine=None):
    path.write_bytes(data)
    before = sorted(os.listdir(path.parent))
    count_case(kind)
    try:
        got = run(path)
        ok = True
    except LoadError as e:
        msg = str(e)
        assert msg and "\n" not in msg and str(path) in msg, msg        # one line, naming the file
        got, ok = None, False
    assert sorted(os.listdir(path.parent)) == before                    # nothing written next to it
    if loads_fine is not None:
        assert ok == loads_fine, (kind, got)
    return got


def test_fuzz_random_bytes(guarded, tmp_path, count_case):
    rng = np.random.default_rng(SEED)
    path = tmp_path / "ckpt.bibun"
    starts = [b"", b"PK\x03\x04", b"PK\x05\x06", b"\x93NUMPY\x01\x00", b"\x80\x04", b"{", b"\x1f\x8b"]
    for i in range(120):
        data = starts[i % len(starts)] + rng.bytes(int(rng.integers(0, 2048)))
        _check(guarded, path, data, count_case, "fuzz: random bytes", loads_fine=False)
    assert not guarded.writes


def test_fuzz_mutated_checkpoints(guarded, tmp_path, count_case):
    rng = np.random.default_rng(SEED + 1)
    path = tmp_path / "ckpt.bibun"
    valid = _valid_checkpoints()
    for data in valid:                                                   # the originals load
        assert _check(guarded, path, data, count_case, "fuzz: valid checkpoint", loads_fine=True) is not None
    loaded = 0
    for i in range(400):
        data = valid[i % len(valid)]
        for _ in range(int(rng.integers(1, 4))):
            data = _mutate(data, rng)
        loaded += _check(guarded, path, data, count_case, "fuzz: mutated checkpoint") is not None
    assert loaded < 400                                                  # most mutations are refused
    assert not guarded.writes


def test_fuzz_crafted_checkpoints(guarded, tmp_path, count_case):
    marker = tmp_path / "PAYLOAD_RAN"
    path = tmp_path / "ckpt.bibun"
    for label, data, loads_fine in _crafted(marker):
        got = _check(guarded, path, data, count_case, "fuzz: crafted checkpoint", loads_fine=loads_fine)
        if loads_fine:
            assert got.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]] or got.shape == (2, 3), label
        assert not marker.exists(), f"{label}: a payload was executed"
    assert not guarded.writes


def test_fuzz_file_objects_and_streams(guarded, count_case):
    """The same refusals for file objects, seekable or not."""
    class Stream(io.RawIOBase):
        def __init__(self, data):
            self.data = io.BytesIO(data)

        def readable(self):
            return True

        def seekable(self):
            return False

        def readinto(self, b):
            chunk = self.data.read(len(b))
            b[:len(chunk)] = chunk
            return len(chunk)
    rng = np.random.default_rng(SEED + 2)
    valid = _valid_checkpoints()
    assert set(guarded(Stream(valid[0]))) == set(guarded(io.BytesIO(valid[0])))
    for i in range(40):
        data = _mutate(valid[i % len(valid)], rng)
        src = Stream(data) if i % 2 else io.BytesIO(data)
        count_case("fuzz: mutated stream")
        try:
            guarded(src)
        except LoadError as e:
            assert "\n" not in str(e)


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        bibun.load(tmp_path / "nope.bibun")
