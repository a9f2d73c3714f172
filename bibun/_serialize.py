"""bibun.save / bibun.load without pickle: arrays in an .npz, the structure around them as JSON.

A file can hold a Tensor, or dicts / lists / tuples of Tensors, numbers, strings, bools and None (a
state_dict, an optimizer's state). Saving writes a temporary file next to the target and renames it, so an
interrupted save leaves the old file intact.

Loading treats the file as untrusted: it executes nothing (bibun's files hold no pickle; a torch.save state dict's
pickle is read by interop/torch_file.py, which admits tensors and OrderedDicts and calls nothing), reads only regular files
(never a device, a pipe or a folder), reads each array's .npy header itself and checks it against the
bytes really there before allocating anything (no object arrays, no dtypes bibun has no tensor for, no
shape that claims more bytes than the file holds, no members together larger than the file: whatever it
allocates, the file's own bytes pay for), refuses compressed members (bibun.save never compresses, and
a few kilobytes of deflate can expand to gigabytes), refuses a manifest that nests too deeply or points
at arrays that are missing or used twice, and turns any other damage into one LoadError line. It writes
nothing.
"""
import collections
import io
import json
import os
import stat
import zipfile

import numpy as np

from . import _dtype
from ._atomic import atomic_write
from ._errors import one_line
from ._tensor import Tensor
from .nn.parameter import Parameter

_MANIFEST = "__bibun__"
_FORMAT = 1
_MAX_DEPTH = 100                 # nesting of dicts / lists in a checkpoint (a state_dict needs 2)
_MAX_MANIFEST = 64 << 20         # bytes of JSON
_MAX_NDIM = 32


class _Encoder:
    def __init__(self):
        self.arrays = {}

    def encode(self, obj):
        if isinstance(obj, Tensor):
            key = f"a{len(self.arrays)}"
            self.arrays[key] = np.asarray(obj._data, order="C")      # ascontiguousarray would make 0-d 1-d
            return {"t": "parameter" if isinstance(obj, Parameter) else "tensor", "k": key,
                    "rg": bool(obj.requires_grad)}
        if isinstance(obj, np.ndarray):
            key = f"a{len(self.arrays)}"
            self.arrays[key] = np.asarray(obj, order="C")
            return {"t": "ndarray", "k": key}
        if isinstance(obj, dict):
            return {"t": "odict" if isinstance(obj, collections.OrderedDict) else "dict",
                    "items": [[self.encode(k), self.encode(v)] for k, v in obj.items()]}
        if isinstance(obj, (list, tuple)):
            return {"t": type(obj).__name__, "items": [self.encode(v) for v in obj]}
        if obj is None or isinstance(obj, (bool, int, float, str)):
            return {"t": "value", "v": obj}
        if isinstance(obj, np.generic):
            return {"t": "value", "v": obj.item()}
        raise TypeError(f"bibun.save cannot store {type(obj).__name__}: it stores Tensors, arrays, numbers, "
                        f"strings and dicts/lists of them (save model.state_dict(), not the model)")


def save(obj, f):
    """Save `obj` (a Tensor, a state_dict, ...) to the path or binary file `f`, atomically for paths."""
    enc = _Encoder()
    tree = {"format": _FORMAT, "root": enc.encode(obj)}
    arrays = dict(enc.arrays)
    arrays[_MANIFEST] = np.frombuffer(json.dumps(tree).encode(), dtype=np.uint8)
    if hasattr(f, "write"):
        np.savez(f, **arrays)
        return
    with atomic_write(os.fspath(f)) as out:     # readers see the old file or the whole new one
        np.savez(out, **arrays)


class LoadError(RuntimeError):
    """A file that is not a readable bibun checkpoint (one line: which file, and what is wrong)."""


def load(f, map_location=None, weights_only=True):
    """Load what `save` wrote, or a state dict that torch.save wrote (read by interop/torch_file.py, which
    admits tensors and OrderedDicts only). Refuses other pickles, truncated, corrupted or crafted files with
    a LoadError."""
    name = _display_name(f)
    src, size, owned = _source(f, name)    # a missing file raises FileNotFoundError, as open() does
    try:
        zf = _open(src, name)
        with zf:
            archive = _Archive(zf, name, size)
            if _MANIFEST + ".npy" not in archive.members:
                if _is_torch(archive.members):
                    return _torch_state_dict(zf, name, size)
                raise LoadError(_no_manifest(name, archive.members))
            raw = archive.read(_MANIFEST, limit=_MAX_MANIFEST)
            if raw.dtype != np.uint8 or raw.ndim != 1:
                raise LoadError(f"{name}: the bibun manifest is not a byte string ({raw.dtype}, shape {raw.shape})")
            try:
                tree = json.loads(raw.tobytes().decode("utf-8"))
            except ValueError as e:          # not UTF-8, not JSON, or a number too long to convert
                raise LoadError(f"{name}: its manifest is not valid JSON ({one_line(e)[:120]})") from None
            if not isinstance(tree, dict) or tree.get("format") != _FORMAT or "root" not in tree:
                fmt = tree.get("format") if isinstance(tree, dict) else None
                raise LoadError(f"{name}: unknown bibun file format {fmt!r} (this bibun reads format {_FORMAT})")
            return _Decoder(archive).decode(tree["root"], 0)
    except LoadError:
        raise
    except RecursionError:
        raise LoadError(f"{name} is damaged: its manifest nests too deeply to be a checkpoint") from None
    except Exception as e:      # anything else that fails reading an untrusted file: damage, in one line
        raise LoadError(f"{name} is damaged or not a bibun checkpoint ({type(e).__name__}: {one_line(e)}); "
                        f"restore it from a good copy or save it again with bibun.save") from None
    finally:
        if owned:
            src.close()


def _display_name(f):
    if hasattr(f, "read"):
        return str(getattr(f, "name", None) or "<file object>")
    try:
        return os.fspath(f)
    except TypeError:
        raise TypeError(f"bibun.load expects a path or a binary file object, got {type(f).__name__}") from None


def _regular(mode, name):
    """Refuse what is not a regular file: /dev/zero, a pipe or a socket would be read (or waited on) forever."""
    if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):      # a folder: open() says so itself
        kind = ("a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a pipe" if stat.S_ISFIFO(mode)
                else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
        raise LoadError(f"{name} is {kind}, not a checkpoint file; give the path of a file written by bibun.save")


def _source(f, name):
    """(seekable binary file positioned at the archive, its size in bytes, whether load opened it)."""
    if not hasattr(f, "read"):
        path = os.fspath(f)
        _regular(os.stat(path).st_mode, name)   # before opening: opening a pipe waits for a writer
        fh = open(path, "rb")       # FileNotFoundError / IsADirectoryError: the path, not the contents
        try:
            st = os.fstat(fh.fileno())
            _regular(st.st_mode, name)          # what was opened, should the path have changed meanwhile
            return fh, st.st_size, True
        except BaseException:
            fh.close()
            raise
    try:
        _regular(os.fstat(f.fileno()).st_mode, name)
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        pass                                    # an in-memory file object
    try:
        seekable = f.seekable()
    except Exception:
        seekable = False
    if not seekable:
        data = f.read()
        return io.BytesIO(data), len(data), False
    start = f.tell()
    size = f.seek(0, io.SEEK_END) - start
    f.seek(start)
    return f, size, False


def _open(src, name):
    """The file as a ZipFile, or a LoadError that says what the file is instead."""
    start = src.tell()
    head = src.read(8)
    src.seek(start)
    try:
        return zipfile.ZipFile(src)
    except Exception as e:
        raise LoadError(_not_a_zip(name, head, e)) from None


def _not_a_zip(name, head, e):
    if not head:
        return f"{name} is empty: the save that wrote it did not finish; restore it from a good copy"
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return (f"{name} is a Python pickle (torch.save before PyTorch 1.6, or pickle.dump): bibun never "
                f"unpickles, because loading a pickle can run any code. Re-save the weights as arrays (in "
                f"PyTorch: numpy.savez(path, **{{k: v.numpy() for k, v in model.state_dict().items()}}))")
    if head.startswith(b"\x93NUMPY"):
        return (f"{name} is a single NumPy array (np.save), not a bibun checkpoint: read it with np.load(path) "
                f"and wrap it with bibun.from_numpy")
    if head.startswith(b"PK"):
        return f"{name} is truncated or corrupted: its zip structure is broken ({one_line(e)})"
    return f"{name} is not a bibun checkpoint (not a zip archive; bibun.save writes .npz files)"


def _is_torch(members):
    return any(n.endswith("/data.pkl") and n.count("/") == 1 for n in members)


def _torch_state_dict(zf, name, size):
    from .interop.torch_file import read_state_dict
    try:
        arrays = read_state_dict(zf, size)
    except Exception as e:
        raise LoadError(f"{name} (a PyTorch checkpoint) was refused: {one_line(e)}") from None
    return collections.OrderedDict((k, Tensor._wrap(a)) for k, a in arrays.items())


def _no_manifest(name, members):
    if any(n == "data.pkl" or n.endswith("/data.pkl") for n in members):
        return (f"{name} is a PyTorch checkpoint (torch.save): its tensors are stored as a pickle, which bibun "
                f"never loads. In PyTorch, re-save the weights as arrays: numpy.savez(path, **{{k: v.numpy() for "
                f"k, v in model.state_dict().items()}}), then load that with numpy.load and bibun.tensor")
    return f"{name} holds no bibun manifest: it was not written by bibun.save (a plain .npz? read it with np.load)"


class _Archive:
    """The members of an open archive, and how many of the file's bytes are still unclaimed: every array
    read claims its size, so the arrays together can never be larger than the file (members that overlap,
    or sizes that lie, cannot make a small file allocate more)."""

    def __init__(self, zf, name, size):
        self.zf, self.name, self.left = zf, name, size
        self.members = {i.filename: i for i in zf.infolist()}

    def read(self, key, limit=None):
        """One array, its header checked against the bytes really there before allocating."""
        name = self.name
        info = self.members.get(key + ".npy")
        if info is None:
            raise LoadError(f"{name}: the manifest refers to array {key!r}, which the file does not contain")
        if info.flag_bits & 0x1:
            raise LoadError(f"{name}: array {key!r} is encrypted; bibun checkpoints never are")
        if info.compress_type != zipfile.ZIP_STORED:
            raise LoadError(f"{name}: array {key!r} is compressed; bibun.save never compresses (a few kilobytes "
                            f"of compressed data can claim gigabytes), so re-save the checkpoint with bibun.save")
        if info.file_size != info.compress_size or info.file_size > self.left:
            raise LoadError(f"{name}: array {key!r} claims {info.file_size} bytes, more than the file's "
                            f"{self.left} unclaimed bytes: truncated or crafted")
        if limit is not None and info.file_size > limit:
            raise LoadError(f"{name}: array {key!r} is too large for what it should hold ({info.file_size} bytes)")
        self.left -= info.file_size
        with self.zf.open(info) as fp:
            return _read_npy(fp, info.file_size, key, name)


def _read_npy(fp, size, key, name):
    """The .npy stream `fp` of `size` bytes as an array."""
    try:
        version = np.lib.format.read_magic(fp)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(fp)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(fp)
        else:
            raise LoadError(f"{name}: array {key!r} has .npy format version {version}, which bibun does not read")
    except (ValueError, SyntaxError, TypeError) as e:
        why = one_line(e).split(" at 0x")[0]
        raise LoadError(f"{name}: array {key!r} has no valid .npy header ({why[:120]})") from None
    dtype = _checked_dtype(dtype, key, name)
    if not isinstance(shape, tuple) or len(shape) > _MAX_NDIM or \
            not all(type(n) is int and n >= 0 for n in shape):
        raise LoadError(f"{name}: array {key!r} has an impossible shape {shape!r}")
    count = 1
    for n in shape:
        count *= n
    nbytes = count * dtype.itemsize
    held = size - fp.tell()
    if nbytes != held:
        raise LoadError(f"{name}: array {key!r} claims shape {shape} of {dtype} ({nbytes} bytes) but the file "
                        f"holds {held} bytes for it: truncated or crafted")
    if nbytes == 0:
        return np.empty(shape, dtype.newbyteorder("="))
    buf = bytearray(nbytes)
    view = memoryview(buf)
    got = 0
    while got < nbytes:
        n = fp.readinto(view[got:])
        if not n:
            raise LoadError(f"{name}: array {key!r} ends early: truncated")
        got += n
    a = np.frombuffer(buf, dtype=dtype).reshape(shape, order="F" if fortran else "C")
    if not dtype.isnative:
        a = a.astype(dtype.newbyteorder("="))
    return np.asarray(a, order="C")          # ascontiguousarray would make a 0-d array 1-d


def _checked_dtype(dtype, key, name):
    if not isinstance(dtype, np.dtype) or dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None:
        raise LoadError(f"{name}: array {key!r} has dtype {dtype}, which bibun does not load (object and "
                        f"structured arrays could hold anything)")
    native = dtype.newbyteorder("=") if dtype.byteorder not in ("=", "|") else dtype
    if native not in _dtype._BY_NP:
        raise LoadError(f"{name}: array {key!r} has dtype {dtype}, for which bibun has no tensor type")
    return dtype


class _Decoder:
    """Turns the manifest back into tensors and containers, checking every entry's form."""

    def __init__(self, archive):
        self.archive, self.name = archive, archive.name
        self.used = set()

    def fail(self, why):
        raise LoadError(f"{self.name}: {why}")

    def array(self, node):
        key = node.get("k")
        if not isinstance(key, str) or key == _MANIFEST:
            self.fail(f"an entry names no valid array ({key!r})")
        if key in self.used:
            self.fail(f"array {key!r} is used twice; bibun.save never writes that")
        self.used.add(key)
        return self.archive.read(key)

    def decode(self, node, depth):
        if depth > _MAX_DEPTH:
            self.fail(f"the manifest nests deeper than {_MAX_DEPTH} levels; a checkpoint never does")
        if not isinstance(node, dict) or not isinstance(node.get("t"), str):
            self.fail(f"malformed manifest entry ({type(node).__name__})")
        t = node["t"]
        if t in ("tensor", "parameter", "ndarray"):
            a = self.array(node)
            if t == "ndarray":
                return a
            rg = node.get("rg", t == "parameter")
            if not isinstance(rg, bool):
                self.fail(f"malformed requires_grad flag {rg!r}")
            rg = rg and a.dtype.kind == "f"
            if t == "parameter":
                return Parameter(Tensor._wrap(a), requires_grad=rg)
            return Tensor._wrap(a, rg)
        if t in ("dict", "odict", "list", "tuple"):
            items = node.get("items")
            if not isinstance(items, list):
                self.fail(f"a {t} entry without a list of items")
            if t in ("list", "tuple"):
                out = [self.decode(v, depth + 1) for v in items]
                return out if t == "list" else tuple(out)
            pairs = []
            for kv in items:
                if not isinstance(kv, list) or len(kv) != 2:
                    self.fail("a dict item is not a (key, value) pair")
                k = self.decode(kv[0], depth + 1)
                try:
                    hash(k)
                except TypeError:
                    self.fail(f"a dict key of type {type(k).__name__} (not hashable)")
                pairs.append((k, self.decode(kv[1], depth + 1)))
            return collections.OrderedDict(pairs) if t == "odict" else dict(pairs)
        if t == "value":
            v = node.get("v")
            if v is not None and not isinstance(v, (bool, int, float, str)):
                self.fail(f"unexpected value of type {type(v).__name__}")
            return v
        self.fail(f"unknown entry type {t!r}")
