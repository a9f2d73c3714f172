"""What bibun knows about one data set, in one record: everything the loaders, the `bibun train` command,
the run's config checks and its report read about a data set comes from here.

    DatasetRecord(name="bars", loader=make_bars, classes=("horizontal", "vertical"), pixel_max=3,
                  image_shape=(4, 4), about="4x4 bars, made on the spot")

A record is checked when it is made, so a mistake in one shows where it is written, not in the middle of
a training run.
"""
import math
import re
from dataclasses import dataclass, field

import numpy as np

# a name is part of folder names (runs/NAME-MODEL) and of command lines: lowercase, no spaces or slashes
_NAME = re.compile(r"[a-z0-9][a-z0-9.-]*\Z")
# what a record may say about training on it; the workbench supplies the rest (workbench/config.py)
TRAIN_KEYS = ("epochs", "batch_size", "optimizer", "hidden", "lr")


def key(name):
    """How names are compared: 'Fashion_MNIST' and 'fashion-mnist' are one data set."""
    return str(name).strip().lower().replace("_", "-")


@dataclass(frozen=True)
class DatasetRecord:
    """name: how it is asked for (`load(name)`, `bibun train --dataset NAME`, config.json).
    loader: called as loader(data_dir=..., download=...); returns a dict of NumPy arrays X_train,
      y_train, X_test, y_test (X: one row per example, integers 0..pixel_max; y: labels 0..k-1).
    classes: the class names, indexed by label.
    pixel_max: the largest pixel value; training divides by it, so inputs lie in [0, 1].
    image_shape: the shape one example is shown as, when X holds it flattened (None: as stored).
    invert: show high values dark, as ink on paper (handwriting); False for pictures of things.
    title: how pages name it; about: one line for the command's help (what it is, where it comes from).
    downloads: it is fetched over the network unless found on disk (data_dir, download apply to it).
    train_defaults: what training on it uses when the caller does not say (keys TRAIN_KEYS)."""
    name: str
    loader: object
    classes: tuple
    pixel_max: float = 255.0
    image_shape: tuple = None
    invert: bool = True
    title: str = None
    about: str = ""
    downloads: bool = False
    train_defaults: dict = field(default_factory=dict)

    def __post_init__(self):
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise ValueError(f"data set name {self.name!r} must be lowercase letters, digits, '.' or '-' (it "
                             f"becomes part of folder names), e.g. 'fashion-mnist'")
        if not callable(self.loader):
            raise TypeError(f"the loader of data set {self.name!r} is a {type(self.loader).__name__}, not a "
                            f"function: give one called as loader(data_dir=None, download=True)")
        if isinstance(self.classes, str) or not self.classes:
            raise ValueError(f"the classes of data set {self.name!r} must be a non-empty sequence of names")
        object.__setattr__(self, "classes", tuple(str(c) for c in self.classes))
        if isinstance(self.pixel_max, bool) or not isinstance(self.pixel_max, (int, float)) \
                or not 0 < self.pixel_max < math.inf:
            raise ValueError(f"pixel_max of data set {self.name!r} is {self.pixel_max!r}, not a positive number")
        if self.image_shape is not None:
            shape = tuple(self.image_shape)
            if not shape or not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in shape):
                raise ValueError(f"image_shape of data set {self.name!r} is {self.image_shape!r}, not a shape "
                                 f"of positive whole numbers such as (28, 28)")
            object.__setattr__(self, "image_shape", shape)
        unknown = sorted(set(self.train_defaults) - set(TRAIN_KEYS))
        if unknown:
            raise ValueError(f"train_defaults of data set {self.name!r} names {', '.join(unknown)}; it may "
                             f"set {', '.join(TRAIN_KEYS)}")
        if self.title is None:
            object.__setattr__(self, "title", self.name)

    def images(self, X):
        """The examples `X` (one per row) as images to show: reshaped to image_shape when one is given."""
        X = np.asarray(X)
        if self.image_shape is None:
            return X
        try:
            return X.reshape(len(X), *self.image_shape)
        except ValueError:
            raise ValueError(f"the {self.title} examples have shape {X.shape[1:]}, which cannot be shown as "
                             f"images of shape {self.image_shape}") from None
