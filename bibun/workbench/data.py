"""The data a run trains on: loaded through bibun.datasets, scaled to [0, 1] float32 and flattened."""
import numpy as np

from .errors import WorkbenchError

# The largest pixel value of each data set: digits are 0..16, the MNIST family 0..255.
PIXEL_MAX = {"digits": 16.0, "mnist": 255.0, "fashion-mnist": 255.0}


def load_data(dataset, data_dir=None, download=True):
    """The data set as bibun.datasets.load returns it; what a user can fix becomes a WorkbenchError."""
    from .. import datasets
    try:
        return datasets.load(dataset, data_dir=data_dir, download=download)
    except (datasets.DownloadError, datasets.DataFileError, FileNotFoundError, ValueError) as e:
        raise WorkbenchError(str(e)) from None
    except ImportError as e:           # scikit-learn missing for digits
        raise WorkbenchError(str(e)) from None


def check_data(data):
    """Check a data dict given by hand (same keys as bibun.datasets.load returns)."""
    missing = [k for k in ("X_train", "y_train", "X_test", "y_test") if k not in data]
    if missing:
        raise WorkbenchError(f"data is missing {', '.join(missing)}; pass what bibun.datasets.load(...) returns")
    for split in ("train", "test"):
        X, y = np.asarray(data[f"X_{split}"]), np.asarray(data[f"y_{split}"])
        if X.ndim < 2 or y.ndim != 1 or len(X) != len(y):
            raise WorkbenchError(f"X_{split} {X.shape} and y_{split} {y.shape} do not match: expected N images "
                                 f"and N labels")


def scale(X, pixel_max):
    """(N, H, W) integers -> (N, H*W) float32 in [0, 1], C-contiguous (what the loader slices fastest)."""
    X = np.asarray(X)
    out = X.reshape(len(X), -1).astype(np.float32)
    out *= np.float32(1.0 / pixel_max)
    return np.ascontiguousarray(out)


def num_classes(data):
    classes = data.get("classes")
    if classes is not None:
        return len(classes)
    return int(max(np.max(data["y_train"]), np.max(data["y_test"]))) + 1


def class_names(data):
    classes = data.get("classes")
    return [str(c) for c in classes] if classes is not None else [str(i) for i in range(num_classes(data))]
