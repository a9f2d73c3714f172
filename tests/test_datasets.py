"""Tests for bibun.datasets: all offline, fast and deterministic.

Downloads are tested against a local HTTP server on 127.0.0.1; MNIST loading
against small IDX files written here. Only the Fashion-MNIST test reads real
data, from Debian's package when it is installed.
"""

import ast
import dataclasses
import gzip
import hashlib
import http.server
import os
import socket
import threading
import time
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import bibun.datasets as ds
from bibun.datasets import DataFileError, DownloadError, fetch, load_mnist, read_idx, write_idx
from bibun.datasets import download as download_mod
from bibun.datasets import mnist as mnist_mod
from bibun._atomic import atomic_write
from bibun.datasets.idx import idx_header

DEBIAN_FASHION = Path("/usr/share/datasets/fashion-mnist")
MNIST_STEMS = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    """Every test gets its own empty cache and never sees the user's."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("BIBUN_DATA", str(cache))
    # The local test server must never be reached through a proxy.
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    return cache


def one_line_error(excinfo, *fragments):
    message = str(excinfo.value)
    assert "\n" not in message, message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return message


# --- IDX reading and writing -------------------------------------------------

DTYPES = [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["a.idx", "a.idx.gz"])
@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 5), (2, 1, 3, 2), (0, 4)])
def test_idx_round_trip(tmp_path, dtype, name, shape):
    rng = np.random.default_rng(0)
    info = np.iinfo(dtype) if np.issubdtype(dtype, np.integer) else None
    if info is not None:
        array = rng.integers(info.min, info.max, size=shape, endpoint=True).astype(dtype)
    else:
        array = rng.standard_normal(shape).astype(dtype)
    path = write_idx(tmp_path / name, array)
    back = read_idx(path)
    assert back.dtype == np.dtype(dtype) and back.dtype.isnative
    assert back.shape == shape
    np.testing.assert_array_equal(back, array)
    back[...] = 0  # a fresh, writable array
    assert os.listdir(tmp_path) == [name]  # no temporary file left behind


def test_gzip_is_detected_by_content_not_name(tmp_path):
    array = np.arange(12, dtype=np.uint8).reshape(3, 4)
    gz_named_plain = write_idx(tmp_path / "x.gz", array, compress=False)
    plain_named_gz = write_idx(tmp_path / "x.idx", array, compress=True)
    assert plain_named_gz.read_bytes()[:2] == b"\x1f\x8b"
    np.testing.assert_array_equal(read_idx(gz_named_plain), array)
    np.testing.assert_array_equal(read_idx(plain_named_gz), array)


def test_idx_layout_is_the_standard_one(tmp_path):
    # MNIST's label file: 00 00 08 01, count as big-endian uint32, then bytes.
    path = write_idx(tmp_path / "labels", np.array([7, 2, 1], dtype=np.uint8))
    assert path.read_bytes() == bytes.fromhex("00000801 00000003 070201")
    path = write_idx(tmp_path / "i16", np.array([1, -2], dtype=np.int16))
    assert path.read_bytes() == bytes.fromhex("00000b01 00000002 0001fffe")


def test_write_idx_is_deterministic(tmp_path):
    array = np.arange(100, dtype=np.int32)
    a = write_idx(tmp_path / "a.gz", array).read_bytes()
    time.sleep(0.01)
    b = write_idx(tmp_path / "b.gz", array).read_bytes()
    assert a == b


@pytest.mark.parametrize("array", [np.zeros(3, np.int64), np.zeros(3, bool), np.float64(1.0), np.zeros((1,) * 5, np.uint8)])
def test_write_idx_rejects_what_idx_cannot_hold(tmp_path, array):
    with pytest.raises(ValueError):
        write_idx(tmp_path / "x", array)
    assert not list(tmp_path.iterdir())


def test_atomic_write_keeps_old_file_on_failure(tmp_path):
    target = tmp_path / "f"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_write(target) as f:
            f.write(b"new, but incomplete")
            raise RuntimeError("boom")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["f"]


def raw_bytes(array):
    return idx_header(array) + np.ascontiguousarray(array).astype(array.dtype.newbyteorder(">")).tobytes()


def put(path, data, compress=False):
    path.write_bytes(gzip.compress(data, mtime=0) if compress else data)
    return path


@pytest.mark.parametrize("compress", [False, True])
def test_corrupt_magic(tmp_path, compress):
    path = put(tmp_path / "x", b"PK\x03\x04" + bytes(20), compress)
    with pytest.raises(DataFileError) as e:
        read_idx(path)
    one_line_error(e, str(path), "not an IDX file", "50 4b 03 04", "download it again")


def test_html_page_saved_as_data_is_recognised(tmp_path):
    path = put(tmp_path / "train-images-idx3-ubyte.gz", b"<!DOCTYPE html><html>404 Not Found</html>")
    with pytest.raises(DataFileError) as e:
        read_idx(path)
    one_line_error(e, str(path), "web page")


def test_unknown_type_code(tmp_path):
    path = put(tmp_path / "x", bytes.fromhex("00000a01 00000001 00"))
    with pytest.raises(DataFileError) as e:
        read_idx(path)
    one_line_error(e, "type code 0x0A", "0x08 (uint8)")


@pytest.mark.parametrize("compress", [False, True])
def test_truncated_file_says_what_is_missing(tmp_path, compress):
    header = bytes.fromhex("00000803 0000ea60 0000001c 0000001c")  # (60000, 28, 28) uint8
    path = put(tmp_path / "train-images-idx3-ubyte", header + bytes(1000), compress)
    with pytest.raises(DataFileError) as e:
        read_idx(path)
    one_line_error(e, str(path), "is truncated", "promises 47040000 bytes", "(60000, 28, 28)", "holds 1000",
                   "delete it and download it again")


def test_truncated_gzip_stream(tmp_path):
    data = gzip.compress(raw_bytes(np.arange(5000, dtype=np.int32)), mtime=0)
    path = put(tmp_path / "x.gz", data[: len(data) // 2])
    with pytest.raises(DataFileError) as e:
        read_idx(path)
    one_line_error(e, str(path), "truncated")


def test_truncated_inside_header(tmp_path):
    path = put(tmp_path / "x", bytes.fromhex("00000803 0000ea60 00"))
    with pytest.raises(DataFileError) as e:
        read_idx(path)
    one_line_error(e, "truncated inside its header")


@pytest.mark.parametrize("header, fragment", [
    ("00000805" + "00000001" * 5, "claims 5 dimensions"),
    ("00000800", "claims 0 dimensions"),
    ("00000e03 00100000 00100000 00100000", "limit"),  # 2**60 float64
    ("00000801 ffffffff", "limit"),
])
def test_absurd_header(tmp_path, header, fragment):
    path = put(tmp_path / "x", bytes.fromhex(header) + bytes(64))
    with pytest.raises(DataFileError) as e:
        read_idx(path)
    one_line_error(e, str(path), "corrupt header", fragment)


@pytest.mark.parametrize("compress", [False, True])
def test_extra_bytes(tmp_path, compress):
    path = put(tmp_path / "x", raw_bytes(np.arange(10, dtype=np.uint8)) + b"junk!", compress)
    with pytest.raises(DataFileError) as e:
        read_idx(path)
    one_line_error(e, str(path), "5 extra bytes", "10 bytes of uint8")


def test_damaged_gzip_data(tmp_path):
    data = bytearray(gzip.compress(raw_bytes(np.arange(300, dtype=np.int16)), mtime=0))
    data[-6] ^= 0xFF  # inside the CRC/length trailer
    path = put(tmp_path / "x.gz", bytes(data))
    with pytest.raises(DataFileError) as e:
        read_idx(path)
    one_line_error(e, str(path))


def test_missing_file_is_an_ordinary_os_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "nope")


def test_read_idx_fuzz(tmp_path):
    """Randomly damaged files: the reader returns an array or raises DataFileError, fast."""
    rng = np.random.default_rng(1234)
    bases = [
        (raw_bytes(rng.integers(0, 256, (4, 6, 5), dtype=np.uint8)), False),
        (raw_bytes(rng.integers(-999, 999, (7, 3), dtype=np.int16)), True),
        (raw_bytes(rng.standard_normal(9)), False),
        (raw_bytes(rng.integers(-(2**31), 2**31, (2, 2, 2, 3), dtype=np.int32)), True),
        (raw_bytes(rng.integers(0, 10, 50, dtype=np.uint8)), True),
    ]
    outcomes = Counter()
    for case in range(400):
        raw, compress = bases[case % len(bases)]
        data = bytearray(gzip.compress(raw, mtime=0) if compress else raw)
        kind = rng.integers(6)
        if kind == 0:  # truncate
            del data[rng.integers(len(data)):]
        elif kind == 1:  # flip a few bytes anywhere
            for i in rng.integers(0, len(data), rng.integers(1, 5)):
                data[i] ^= int(rng.integers(1, 256))
        elif kind == 2:  # scribble over the IDX header (before compression)
            raw = bytearray(raw)
            raw[rng.integers(0, 12)] = int(rng.integers(256))
            data = bytearray(gzip.compress(bytes(raw), mtime=0) if compress else raw)
        elif kind == 3:  # append junk
            data += rng.integers(0, 256, rng.integers(1, 40), dtype=np.uint8).tobytes()
        elif kind == 4:  # insert junk
            i = int(rng.integers(len(data)))
            data[i:i] = rng.integers(0, 256, rng.integers(1, 8), dtype=np.uint8).tobytes()
        else:  # cut out a piece
            i = int(rng.integers(len(data)))
            del data[i:i + int(rng.integers(1, 16))]
        path = tmp_path / f"case{case}"
        path.write_bytes(bytes(data))
        start = time.perf_counter()
        try:
            array = read_idx(path)
        except DataFileError as e:
            assert "\n" not in str(e) and str(path) in str(e)
            outcomes["error"] += 1
        else:
            assert isinstance(array, np.ndarray)
            outcomes["ok"] += 1
        assert time.perf_counter() - start < 1.0, f"case {case} took too long"
        path.unlink()
    assert outcomes["error"] > 200  # the mutations really do damage files


# --- downloads ---------------------------------------------------------------

class LocalServer:
    """An HTTP server on 127.0.0.1 whose routes a test fills in."""

    def __init__(self):
        self.routes = {}  # path -> (kind, body); kind is "ok" or "cut"
        self.hits = Counter()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.hits[self.path] += 1
                kind, body = server.routes.get(self.path, ("missing", b""))
                if kind == "missing":
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if kind == "cut":
                    # Promise the whole file, send half, hang up.
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def serve(self, path, body, kind="ok"):
        self.routes[path] = (kind, body)
        return self.url + path.rsplit("/", 1)[0] + "/"


@pytest.fixture
def server():
    s = LocalServer()
    yield s
    s.httpd.shutdown()
    s.httpd.server_close()


def closed_port_url():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


PAYLOAD = bytes(range(256)) * 400  # 100 KiB: several read chunks are not needed, but a real stream is
MD5 = hashlib.md5(PAYLOAD).hexdigest()


def test_fetch_downloads_once_then_uses_the_cache(server, tmp_path):
    mirror = server.serve("/m1/data.bin", PAYLOAD)
    cache = tmp_path / "c"
    path = fetch("data.bin", [mirror], MD5, cache, quiet=True)
    assert path == cache / "data.bin" and path.read_bytes() == PAYLOAD
    assert server.hits["/m1/data.bin"] == 1
    again = fetch("data.bin", [mirror], MD5.upper(), cache, quiet=True)
    assert again == path and server.hits["/m1/data.bin"] == 1
    assert os.listdir(cache) == ["data.bin"]


def test_fetch_accepts_sha256_and_full_urls(server, tmp_path):
    url = server.serve("/m1/data.bin", PAYLOAD) + "data.bin"
    path = fetch("data.bin", [url], hashlib.sha256(PAYLOAD).hexdigest(), tmp_path, quiet=True)
    assert path.read_bytes() == PAYLOAD


def test_fetch_replaces_a_damaged_cached_file(server, tmp_path):
    mirror = server.serve("/m1/data.bin", PAYLOAD)
    (tmp_path / "data.bin").write_bytes(b"half a file")
    path = fetch("data.bin", [mirror], MD5, tmp_path, quiet=True)
    assert path.read_bytes() == PAYLOAD and server.hits["/m1/data.bin"] == 1


def test_fetch_skips_a_mirror_with_the_wrong_file(server, tmp_path):
    bad = server.serve("/bad/data.bin", PAYLOAD[::-1])
    good = server.serve("/good/data.bin", PAYLOAD)
    path = fetch("data.bin", [bad, good], MD5, tmp_path, quiet=True)
    assert path.read_bytes() == PAYLOAD
    assert server.hits["/bad/data.bin"] == 1 and server.hits["/good/data.bin"] == 1
    assert os.listdir(tmp_path) == ["data.bin"]


def test_fetch_survives_a_connection_cut_mid_file(server, tmp_path):
    cut = server.serve("/cut/data.bin", PAYLOAD, kind="cut")
    good = server.serve("/good/data.bin", PAYLOAD)
    assert fetch("data.bin", [cut, good], MD5, tmp_path, quiet=True).read_bytes() == PAYLOAD
    assert server.hits["/cut/data.bin"] == 1


def test_cut_connection_leaves_nothing_in_the_cache(server, tmp_path):
    cut = server.serve("/cut/data.bin", PAYLOAD, kind="cut")
    cache = tmp_path / "c"
    with pytest.raises(DownloadError) as e:
        fetch("data.bin", [cut], MD5, cache, quiet=True)
    assert "mid-file" in str(e.value)
    assert os.listdir(cache) == []  # no partial file, no temporary file


def test_all_mirrors_failing_says_what_to_put_where(server, tmp_path):
    cache = tmp_path / "my cache"
    mirrors = [
        server.serve("/wrong/data.bin", b"not it"),
        server.url + "/missing/",
        closed_port_url(),
        server.serve("/cut/data.bin", PAYLOAD, kind="cut"),
    ]
    with pytest.raises(DownloadError) as e:
        fetch("data.bin", mirrors, MD5, cache, quiet=True, timeout=5)
    message = str(e.value)
    for fragment in ["data.bin", str(cache), "--data-dir", "BIBUN_DATA", "HTTP 404", "wrong md5", "mid-file",
                     "cannot connect"]:
        assert fragment in message, (fragment, message)
    assert e.value.files == ["data.bin"] and e.value.folder == cache
    assert [url for url, _ in e.value.attempts] == [m.rstrip("/") + "/data.bin" for m in mirrors]
    assert os.listdir(cache) == []


def test_fetch_rejects_a_malformed_checksum(tmp_path):
    with pytest.raises(ValueError, match="neither an md5"):
        fetch("x", [], "abc", tmp_path)


def test_fetch_prints_progress_to_stderr(server, tmp_path, capsys):
    fetch("data.bin", [server.serve("/m/data.bin", PAYLOAD)], MD5, tmp_path)
    assert "Downloading http://127.0.0.1" in capsys.readouterr().err


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("BIBUN_DATA", str(tmp_path / "data"))
    assert ds.cache_dir() == tmp_path / "data"
    monkeypatch.delenv("BIBUN_DATA")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert ds.cache_dir() == tmp_path / "xdg" / "bibun"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert ds.cache_dir() == tmp_path / "home" / ".cache" / "bibun"


# --- MNIST-like loading ------------------------------------------------------

N_TRAIN, N_TEST = 12, 5


@pytest.fixture
def small_splits(monkeypatch):
    """Let load_mnist accept tiny generated files (the real check wants 60000/10000)."""
    monkeypatch.setattr(mnist_mod, "SPLIT_SIZES", {"train": N_TRAIN, "test": N_TEST})


def fake_arrays(seed=0):
    rng = np.random.default_rng(seed)
    return {
        "train-images-idx3-ubyte": rng.integers(0, 256, (N_TRAIN, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": rng.integers(0, 10, N_TRAIN, dtype=np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (N_TEST, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, N_TEST, dtype=np.uint8),
    }


def write_fake(folder, arrays=None, gz=(True, False, True, False)):
    folder.mkdir(parents=True, exist_ok=True)
    arrays = arrays or fake_arrays()
    for (stem, array), compress in zip(arrays.items(), gz):
        write_idx(folder / (stem + ".gz" if compress else stem), array)
    return arrays


def check_matches(data, arrays):
    assert data["X_train"].shape == (N_TRAIN, 28, 28) and data["X_train"].dtype == np.uint8
    assert data["y_train"].dtype == np.int64 and data["y_test"].dtype == np.int64
    np.testing.assert_array_equal(data["X_train"], arrays["train-images-idx3-ubyte"])
    np.testing.assert_array_equal(data["y_train"], arrays["train-labels-idx1-ubyte"])
    np.testing.assert_array_equal(data["X_test"], arrays["t10k-images-idx3-ubyte"])
    np.testing.assert_array_equal(data["y_test"], arrays["t10k-labels-idx1-ubyte"])


def test_load_mnist_from_data_dir(tmp_path, small_splits):
    arrays = write_fake(tmp_path / "mine")
    with pytest.warns(UserWarning, match="not the official MNIST file"):
        data = load_mnist("mnist", data_dir=tmp_path / "mine", download=False)
    check_matches(data, arrays)


@pytest.mark.filterwarnings("ignore:.*not the official")
@pytest.mark.parametrize("layout", ["mnist", "MNIST/raw"])
def test_load_mnist_finds_usual_sub_folders(tmp_path, small_splits, layout):
    arrays = write_fake(tmp_path / "root" / layout)
    check_matches(load_mnist("mnist", data_dir=tmp_path / "root", download=False), arrays)


def test_load_mnist_data_dir_must_exist(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a folder"):
        load_mnist(data_dir=tmp_path / "typo")


def test_incomplete_data_dir_is_refused_not_replaced_by_the_cache(tmp_path, small_splits, isolated_cache):
    write_fake(isolated_cache / "mnist")
    write_fake(tmp_path / "partial", fake_arrays(seed=1))
    (tmp_path / "partial" / "t10k-labels-idx1-ubyte").unlink()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(FileNotFoundError) as e:
            load_mnist(data_dir=tmp_path / "partial", download=False)
    one_line_error(e, str(tmp_path / "partial"), "t10k-labels-idx1-ubyte", "train-images-idx3-ubyte, train-labels")


@pytest.mark.filterwarnings("ignore:.*not the official")
def test_system_folder_comes_after_the_cache(tmp_path, small_splits, isolated_cache, monkeypatch):
    system = tmp_path / "usr-share"
    monkeypatch.setitem(mnist_mod.SYSTEM_DIRS, "fashion-mnist", [system])
    from_system = write_fake(system, fake_arrays(seed=2))
    check_matches(load_mnist("fashion-mnist", download=False), from_system)
    from_cache = write_fake(isolated_cache / "fashion-mnist", fake_arrays(seed=3))
    check_matches(load_mnist("fashion_mnist", download=False), from_cache)


@pytest.mark.parametrize("damage, fragments", [
    ("label 10", ["t10k-labels-idx1-ubyte", "holds label 10", "0 to 9"]),
    ("count", ["train-labels-idx1-ubyte", "holds 11 labels for the 12 images"]),
    ("swapped", ["train-images-idx3-ubyte", "holds 5 images", "swapped"]),
    ("shape", ["t10k-images-idx3-ubyte", "(N, 28, 28)", "(5, 28, 27)"]),
    ("dtype", ["train-labels-idx1-ubyte", "uint8 labels", "int16"]),
])
def test_load_mnist_rejects_inconsistent_files(tmp_path, small_splits, damage, fragments):
    arrays = fake_arrays()
    if damage == "label 10":
        arrays["t10k-labels-idx1-ubyte"][2] = 10
    elif damage == "count":
        arrays["train-labels-idx1-ubyte"] = arrays["train-labels-idx1-ubyte"][:-1]
    elif damage == "swapped":
        arrays["train-images-idx3-ubyte"] = arrays["t10k-images-idx3-ubyte"]
    elif damage == "shape":
        arrays["t10k-images-idx3-ubyte"] = arrays["t10k-images-idx3-ubyte"][:, :, :27].copy()
    elif damage == "dtype":
        arrays["train-labels-idx1-ubyte"] = arrays["train-labels-idx1-ubyte"].astype(np.int16)
    write_fake(tmp_path / "d", arrays)
    with pytest.raises(DataFileError) as e:
        load_mnist(data_dir=tmp_path / "d", download=False)
    one_line_error(e, *fragments)


def test_load_mnist_passes_on_a_damaged_file(tmp_path, small_splits):
    write_fake(tmp_path / "d")
    path = tmp_path / "d" / "train-labels-idx1-ubyte"
    path.write_bytes(path.read_bytes()[:-3])
    with pytest.raises(DataFileError) as e:
        load_mnist(data_dir=tmp_path / "d", download=False)
    one_line_error(e, str(path), "truncated")


def test_load_mnist_refuses_the_other_data_set(tmp_path, small_splits, monkeypatch):
    # Same file names, different data: pretend our fake files are the official Fashion-MNIST.
    arrays = write_fake(tmp_path / "d")
    fashion = mnist_mod.DATASETS["fashion-mnist"]
    files = tuple(dataclasses.replace(f, raw_md5=hashlib.md5(raw_bytes(arrays[f.stem])).hexdigest())
                  for f in fashion.files)
    monkeypatch.setitem(mnist_mod.DATASETS, "fashion-mnist", dataclasses.replace(fashion, files=files))
    with pytest.raises(DataFileError) as e:
        load_mnist("mnist", data_dir=tmp_path / "d")
    one_line_error(e, "is a Fashion-MNIST file, not MNIST", "load_mnist('fashion-mnist')")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # official contents: no warning
        load_mnist("fashion-mnist", data_dir=tmp_path / "d")


def test_load_mnist_without_files_or_network_says_what_to_do(isolated_cache):
    with pytest.raises(DownloadError) as e:
        load_mnist("mnist", download=False)
    message = str(e.value)
    for stem in MNIST_STEMS:
        assert stem + ".gz" in message
    assert str(isolated_cache / "mnist") in message and "--data-dir" in message and "BIBUN_DATA" in message
    assert e.value.folder == isolated_cache / "mnist"


def test_unknown_name():
    with pytest.raises(ValueError, match="fashion-mnist"):
        load_mnist("cifar")
    with pytest.raises(ValueError, match="digits"):
        ds.load("cifar")


@pytest.fixture
def served_mnist(server, monkeypatch):
    """Point the MNIST spec at the local server, with checksums of generated .gz files."""
    arrays = fake_arrays(seed=5)
    spec = mnist_mod.DATASETS["mnist"]
    files = []
    for f in spec.files:
        raw = raw_bytes(arrays[f.stem])
        gz = gzip.compress(raw, mtime=0)
        server.serve(f"/mirror/{f.stem}.gz", gz)
        files.append(dataclasses.replace(f, gz_md5=hashlib.md5(gz).hexdigest(), raw_md5=hashlib.md5(raw).hexdigest()))
    mirrors = (closed_port_url(), server.url + "/mirror/")
    monkeypatch.setitem(mnist_mod.DATASETS, "mnist", dataclasses.replace(spec, mirrors=mirrors, files=tuple(files)))
    return arrays


def test_load_mnist_downloads_into_the_cache_once(server, served_mnist, small_splits, isolated_cache, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        data = ds.load("mnist")
    check_matches(data, served_mnist)
    assert data["classes"] == [str(d) for d in range(10)]
    assert sorted(os.listdir(isolated_cache / "mnist")) == sorted(s + ".gz" for s in MNIST_STEMS)
    hits = sum(server.hits.values())
    assert hits == 4
    load_mnist("mnist")
    assert sum(server.hits.values()) == hits


def test_load_mnist_download_failure_lists_every_missing_file(server, served_mnist, small_splits, isolated_cache):
    del server.routes["/mirror/train-labels-idx1-ubyte.gz"]
    with pytest.raises(DownloadError) as e:
        load_mnist("mnist")
    assert e.value.files == ["train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    message = str(e.value)
    assert all(name in message for name in e.value.files) and str(isolated_cache / "mnist") in message
    assert "HTTP 404" in message
    # The file that did arrive is complete and stays; nothing else is there.
    assert os.listdir(isolated_cache / "mnist") == ["train-images-idx3-ubyte.gz"]


# --- real Fashion-MNIST from Debian's package -------------------------------

debian_fashion = pytest.mark.skipif(
    not all((DEBIAN_FASHION / f"{s}.gz").is_file() for s in MNIST_STEMS),
    reason=f"Debian's dataset-fashion-mnist is not installed ({DEBIAN_FASHION} lacks the four files)",
)


@debian_fashion
def test_fashion_mnist_from_debian():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Debian re-compressed the files, the contents are official
        data = ds.load("fashion-mnist", download=False)
    assert data["X_train"].shape == (60000, 28, 28) and data["X_test"].shape == (10000, 28, 28)
    assert data["X_train"].dtype == np.uint8 and data["y_train"].dtype == np.int64
    np.testing.assert_array_equal(np.bincount(data["y_train"]), [6000] * 10)
    np.testing.assert_array_equal(np.bincount(data["y_test"]), [1000] * 10)
    assert data["classes"][9] == "Ankle boot" and len(data["classes"]) == 10


@debian_fashion
def test_fashion_files_are_not_mistaken_for_mnist():
    with pytest.raises(DataFileError, match="is a Fashion-MNIST file, not MNIST"):
        load_mnist("mnist", data_dir=DEBIAN_FASHION)


# --- digits and toy data -----------------------------------------------------

def test_digits_split():
    pytest.importorskip("sklearn")
    data = ds.load("digits")
    assert data["X_train"].shape == (1347, 8, 8) and data["X_test"].shape == (450, 8, 8)
    assert data["X_train"].dtype == np.uint8 and data["y_train"].dtype == np.int64
    assert data["X_train"].max() == 16 and data["X_train"].min() == 0
    assert data["classes"] == [str(d) for d in range(10)]
    # Stratified: every class has about a quarter of its images in the test set.
    total = np.bincount(data["y_train"], minlength=10) + np.bincount(data["y_test"], minlength=10)
    assert np.all(np.abs(np.bincount(data["y_test"], minlength=10) - total * 0.25) <= 1)


def test_digits_split_is_deterministic():
    pytest.importorskip("sklearn")
    a, b = ds.load_digits_split(seed=0), ds.load_digits_split(seed=0)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    c = ds.load_digits_split(test_size=0.5, seed=1)
    assert len(c["y_test"]) == 899 and not np.array_equal(c["y_train"][:50], a["y_train"][:50])


@pytest.mark.parametrize("make, n", [(ds.blobs, 50), (ds.circles, 100)])
def test_toy_data(make, n):
    pytest.importorskip("sklearn")
    X, y = make()
    assert X.shape == (n, 2) and X.dtype == np.float32
    assert y.shape == (n, 1) and y.dtype == np.float32
    assert set(np.unique(y)) == {0.0, 1.0}
    X2, y2 = make()
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)


def test_datasets_do_not_import_the_rest_of_bibun():
    folder = Path(ds.__file__).parent
    for source in folder.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.ImportFrom):
                if node.level == 2 and node.module == "_atomic":
                    continue          # the shared atomic-write helper, standard library only
                assert node.level <= 1, f"{source.name} imports from outside bibun.datasets"
                assert node.level == 1 or not (node.module or "").startswith("bibun"), source.name
            elif isinstance(node, ast.Import):
                assert not any(a.name.startswith("bibun") for a in node.names), source.name
