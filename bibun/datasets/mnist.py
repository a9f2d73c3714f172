"""MNIST and Fashion-MNIST as NumPy arrays, found locally or downloaded once.

Both data sets use the same four file names, so a folder of the wrong one
would load without complaint. Each file's contents are therefore compared
with the official checksum, whatever its compression: the wrong data set is
an error, an unofficial copy a warning.
"""

import hashlib
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .download import cache_dir, fetch, offline_hint
from .errors import DataFileError, DownloadError
from .idx import idx_header, read_idx, read_idx_header
from .record import DatasetRecord


@dataclass(frozen=True)
class _File:
    key: str  # key in the returned dict
    stem: str  # file name without .gz
    gz_md5: str  # md5 of the published .gz file: checks downloads
    raw_md5: str  # md5 of the unpacked file: identifies local copies however they are packed
    gz_size: int  # bytes of the published .gz file: a download never takes more


@dataclass(frozen=True)
class _Spec:
    title: str
    mirrors: tuple
    files: tuple
    classes: tuple
    torchvision_dir: str  # torchvision keeps its copy in ROOT/<this>/raw
    about: str  # one line for `bibun train --help`
    ink: bool  # handwriting: shown dark on light, as written


# Checksums as published by torchvision (torchvision/datasets/mnist.py) for
# the .gz files; the unpacked files' checksums are the widely published ones,
# and match the contents of Debian's re-compressed Fashion-MNIST package.
DATASETS = {
    "mnist": _Spec(
        title="MNIST",
        mirrors=(
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "http://yann.lecun.com/exdb/mnist/",
        ),
        files=(
            _File("X_train", "train-images-idx3-ubyte",
                  "f68b3c2dcbeaaa9fbdd348bbdeb94873", "6bbc9ace898e44ae57da46a324031adb", 9912422),
            _File("y_train", "train-labels-idx1-ubyte",
                  "d53e105ee54ea40749a09fcbcd1e9432", "a25bea736e30d166cdddb491f175f624", 28881),
            _File("X_test", "t10k-images-idx3-ubyte",
                  "9fb629c4189551a2d022fa330f9573f3", "2646ac647ad5339dbf082846283269ea", 1648877),
            _File("y_test", "t10k-labels-idx1-ubyte",
                  "ec29112dd5afa0611ce80d1b7f02629c", "27ae3e4e09519cfbb04c329615203637", 4542),
        ),
        classes=tuple(str(d) for d in range(10)),
        torchvision_dir="MNIST",
        about="28x28 handwritten digits, downloaded once into the cache (or read from --data-dir)",
        ink=True,
    ),
    "fashion-mnist": _Spec(
        title="Fashion-MNIST",
        mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
        files=(
            _File("X_train", "train-images-idx3-ubyte",
                  "8d4fb7e6c68d591d4c3dfef9ec88bf0d", "f4a8712d7a061bf5bd6d2ca38dc4d50a", 26421880),
            _File("y_train", "train-labels-idx1-ubyte",
                  "25c81989df183df01b3e8a0aad5dffbe", "9018921c3c673c538a1fc5bad174d6f9", 29515),
            _File("X_test", "t10k-images-idx3-ubyte",
                  "bef4ecab320f06d8554ea6380940ec79", "8181f5470baa50b63fa0f6fddb340f0a", 4422102),
            _File("y_test", "t10k-labels-idx1-ubyte",
                  "bb300cfdad3c16e7a12a480ee83cd310", "15d484375f8d13e6eb1aabb0c3f46965", 5148),
        ),
        classes=("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                 "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
        torchvision_dir="FashionMNIST",
        about="28x28 images of clothing (Zalando), downloaded once into the cache (or read from --data-dir)",
        ink=False,
    ),
}

# Folders that system packages install (Debian's dataset-fashion-mnist).
SYSTEM_DIRS = {"fashion-mnist": [Path("/usr/share/datasets/fashion-mnist")]}

# Images per split. A file with another count is a different file (a swapped
# train/test pair, a subset); tests that use tiny files patch these numbers.
SPLIT_SIZES = {"train": 60000, "test": 10000}
IMAGE_SHAPE = (28, 28)
NUM_CLASSES = 10


def _spec(name):
    key = name.lower().replace("_", "-")
    if key not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(DATASETS)}")
    return key, DATASETS[key]


def _find(folder, stem):
    # The unpacked file reads faster, so it wins when both are there.
    for path in (folder / stem, folder / f"{stem}.gz"):
        if path.is_file():
            return path
    return None


def _user_places(key, spec, data_dir):
    """data_dir and the sub-folders people usually keep these files in."""
    if data_dir is None:
        return []
    data_dir = Path(data_dir).expanduser()
    if not data_dir.is_dir():
        raise FileNotFoundError(f"data_dir {data_dir} is not a folder; give the folder that holds "
                                f"{', '.join(f.stem for f in spec.files)} (gzipped or not)")
    return [data_dir, data_dir / key, data_dir / spec.torchvision_dir / "raw"]


def _complete_set(place, spec):
    found = {f.key: _find(place, f.stem) for f in spec.files}
    return found if all(found.values()) else None


def _locate(key, spec, data_dir, download):
    """Paths of the four files, from the first folder that holds all of them:
    data_dir, then the cache, then system folders; else download into the cache."""
    places = _user_places(key, spec, data_dir)
    for place in places:
        if found := _complete_set(place, spec):
            return found
    if data_dir is not None:
        # The user named a folder and it did not do: using another copy instead would hide the mistake.
        present = sorted({f.stem for place in places for f in spec.files if _find(place, f.stem)})
        raise FileNotFoundError(
            f"data_dir {data_dir} does not hold the four {spec.title} files "
            f"({', '.join(f.stem for f in spec.files)}, gzipped or not, in it or in its {key}/ or "
            f"{spec.torchvision_dir}/raw/ folder); it holds {', '.join(present) or 'none of them'}. "
            f"Point --data-dir (data_dir) at the folder with all four, or leave it out to use the download cache")
    places = [cache_dir() / key] + SYSTEM_DIRS.get(key, [])
    for place in places:
        if found := _complete_set(place, spec):
            return found

    cache = cache_dir() / key
    found = {f.key: _find(cache, f.stem) for f in spec.files}
    missing = [f for f in spec.files if found[f.key] is None]
    if not download:
        names = [f"{f.stem}.gz" for f in missing]
        searched = ", ".join(str(p) for p in _user_places(key, spec, data_dir) + places)
        raise DownloadError(f"{spec.title} files not found (searched {searched}) and download=False. "
                            f"{offline_hint(names, cache, key, unpacked_ok=True)}", files=names, folder=cache)
    for i, f in enumerate(missing):
        try:
            found[f.key] = fetch(f"{f.stem}.gz", list(spec.mirrors), f.gz_md5, cache, size=f.gz_size)
        except DownloadError as e:
            # Stop at the first failure (the network is likely down) but name every file still missing.
            names = [f"{g.stem}.gz" for g in missing[i:]]
            tried = "; ".join(f"{url}: {why}" for url, why in e.attempts)
            raise DownloadError(f"Could not download {spec.title} ({tried}). {offline_hint(names, cache, key, unpacked_ok=True)}",
                                files=names, folder=cache, attempts=e.attempts) from None
    return found


def _content_md5(array):
    # The md5 of the unpacked IDX file, rebuilt from the array: no second read.
    h = hashlib.md5(idx_header(array))
    h.update(np.ascontiguousarray(array).astype(array.dtype.newbyteorder(">"), copy=False).data)
    return h.hexdigest()


def _check_identity(key, spec, f, path, array):
    digest = _content_md5(array)
    if digest == f.raw_md5:
        return
    for other_key, other in DATASETS.items():
        if other_key != key and any(g.raw_md5 == digest for g in other.files):
            raise DataFileError(f"{path} is a {other.title} file, not {spec.title}; "
                                f"point data_dir at the {spec.title} files or call load_mnist({other_key!r})")
    warnings.warn(f"{path} is not the official {spec.title} file (its contents differ); using it anyway",
                  stacklevel=3)


def _validate(spec, paths, headers):
    """Check dtypes, shapes and counts from the files' headers, before any data is read; one clear line per
    problem."""
    for split in ("train", "test"):
        xk, yk = f"X_{split}", f"y_{split}"
        (x_dtype, x_shape), (y_dtype, y_shape) = headers[xk], headers[yk]
        xp, yp = paths[xk], paths[yk]
        if x_dtype != np.uint8 or len(x_shape) != 3 or x_shape[1:] != IMAGE_SHAPE:
            raise DataFileError(f"{xp} should hold uint8 images of shape (N, 28, 28), it holds {x_dtype} "
                                f"of shape {x_shape}; is it the right file?")
        if y_dtype != np.uint8 or len(y_shape) != 1:
            raise DataFileError(f"{yp} should hold uint8 labels of shape (N,), it holds {y_dtype} "
                                f"of shape {y_shape}; is it the right file?")
        expected = SPLIT_SIZES[split]
        if x_shape[0] != expected:
            raise DataFileError(f"{xp} holds {x_shape[0]} images, the {spec.title} {split} split has {expected}; "
                                f"are the train and test files swapped, or is this a subset?")
        if y_shape[0] != x_shape[0]:
            raise DataFileError(f"{yp} holds {y_shape[0]} labels for the {x_shape[0]} images in {xp.name}; "
                                f"the two files do not belong together")


def _check_labels(paths, arrays):
    for yk in ("y_train", "y_test"):
        y, yp = arrays[yk], paths[yk]
        if len(y) and int(y.max()) >= NUM_CLASSES:
            raise DataFileError(f"{yp} holds label {int(y.max())}, labels must be 0 to {NUM_CLASSES - 1}; "
                                f"delete it and download it again")


def load_mnist(name="mnist", data_dir=None, download=True):
    """Load MNIST or Fashion-MNIST as NumPy arrays.

    Looks in ``data_dir`` (if given; the files may be gzipped or not), then in
    the cache (``cache_dir()/name``), then, for Fashion-MNIST, in Debian's
    ``/usr/share/datasets/fashion-mnist``; downloads into the cache as a last
    resort when ``download`` is true.

    Returns ``{"X_train": (60000, 28, 28) uint8, "y_train": (60000,) int64,
    "X_test": (10000, 28, 28) uint8, "y_test": (10000,) int64}``.
    """
    key, spec = _spec(name)
    paths = _locate(key, spec, data_dir, download)
    headers = {f.key: read_idx_header(paths[f.key]) for f in spec.files}
    _validate(spec, paths, headers)
    arrays = {f.key: read_idx(paths[f.key], expect=headers[f.key]) for f in spec.files}
    _check_labels(paths, arrays)
    for f in spec.files:
        _check_identity(key, spec, f, paths[f.key], arrays[f.key])
    for k in ("y_train", "y_test"):
        # int64, like torch's targets: the index type cross-entropy expects.
        arrays[k] = arrays[k].astype(np.int64)
    return arrays


def _loader(name):
    def load(data_dir=None, download=True):
        return load_mnist(name, data_dir=data_dir, download=download)
    return load


# The records the registry lists; training on them uses the workbench's defaults, which were chosen on them.
RECORDS = tuple(DatasetRecord(name=key, title=spec.title, loader=_loader(key), classes=spec.classes,
                              pixel_max=255.0, invert=spec.ink, about=spec.about, downloads=True)
                for key, spec in DATASETS.items())
