"""Keep freed memory in the process, so large arrays stop costing page faults.

Every op and every VJP makes a new array. Past glibc's thresholds (128 KB to start with) malloc takes big
blocks fresh from the kernel with mmap and returns them on free, and trims the heap when its free top grows
past twice that: each new 400 KB result is then touched page by page for the first time, and a 10^5-element
op chain pays about 3,400 minor page faults per step, more time than the arithmetic. bibun keeps more arrays
alive at once (saved inputs, gradients) than hand-written NumPy, so it pays the most.

The fix is glibc's own knob, set once at import: arrays up to 32 MB come from the heap, and up to 256 MB of
freed heap is kept for the next arrays instead of going back to the kernel. Nothing about results changes
(the same NumPy calls run on the same values); peak memory stays where it was (the kept memory is memory
the process had just used, and is reused first). Arrays over 32 MB still map and unmap, as their arithmetic
outweighs their faults.

The setting is the process's, not bibun's alone: it is skipped when the user set glibc's own variables
(MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_, MALLOC_TOP_PAD_), and `BIBUN_KEEP_MEMORY=0` turns it off.
Other C libraries (musl, macOS, Windows) are left alone.
"""
import os
import sys

MMAP_THRESHOLD = 32 * 2**20     # glibc's own ceiling for its dynamic threshold on 64-bit machines
TRIM_THRESHOLD = 256 * 2**20

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3      # mallopt's parameter numbers (malloc.h)
_GLIBC_VARIABLES = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_")

# whether the setting was made in this process
kept = False


def _glibc():
    """Whether this process runs on glibc (the thresholds' meaning is glibc's own)."""
    try:
        return sys.platform.startswith("linux") and bool(os.confstr("CS_GNU_LIBC_VERSION"))
    except (ValueError, OSError):
        return False


def keep_freed_memory():
    """Set glibc's thresholds once, unless the user opted out or set them; returns whether they were set."""
    global kept
    if kept or os.environ.get("BIBUN_KEEP_MEMORY", "1") == "0" or not _glibc():
        return kept
    if any(v in os.environ for v in _GLIBC_VARIABLES):
        return False
    import ctypes
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    kept = mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1 and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
    return kept
