"""Data sets for bibun's lessons, as plain NumPy arrays.

This package depends on NumPy only (scikit-learn for ``digits`` and the toy
sets); the autodiff core never imports it.

    from bibun.datasets import load
    data = load("mnist")            # or "fashion-mnist", "digits"
    data["X_train"].shape           # (60000, 28, 28), uint8
    data["classes"][data["y_train"][0]]
"""

from .digits import load_digits_split
from .download import cache_dir, fetch
from .errors import DataFileError, DownloadError
from .idx import read_idx, write_idx
from .mnist import DATASETS as _MNIST_LIKE
from .mnist import load_mnist
from .toy import blobs, circles

NAMES = ("mnist", "fashion-mnist", "digits")


def load(name, data_dir=None, download=True):
    """Load ``"mnist"``, ``"fashion-mnist"`` or ``"digits"``.

    Returns ``X_train``, ``y_train``, ``X_test``, ``y_test`` and ``classes``
    (the class names, indexed by label). ``data_dir`` and ``download`` are
    passed to ``load_mnist``; digits ship with scikit-learn and ignore them.
    """
    key = str(name).lower().replace("_", "-")
    if key == "digits":
        data = load_digits_split()
        data["classes"] = [str(d) for d in range(10)]
        return data
    if key in _MNIST_LIKE:
        data = load_mnist(key, data_dir=data_dir, download=download)
        data["classes"] = list(_MNIST_LIKE[key].classes)
        return data
    raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(NAMES)}")


__all__ = [
    "NAMES", "load", "load_mnist", "load_digits_split", "blobs", "circles",
    "read_idx", "write_idx", "fetch", "cache_dir", "DataFileError", "DownloadError",
]
