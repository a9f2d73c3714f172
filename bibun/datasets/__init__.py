"""Data sets for bibun's lessons, as plain NumPy arrays.

This package depends on NumPy only (scikit-learn for ``digits`` and the toy
sets); the autodiff core never imports it.

    from bibun.datasets import load
    data = load("mnist")            # or "fashion-mnist", "digits": names()
    data["X_train"].shape           # (60000, 28, 28), uint8
    data["classes"][data["y_train"][0]]

Each data set is one record (``DatasetRecord``: its loader, class names, how to
show an example); ``register`` adds one, and everything that takes a data
set's name (``load``, ``bibun.workbench.train``, ``bibun train``) knows it.
"""

from .digits import load_digits_split
from .download import cache_dir, fetch
from .errors import DataFileError, DownloadError
from .idx import read_idx, write_idx
from .mnist import load_mnist
from .record import DatasetRecord
from .registry import get, load, names, register, unregister
from .toy import blobs, circles

__all__ = [
    "DatasetRecord", "register", "unregister", "get", "names", "load", "load_mnist", "load_digits_split",
    "blobs", "circles", "read_idx", "write_idx", "fetch", "cache_dir", "DataFileError", "DownloadError",
]
