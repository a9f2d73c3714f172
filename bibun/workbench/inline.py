"""A training result as a notebook shows it: what report.html holds (curves, per-class metrics, confusion
matrix, easiest and hardest test images) inline, and a link to the report itself. The figures are the run's
own files when it wrote them; a run kept in memory only has its curves and confusion matrix drawn here."""
import os
from pathlib import Path
from urllib.parse import quote

from ..i18n import translate as _
from .pages import esc, img, num, table


def _figure(result, key, draw):
    path = result.paths.get(f"figure_{key}")
    if path is not None and Path(path).is_file():
        return Path(path).read_bytes()
    return draw() if draw is not None else None


def _link(report):
    """The report's address as a notebook opens it: relative to the working folder when it lies below it."""
    report = Path(report).resolve()
    try:
        href = report.relative_to(Path(os.getcwd()).resolve()).as_posix()
    except ValueError:
        href = report.as_uri()
    return f'<a href="{esc(quote(href, safe="/:"))}" target="_blank">{esc(report.name)}</a>'


def result_html(result):
    from . import figures
    from .report import metrics_table
    parts = []
    title = f"{result.config.dataset} · {result.info['model_text']}"
    head = f"<b>{esc(title)}</b>"
    m = result.metrics
    if m:
        head += " — " + _("test accuracy <b>{accuracy}</b>, macro F1 {f1}").format(
            accuracy=f"{m['accuracy']:.4f}", f1=num(m["macro"]["f1"]))
    if not result.finished:
        head += " — " + _("stopped after epoch {epoch} of {epochs}").format(epoch=len(result.history),
                                                                          epochs=result.config.epochs)
    if "report" in result.paths:
        head += " — " + _("full report: {link}").format(link=_link(result.paths["report"]))
    parts.append(f"<p>{head}</p>")
    if result.history:
        png = _figure(result, "curves", lambda: figures.curves(result.history, title=title))
        parts.append(img(png, _("train and test loss and accuracy per epoch"), width=800))
        rows = [[str(r["epoch"]), num(r["train_loss"]), num(r["train_acc"]), num(r["test_loss"]), num(r["test_acc"])]
                for r in result.history]
        parts.append(f"<details><summary>{esc(_('per epoch'))}</summary>"
                     + table([_("epoch"), _("train loss"), _("train accuracy"), _("test loss"), _("test accuracy")],
                             rows) + "</details>")
    if m:
        parts.append(metrics_table(m))
        classes = [c["class"] for c in m["per_class"]]
        png = _figure(result, "confusion", lambda: figures.confusion(m["confusion_matrix"], classes))
        parts.append(img(png, _("confusion matrix of the test set"), width=600))
        png = _figure(result, "examples", None)
        if png is not None:
            caption = _("easiest (top) and hardest (bottom) test examples")
            parts.append(f"<p>{esc(caption[:1].upper() + caption[1:])}</p>" + img(png, caption, width=600))
    # the width attributes keep the figures at most a page wide where a notebook strips the style
    return ('<div class="bibun-result"><style>.bibun-result img{max-width:100%;height:auto}</style>'
            + "".join(parts) + "</div>")
