"""bibun.save / bibun.load without pickle: arrays in an .npz, the structure around them as JSON.

A file can hold a Tensor, or dicts / lists / tuples of Tensors, numbers, strings, bools and None (a
state_dict, an optimizer's state). Loading executes nothing: `allow_pickle=False`, and a structure
that is not ours is refused. Saving writes a temporary file next to the target and renames it, so an
interrupted save leaves the old file intact.
"""
import collections
import io
import json
import os
import tempfile
import zipfile

import numpy as np

from ._tensor import Parameter, Tensor

_MANIFEST = "__bibun__"
_FORMAT = 1


class _Encoder:
    def __init__(self):
        self.arrays = {}

    def encode(self, obj):
        if isinstance(obj, Tensor):
            key = f"a{len(self.arrays)}"
            self.arrays[key] = np.ascontiguousarray(obj._data)
            return {"t": "parameter" if isinstance(obj, Parameter) else "tensor", "k": key,
                    "rg": bool(obj.requires_grad)}
        if isinstance(obj, np.ndarray):
            key = f"a{len(self.arrays)}"
            self.arrays[key] = np.ascontiguousarray(obj)
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
    path = os.fspath(f)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".bibun-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out:
            np.savez(out, **arrays)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class LoadError(RuntimeError):
    """A file that is not a readable bibun checkpoint."""


def load(f, map_location=None, weights_only=True):
    """Load what `save` wrote. Refuses pickles, truncated files and anything that is not ours."""
    name = getattr(f, "name", None) or (os.fspath(f) if not hasattr(f, "read") else "<file>")
    try:
        data = np.load(f, allow_pickle=False)
    except FileNotFoundError:
        raise
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as e:
        raise LoadError(f"{name} is not a bibun checkpoint (or it is truncated or corrupted): {e}. bibun "
                        f"never unpickles; re-save the weights with bibun.save(...)") from None
    if not isinstance(data, np.lib.npyio.NpzFile) or _MANIFEST not in data.files:
        raise LoadError(f"{name} holds no bibun manifest: it was not written by bibun.save")
    try:
        with data:
            tree = json.loads(bytes(data[_MANIFEST]).decode())
            if not isinstance(tree, dict) or tree.get("format") != _FORMAT:
                raise LoadError(f"{name}: unknown bibun file format {tree.get('format') if isinstance(tree, dict) else '?'}")
            return _decode(tree["root"], data, name)
    except LoadError:
        raise
    except (ValueError, KeyError, TypeError, OSError, zipfile.BadZipFile, EOFError, UnicodeDecodeError) as e:
        raise LoadError(f"{name} is damaged ({type(e).__name__}: {e}); restore it from a good copy") from None


def _decode(node, data, name):
    t = node["t"]
    if t in ("tensor", "parameter", "ndarray"):
        a = data[node["k"]]
        if a.dtype.kind not in "fiub":
            raise LoadError(f"{name}: array {node['k']} has dtype {a.dtype}, which bibun does not store")
        if t == "ndarray":
            return a
        if t == "parameter":
            return Parameter(Tensor._wrap(a), requires_grad=bool(node.get("rg", True)))
        return Tensor._wrap(a, bool(node.get("rg", False)) and a.dtype.kind == "f")
    if t in ("dict", "odict"):
        items = [(_key(_decode(k, data, name)), _decode(v, data, name)) for k, v in node["items"]]
        return collections.OrderedDict(items) if t == "odict" else dict(items)
    if t == "list":
        return [_decode(v, data, name) for v in node["items"]]
    if t == "tuple":
        return tuple(_decode(v, data, name) for v in node["items"])
    if t == "value":
        v = node["v"]
        if v is not None and not isinstance(v, (bool, int, float, str)):
            raise LoadError(f"{name}: unexpected value of type {type(v).__name__}")
        return v
    raise LoadError(f"{name}: unknown entry type {t!r}")


def _key(k):
    if isinstance(k, list):          # JSON has no tuples; dict keys must be hashable
        return tuple(k)
    return k


