"""A run's folder: which files it holds, and writing each of them atomically.

    config.json       the TrainConfig (and what it ran on)
    history.csv       one row per finished epoch: epoch, train_loss, train_acc, test_loss, test_acc, seconds
    checkpoint.npz    after each finished epoch: weights, optimizer state, RNG states, history (for --resume)
    weights.npz       the final model.state_dict(), by bibun.save (no pickle)
    metrics.json      per-class precision/recall/F1, macro averages, confusion matrix, easiest/hardest
    figures/*.png     curves, confusion matrix, easiest/hardest examples
    report.html       everything above in one self-contained page

Every file is written to a temporary file in the same folder and renamed into place, so a run stopped at
any moment leaves each file either old or new, never half-written; the checkpoint is written before the
history row of its epoch, so history.csv never lists an epoch that --resume would not find. A write that
fails (no space left, no permission) is a WorkbenchError naming the file. Every file read back is checked
against its schema (schema.py) before it is used.
"""
import csv
import errno
import io
import json
import math
from pathlib import Path

from .. import datasets
from .._atomic import atomic_write
from . import schema
from .errors import WorkbenchError
from .lock import RunLock
from .schema import HISTORY_FIELDS

FIGURES = {"curves": "curves.png", "confusion": "confusion_matrix.png", "examples": "examples.png"}


def cannot_write(path, e):
    """The one-line WorkbenchError for an OSError while writing `path`."""
    why = e.strerror or str(e)
    full = e.errno in (errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC))
    todo = "free some disk space" if full else "choose a folder you can write to (--out)"
    return WorkbenchError(f"cannot write {path} ({why}); {todo}")


def write_bytes(path, data):
    try:
        with atomic_write(path) as f:
            f.write(data)
    except OSError as e:
        raise cannot_write(path, e) from None


def write_text(path, text):
    write_bytes(path, text.encode("utf-8"))


def json_safe(obj):
    """`obj` with every float that JSON cannot hold (NaN, infinities: a diverged run's numbers) as None."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    return obj


def write_json(path, obj):
    write_text(path, json.dumps(json_safe(obj), indent=2, ensure_ascii=False, allow_nan=False) + "\n")


def make_dir(path):
    try:
        Path(path).mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise cannot_write(path, e) from None


def history_csv(history):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HISTORY_FIELDS)
    for row in history:
        w.writerow([int(row["epoch"])] + [repr(float(row[k])) for k in HISTORY_FIELDS[1:]])
    return buf.getvalue()


def parse_history(text):
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        return []
    if tuple(header) != HISTORY_FIELDS:
        raise schema.Invalid(f"its columns are not {','.join(HISTORY_FIELDS)}")
    rows = []
    for rec in reader:
        if len(rec) != len(HISTORY_FIELDS):
            raise schema.Invalid(f"row {len(rows) + 1} has {len(rec)} values, not {len(HISTORY_FIELDS)}")
        rows.append({k: (int(v) if k == "epoch" else float(v)) for k, v in zip(HISTORY_FIELDS, rec)})
    return schema.history(rows)


class RunDir:
    def __init__(self, path):
        self.path = Path(path).expanduser()
        self.config = self.path / "config.json"
        self.history = self.path / "history.csv"
        self.checkpoint = self.path / "checkpoint.npz"
        self.weights = self.path / "weights.npz"
        self.metrics = self.path / "metrics.json"
        self.report = self.path / "report.html"
        self.figures = self.path / "figures"

    def figure(self, key):
        return self.figures / FIGURES[key]

    def paths(self):
        """The files this run has written so far, by name."""
        out = {"dir": self.path}
        for name in ("config", "history", "checkpoint", "weights", "metrics", "report"):
            p = getattr(self, name)
            if p.exists():
                out[name] = p
        for key in FIGURES:
            if self.figure(key).exists():
                out[f"figure_{key}"] = self.figure(key)
        return out

    # -- starting ------------------------------------------------------------------------------------
    def holds_run(self):
        return self.config.exists() or self.checkpoint.exists() or self.history.exists()

    def check_new(self, overwrite=False):
        """Refuse to mix a new run into an old one (unless overwrite) or into a file."""
        if self.path.exists() and not self.path.is_dir():
            raise WorkbenchError(f"{self.path} is a file, not a folder; choose another --out")
        if self.holds_run() and not overwrite:
            raise WorkbenchError(f"{self.path} already holds a run; continue it with --resume, or choose "
                                 f"another --out (or pass --overwrite to replace it)")

    def lock(self):
        """The folder's lock (lock.py): `with run.lock(): ...` while writing into it."""
        return RunLock(self.path)

    def start(self, overwrite=False):
        """Make the folder for a new run (clearing the old run's files when overwrite)."""
        self.check_new(overwrite)
        if self.holds_run():
            self.clear()
        make_dir(self.figures)

    def clear(self):
        """Remove this run's own files (and nothing else)."""
        for p in (self.config, self.history, self.checkpoint, self.weights, self.metrics, self.report,
                  *(self.figure(k) for k in FIGURES)):
            try:
                p.unlink()
            except FileNotFoundError:
                pass
            except OSError as e:
                raise cannot_write(p, e) from None

    # -- reading -------------------------------------------------------------------------------------
    def _read(self, path, parse):
        try:
            return parse(path.read_text(encoding="utf-8"))
        except schema.NotRegistered as e:
            raise WorkbenchError(f"{path} is a run on data set {e.name[:80]!r}, which is not registered now (known: "
                                 f"{', '.join(datasets.names())}); register it with "
                                 f"bibun.datasets.register(...) first") from None
        except (ValueError, OSError, RecursionError) as e:   # schema.Invalid is a ValueError
            raise WorkbenchError(f"{path} cannot be read ({str(e)[:200]}); the run folder is damaged: restore "
                                 f"the file or train the run again") from None

    def read_config(self):
        """(TrainConfig, info) from config.json, both checked."""
        if not self.path.is_dir():
            raise WorkbenchError(f"{self.path} is not a folder; give the folder of a run made by `bibun train`")
        if not self.config.is_file():
            raise WorkbenchError(f"{self.path} holds no config.json: it is not a run made by `bibun train`")

        def parse(text):
            raw = json.loads(text)
            cfg = schema.config(raw)
            return cfg, schema.info(raw.get("info", {}))
        return self._read(self.config, parse)

    def read_history(self, epochs=None):
        if not self.history.exists():
            return []
        return self._read(self.history, lambda text: schema.history(parse_history(text), epochs))

    def read_metrics(self):
        if not self.metrics.exists():
            return None
        return self._read(self.metrics, lambda text: schema.metrics(json.loads(text)))

    # -- checkpoints -----------------------------------------------------------------------------------
    def save_checkpoint(self, epoch, model, optimizer, rng_states, history):
        from .. import save
        try:
            save({"epoch": int(epoch), "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                  "rng": rng_states, "history": [dict(r) for r in history]}, self.checkpoint)
        except OSError as e:
            raise cannot_write(self.checkpoint, e) from None

    def load_checkpoint(self):
        """The last finished epoch's state as bibun.load reads it, or None when the run has not finished an
        epoch yet (resume.py checks what it holds)."""
        from .. import load
        from .._serialize import LoadError
        if not self.checkpoint.exists():
            return None
        try:
            return load(self.checkpoint)
        except (LoadError, OSError) as e:
            raise WorkbenchError(f"{e}; delete {self.checkpoint} to restart the run from scratch") from None

    def save_weights(self, model):
        from .. import save
        try:
            save(model.state_dict(), self.weights)
        except OSError as e:
            raise cannot_write(self.weights, e) from None
