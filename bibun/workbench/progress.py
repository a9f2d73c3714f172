"""Progress bars over epochs and batches (tqdm), and a plain line per epoch when bars are off.

Bars appear only on a terminal or in a notebook and never with quiet=True; tqdm is imported only then.
Without tqdm installed, training runs the same, with the per-epoch lines instead.
"""
import sys


class _NoBar:
    def update(self, n=1):
        pass

    def set_postfix_str(self, s, refresh=True):
        pass

    def close(self):
        pass


def _in_notebook():
    shell = sys.modules.get("IPython")
    try:
        return shell is not None and type(shell.get_ipython()).__name__ == "ZMQInteractiveShell"
    except Exception:
        return False


def _tqdm_class():
    if _in_notebook():
        try:
            import ipywidgets  # noqa: F401  (tqdm.auto needs it for widget bars)
            from tqdm.auto import tqdm
            return tqdm
        except ImportError:
            pass
    from tqdm import tqdm
    return tqdm


class Progress:
    """One epoch bar (kept) and one batch bar per epoch (cleared when the epoch ends)."""

    def __init__(self, total_epochs, done_epochs=0, quiet=False, stream=None):
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.tqdm = None
        if not quiet and (_in_notebook() or getattr(self.stream, "isatty", lambda: False)()):
            try:
                self.tqdm = _tqdm_class()
            except ImportError:
                self.tqdm = None
        self.total = total_epochs
        self.epochs = (self.tqdm(total=total_epochs, initial=done_epochs, desc="epochs", unit="epoch",
                                 file=self.stream, dynamic_ncols=True) if self.tqdm else _NoBar())

    @property
    def bars(self):
        return self.tqdm is not None

    def batches(self, total, epoch):
        if not self.tqdm:
            return _NoBar()
        return self.tqdm(total=total, desc=f"epoch {epoch}", unit="batch", leave=False, file=self.stream,
                         dynamic_ncols=True, mininterval=0.2)

    def epoch_done(self, row):
        text = (f"train loss {row['train_loss']:.4f} acc {row['train_acc']:.4f} | "
                f"test loss {row['test_loss']:.4f} acc {row['test_acc']:.4f}")
        if self.tqdm:
            self.epochs.set_postfix_str(text)
            self.epochs.update(1)
        elif not self.quiet:
            print(f"epoch {row['epoch']}/{self.total}  {text}  ({row['seconds']:.1f}s)", file=self.stream, flush=True)

    def close(self):
        self.epochs.close()
