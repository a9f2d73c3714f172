"""Progress bars over epochs and batches (tqdm), and a plain line per epoch when bars are off.

Bars appear only on a terminal or in a notebook and never with quiet=True; tqdm is imported only then. In a
notebook they are tqdm.auto's widgets; a notebook without ipywidgets (where a text bar would print its
terminal escapes as text) and a run without tqdm installed get the per-epoch lines instead.
"""
import sys

from ..i18n import translate as _


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
    """tqdm's class for this place, or None where the per-epoch lines serve better."""
    try:
        if _in_notebook():
            import ipywidgets  # noqa: F401  (tqdm.auto draws widget bars with it)
            from tqdm.auto import tqdm
        else:
            from tqdm import tqdm
    except ImportError:
        return None
    return tqdm


# The epoch bar's line: the test metrics right after the counts, so that an 80-column terminal shows them
# whole (tqdm cuts a line at the terminal's width), then the training metrics and the times.
EPOCH_BAR = "{desc} {n_fmt}/{total_fmt} {bar:8}{postfix} [{elapsed}<{remaining}]"


def metrics_text(row):
    return _("test loss {test_loss:.4f} acc {test_acc:.4f} | train loss {train_loss:.4f} acc {train_acc:.4f}").format(
        **row)


class Progress:
    """One epoch bar (kept) and one batch bar per epoch (cleared when the epoch ends)."""

    def __init__(self, total_epochs, done_epochs=0, quiet=False, stream=None):
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.tqdm = None
        if not quiet and (_in_notebook() or getattr(self.stream, "isatty", lambda: False)()):
            self.tqdm = _tqdm_class()
        self.total = total_epochs
        self.epochs = (self.tqdm(total=total_epochs, initial=done_epochs, desc=_("epochs"), unit=_("epoch"),
                                 file=self.stream, dynamic_ncols=True, bar_format=EPOCH_BAR) if self.tqdm else _NoBar())

    @property
    def bars(self):
        return self.tqdm is not None

    def batches(self, total, epoch):
        if not self.tqdm:
            return _NoBar()
        return self.tqdm(total=total, desc=_("epoch {epoch}").format(epoch=epoch), unit=_("batch"), leave=False,
                         file=self.stream,
                         dynamic_ncols=True, mininterval=0.2)

    def epoch_done(self, row):
        text = metrics_text(row)
        if self.tqdm:
            self.epochs.set_postfix_str(text)
            self.epochs.update(1)
        elif not self.quiet:
            print(_("epoch {epoch}/{total}  {metrics}  ({seconds:.1f}s)").format(
                epoch=row["epoch"], total=self.total, metrics=text, seconds=row["seconds"]), file=self.stream, flush=True)

    def close(self):
        self.epochs.close()
