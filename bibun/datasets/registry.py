"""The data sets bibun knows, by name: the built-in ones and any registered at run time. `load`, the
`bibun train` command and the workbench's config checks all read this one table.

    from bibun.datasets import DatasetRecord, register
    register(DatasetRecord(name="bars", loader=make_bars, classes=("horizontal", "vertical"), pixel_max=3))
    bibun.workbench.train("bars")                      # or: bibun train --dataset bars
"""
from .digits import DIGITS
from .mnist import RECORDS as _MNIST_RECORDS
from .record import DatasetRecord, key

# the order is the order of `names()`, of the command's choices and of its help
_TABLE = {r.name: r for r in (DIGITS, *_MNIST_RECORDS)}


def names():
    """The names of the data sets that can be loaded now, built-in ones first."""
    return tuple(_TABLE)


def get(name):
    """The record of data set `name` (any case, '_' for '-'); ValueError naming the choices if unknown."""
    record = _TABLE.get(key(name))
    if record is None:
        raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(_TABLE)}")
    return record


def register(dataset, replace=False):
    """Make `dataset` (a DatasetRecord) loadable by its name everywhere: load(), bibun.workbench.train(), the
    `bibun train --dataset` choices. A name already taken is refused unless replace=True."""
    if not isinstance(dataset, DatasetRecord):
        raise TypeError(f"register takes a bibun.datasets.DatasetRecord, not a {type(dataset).__name__}")
    if dataset.name in _TABLE and not replace:
        raise ValueError(f"a data set named {dataset.name!r} is registered already; choose another name, or "
                         f"pass replace=True to replace it")
    _TABLE[dataset.name] = dataset
    return dataset


def unregister(name):
    """Forget the data set `name`; returns its record."""
    return _TABLE.pop(get(name).name)


def load(name, data_dir=None, download=True):
    """Load a data set by name: ``"digits"``, ``"mnist"``, ``"fashion-mnist"`` or one registered.

    Returns ``X_train``, ``y_train``, ``X_test``, ``y_test`` and ``classes`` (the class names, indexed by
    label). ``data_dir`` and ``download`` go to the data set's loader; those that ship with a library
    (digits) ignore them.
    """
    record = get(name)
    data = dict(record.loader(data_dir=data_dir, download=download))
    data["classes"] = list(record.classes)
    return data
