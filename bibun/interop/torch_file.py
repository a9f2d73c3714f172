"""PyTorch's checkpoint layout (`torch.save` since 1.6), read and written with NumPy alone.

The file is a zip: `<name>/data.pkl` is a pickle of the structure, and each tensor's storage is a member
`<name>/data/<key>` of raw little-endian bytes. Reading runs the pickle through an unpickler that knows
only what a state dict needs, as `torch.load(weights_only=True)` does: OrderedDict, the two tensor rebuild
functions and the storage types of the dtypes bibun has. Any other global is refused before anything is
called, so a pickle whose `__reduce__` names `os.system` stops at that name. What the rebuild functions and
storages return here are inert records made for this one load; tensors are built from them only once the
whole pickle is read, each checked against the bytes its storage really holds.

Writing produces the same layout (the pickle written opcode by opcode: the globals it names are PyTorch's,
which need not be importable here), which `torch.load(f, weights_only=True)` accepts.
"""
import collections
import io
import os
import pickle
import struct
import zipfile

import numpy as np

from .._atomic import atomic_write
from .._errors import one_line

# PyTorch's storage type -> NumPy dtype, for the dtypes bibun has tensors of
STORAGES = {"FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
            "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16, "CharStorage": np.int8,
            "ByteStorage": np.uint8, "BoolStorage": np.bool_}
STORAGE_OF = {np.dtype(v): k for k, v in STORAGES.items()}
_REBUILDS = ("_rebuild_tensor_v2", "_rebuild_parameter")
_MAX_PICKLE = 64 << 20      # bytes: the structure of a state dict, never its numbers
_MAX_NDIM = 32


class TorchFileError(ValueError):
    """What is wrong with a PyTorch checkpoint, in one line (the caller adds the file's name)."""


class _Global:
    """A global the pickle named and this reader admits: a tag, never the real object. Slots and no
    __setstate__, so the pickle's BUILD cannot change it."""
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __call__(self, *args):
        return _Call(self.name, args)


class _Call:
    """A rebuild the pickle asked for, kept as data until the pickle is read."""
    __slots__ = ("name", "args")

    def __init__(self, name, args):
        self.name, self.args = name, args


class _Storage:
    __slots__ = ("dtype", "key", "numel")

    def __init__(self, dtype, key, numel):
        self.dtype, self.key, self.numel = dtype, key, numel


class _Unpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        if module == "torch._utils" and name in _REBUILDS:
            return _Global(name)
        if module == "torch" and name in STORAGES:
            return _Global(name)
        raise TorchFileError(f"its pickle names the global {module}.{name}, which a weights-only load refuses "
                             f"(a state dict needs only OrderedDict, tensors and storages); nothing was run")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage" and isinstance(pid[1], _Global)
                and pid[1].name in STORAGES and isinstance(pid[2], str) and type(pid[4]) is int and pid[4] >= 0):
            raise TorchFileError(f"its pickle refers to a storage in a form PyTorch never writes ({_short(pid)})")
        return _Storage(np.dtype(STORAGES[pid[1].name]), pid[2], pid[4])


def _short(x):
    s = repr(x)
    return s if len(s) <= 80 else s[:77] + "..."


def read_state_dict(zf, size):
    """The OrderedDict of NumPy arrays (name -> array) held by the open PyTorch zip `zf` of `size` bytes.
    Raises TorchFileError saying what is wrong."""
    infos = {i.filename: i for i in zf.infolist()}
    pkl = next(n for n in infos if n.endswith("/data.pkl") and n.count("/") == 1)
    prefix = pkl[:-len("data.pkl")]
    budget = [size]              # every member read claims its size: together never more than the file

    def member(name, limit=None):
        info = infos.get(name)
        if info is None:
            raise TorchFileError(f"it has no member {name!r}: truncated or not written by torch.save")
        if info.flag_bits & 0x1 or info.compress_type != zipfile.ZIP_STORED:
            raise TorchFileError(f"member {name!r} is compressed or encrypted; torch.save never does that")
        if info.file_size != info.compress_size or info.file_size > budget[0] or \
                (limit is not None and info.file_size > limit):
            raise TorchFileError(f"member {name!r} claims {info.file_size} bytes, more than the file can hold: "
                                 f"truncated or crafted")
        budget[0] -= info.file_size
        data = zf.read(info)
        if len(data) != info.file_size:
            raise TorchFileError(f"member {name!r} ends early: truncated")
        return data

    raw = member(pkl, _MAX_PICKLE)
    try:
        root = _Unpickler(io.BytesIO(raw)).load()
    except TorchFileError:
        raise
    except Exception as e:          # a truncated or garbled pickle
        raise TorchFileError(f"its pickle is damaged ({type(e).__name__}: {one_line(e)[:120]})") from None
    if not isinstance(root, dict):
        raise TorchFileError(f"it holds a {type(root).__name__}, not a state dict (a dict of tensors)")
    storages = {}
    out = collections.OrderedDict()
    for k, v in root.items():
        if not isinstance(k, str):
            raise TorchFileError(f"a key of its state dict is a {type(k).__name__}, not a name")
        out[k] = _tensor(v, k, storages, lambda key: member(prefix + "data/" + key))
    return out


def _tensor(v, name, storages, member):
    """The array that the rebuild record `v` describes, checked against its storage's bytes."""
    if isinstance(v, _Call) and v.name == "_rebuild_parameter":
        if len(v.args) < 1:
            raise TorchFileError(f"{name!r}: a parameter without its data")
        v = v.args[0]
    if not (isinstance(v, _Call) and v.name == "_rebuild_tensor_v2" and len(v.args) >= 4):
        raise TorchFileError(f"entry {name!r} is not a tensor ({type(v).__name__})")
    storage, offset, shape, stride = v.args[:4]
    ints = lambda t: isinstance(t, tuple) and len(t) <= _MAX_NDIM and all(type(n) is int and n >= 0 for n in t)
    if not (isinstance(storage, _Storage) and type(offset) is int and offset >= 0 and ints(shape) and ints(stride)
            and len(shape) == len(stride)):
        raise TorchFileError(f"entry {name!r} describes a tensor PyTorch could not have written")
    if storage.key not in storages:
        raw = member(storage.key)
        if len(raw) != storage.numel * storage.dtype.itemsize:
            raise TorchFileError(f"storage {storage.key!r} of {name!r} holds {len(raw)} bytes, not the "
                                 f"{storage.numel * storage.dtype.itemsize} its tensor needs: truncated or crafted")
        storages[storage.key] = np.frombuffer(raw, storage.dtype.newbyteorder("<"))
    flat = storages[storage.key]
    if flat.dtype != storage.dtype.newbyteorder("<"):
        raise TorchFileError(f"storage {storage.key!r} is used with two dtypes")
    if 0 in shape:
        return np.zeros(shape, storage.dtype)
    last = offset + sum((n - 1) * s for n, s in zip(shape, stride))
    if last >= flat.size:
        raise TorchFileError(f"entry {name!r} reaches past the end of its storage: crafted or damaged")
    item = flat.itemsize
    view = np.lib.stride_tricks.as_strided(flat[offset:], shape, tuple(s * item for s in stride), writeable=False)
    return np.ascontiguousarray(view, dtype=storage.dtype)


# ---- writing ------------------------------------------------------------------------------------------

class _Pickle:
    """Protocol-2 pickle opcodes for an OrderedDict of tensors, nothing else."""

    def __init__(self):
        self.out = bytearray(b"\x80\x02")

    def glob(self, module, name):
        self.out += b"c" + module.encode() + b"\n" + name.encode() + b"\n"

    def text(self, s):
        b = s.encode("utf-8")
        self.out += b"X" + struct.pack("<I", len(b)) + b

    def int(self, n):
        self.out += b"J" + struct.pack("<i", n) if n < 2 ** 31 else b"\x8a\x08" + struct.pack("<q", n)

    def ints(self, t):
        self.out += b"("
        for n in t:
            self.int(n)
        self.out += b"t"

    def empty_odict(self):
        self.glob("collections", "OrderedDict")
        self.out += b")R"


def state_dict_bytes(arrays):
    """(data.pkl bytes, [(storage key, raw bytes)]) for an ordered mapping name -> contiguous array."""
    p = _Pickle()
    storages = []
    p.empty_odict()
    p.out += b"("
    for key, a in arrays.items():
        kind = STORAGE_OF.get(a.dtype)
        if kind is None:
            raise TypeError(f"{key!r} has dtype {a.dtype}, which has no PyTorch storage type")
        p.text(key)
        p.glob("torch._utils", "_rebuild_tensor_v2")
        p.out += b"(("
        p.text("storage")
        p.glob("torch", kind)
        p.text(str(len(storages)))
        p.text("cpu")
        p.int(a.size)
        p.out += b"tQ"
        p.int(0)
        p.ints(a.shape)
        p.ints(np.cumprod((1,) + a.shape[:0:-1])[::-1].tolist() if a.ndim else ())
        p.out += b"\x89"            # requires_grad False, as state_dict() holds them
        p.empty_odict()             # backward hooks
        p.out += b"tR"
        storages.append((str(len(storages)), a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes()))
    p.out += b"u."
    return bytes(p.out), storages


def _aligned(zf, name, data, align=64):
    """Add a stored member whose data starts on an `align`-byte boundary (PyTorch aligns storages so that
    they can be memory-mapped)."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    start = zf.fp.tell() + 30 + len(name.encode())
    pad = -(start + 4) % align
    info.extra = struct.pack("<HH", 0x4246, pad) + b"Z" * pad      # an extra field of padding ("FB", as PyTorch)
    zf.writestr(info, data)


def write_state_dict(arrays, f, archive="archive"):
    """Write `arrays` (name -> NumPy array) as `torch.save` would write a state dict, to the binary file `f`."""
    pkl, storages = state_dict_bytes(arrays)
    with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as zf:
        _aligned(zf, f"{archive}/data.pkl", pkl)
        _aligned(zf, f"{archive}/.format_version", b"1")
        _aligned(zf, f"{archive}/.storage_alignment", b"64")
        _aligned(zf, f"{archive}/byteorder", b"little")
        for key, raw in storages:
            _aligned(zf, f"{archive}/data/{key}", raw)
        _aligned(zf, f"{archive}/version", b"3\n")


def save_torch(obj, f):
    """Save a bibun state dict (or a module's state_dict()) as a file `torch.load(f, weights_only=True)`
    reads. Atomic for paths: readers see the old file or the whole new one."""
    sd = obj.state_dict() if callable(getattr(obj, "state_dict", None)) else obj
    if not isinstance(sd, dict):
        raise TypeError(f"save_torch expects a state dict or a module, got {type(obj).__name__}")
    arrays = collections.OrderedDict()
    for k, v in sd.items():
        a = np.asarray(getattr(v, "_data", v))
        if not isinstance(k, str) or a.dtype.kind not in "biuf":
            raise TypeError(f"save_torch stores a dict of name -> tensor; {k!r} holds {type(v).__name__}")
        arrays[k] = np.ascontiguousarray(a)
    if hasattr(f, "write"):
        write_state_dict(arrays, f)
        return
    base = os.path.splitext(os.path.basename(os.fspath(f)))[0] or "archive"
    with atomic_write(os.fspath(f)) as out:
        write_state_dict(arrays, out, archive="".join(c if c.isalnum() or c in "_-" else "_" for c in base))
