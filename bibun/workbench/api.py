"""`train(...)`: exercise 8.5 as one call — train, measure every epoch, evaluate, write the run folder.

    from bibun.workbench import train
    r = train("digits", "mlp", hidden=(256, 128), epochs=20, out="runs/digits-mlp")
    r.history[-1]["test_acc"], r.metrics["macro"]["f1"], r.paths["report"]
"""
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .config import EVAL_BATCH_SIZE, TrainConfig, merge_for_resume, resolve
from .data import prepare
from .errors import WorkbenchError
from .evaluation import evaluate_predictions
from .loop import measure, train_epoch
from .models import build_model, build_optimizer, count_parameters
from .progress import Progress
from . import resume as resume_checkpoint
from .rundir import RunDir, history_csv, make_dir, write_json, write_text
from .schema import diverged_at
from .threads import auto_threads, blas_threads
from ..i18n import in_language

# A diverging run overflows: it is reported once, as a diverged run, not as pages of NumPy warnings.
QUIET_OVERFLOW = dict(over="ignore", invalid="ignore", divide="ignore")


@dataclass
class TrainResult:
    """What `train` returns: the config, the per-epoch history, the test-set metrics (None until the last
    epoch is done), the trained model and optimizer, and the files written (empty without `out`)."""
    config: TrainConfig
    history: list
    metrics: dict
    model: object
    optimizer: object
    info: dict
    paths: dict = field(default_factory=dict)
    finished: bool = True

    @property
    def test_accuracy(self):
        return self.history[-1]["test_acc"] if self.history else None

    def __repr__(self):
        last = self.history[-1] if self.history else None
        state = "finished" if self.finished else f"stopped after epoch {len(self.history)}"
        acc = f", test_acc={last['test_acc']:.4f}" if last else ""
        where = f", report={str(self.paths['report'])!r}" if "report" in self.paths else ""
        return (f"TrainResult({self.config.dataset} {self.config.describe()}, {len(self.history)}/"
                f"{self.config.epochs} epochs {state}{acc}{where})")

    def _repr_html_(self):
        from .inline import result_html
        return result_html(self)


def _rng_states(loader_gen):
    from .. import get_rng_state
    return {"default": get_rng_state(), "loader": loader_gen.get_state()}


def _set_rng_states(states, loader_gen):
    from .. import set_rng_state
    set_rng_state(states["default"])
    loader_gen.set_state(states["loader"])


def _info(cfg, d, model):
    dims = [d.X_train.shape[1], *cfg.hidden, len(d.classes)]
    model_text = (f"linear {dims[0]}→{dims[-1]}" if cfg.model == "linear"
                  else f"mlp {'-'.join(map(str, dims))} {cfg.activation}")
    return {"model_text": model_text, "num_params": count_parameters(model), "n_train": int(len(d.X_train)),
            "n_test": int(len(d.X_test)), "image_shape": "×".join(map(str, d.test_images.shape[1:])),
            "classes": d.classes, "pixel_max": d.pixel_max, "invert": d.invert}


@in_language
def train(dataset=None, model=None, *, hidden=None, activation=None, epochs=None, batch_size=None, lr=None,
          optimizer=None, seed=None, out=None, data_dir=None, download=True, resume=False, overwrite=False,
          quiet=False, stop_after=None, data=None, report=True, threads="auto", command=None):
    """Train a classifier on `dataset` (a name of bibun.datasets.names(): "digits", "mnist", "fashion-mnist"
    or one registered with bibun.datasets.register) and evaluate it.

    model: "linear" (Flatten + Linear) or "mlp" (hidden sizes such as (256, 128) or "256,128", activation
    "relu" | "sigmoid" | "tanh"). Options left as None take the data set's defaults (config.defaults).
    Per epoch, loss and accuracy are measured on the whole training and test sets. With `out`, the run's
    folder is written (see rundir) and a checkpoint saved after each epoch; `resume=True` continues the run
    in `out` from its last finished epoch, with the same final weights as an uninterrupted run.
    `stop_after=k` stops once k epochs are done (the run stays resumable). `data` takes a dict like
    bibun.datasets.load returns instead of loading `dataset`. `report=False` skips the figures and HTML.
    `threads`: BLAS threads while training — "auto" (one for small models, see threads.py), None (leave
    BLAS alone) or a number. It changes the speed, and can change the last bits of the results: keep it the
    same to reproduce a run.
    `lang`: the language of the report, the progress and the messages, "en" or "ja" (default: the one in
    effect, see bibun.i18n).
    Raises WorkbenchError for anything the caller can fix.
    """
    given = dict(dataset=dataset, model=model, hidden=hidden, activation=activation, epochs=epochs,
                 batch_size=batch_size, lr=lr, optimizer=optimizer, seed=seed)
    if stop_after is not None and (isinstance(stop_after, bool) or not isinstance(stop_after, int) or stop_after < 0):
        raise WorkbenchError(f"stop_after must be a non-negative whole number, got {stop_after!r}")
    if threads not in ("auto", None) and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
        raise WorkbenchError(f"threads must be 'auto', None or a positive whole number, got {threads!r}")
    run = RunDir(out) if out is not None else None
    if resume and run is None:
        raise WorkbenchError("resuming needs the run's folder: pass out=... (--out DIR)")
    args = dict(given=given, resume=resume, overwrite=overwrite, data=data, data_dir=data_dir, download=download,
                quiet=quiet, stop_after=stop_after, report=report, threads=threads, command=command)
    if run is None:
        return _train(None, **args)
    # Say what is wrong before taking the lock (which creates the folder of a new run).
    if resume:
        run.read_config()
    else:
        resolve(**given)
        run.check_new(overwrite)
    with run.lock():                # one process per run folder; everything below is read and written under it
        return _train(run, **args)


def _train(run, given, resume, overwrite, data, data_dir, download, quiet, stop_after, report, threads, command):
    import bibun

    cfg, ckpt, command = _config(run, given, resume, overwrite, command)
    d = prepare(cfg.dataset, data, data_dir, download)
    bibun.manual_seed(cfg.seed)
    net = build_model(cfg.model, d.X_train.shape[1], len(d.classes), cfg.hidden, cfg.activation)
    opt = build_optimizer(cfg.optimizer, net.parameters(), cfg.lr)
    loader_gen = bibun.Generator().manual_seed(cfg.seed)
    loader = bibun.utils.data.DataLoader(
        bibun.utils.data.TensorDataset(bibun.from_numpy(d.X_train), bibun.from_numpy(d.y_train)),
        batch_size=cfg.batch_size, shuffle=True, generator=loader_gen)
    info = _info(cfg, d, net)
    if threads == "auto":
        threads = auto_threads(cfg.batch_size, [d.X_train.shape[1], *cfg.hidden, len(d.classes)])
    if command:
        info["command"] = command
    info["blas_threads"] = threads

    history = []
    if ckpt is not None:            # everything is checked before the first file is written
        history = resume_checkpoint.restore(ckpt, cfg, run.checkpoint, net, opt, loader_gen, len(loader))
    if run is not None:
        if not resume:
            run.start(overwrite=overwrite)
        else:
            make_dir(run.figures)
        write_json(run.config, {**cfg.to_dict(), "info": info})
        write_text(run.history, history_csv(history))     # the checkpoint's epochs are the finished ones

    done = len(history)
    diverged = diverged_at(history)
    last = cfg.epochs if stop_after is None else min(cfg.epochs, max(stop_after, done))
    if diverged is not None:
        last = done                 # a resumed diverged run: nothing left to train
    progress = Progress(cfg.epochs, done_epochs=done, quiet=quiet)
    try:
        with blas_threads(threads), np.errstate(**QUIET_OVERFLOW):
            test_logits, stopped = _epochs(run, net, opt, loader, loader_gen, d, history, range(done + 1, last + 1),
                                           progress)
        diverged = stopped if diverged is None else diverged
    finally:
        progress.close()

    finished = len(history) == cfg.epochs or diverged is not None
    metrics = _finish(run, cfg, info, net, d, history, test_logits, diverged, report) if finished else None
    return TrainResult(config=cfg, history=history, metrics=metrics, model=net, optimizer=opt, info=info,
                       paths=run.paths() if run is not None else {}, finished=finished)


def _config(run, given, resume, overwrite, command):
    """(config, checkpoint or None, command) of a new run, or of the run in `run` being resumed."""
    if not resume:
        cfg = resolve(**given)
        if run is not None:
            run.check_new(overwrite)
        return cfg, None, command
    saved, saved_info = run.read_config()
    cfg = merge_for_resume(saved, **given)
    ckpt = run.load_checkpoint()
    if ckpt is not None:
        resume_checkpoint.check(ckpt, cfg, run.checkpoint)
    return cfg, ckpt, command or saved_info.get("command")


def _epochs(run, net, opt, loader, loader_gen, d, history, epochs, progress):
    """Train the `epochs` (a range), appending a row to `history` and saving a checkpoint after each; stop
    early at a loss that is not finite. Returns (the last epoch's test logits or None, diverged epoch or None)."""
    import bibun
    loss_fn = bibun.nn.CrossEntropyLoss()
    test_logits = None
    for epoch in epochs:
        t0 = time.perf_counter()
        bar = progress.batches(len(loader), epoch)
        try:
            train_epoch(net, loader, loss_fn, opt, bar)
        finally:
            bar.close()
        train_loss, train_acc, _ = measure(net, d.X_train, d.y_train, EVAL_BATCH_SIZE)
        test_loss, test_acc, test_logits = measure(net, d.X_test, d.y_test, EVAL_BATCH_SIZE, keep_logits=True)
        row = {"epoch": epoch, "train_loss": train_loss, "train_acc": train_acc, "test_loss": test_loss,
               "test_acc": test_acc, "seconds": time.perf_counter() - t0}
        history.append(row)
        if run is not None:
            try:
                # checkpoint first: history.csv never names an epoch the checkpoint does not hold
                run.save_checkpoint(epoch, net, opt, _rng_states(loader_gen), history)
                write_text(run.history, history_csv(history))
            except WorkbenchError as e:
                raise WorkbenchError(f"{e}, then continue the run from its last saved epoch with "
                                     f"`bibun train --out {run.path} --resume`") from None
        progress.epoch_done(row)
        if diverged_at([row]) is not None:
            return test_logits, epoch   # the weights are NaN or infinite now: more epochs cannot help
    return test_logits, None


def _finish(run, cfg, info, net, d, history, test_logits, diverged, report):
    """The test-set metrics of a finished run; with a run folder, its weights, metrics.json and report."""
    with np.errstate(**QUIET_OVERFLOW):
        if test_logits is None:         # resumed a run whose epochs were all done: measure once more
            test_logits = measure(net, d.X_test, d.y_test, EVAL_BATCH_SIZE, keep_logits=True)[2]
        metrics = evaluate_predictions(test_logits, d.y_test, info["classes"])
    metrics["final"] = dict(history[-1])
    metrics["diverged"] = None if diverged is None else {"epoch": diverged}
    if run is not None:
        run.save_weights(net)
        write_json(run.metrics, metrics)
        if report:
            from .publish import publish
            publish(run, cfg.to_dict(), info, history, metrics, d.test_images)
    return metrics


@dataclass
class RunRecord:
    """A run folder read back: its config, history, metrics (None if unfinished) and files."""
    path: Path
    config: TrainConfig
    info: dict
    history: list
    metrics: dict
    paths: dict

    @property
    def finished(self):
        return self.metrics is not None

    @property
    def label(self):
        return f"{self.path.name} ({self.info.get('model_text', self.config.describe())})"


def load_run(path):
    """Read a run folder written by `train` (finished or not); every file is checked (schema.py)."""
    run = RunDir(path)
    cfg, info = run.read_config()
    history = run.read_history(cfg.epochs)
    metrics = run.read_metrics()
    if metrics is not None and not history:
        raise WorkbenchError(f"{run.history} lists no epochs, yet {run.metrics} says the run finished; the run "
                             f"folder is damaged: train the run again")
    return RunRecord(path=run.path, config=cfg, info=info, history=history, metrics=metrics, paths=run.paths())


def _linear_keys(cfg):
    """The state_dict keys of build_model's Linear layers, in order (index 0 is the Flatten)."""
    return [f"{1 + 2 * i}" for i in range(len(cfg.hidden) + 1)]


def load_model(path):
    """The trained model of a finished run folder, rebuilt and loaded from weights.npz."""
    import bibun
    from .._serialize import LoadError
    rec = load_run(path)
    run = RunDir(path)
    if not run.weights.exists():
        raise WorkbenchError(f"{run.path} has no weights.npz yet: the run has not finished "
                             f"(continue it with `bibun train --out {run.path} --resume`)")
    try:
        state = bibun.load(run.weights)
    except (LoadError, OSError) as e:
        raise WorkbenchError(f"{e}; train the run again to recreate {run.weights.name}") from None
    layers = _linear_keys(rec.config)

    def tensor(key, ndim):
        t = state.get(key) if isinstance(state, dict) else None
        return t if isinstance(t, bibun.Tensor) and t.ndim == ndim else None

    first, last = tensor(f"{layers[0]}.weight", 2), tensor(f"{layers[-1]}.bias", 1)
    if first is None or last is None:
        raise WorkbenchError(f"{run.weights} does not hold the weights of a {rec.config.describe()} model (as "
                             f"config.json says); the run folder is damaged: train the run again")
    net = build_model(rec.config.model, int(first.shape[1]), int(last.shape[0]), rec.config.hidden,
                      rec.config.activation)
    try:
        net.load_state_dict(state)
    except (RuntimeError, TypeError, ValueError) as e:
        lines = [line.strip() for line in str(e).splitlines() if line.strip()]
        raise WorkbenchError(f"{run.weights} does not fit a {rec.config.describe()} model "
                             f"({lines[1] if len(lines) > 1 else lines[0]}); the run folder is damaged: train the "
                             f"run again") from None
    return net
