"""scikit-learn's bundled 8x8 digits: an MNIST stand-in that needs no download.

1797 images with values 0..16, split once with a fixed seed and stratified by
class, so every run of a lesson sees the same train and test images.
"""

import numpy as np

from ._optional import sklearn_datasets
from .record import DatasetRecord


def load_digits_split(test_size=0.25, seed=0):
    """Return ``{"X_train", "y_train", "X_test", "y_test"}`` like ``load_mnist``.

    Images are ``(N, 8, 8)`` uint8 with values 0..16, labels int64 0..9.
    """
    digits = sklearn_datasets().load_digits()
    from sklearn.model_selection import train_test_split

    # The pixel values are whole numbers 0..16 stored as float64.
    X = digits.images.astype(np.uint8)
    y = digits.target.astype(np.int64)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, random_state=seed, stratify=y
    )
    return {
        "X_train": np.ascontiguousarray(X_train),
        "y_train": np.ascontiguousarray(y_train),
        "X_test": np.ascontiguousarray(X_test),
        "y_test": np.ascontiguousarray(y_test),
    }


def _load(data_dir=None, download=True):
    return load_digits_split()          # ships with scikit-learn: no folder, no download


DIGITS = DatasetRecord(
    name="digits", loader=_load, classes=[str(d) for d in range(10)], pixel_max=16.0,
    about="scikit-learn's bundled 8x8 handwritten digits, no download",
    # small: more epochs in smaller batches, and the single layer learns faster with a larger step
    # (bench/RESULTS-workbench.md)
    train_defaults={"epochs": 40, "batch_size": 32, "lr": {"linear": 5e-3, "mlp": 1e-3}},
)
