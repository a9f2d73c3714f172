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
history row of its epoch, so history.csv never lists an epoch that --resume would not find.
"""
import csv
import io
import json
from pathlib import Path

from .._atomic import atomic_write
from .errors import WorkbenchError

HISTORY_FIELDS = ("epoch", "train_loss", "train_acc", "test_loss", "test_acc", "seconds")
FIGURES = {"curves": "curves.png", "confusion": "confusion_matrix.png", "examples": "examples.png"}


def write_bytes(path, data):
    with atomic_write(path) as f:
        f.write(data)


def write_text(path, text):
    write_bytes(path, text.encode("utf-8"))


def write_json(path, obj):
    write_text(path, json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n")


def history_csv(history):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HISTORY_FIELDS)
    for row in history:
        w.writerow([int(row["epoch"])] + [repr(float(row[k])) for k in HISTORY_FIELDS[1:]])
    return buf.getvalue()


def parse_history(text):
    rows = []
    for rec in csv.DictReader(io.StringIO(text)):
        rows.append({k: (int(rec[k]) if k == "epoch" else float(rec[k])) for k in HISTORY_FIELDS})
    return rows


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

    def start(self, overwrite=False):
        """Make the folder for a new run (clearing the old run's files when overwrite)."""
        self.check_new(overwrite)
        if self.holds_run():
            self.clear()
        self.figures.mkdir(parents=True, exist_ok=True)

    def clear(self):
        """Remove this run's own files (and nothing else)."""
        for p in (self.config, self.history, self.checkpoint, self.weights, self.metrics, self.report,
                  *(self.figure(k) for k in FIGURES)):
            try:
                p.unlink()
            except FileNotFoundError:
                pass

    # -- reading -------------------------------------------------------------------------------------
    def read_config(self):
        if not self.path.is_dir():
            raise WorkbenchError(f"{self.path} is not a folder; give the folder of a run made by `bibun train`")
        if not self.config.exists():
            raise WorkbenchError(f"{self.path} holds no config.json: it is not a run made by `bibun train`")
        try:
            return json.loads(self.config.read_text(encoding="utf-8"))
        except (ValueError, OSError) as e:
            raise WorkbenchError(f"{self.config} cannot be read ({e}); the run folder is damaged") from None

    def read_history(self):
        if not self.history.exists():
            return []
        try:
            return parse_history(self.history.read_text(encoding="utf-8"))
        except (ValueError, KeyError, TypeError, OSError) as e:
            raise WorkbenchError(f"{self.history} cannot be read ({e}); the run folder is damaged") from None

    def read_metrics(self):
        if not self.metrics.exists():
            return None
        try:
            return json.loads(self.metrics.read_text(encoding="utf-8"))
        except (ValueError, OSError) as e:
            raise WorkbenchError(f"{self.metrics} cannot be read ({e}); the run folder is damaged") from None

    # -- checkpoints -----------------------------------------------------------------------------------
    def save_checkpoint(self, epoch, model, optimizer, rng_states, history):
        from .. import save
        save({"epoch": int(epoch), "model": model.state_dict(), "optimizer": optimizer.state_dict(),
              "rng": rng_states, "history": [dict(r) for r in history]}, self.checkpoint)

    def load_checkpoint(self):
        """The last finished epoch's state, or None when the run has not finished an epoch yet."""
        from .. import load
        from .._serialize import LoadError
        if not self.checkpoint.exists():
            return None
        try:
            ck = load(self.checkpoint)
        except LoadError as e:
            raise WorkbenchError(f"{e}; delete {self.checkpoint} to restart the run from scratch") from None
        if not isinstance(ck, dict) or not {"epoch", "model", "optimizer", "rng", "history"} <= set(ck):
            raise WorkbenchError(f"{self.checkpoint} is not a workbench checkpoint; delete it to restart the run")
        return ck

    def save_weights(self, model):
        from .. import save
        save(model.state_dict(), self.weights)


