"""The chapter's two-dimensional toy problems, exactly as its listings make them.

Both return ``X`` as float32 ``(N, 2)`` and ``y`` as float32 ``(N, 1)``: the
column shape matches a one-output model, so a loss never broadcasts by mistake.
"""

import numpy as np

from ._optional import sklearn_datasets


def _as_xy(X, y):
    return X.astype(np.float32), y.astype(np.float32).reshape(-1, 1)


def blobs():
    """Two Gaussian blobs, 50 points: linearly separable."""
    X, y = sklearn_datasets().make_blobs(n_samples=50, centers=2, random_state=129, cluster_std=0.6)
    return _as_xy(X, y)


def circles():
    """A small circle inside a large one, 100 points: needs a hidden layer."""
    X, y = sklearn_datasets().make_circles(100, factor=0.1, noise=0.1, random_state=9)
    return _as_xy(X, y)
