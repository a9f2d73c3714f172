"""What the files of a run folder must hold, checked whenever one is read back.

A run folder can be damaged (a disk error, a hand edit) or come from someone else (a shared folder), so
config.json, metrics.json, history.csv and the checkpoint are checked field by field before anything uses
them. Each check raises `Invalid` with a short reason; the caller names the file and what to do.
"""
import math

from .. import datasets
from .config import ACTIVATIONS, MODELS, OPTIMIZERS, TrainConfig

HISTORY_FIELDS = ("epoch", "train_loss", "train_acc", "test_loss", "test_acc", "seconds")


class Invalid(ValueError):
    """A file's contents are not what the workbench writes (the message says which field, and why)."""


class NotRegistered(Invalid):
    """A run on a data set that bibun.datasets does not know now: one registered by a program, not this one.
    The folder is not damaged; registering the data set again makes it readable."""

    def __init__(self, name):
        super().__init__(f"dataset {name[:80]!r} is not one of {', '.join(datasets.names())}")
        self.name = name


def is_int(x):
    return isinstance(x, int) and not isinstance(x, bool)


def is_number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _dict(d, what):
    if not isinstance(d, dict):
        raise Invalid(f"{what} is a {type(d).__name__}, not an object")
    return d


def _int(d, key, low=0, what=None):
    v = d.get(key)
    if not is_int(v) or v < low:
        raise Invalid(f"{what or key} is {v!r}, not a whole number >= {low}")
    return v


def _choice(d, key, choices):
    v = d.get(key)
    if v not in choices:
        raise Invalid(f"{key} is {v!r}, not one of {', '.join(map(str, choices))}")
    return v


def _metric(v, what):
    """A metric: a number, or None where it is undefined (or was not finite when written)."""
    if v is not None and not is_number(v):
        raise Invalid(f"{what} is {v!r}, not a number")
    return v


def config(d):
    """The TrainConfig that config.json `d` describes (every field present, of its type and range)."""
    _dict(d, "the config")
    missing = [f for f in TrainConfig.__dataclass_fields__ if f not in d]
    if missing:
        raise Invalid(f"it lacks {', '.join(missing)}")
    model = _choice(d, "model", MODELS)
    hidden = d["hidden"]
    if not isinstance(hidden, list) or not all(is_int(h) and h > 0 for h in hidden):
        raise Invalid(f"hidden is {hidden!r}, not a list of positive whole numbers")
    if (model == "mlp") != bool(hidden):
        raise Invalid(f"a {model} model with hidden sizes {hidden!r}")
    if model == "mlp":
        _choice(d, "activation", ACTIVATIONS)
    elif d["activation"] is not None:
        raise Invalid(f"a linear model with activation {d['activation']!r}")
    lr = d["lr"]
    if not is_number(lr) or not 0 < lr < math.inf:
        raise Invalid(f"lr is {lr!r}, not a positive number")
    dataset = d["dataset"]
    if dataset not in datasets.names():
        if isinstance(dataset, str):
            raise NotRegistered(dataset)
        raise Invalid(f"dataset is {dataset!r}, not a name")
    return TrainConfig(dataset=dataset, model=model, hidden=tuple(hidden),
                       activation=d["activation"], epochs=_int(d, "epochs", 1), batch_size=_int(d, "batch_size", 1),
                       lr=float(lr), optimizer=_choice(d, "optimizer", OPTIMIZERS), seed=_int(d, "seed", 0))


# info: what the reports show about a run besides its config; every key optional, each of its type.
_INFO_TYPES = {"model_text": str, "command": str, "image_shape": str, "num_params": int, "n_train": int,
               "n_test": int}


def info(d):
    _dict(d, "info")
    for key, kind in _INFO_TYPES.items():
        if key in d and not (isinstance(d[key], kind) and not isinstance(d[key], bool)):
            raise Invalid(f"info.{key} is {d[key]!r}, not a {kind.__name__}")
    classes = d.get("classes")
    if classes is not None and not (isinstance(classes, list) and all(isinstance(c, str) for c in classes)):
        raise Invalid("info.classes is not a list of names")
    return d


def history(rows, epochs=None):
    """Rows of history.csv (or of a checkpoint): epochs 1, 2, ... in order, numbers in every column."""
    if not isinstance(rows, list):
        raise Invalid(f"the history is a {type(rows).__name__}, not a list of rows")
    for i, row in enumerate(rows, 1):
        if not isinstance(row, dict) or set(row) != set(HISTORY_FIELDS):
            raise Invalid(f"row {i} does not have exactly the columns {', '.join(HISTORY_FIELDS)}")
        if row["epoch"] != i or not is_int(row["epoch"]):
            raise Invalid(f"row {i} is for epoch {row['epoch']!r}; the rows must be epochs 1, 2, ... in order")
        for key in HISTORY_FIELDS[1:]:
            if not is_number(row[key]):
                raise Invalid(f"row {i} has {key} {row[key]!r}, not a number")
    if epochs is not None and len(rows) > epochs:
        raise Invalid(f"it has {len(rows)} epochs, the run was configured for {epochs}")
    return rows


def diverged_at(rows):
    """The epoch whose loss stopped being a finite number, or None."""
    for row in rows:
        if not (math.isfinite(row["train_loss"]) and math.isfinite(row["test_loss"])):
            return row["epoch"]
    return None


def _average(a, what):
    _dict(a, what)
    for k in ("precision", "recall", "f1"):
        _metric(a.get(k), f"{what}.{k}")
    _int(a, "support", 0, f"{what}.support")


def _examples(items, k, what):
    if not isinstance(items, list):
        raise Invalid(f"{what} is not a list")
    for it in items:
        _dict(it, what)
        _int(it, "index", 0, f"{what} index")
        for key in ("y", "y_hat"):
            if not is_int(it.get(key)) or not 0 <= it[key] < k:
                raise Invalid(f"{what} has class {it.get(key)!r}, not one of 0..{k - 1}")
        for key in ("p_y", "p_y_hat"):
            _metric(it.get(key), f"{what} {key}")


def metrics(d):
    """metrics.json: accuracy, per-class and averaged precision/recall/F1, the confusion matrix, the easiest
    and hardest examples, all consistent in their number of classes."""
    _dict(d, "the metrics")
    acc = d.get("accuracy")
    if not is_number(acc) or not 0 <= acc <= 1:
        raise Invalid(f"accuracy is {acc!r}, not a number from 0 to 1")
    per_class = d.get("per_class")
    if not isinstance(per_class, list) or not per_class:
        raise Invalid("per_class is not a list of classes")
    k = len(per_class)
    for i, c in enumerate(per_class):
        _average(c, f"per_class[{i}]")
        if c.get("label") != i or not is_int(c.get("label")) or not isinstance(c.get("class"), str):
            raise Invalid(f"per_class[{i}] has label {c.get('label')!r} and class {c.get('class')!r}")
    for avg in ("macro", "weighted"):
        _average(d.get(avg), avg)
    cm = d.get("confusion_matrix")
    if not (isinstance(cm, list) and len(cm) == k and all(
            isinstance(r, list) and len(r) == k and all(is_int(n) and n >= 0 for n in r) for r in cm)):
        raise Invalid(f"confusion_matrix is not a {k} x {k} table of counts")
    _examples(d.get("easiest"), k, "easiest")
    _examples(d.get("hardest"), k, "hardest")
    div = d.get("diverged")
    if div is not None:
        _int(_dict(div, "diverged"), "epoch", 1, "diverged.epoch")
    return d
