"""The run's figures as PNG bytes: loss/accuracy curves, the confusion matrix, the easiest and hardest
examples, and the curves of several runs overlaid. matplotlib is imported here only, and drawn without
pyplot (no global state, no window, nothing shown twice in a notebook)."""
import io

import numpy as np

from ._fmt import prob
from ..i18n import translate as _
from ..viz.fonts import MissingFontError, for_language

# The smallest text in any figure, in points. Figures are drawn at 100 dpi and at most 10 inches wide, so
# that on a page 800 CSS pixels wide (about 760 pixels for a figure) their text stays 10 pixels or more.
TEXT_PT = 10


def _plain(text):
    """`text` drawn as it is: a `$` (from a run's name or class names) would otherwise start mathtext,
    which fails to parse on most strings."""
    return str(text).replace("$", r"\$")


def _figure(w, h):
    try:
        from matplotlib.figure import Figure
    except ImportError:
        from .errors import WorkbenchError
        raise WorkbenchError("the workbench draws its figures with matplotlib, which is not installed; install "
                             "it with `pip install matplotlib` (or `pip install bibun[workbench]`)") from None
    return Figure(figsize=(w, h), dpi=100, layout="constrained")


def _in_language(fn):
    """The figure's text in the language in effect, with a font that has its glyphs."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            with for_language():
                return fn(*args, **kwargs)
        except MissingFontError as e:
            from .errors import WorkbenchError
            raise WorkbenchError(str(e)) from None
    return wrapper


def _png(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _epochs_axis(ax, epochs):
    ax.set_xlabel(_("epoch"))
    if len(epochs) <= 20:
        ax.set_xticks(epochs)
    ax.grid(True, alpha=0.3)


@_in_language
def curves(history, title=""):
    """Train and test loss (left) and accuracy (right) per epoch."""
    fig = _figure(10, 3.8)
    ax_l, ax_a = fig.subplots(1, 2)
    ep = [r["epoch"] for r in history]
    for key, style, label in (("train", "-o", _("train")), ("test", "-s", _("test"))):
        ax_l.plot(ep, [r[f"{key}_loss"] for r in history], style, ms=3, label=label)
        ax_a.plot(ep, [r[f"{key}_acc"] for r in history], style, ms=3, label=label)
    ax_l.set_ylabel(_("cross-entropy loss"))
    ax_a.set_ylabel(_("accuracy"))
    for ax in (ax_l, ax_a):
        _epochs_axis(ax, ep)
        ax.legend()
    if title:
        fig.suptitle(_plain(title))
    return _png(fig)


@_in_language
def confusion(cm, classes, title=None):
    """Counts with true classes as rows and predicted classes as columns, each cell annotated."""
    title = _("Confusion matrix (test set)") if title is None else title
    cm = np.asarray(cm)
    k = len(classes)
    size = max(4.5, 0.55 * k + 2.5)
    fig = _figure(size + 1.0, size)
    ax = fig.subplots()
    im = ax.imshow(cm, cmap="Blues")
    fig.colorbar(im, ax=ax, shrink=0.8)
    names = [_plain(c) for c in classes]
    wide = max(map(len, names)) > 2
    ax.set_xticks(range(k), names, rotation=45 if wide else 0, ha="right" if wide else "center")
    ax.set_yticks(range(k), names)
    ax.set_xlabel(_("predicted class ŷ"))
    ax.set_ylabel(_("true class y"))
    ax.set_title(_plain(title))
    top = cm.max() if cm.size else 0
    for i in range(k):
        for j in range(k):
            ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=TEXT_PT,
                    color="white" if cm[i, j] > top / 2 else "black")
    return _png(fig)


@_in_language
def examples(images, easiest, hardest, classes, invert=True, vmax=None):
    """The easiest examples in the top row, the hardest in the bottom row, each titled with y, p(y|x),
    ŷ and p(ŷ|x). invert=True draws high pixel values dark (digits as ink on paper)."""
    cols = max(len(easiest), len(hardest), 1)
    fig = _figure(2.3 * cols + 0.6, 5.4)
    axes = np.asarray(fig.subplots(2, cols, squeeze=False))
    for row, (name, items) in enumerate(((_("easiest"), easiest), (_("hardest"), hardest))):
        for c in range(cols):
            ax = axes[row, c]
            ax.set_xticks([])
            ax.set_yticks([])
            if c >= len(items):
                ax.axis("off")
                continue
            it = items[c]
            ax.imshow(images[it["index"]], cmap="gray_r" if invert else "gray", interpolation="nearest",
                      vmin=0, vmax=vmax)
            ax.set_title(_plain(f"#{it['index']}\ny={classes[it['y']]}  p(y|x)={prob(it['p_y'])}\n"
                                f"ŷ={classes[it['y_hat']]}  p(ŷ|x)={prob(it['p_y_hat'])}"), fontsize=TEXT_PT)
            if c == 0:
                ax.set_ylabel(name, fontsize=11)
    return _png(fig)


@_in_language
def compare_curves(runs):
    """Test (solid) and train (dashed) loss and accuracy of several runs on shared axes.
    `runs` is a list of (label, history)."""
    fig = _figure(9.5, 4.2)
    ax_l, ax_a = fig.subplots(1, 2)
    for n, (label, history) in enumerate(runs):
        color, label = f"C{n % 10}", _plain(label)
        ep = [r["epoch"] for r in history]
        for key, ls in (("train", "--"), ("test", "-")):
            ax_l.plot(ep, [r[f"{key}_loss"] for r in history], ls, color=color, label=f"{label} ({_(key)})")
            ax_a.plot(ep, [r[f"{key}_acc"] for r in history], ls, color=color, label=f"{label} ({_(key)})")
    ax_l.set_ylabel(_("cross-entropy loss"))
    ax_a.set_ylabel(_("accuracy"))
    longest = max((len(h) for _, h in runs), default=0)
    for ax in (ax_l, ax_a):
        _epochs_axis(ax, list(range(1, longest + 1)))
        ax.legend(fontsize=TEXT_PT)
    return _png(fig)
