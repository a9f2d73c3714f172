"""`compare(run_dirs, out)`: exercise 8.5 (5) — finished runs side by side in one report: curves overlaid,
final numbers and per-class precision/recall/F1 next to each other, each run's confusion matrix."""
import os
from pathlib import Path
from urllib.parse import quote

from .pages import esc, img, num, page, section, table
from .errors import WorkbenchError
from .rundir import make_dir, write_bytes, write_json, write_text
from ..i18n import N_, translate as _, in_language
from .lock import RunLock

SECTIONS = (("runs", N_("Runs")), ("curves", N_("Curves overlaid")), ("per-class", N_("Per-class metrics side by side")),
            ("confusion", N_("Confusion matrices")), ("examples", N_("Easiest and hardest examples")))
AVERAGES = {"macro": N_("macro average"), "weighted": N_("weighted average")}


def _records(run_dirs):
    from .api import load_run
    if not run_dirs:
        raise WorkbenchError("give at least one run folder to compare")
    recs = []
    for d in run_dirs:
        rec = load_run(d)
        if not rec.finished:
            raise WorkbenchError(f"{rec.path} has not finished ({len(rec.history)}/{rec.config.epochs} epochs); "
                                 f"continue it with `bibun train --out {rec.path} --resume`")
        recs.append(rec)
    return recs


def _labels(recs):
    names = [r.path.name or str(r.path) for r in recs]
    if len(set(names)) < len(names):
        names = [str(r.path) for r in recs]
    return names


def _report_link(rec, out):
    """A link to the run's own report.html, relative to the comparison's folder (so both can move together)."""
    report = rec.paths.get("report")
    if report is None:
        return '<span class="muted">' + _("no report") + "</span>"
    href = Path(os.path.relpath(Path(report).resolve(), Path(out).resolve())).as_posix()
    return f'<a href="{esc(quote(href))}">{_("report")}</a>'


def _runs_table(recs, names, out):
    best = max(r.metrics["accuracy"] for r in recs)
    rows, cls = [], []
    for r, name in zip(recs, names):
        m, last = r.metrics, r.history[-1]
        div = m.get("diverged")
        epochs = f"{len(r.history)}" + (_(" (diverged at {epoch})").format(epoch=div["epoch"]) if div else "")
        rows.append([esc(name), esc(r.config.dataset), esc(r.info.get("model_text", r.config.describe())),
                     esc(f"{r.config.optimizer} lr={r.config.lr:g} bs={r.config.batch_size}"),
                     esc(format(r.info.get("num_params", 0), ",")), esc(epochs), num(last["train_loss"]),
                     num(last["train_acc"]), num(last["test_loss"]),
                     f"<b>{num(m['accuracy'])}</b>", num(m["macro"]["precision"]), num(m["macro"]["recall"]),
                     num(m["macro"]["f1"]), f'{sum(h["seconds"] for h in r.history):.1f}', _report_link(r, out)])
        cls.append("best" if m["accuracy"] == best and len(recs) > 1 else "")
    head = [_("run"), _("data set"), _("model"), _("training"), _("parameters"), _("epochs"), _("train loss"),
            _("train acc"), _("test loss"), _("test acc"), _("macro P"), _("macro R"), _("macro F1"), _("seconds"), ""]
    return table(head, rows, left=4, row_classes=cls)


def _per_class_table(recs, names):
    classes = [c["class"] for c in recs[0].metrics["per_class"]]
    head = [_("class")] + [f"{n}: {k}" for n in names for k in ("P", "R", "F1")]
    rows = []
    for i, c in enumerate(classes):
        row = [esc(c)]
        for r in recs:
            pc = r.metrics["per_class"][i] if i < len(r.metrics["per_class"]) else None
            row += [num(pc["precision"]), num(pc["recall"]), num(pc["f1"])] if pc else ["", "", ""]
        rows.append(row)
    kinds = []
    for avg in ("macro", "weighted"):
        row = [_(AVERAGES[avg])]
        for r in recs:
            a = r.metrics[avg]
            row += [num(a["precision"]), num(a["recall"]), num(a["f1"])]
        rows.append(row)
        kinds.append("avg")
    return table(head, rows, row_classes=[""] * len(classes) + kinds)


@in_language
def compare(run_dirs, out="runs/compare", overwrite=False):
    """Write `out`/compare.html (self-contained), `out`/figures/curves.png and `out`/compare.json for the
    finished runs in `run_dirs`; returns {"report", "figure_curves", "json"} paths. A comparison already in
    `out` is replaced only with overwrite=True, as `train` does with a run. lang="ja" writes it in Japanese.
    `out` is locked while it is written, as a run's folder is, so two commands never mix their files."""
    out = Path(out).expanduser()
    if out.exists() and not out.is_dir():
        raise WorkbenchError(f"{out} is a file, not a folder; choose another --out")
    with RunLock(out):
        return _write_comparison(run_dirs, out, overwrite)


def _write_comparison(run_dirs, out, overwrite):
    from . import figures
    recs = _records([Path(d) for d in run_dirs])
    names = _labels(recs)
    datasets = sorted({r.config.dataset for r in recs})
    if not overwrite and any((out / f).exists() for f in ("compare.html", "compare.json")):
        raise WorkbenchError(f"{out} already holds a comparison; choose another --out (or pass --overwrite to "
                             f"replace it)")
    make_dir(out / "figures")

    curves_png = figures.compare_curves([(n, r.history) for n, r in zip(names, recs)])
    write_bytes(out / "figures" / "curves.png", curves_png)

    note = ""
    if len(datasets) > 1:
        note = ('<p class="bad">' + _("These runs use different data sets ({datasets}): their numbers are not "
                                      "comparable.").format(datasets=esc(", ".join(datasets))) + "</p>")
    same_classes = len({tuple(c["class"] for c in r.metrics["per_class"]) for r in recs}) == 1
    confusions = []
    examples = []
    for n, r in zip(names, recs):
        classes = [c["class"] for c in r.metrics["per_class"]]
        confusions.append(f"<div><h3>{esc(n)}</h3>"
                          + img(figures.confusion(r.metrics["confusion_matrix"], classes, title=n),
                                                _("confusion {run}").format(run=n))
                          + "</div>")
        ex = r.paths.get("figure_examples")
        if ex is not None:
            try:
                png = Path(ex).read_bytes()
            except OSError as e:
                raise WorkbenchError(_("{path} cannot be read ({reason}); the run folder is damaged").format(
                    path=ex, reason=e.strerror or e)) from None
            examples.append(f"<div><h3>{esc(n)}</h3>" + img(png, _("examples {run}").format(run=n)) + "</div>")
    nav = [(key, _(name)) for key, name in SECTIONS]
    sections = [
        section("runs", nav[0][1], note + _runs_table(recs, names, out)
                + '<p class="muted">' + _("Test accuracy, precision, recall and F1 are measured on the test set after "
                                          "the last epoch; the best test accuracy is highlighted.") + "</p>"),
        section("curves", nav[1][1], img(curves_png, _("loss and accuracy of every run"))
                + '<p class="muted">' + _("Solid lines: test set; dashed lines: training set.") + "</p>"),
        section("per-class", nav[2][1], _per_class_table(recs, names) if same_classes
                else "<p>" + _("The runs have different classes; see each run's report.") + "</p>"),
        section("confusion", nav[3][1], '<div class="row">' + "".join(confusions) + "</div>"),
        section("examples", nav[4][1], ('<div class="row">' + "".join(examples) + "</div>") if examples
                else '<p class="muted">' + _("The runs have no example figures (trained with report=False).") + "</p>"),
    ]
    title = _("Comparison: {runs}").format(
        runs=_(" vs ").join(r.info.get("model_text", r.config.describe()) for r in recs))
    subtitle = _("Exercise 8.5 (5) on {datasets}: {n} runs side by side").format(
        datasets=esc(", ".join(datasets)), n=len(recs))
    write_text(out / "compare.html", page(title, subtitle, nav, sections))
    summary = [{"run": str(r.path), "label": n, "config": r.config.to_dict(), "final": r.history[-1],
                "accuracy": r.metrics["accuracy"], "macro": r.metrics["macro"]} for n, r in zip(names, recs)]
    write_json(out / "compare.json", {"runs": summary})
    return {"report": out / "compare.html", "figure_curves": out / "figures" / "curves.png",
            "json": out / "compare.json"}
