"""One training process per run folder: an advisory lock file, run.lock, that holds the owner's pid.

The lock is the operating system's lock on that file (flock, or msvcrt.locking on Windows), so it ends
with the process however the process ends: a lock file left by a killed run is stale and simply taken
over. A second process that finds the lock held refuses with the owner's pid, instead of mixing two runs'
files in one folder. The file is removed when its owner is done.
"""
import os
from pathlib import Path

from .errors import WorkbenchError

NAME = "run.lock"

try:
    import fcntl
except ImportError:                     # Windows
    fcntl = None
    import msvcrt

_WIN_OFFSET = 1 << 20                   # the byte msvcrt locks: past the pid, so others can read it


def _try_lock(fd):
    """Lock the open file; OSError (BlockingIOError, PermissionError) when another process holds it."""
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    else:
        os.lseek(fd, _WIN_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)


def _owner(path):
    try:
        text = Path(path).read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return "unknown"
    return text if text.isdigit() else "unknown"


class RunLock:
    """`with RunLock(folder):` holds the folder's lock (creating the folder when needed; the folders it
    created are removed again if they are still empty when the lock is released)."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.path = self.folder / NAME
        self.fd = None
        self.created = []

    def acquire(self):
        missing = []
        p = self.folder
        while not p.exists() and p != p.parent:
            missing.append(p)
            p = p.parent
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.created = missing
            while True:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o666)
                try:
                    _try_lock(fd)
                except OSError:
                    os.close(fd)
                    self._remove_created()
                    raise WorkbenchError(
                        f"{self.folder} is in use by another bibun process (pid {_owner(self.path)}); wait "
                        f"for it to finish, or choose another --out") from None
                # The owner before us removes the file as it lets go: hold the lock of the file at the path.
                try:
                    current = os.path.samestat(os.fstat(fd), os.stat(self.path))
                except FileNotFoundError:
                    current = False
                if current:
                    break
                os.close(fd)
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, f"{os.getpid()}\n".encode("ascii"))
            self.fd = fd
        except OSError as e:
            self._remove_created()
            raise WorkbenchError(f"cannot write into {self.folder} ({e.strerror or e}); choose a folder you can "
                                 f"write to with --out") from None
        return self

    def release(self):
        if self.fd is None:
            return
        try:
            os.unlink(self.path)        # while still holding it: nobody can take a lock on a file on its way out
        except OSError:
            pass
        os.close(self.fd)
        self.fd = None
        self._remove_created()

    def _remove_created(self):
        for p in self.created:          # innermost first; stops at the first that is not empty
            try:
                p.rmdir()
            except OSError:
                break
        self.created = []

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()
