"""Small hostile inputs must not make bibun allocate, read or wait without bound: checkpoints whose sizes
lie, compressed bombs, devices and pipes given as checkpoints, IDX gzip bombs with a valid header,
endless and trickling downloads, and the temporary files that killed saves leave behind.

Every bomb here is built small in tmp_path; each test asserts the refusal comes before the allocation
(tracemalloc's peak) or the wait (a deadline the test passes in)."""
import gzip
import http.server
import io
import os
import struct
import subprocess
import sys
import threading
import time
import tracemalloc
import zipfile

import numpy as np
import pytest

import bibun
from bibun._serialize import LoadError
from bibun.datasets import DataFileError, DownloadError, fetch, load_mnist, read_idx, write_idx
from bibun.datasets import mnist as mnist_mod

MIB = 1 << 20


def _peak(fn):
    """(exception raised by fn, peak bytes traced while it ran)."""
    tracemalloc.start()
    try:
        try:
            fn()
        except Exception as e:          # noqa: BLE001  (the test inspects it)
            err = e
        else:
            err = None
        return err, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _npy_header(shape, descr="<f4"):
    text = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}".encode("latin1")
    pad = -(10 + len(text) + 1) % 64
    text += b" " * pad + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text


def _checkpoint_with(a0, compress=zipfile.ZIP_STORED):
    """A bibun checkpoint (manifest: one tensor) whose array member holds the bytes `a0`, or whose member is
    written by `a0(file)` when it is a function (to stream large members)."""
    manifest = b'{"format": 1, "root": {"t": "tensor", "k": "a0"}}'
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compress) as z:
        z.writestr("__bibun__.npy", _npy_header(f"({len(manifest)},)", "|u1") + manifest)
        if callable(a0):
            with z.open("a0.npy", "w", force_zip64=True) as f:
                a0(f)
        else:
            z.writestr("a0.npy", a0)
    return buf.getvalue()


def _lie_about_size(data, member, size):
    """Set `member`'s sizes in the central directory to `size` (its bytes stay as they are)."""
    b = bytearray(data)
    i = 0
    while (i := b.find(b"PK\x01\x02", i)) >= 0:
        n = struct.unpack("<H", b[i + 28:i + 30])[0]
        if b[i + 46:i + 46 + n] == member.encode():
            b[i + 20:i + 28] = struct.pack("<II", size, size)      # compressed and uncompressed size
            return bytes(b)
        i += 4
    raise AssertionError(member)


# -- bibun.load ----------------------------------------------------------------------------------------------
def test_a_stored_member_that_claims_a_gigabyte_is_refused_before_allocating(tmp_path):
    n = 1 << 28                                              # 268M float32: 1 GiB claimed
    head = _npy_header(f"({n},)")
    data = _lie_about_size(_checkpoint_with(head + bytes(16)), "a0.npy", len(head) + 4 * n)
    path = tmp_path / "liar.npz"
    path.write_bytes(data)
    assert len(data) < 1024
    err, peak = _peak(lambda: bibun.load(path))
    assert isinstance(err, LoadError) and "a0" in str(err) and "\n" not in str(err), err
    assert peak < MIB, peak


def test_a_deflate_bomb_is_refused_without_expanding_it(tmp_path):
    def zeros(f):                                            # 16 MiB of float32 zeros, deflated to ~16 KiB
        f.write(_npy_header(f"({4 * MIB},)"))
        for _ in range(16):
            f.write(bytes(MIB))

    data = _checkpoint_with(zeros, zipfile.ZIP_DEFLATED)
    path = tmp_path / "bomb.npz"
    path.write_bytes(data)
    assert len(data) < 64 * 1024
    err, peak = _peak(lambda: bibun.load(path))
    assert isinstance(err, LoadError) and "compressed" in str(err), err
    assert peak < MIB, peak


def test_a_checkpoint_of_real_bytes_still_loads(tmp_path):
    t = bibun.arange(12, dtype=bibun.float32).reshape(3, 4)
    bibun.save({"w": t}, tmp_path / "ok.npz")
    assert np.array_equal(bibun.load(tmp_path / "ok.npz")["w"].numpy(), t.numpy())


_LOAD_IN_CHILD = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))   # a runaway read fails instead of eating the machine
import bibun
from bibun._serialize import LoadError
try:
    bibun.load(sys.argv[1] if sys.argv[2] == 'path' else open(sys.argv[1], 'rb'))
except LoadError as e:
    print('LoadError:', e)
"""


@pytest.mark.skipif(not os.path.exists("/dev/zero") or sys.platform == "win32", reason="needs /dev/zero")
@pytest.mark.parametrize("how", ["path", "symlink", "file object", "fifo"])
def test_devices_and_pipes_are_refused_at_once(tmp_path, how):
    target = "/dev/zero"
    if how == "symlink":
        target = tmp_path / "checkpoint.npz"
        target.symlink_to("/dev/zero")
    if how == "fifo":
        target = tmp_path / "pipe.npz"
        os.mkfifo(target)                   # nobody writes: opening it for reading would wait for ever
    start = time.monotonic()
    out = subprocess.run([sys.executable, "-c", _LOAD_IN_CHILD, str(target), "file" if how == "file object" else "path"],
                         capture_output=True, text=True, timeout=60, cwd=tmp_path,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert time.monotonic() - start < 30
    assert out.stdout.startswith("LoadError:"), (out.stdout, out.stderr[-500:])
    assert "not a checkpoint file" in out.stdout and len(out.stdout.splitlines()) == 1


# -- IDX ------------------------------------------------------------------------------------------------------
def _gz_bomb(path, shape, data_bytes):
    """A gzip IDX file whose header claims `shape` (uint8), followed by `data_bytes` zeros."""
    with gzip.GzipFile(path, "wb", compresslevel=1, mtime=0) as f:
        f.write(bytes([0, 0, 0x08, len(shape)]) + struct.pack(f">{len(shape)}I", *shape))
        for _ in range(data_bytes // MIB):
            f.write(bytes(MIB))


def test_an_idx_gzip_bomb_with_a_valid_header_is_refused_before_its_data(tmp_path, monkeypatch):
    monkeypatch.setenv("BIBUN_DATA", str(tmp_path / "cache"))
    folder = tmp_path / "mnist"
    folder.mkdir()
    n = 32 * MIB // 784 + 1                                   # a valid image header, 32 MiB of pixels
    _gz_bomb(folder / "train-images-idx3-ubyte.gz", (n, 28, 28), 32 * MIB)
    rng = np.random.default_rng(0)
    write_idx(folder / "train-labels-idx1-ubyte", rng.integers(0, 10, 60000, dtype=np.uint8))
    write_idx(folder / "t10k-images-idx3-ubyte.gz", rng.integers(0, 256, (10000, 28, 28), dtype=np.uint8))
    write_idx(folder / "t10k-labels-idx1-ubyte", rng.integers(0, 10, 10000, dtype=np.uint8))
    assert (folder / "train-images-idx3-ubyte.gz").stat().st_size < MIB
    err, peak = _peak(lambda: load_mnist("mnist", data_dir=folder, download=False))
    assert isinstance(err, DataFileError) and f"holds {n} images" in str(err), err
    assert peak < 4 * MIB, peak
    # read_idx itself refuses a header that is not the expected one, before reading the data
    err, peak = _peak(lambda: read_idx(folder / "train-images-idx3-ubyte.gz", expect=(np.uint8, (60000, 28, 28))))
    assert isinstance(err, DataFileError) and "expected uint8 of shape (60000, 28, 28)" in str(err), err
    assert peak < MIB, peak
    assert mnist_mod.SPLIT_SIZES["train"] == 60000


# -- downloads ------------------------------------------------------------------------------------------------
class _Server:
    """127.0.0.1 server: /endless sends zeros for ever (no length), /slow one byte a second, /liar announces a
    gigabyte."""

    def __init__(self):
        self.sent = {"endless": 0}
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                if self.path.endswith("liar.bin"):
                    self.send_header("Content-Length", str(1 << 30))
                self.end_headers()
                try:
                    while True:
                        if "/slow/" in self.path:
                            self.wfile.write(b"x")
                            self.wfile.flush()
                            time.sleep(1.0)
                        else:
                            self.wfile.write(bytes(64 * 1024))
                            outer.sent["endless"] += 64 * 1024
                except OSError:            # the client hung up: what the test wants
                    pass

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    s = _Server()
    yield s
    s.close()


MD5 = "0" * 32


def test_an_endless_download_stops_at_the_known_size(server, tmp_path):
    start = time.monotonic()
    with pytest.raises(DownloadError) as e:
        fetch("data.bin", [server.url + "/endless/"], MD5, tmp_path, size=100_000, deadline=20, quiet=True)
    assert time.monotonic() - start < 10
    assert "more than the file's 100000 bytes" in str(e.value) and "\n" not in str(e.value)
    assert os.listdir(tmp_path) == []                       # nothing kept, no .part file
    with pytest.raises(DownloadError, match="announces 1073741824 bytes, the file has 100000"):
        fetch("liar.bin", [server.url + "/endless/"], MD5, tmp_path, size=100_000, deadline=20, quiet=True)
    assert os.listdir(tmp_path) == []


def test_a_trickling_download_gives_up_at_the_deadline(server, tmp_path):
    start = time.monotonic()
    with pytest.raises(DownloadError) as e:
        fetch("data.bin", [server.url + "/slow/"], MD5, tmp_path, size=100_000, timeout=5, deadline=1.5, quiet=True)
    took = time.monotonic() - start
    assert 1.5 <= took < 5, took
    assert "gave up after 1.5 s" in str(e.value) and "\n" not in str(e.value)
    assert os.listdir(tmp_path) == []


def test_mnist_downloads_know_their_sizes():
    for spec in mnist_mod.DATASETS.values():
        for f in spec.files:
            assert f.gz_size > 4000 and (f.gz_size > 1 << 20) == ("images" in f.stem)


# -- temporary files of killed saves --------------------------------------------------------------------------
def _dead_pid():
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    with pytest.raises(ProcessLookupError):
        os.kill(p.pid, 0)
    return p.pid


def test_a_save_removes_the_temporary_files_killed_saves_left(tmp_path):
    target = tmp_path / "checkpoint.npz"
    dead = tmp_path / f".checkpoint.npz.{_dead_pid()}.0123abcd.part"
    legacy_old = tmp_path / ".checkpoint.npz.89abcdef.part"           # named before names held a pid
    legacy_new = tmp_path / ".checkpoint.npz.fedcba98.part"
    other = tmp_path / ".weights.npz.12345678.part"                   # another file's: not ours to touch
    mine = tmp_path / "notes.part"
    live = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        running = tmp_path / f".checkpoint.npz.{live.pid}.00ff00ff.part"   # a save still at work
        for p in (dead, legacy_old, legacy_new, other, mine, running):
            p.write_bytes(b"half a checkpoint")
        hour_ago = time.time() - 7200
        os.utime(legacy_old, (hour_ago, hour_ago))
        os.utime(other, (hour_ago, hour_ago))
        bibun.save({"x": bibun.ones(3)}, target)
        left = sorted(p.name for p in tmp_path.iterdir())
        assert left == sorted(["checkpoint.npz", legacy_new.name, other.name, mine.name, running.name]), left
    finally:
        live.stdin.close()
        live.wait()
