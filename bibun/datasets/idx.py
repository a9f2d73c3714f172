"""Read and write IDX files, the format MNIST and Fashion-MNIST ship in.

An IDX file is a 4-byte magic number (0x00 0x00, a type code, the number of
dimensions), one big-endian uint32 per dimension, then the values in C order,
big-endian. Files are usually gzipped.

The reader trusts nothing in the file: a damaged download must end in one
clear ``DataFileError`` line, never in a NumPy reshape error, a 2 GiB
allocation, or an array silently filled with the wrong bytes.
"""

import gzip
import os
import struct
import zlib
from math import prod
from pathlib import Path

import numpy as np

from .._atomic import atomic_write
from .errors import DataFileError

# Type code -> big-endian dtype, as the format defines them.
_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODES = {dt.newbyteorder("="): code for code, dt in _DTYPES.items()}

MAX_NDIM = 4
# No real IDX data set comes near 2 GiB; a header asking for more is corrupt.
MAX_BYTES = 2**31
_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20
_MAX_EXTRA = 16 * _CHUNK
_REDOWNLOAD = "delete it and download it again"


def _fail(path, what, todo=_REDOWNLOAD):
    return DataFileError(f"{path} {what}; {todo}")


def read_idx(path, expect=None):
    """Return the array stored in the IDX file at ``path`` (gzipped or not).

    ``expect``, a ``(dtype, shape)`` pair, is what the caller knows the file
    must hold: a header that says otherwise is refused before any data is
    read, so a small gzip bomb with a valid header costs nothing.

    Values come back in native byte order, in a fresh writable array. Any
    problem with the contents raises ``DataFileError``; a missing or
    unreadable file raises the usual ``OSError``.
    """
    return _open_idx(path, lambda stream, size: _read(stream, path, size, expect))


def read_idx_header(path):
    """``(dtype, shape)`` of the IDX file at ``path``, from its header alone (nothing else is read)."""
    return _open_idx(path, lambda stream, size: _header(stream, path, size)[:2])


def _open_idx(path, parse):
    path = Path(path)
    with open(path, "rb") as raw:
        # Gzip is detected by its magic bytes: a renamed file must still load.
        compressed = raw.read(2) == _GZIP_MAGIC
        raw.seek(0)
        if not compressed:
            return parse(raw, os.fstat(raw.fileno()).st_size)
        try:
            with gzip.GzipFile(fileobj=raw, mode="rb") as stream:
                return parse(stream, None)
        except EOFError:
            raise _fail(path, "is truncated: the gzip stream ends early") from None
        except (OSError, zlib.error) as e:
            raise _fail(path, f"is a damaged gzip file ({e})") from None


def _header(stream, path, file_size):
    """(dtype, shape, nbytes) from an IDX header; ``file_size`` is known only for uncompressed files."""
    gz = "" if file_size is not None else "decompressed "
    magic = stream.read(4)
    if len(magic) < 4:
        raise _fail(path, f"is too short to be an IDX file ({gz}size {len(magic)} bytes)")
    if magic[:2] != b"\0\0":
        hint = " (it looks like a web page: a download that saved an error page?)" if magic[:1] == b"<" else ""
        raise _fail(path, f"is not an IDX file: it starts with bytes {magic.hex(' ')}, not 00 00{hint}")
    code, ndim = magic[2], magic[3]
    if code not in _DTYPES:
        known = ", ".join(f"0x{c:02X} ({d.name})" for c, d in _DTYPES.items())
        raise _fail(path, f"has unknown IDX type code 0x{code:02X} (known: {known})")
    if not 1 <= ndim <= MAX_NDIM:
        raise _fail(path, f"has a corrupt header: it claims {ndim} dimensions, expected 1 to {MAX_NDIM}")
    dims = stream.read(4 * ndim)
    if len(dims) < 4 * ndim:
        raise _fail(path, f"is truncated inside its header ({ndim} dimensions need {4 * ndim} bytes, found {len(dims)})")
    shape = struct.unpack(f">{ndim}I", dims)
    dtype = _DTYPES[code]
    nbytes = prod(shape) * dtype.itemsize
    if nbytes > MAX_BYTES:
        raise _fail(path, f"has a corrupt header: it asks for {nbytes} bytes of {dtype.name} data for shape "
                          f"{shape}, more than the {MAX_BYTES} byte limit")
    return dtype.newbyteorder("="), shape, nbytes


def _read(stream, path, file_size, expect):
    """Parse an IDX stream; ``file_size`` is known only for uncompressed files."""
    gz = "" if file_size is not None else "decompressed "
    dtype, shape, nbytes = _header(stream, path, file_size)
    what = f"{nbytes} bytes of {dtype.name} data for shape {shape}"
    if expect is not None and (dtype, shape) != (np.dtype(expect[0]), tuple(expect[1])):
        raise _fail(path, f"holds {dtype.name} of shape {shape} by its header, expected {np.dtype(expect[0]).name} "
                          f"of shape {tuple(expect[1])}", "is it the right file?")

    # For a plain file the size settles truncation before reading anything.
    if file_size is not None:
        held = file_size - stream.tell()
        if held < nbytes:
            raise _fail(path, f"is truncated: its header promises {what}, the file holds {held}")
        if held > nbytes:
            raise _fail(path, f"has {held - nbytes} extra bytes after the {what} its header promises")

    # Read in chunks: a lying header in a small gzip file then costs nothing.
    buf = bytearray()
    while len(buf) < nbytes:
        chunk = stream.read(min(_CHUNK, nbytes - len(buf)))
        if not chunk:
            raise _fail(path, f"is truncated: its header promises {what}, the {gz}file holds {len(buf)}")
        buf += chunk
    # Count what follows only up to a bound: a gzip stream can go on (almost) for ever.
    extra = 0
    while extra <= _MAX_EXTRA and (chunk := stream.read(_CHUNK)):
        extra += len(chunk)
    if extra:
        count = f"more than {_MAX_EXTRA}" if extra > _MAX_EXTRA else str(extra)
        raise _fail(path, f"has {count} extra bytes after the {what} its header promises")

    array = np.frombuffer(buf, dtype=_DTYPES[_CODES[dtype]]).reshape(shape)
    if array.dtype.byteorder == ">":
        array = array.astype(dtype)
    return array


def idx_header(array):
    """The IDX header (magic number and dimensions) for ``array``."""
    array = np.asarray(array)
    code = _CODES.get(array.dtype.newbyteorder("="))
    if code is None:
        known = ", ".join(d.name for d in _DTYPES.values())
        raise ValueError(f"IDX cannot store dtype {array.dtype}; use one of {known}")
    if not 1 <= array.ndim <= MAX_NDIM:
        raise ValueError(f"IDX files here hold 1 to {MAX_NDIM} dimensions, the array has {array.ndim}")
    if array.nbytes > MAX_BYTES:
        raise ValueError(f"array of {array.nbytes} bytes exceeds the {MAX_BYTES} byte IDX limit")
    return bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)


def write_idx(path, array, compress=None):
    """Write ``array`` to ``path`` as IDX, atomically.

    ``compress=None`` gzips when the name ends in ``.gz``. The gzip header
    holds no name or time, so the same array always gives the same bytes.
    """
    path = Path(path)
    array = np.asarray(array)
    header = idx_header(array)
    payload = np.ascontiguousarray(array, dtype=_DTYPES[header[2]]).tobytes()
    if compress is None:
        compress = path.name.endswith(".gz")
    with atomic_write(path) as f:
        if compress:
            with gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0) as gz:
                gz.write(header + payload)
        else:
            f.write(header + payload)
    return path
