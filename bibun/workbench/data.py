"""The data a run trains on: loaded through bibun.datasets, checked, scaled to [0, 1] float32 and flattened;
how to show its examples comes from the data set's record."""
from dataclasses import dataclass

import numpy as np

from .. import datasets
from .errors import WorkbenchError


@dataclass(frozen=True)
class RunData:
    """The arrays a run trains and is measured on, and what the report needs to show its test examples."""
    X_train: np.ndarray         # (N, D) float32 in [0, 1], C-contiguous
    y_train: np.ndarray         # (N,) int64
    X_test: np.ndarray
    y_test: np.ndarray
    classes: list               # names, indexed by label
    test_images: np.ndarray     # the test examples as stored (0..pixel_max), shaped as images to show
    pixel_max: float
    invert: bool


def load_data(dataset, data_dir=None, download=True):
    """The data set as bibun.datasets.load returns it; what a user can fix becomes a WorkbenchError."""
    try:
        return datasets.load(dataset, data_dir=data_dir, download=download)
    except (datasets.DownloadError, datasets.DataFileError, FileNotFoundError, ValueError) as e:
        raise WorkbenchError(str(e)) from None
    except ImportError as e:           # scikit-learn missing for digits
        raise WorkbenchError(str(e)) from None


def check_data(data):
    """Check a data dict (given by hand, or made by a data set's loader): the keys bibun.datasets.load
    returns, N examples with N whole-number labels per split, labels that name a class."""
    missing = [k for k in ("X_train", "y_train", "X_test", "y_test") if k not in data]
    if missing:
        raise WorkbenchError(f"data is missing {', '.join(missing)}; pass what bibun.datasets.load(...) returns")
    classes = data.get("classes")
    for split in ("train", "test"):
        X, y = np.asarray(data[f"X_{split}"]), np.asarray(data[f"y_{split}"])
        if X.ndim < 2 or y.ndim != 1 or len(X) != len(y):
            raise WorkbenchError(f"X_{split} {X.shape} and y_{split} {y.shape} do not match: expected N images "
                                 f"and N labels")
        if not len(y):
            raise WorkbenchError(f"the {split} split is empty; a run needs examples to train and test on")
        if not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or (classes is not None and y.max() >= len(classes)):
            names = f"0..{len(classes) - 1}, one per class" if classes is not None else "0, 1, 2, ..."
            raise WorkbenchError(f"y_{split} holds {y.dtype} labels from {y.min()} to {y.max()}; labels must be "
                                 f"whole numbers {names}")


def scale(X, pixel_max):
    """(N, H, W) integers -> (N, H*W) float32 in [0, 1], C-contiguous (what the loader slices fastest)."""
    X = np.asarray(X)
    out = X.reshape(len(X), -1).astype(np.float32)
    out *= np.float32(1.0 / pixel_max)
    return np.ascontiguousarray(out)


def class_names(data):
    classes = data.get("classes")
    if classes is not None:
        return [str(c) for c in classes]
    return [str(i) for i in range(int(max(np.max(data["y_train"]), np.max(data["y_test"]))) + 1)]


def prepare(dataset, data=None, data_dir=None, download=True):
    """RunData for the data set named `dataset`: `data` if given (a dict like bibun.datasets.load returns),
    else loaded; scaled and shown as the data set's record says."""
    record = datasets.get(dataset)
    if data is None:
        data = load_data(dataset, data_dir=data_dir, download=download)
    check_data(data)
    try:
        images = record.images(data["X_test"])
    except ValueError as e:
        raise WorkbenchError(str(e)) from None
    return RunData(X_train=scale(data["X_train"], record.pixel_max),
                   y_train=np.ascontiguousarray(data["y_train"], dtype=np.int64),
                   X_test=scale(data["X_test"], record.pixel_max),
                   y_test=np.ascontiguousarray(data["y_test"], dtype=np.int64),
                   classes=class_names(data), test_images=images, pixel_max=float(record.pixel_max),
                   invert=record.invert)
