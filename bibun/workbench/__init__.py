"""bibun.workbench: exercise 8.5 end to end — train a classifier, measure it every epoch, evaluate it
(per-class precision/recall/F1, confusion matrix, easiest and hardest examples) and write a run folder
with a self-contained report.html; `compare` puts runs side by side.

    from bibun.workbench import train, compare
    lin = train("digits", "linear", out="runs/digits-linear")
    mlp = train("digits", "mlp", hidden=(256, 128), out="runs/digits-mlp")
    compare(["runs/digits-linear", "runs/digits-mlp"], out="runs/compare")

Importing this package is light (NumPy and bibun): scikit-learn, matplotlib and tqdm are imported only
when a function needs them.
"""
from .errors import WorkbenchError

_LAZY = {
    "train": "api", "TrainResult": "api", "load_run": "api", "load_model": "api", "RunRecord": "api",
    "compare": "comparison", "TrainConfig": "config", "resolve": "config", "parse_hidden": "config",
    "classification_metrics": "evaluation", "easiest_hardest": "evaluation", "evaluate_predictions": "evaluation",
    "build_model": "models", "RunDir": "rundir",
}


def __getattr__(name):
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module 'bibun.workbench' has no attribute {name!r}")
    import importlib
    value = getattr(importlib.import_module(f".{mod}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(list(globals()) + list(_LAZY))


__all__ = ["WorkbenchError", *_LAZY]
