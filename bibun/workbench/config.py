"""What a run is: the options, their per-data-set defaults, and their checks.

A run is fully described by a `TrainConfig`; it is written to `config.json` and read back on `--resume`,
so the same config always gives the same numbers.
"""
from dataclasses import asdict, dataclass, fields

from .. import datasets
from .errors import WorkbenchError

DEFAULT_DATASET = "digits"      # ships with scikit-learn: a first run needs no network
MODELS = ("linear", "mlp")
ACTIVATIONS = ("relu", "sigmoid", "tanh")
OPTIMIZERS = ("sgd", "adam")

# What a run trains with where its data set's record (DatasetRecord.train_defaults) does not say: chosen on
# MNIST and Fashion-MNIST so that the exercise's targets are met with smooth curves over several seeds
# (bench/RESULTS-workbench.md). "lr" applies to the default optimizer; another one gets DEFAULT_LR.
TRAIN_DEFAULTS = {"epochs": 10, "batch_size": 64, "optimizer": "adam", "hidden": (256, 128),
                  "lr": {"linear": 1e-3, "mlp": 1e-3}}
DEFAULT_LR = {"sgd": 0.1, "adam": 1e-3}
EVAL_BATCH_SIZE = 2000          # rows per forward pass when measuring loss and accuracy on a whole set

# Options that may differ when a run is resumed: they do not change the numbers of finished epochs.
RESUMABLE_CHANGES = ("epochs",)


@dataclass(frozen=True)
class TrainConfig:
    dataset: str = "digits"
    model: str = "linear"
    hidden: tuple = ()
    activation: str = None
    epochs: int = 10
    batch_size: int = 128
    lr: float = 0.1
    optimizer: str = "sgd"
    seed: int = 0

    def to_dict(self):
        d = asdict(self)
        d["hidden"] = list(self.hidden)
        return d

    @classmethod
    def from_dict(cls, d):
        names = {f.name for f in fields(cls)}
        kw = {k: v for k, v in d.items() if k in names}
        if "hidden" in kw:
            kw["hidden"] = tuple(int(h) for h in kw["hidden"])
        return cls(**kw)

    def describe(self):
        """`linear` or `mlp 256-128 relu`: how the run is named in reports."""
        if self.model == "linear":
            return "linear"
        return f"mlp {'-'.join(str(h) for h in self.hidden)} {self.activation}"


def parse_hidden(spec):
    """'256,128' (or a sequence of ints) -> (256, 128); anything else is a WorkbenchError."""
    if spec is None:
        return None
    if isinstance(spec, str):
        parts = [p.strip() for p in spec.replace(" ", ",").split(",") if p.strip()]
        if not parts:
            raise WorkbenchError(f"hidden sizes {spec!r} are empty; give the sizes of the hidden layers, e.g. 256,128")
        try:
            sizes = tuple(int(p) for p in parts)
        except ValueError:
            raise WorkbenchError(f"hidden sizes {spec!r} are not whole numbers; give them as comma-separated "
                                 f"integers, e.g. 256,128") from None
    else:
        try:
            sizes = tuple(int(h) for h in spec)
        except (TypeError, ValueError):
            raise WorkbenchError(f"hidden sizes {spec!r} are not a sequence of whole numbers, e.g. (256, 128)") from None
        if not sizes:
            raise WorkbenchError("hidden sizes are empty; an mlp needs at least one hidden layer, e.g. (256, 128)")
    if any(h <= 0 for h in sizes):
        raise WorkbenchError(f"hidden sizes must be positive, got {','.join(map(str, sizes))}")
    return sizes


def defaults(dataset):
    """TRAIN_DEFAULTS with what the data set's record says over them; "lr" as {model: rate}."""
    own = dict(datasets.get(dataset).train_defaults)
    lr = own.pop("lr", {})
    lr = dict(lr) if isinstance(lr, dict) else {m: lr for m in MODELS}     # one rate for every model
    return {**TRAIN_DEFAULTS, **own, "lr": {**TRAIN_DEFAULTS["lr"], **lr}}


def _choice(name, value, choices):
    key = str(value).lower().replace("_", "-")
    if key not in choices:
        raise WorkbenchError(f"unknown {name} {value!r}; choose one of {', '.join(choices)}")
    return key


def resolve(dataset=None, model=None, hidden=None, activation=None, epochs=None, batch_size=None, lr=None,
            optimizer=None, seed=None):
    """Fill what was not given from the data set's defaults and check everything. The data sets are those
    bibun.datasets knows when this runs (built-in and registered)."""
    dataset = _choice("data set", dataset or DEFAULT_DATASET, datasets.names())
    model = _choice("model", model or "linear", MODELS)
    d = defaults(dataset)
    sizes = parse_hidden(hidden)
    if model == "linear":
        if sizes:
            raise WorkbenchError("hidden sizes apply to the mlp model; drop them or choose model 'mlp'")
        if activation is not None:
            raise WorkbenchError("an activation applies to the mlp model; drop it or choose model 'mlp'")
        sizes = ()
    elif sizes is None:
        sizes = parse_hidden(d["hidden"])
    activation = None if model == "linear" else _choice("activation", activation or "relu", ACTIVATIONS)
    optimizer = _choice("optimizer", optimizer or d["optimizer"], OPTIMIZERS)
    epochs = d["epochs"] if epochs is None else epochs
    batch_size = d["batch_size"] if batch_size is None else batch_size
    if lr is None:
        lr = d["lr"][model] if optimizer == d["optimizer"] else DEFAULT_LR[optimizer]
    seed = 0 if seed is None else seed
    for name, v in (("epochs", epochs), ("batch size", batch_size), ("seed", seed)):
        if isinstance(v, bool) or not isinstance(v, int) or (v < 1 if name != "seed" else v < 0):
            raise WorkbenchError(f"{name} must be a {'non-negative' if name == 'seed' else 'positive'} whole "
                                 f"number, got {v!r}")
    try:
        lr = float(lr)
    except (TypeError, ValueError):
        raise WorkbenchError(f"learning rate must be a number, got {lr!r}") from None
    if not lr > 0 or lr == float("inf"):
        raise WorkbenchError(f"learning rate must be a positive number, got {lr!r}")
    return TrainConfig(dataset=dataset, model=model, hidden=tuple(sizes), activation=activation, epochs=epochs,
                       batch_size=batch_size, lr=lr, optimizer=optimizer, seed=seed)


def merge_for_resume(saved, **given):
    """The saved config with the options that may change on resume applied; a WorkbenchError naming the
    option when another given option contradicts the run being resumed."""
    cfg = saved.to_dict()
    clashes = []
    for name, value in given.items():
        if value is None:
            continue
        if name == "hidden":
            value = list(parse_hidden(value))
        elif name in ("dataset", "model", "activation", "optimizer"):
            value = str(value).lower().replace("_", "-")
        elif name == "lr":
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise WorkbenchError(f"learning rate must be a number, got {value!r}") from None
        if value == cfg[name]:
            continue
        if name in RESUMABLE_CHANGES:
            cfg[name] = value
        else:
            clashes.append(f"{name} {cfg[name]!r} (asked for {value!r})")
    if clashes:
        raise WorkbenchError("cannot resume with different settings: the run was made with "
                             + ", ".join(clashes) + "; drop those options or start a new run in another folder")
    new = TrainConfig.from_dict(cfg)
    if isinstance(new.epochs, bool) or not isinstance(new.epochs, int) or new.epochs < 1:
        raise WorkbenchError(f"epochs must be a positive whole number, got {new.epochs!r}")
    return new
