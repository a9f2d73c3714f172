"""Download a file once, verify it, and keep it in a cache folder.

Mirrors die (MNIST's original address has failed learners for years), so a
file has several mirrors and a checksum: whatever mirror answers, the bytes
are the known ones. The size is known too, so a server that sends more is cut
off at once, and each attempt has an overall deadline, so a server that
trickles a byte at a time cannot hold a lesson up for ever. A failed or
interrupted download leaves nothing behind, and the final error says where to
put the file by hand.
"""

import hashlib
import os
import sys
import time
from pathlib import Path

from .._atomic import atomic_write
from .errors import DownloadError

_CHUNK = 1 << 20
DEADLINE = 600.0                # seconds one attempt may take in all (MNIST's largest file is 26 MB)
# Some servers refuse urllib's default agent string.
_HEADERS = {"User-Agent": "bibun-datasets (Python urllib)"}


def cache_dir():
    """Where downloads are kept: $BIBUN_DATA, else the user's cache folder/bibun."""
    root = os.environ.get("BIBUN_DATA")
    if root:
        return Path(root).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "bibun"


def offline_hint(files, folder, subfolder=None, unpacked_ok=False):
    """The sentence that tells a user how to supply files without a network."""
    names = ", ".join(files)
    where = f" (files in DIR/{subfolder})" if subfolder else ""
    form = "as downloaded, gzipped or unpacked" if unpacked_ok else "exactly as downloaded"
    return (
        f"To work offline, put {names} ({form}) into {folder}; "
        f"or pass --data-dir DIR (data_dir=DIR) for a folder that already holds them; "
        f"or set BIBUN_DATA=DIR to keep the downloads under DIR{where}."
    )


def _hasher(checksum):
    # The length of the hex digest tells the algorithm apart.
    algorithms = {32: "md5", 64: "sha256"}
    name = algorithms.get(len(checksum))
    if name is None:
        raise ValueError(f"checksum {checksum!r} is neither an md5 (32 hex digits) nor a sha256 (64 hex digits)")
    return name, hashlib.new(name)


def file_digest(path, checksum):
    """Hex digest of ``path`` with the algorithm that ``checksum`` implies."""
    _, h = _hasher(checksum)
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _url(mirror, filename):
    # A mirror is a base address; one that already names the file is used as is.
    return mirror if mirror.endswith("/" + filename) else mirror.rstrip("/") + "/" + filename


class _Failed(Exception):
    """One mirror failed; the message is the reason shown to the user."""


def _download(url, target, checksum, timeout, size, deadline):
    """Stream ``url`` into ``target`` via a temporary file; raise _Failed on any problem."""
    # imported here: the HTTP stack is most of this package's import time, and most loads find the files
    import http.client
    import urllib.error
    import urllib.request
    name, h = _hasher(checksum)
    request = urllib.request.Request(url, headers=_HEADERS)
    give_up = time.monotonic() + deadline
    try:
        with urllib.request.urlopen(request, timeout=min(timeout, deadline)) as response, \
                atomic_write(target) as out:
            announced = response.headers.get("Content-Length", "")
            if size is not None and announced.isdigit() and int(announced) > size:
                raise _Failed(f"the server announces {announced} bytes, the file has {size}")
            received = 0
            # read1 returns what has arrived: a server that trickles bytes still lets the deadline be checked.
            while chunk := response.read1(_CHUNK):
                received += len(chunk)
                if size is not None and received > size:
                    raise _Failed(f"the server sent more than the file's {size} bytes; stopped there")
                if time.monotonic() > give_up:
                    raise _Failed(f"gave up after {deadline:g} s with {received} bytes received "
                                  f"(too slow; try again later, or another network)")
                h.update(chunk)
                out.write(chunk)
            # read just returns b"" when the server hangs up early, so
            # compare with the announced length. Raising inside the ``with``
            # discards the temporary file.
            if announced.isdigit() and received != int(announced):
                raise _Failed(f"connection closed mid-file after {received} of {announced} bytes")
            if h.hexdigest() != checksum.lower():
                raise _Failed(f"wrong {name} checksum {h.hexdigest()} (expected {checksum.lower()}): "
                              f"the mirror serves a different or damaged file")
    except urllib.error.HTTPError as e:
        raise _Failed(f"HTTP {e.code} {e.reason}") from None
    except urllib.error.URLError as e:
        raise _Failed(f"cannot connect ({e.reason})") from None
    except http.client.IncompleteRead:
        raise _Failed("connection closed mid-file") from None
    except TimeoutError:
        raise _Failed(f"no answer within {min(timeout, deadline):g} s") from None
    except (http.client.HTTPException, OSError, ValueError) as e:
        raise _Failed(f"{type(e).__name__}: {e}") from None


def fetch(filename, mirrors, md5_or_sha256, cache_dir, *, size=None, timeout=30.0, deadline=DEADLINE,
          quiet=False):
    """Return the path of ``filename`` in ``cache_dir``, downloading it if needed.

    A cached file is used only if its checksum matches. Otherwise each mirror
    (a base URL) is tried in turn; the file appears in the cache only once it
    is complete and verified. ``size`` (bytes, when known) stops a server
    that sends more; ``timeout`` bounds each wait for data and ``deadline``
    each attempt as a whole. When every mirror fails, ``DownloadError`` says
    what was tried and where to put the file by hand.
    """
    folder = Path(cache_dir)
    target = folder / filename
    checksum = md5_or_sha256.lower()
    _hasher(checksum)  # reject a malformed checksum before touching the network

    def say(message):
        if not quiet:
            print(message, file=sys.stderr, flush=True)

    if target.is_file():
        if file_digest(target, checksum) == checksum:
            return target
        say(f"{target} does not match its checksum; downloading it again")

    attempts = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        attempts.append((str(folder), f"cannot create the folder ({e.strerror or e})"))
    else:
        for mirror in mirrors:
            url = _url(mirror, filename)
            say(f"Downloading {url}")
            try:
                _download(url, target, checksum, timeout, size, deadline)
            except _Failed as e:
                say(f"  failed: {e}")
                attempts.append((url, str(e)))
                continue
            return target

    tried = "; ".join(f"{url}: {why}" for url, why in attempts) or "no mirrors given"
    raise DownloadError(
        f"Could not download {filename} ({tried}). {offline_hint([filename], folder)}",
        files=[filename], folder=folder, attempts=attempts,
    )
