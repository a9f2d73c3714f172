"""Write a file so that readers see either the old file or the whole new one (checkpoints, data, reports).

Downloads and generated files go to a temporary file in the *same* folder
(``os.replace`` is atomic only within one file system) and are renamed into
place once complete. Any failure, Ctrl-C included, removes the temporary file,
so an interrupted run never leaves a half-written file behind.

A process killed outright (``kill -9``, a power cut) cannot remove its
temporary file. Its name holds the writer's pid, so the next save to the same
place removes the temporary files of writers that are no longer running.
"""

import os
import re
import secrets
import time
from contextlib import contextmanager
from pathlib import Path

# Temporary files from before names held a pid: removed once this old, when no writer can still be at work.
_LEGACY_AGE = 3600.0


def temp_name(target):
    # Hidden, and marked .part, so nobody mistakes it for the real file.
    target = Path(target)
    return target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.part")


def pid_running(pid):
    """Whether a process with this pid exists on this machine."""
    if pid <= 0:
        return False
    if os.name == "nt":
        import ctypes
        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)   # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        ctypes.windll.kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        ctypes.windll.kernel32.CloseHandle(handle)
        return code.value == 259                                         # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:             # someone else's process: it exists
        return True
    return True


def remove_stale_parts(target):
    """Remove the temporary files that killed writers left next to `target` (only names this module makes)."""
    target = Path(target)
    pattern = re.compile(r"\." + re.escape(target.name) + r"\.(?:(\d+)\.)?[0-9a-f]{8}\.part")
    try:
        names = os.listdir(target.parent)
    except OSError:
        return
    now = time.time()
    for name in names:
        m = pattern.fullmatch(name)
        if m is None:
            continue
        path = target.parent / name
        try:
            if m.group(1) is not None:
                pid = int(m.group(1))
                if pid == os.getpid() or pid_running(pid):
                    continue
            elif now - path.lstat().st_mtime < _LEGACY_AGE:
                continue
            path.unlink()
        except OSError:                 # gone already, or not ours to remove: leave it
            pass


@contextmanager
def atomic_write(target):
    """Yield a binary file; on normal exit it replaces ``target``."""
    target = Path(target)
    remove_stale_parts(target)
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
