"""Write a file so that readers see either the old file or the whole new one (checkpoints, data, reports).

Downloads and generated files go to a temporary file in the *same* folder
(``os.replace`` is atomic only within one file system) and are renamed into
place once complete. Any failure, Ctrl-C included, removes the temporary file,
so an interrupted run never leaves a half-written file behind.
"""

import os
import secrets
from contextlib import contextmanager
from pathlib import Path


def temp_name(target):
    # Hidden, and marked .part, so nobody mistakes it for the real file.
    target = Path(target)
    return target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")


@contextmanager
def atomic_write(target):
    """Yield a binary file; on normal exit it replaces ``target``."""
    target = Path(target)
    tmp = temp_name(target)
    # os.open with mode 0o666 lets the umask decide the permissions, as for
    # any ordinary file (tempfile.mkstemp would force 0o600, which breaks a
    # data folder shared by a class).
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_bytes(target, data):
    """Replace `target` with `data` (bytes) atomically."""
    with atomic_write(target) as f:
        f.write(data)
