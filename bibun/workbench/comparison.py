"""`compare(run_dirs, out)`: exercise 8.5 (5) — finished runs side by side in one report: curves overlaid,
final numbers and per-class precision/recall/F1 next to each other, each run's confusion matrix."""
import os
from pathlib import Path
from urllib.parse import quote

from .pages import esc, img, num, page, section, table
from .errors import WorkbenchError
from .rundir import make_dir, write_bytes, write_json, write_text

SECTIONS = (("runs", "Runs"), ("curves", "Curves overlaid"), ("per-class", "Per-class metrics side by side"),
            ("confusion", "Confusion matrices"), ("examples", "Easiest and hardest examples"))


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
        return '<span class="muted">no report</span>'
    href = Path(os.path.relpath(Path(report).resolve(), Path(out).resolve())).as_posix()
    return f'<a href="{esc(quote(href))}">report</a>'


def _runs_table(recs, names, out):
    best = max(r.metrics["accuracy"] for r in recs)
    rows, cls = [], []
    for r, name in zip(recs, names):
        m, last = r.metrics, r.history[-1]
        div = m.get("diverged")
        epochs = f"{len(r.history)}" + (f" (diverged at {div['epoch']})" if div else "")
        rows.append([esc(name), esc(r.config.dataset), esc(r.info.get("model_text", r.config.describe())),
                     esc(f"{r.config.optimizer} lr={r.config.lr:g} bs={r.config.batch_size}"),
                     esc(format(r.info.get("num_params", 0), ",")), esc(epochs), num(last["train_loss"]),
                     num(last["train_acc"]), num(last["test_loss"]),
                     f"<b>{num(m['accuracy'])}</b>", num(m["macro"]["precision"]), num(m["macro"]["recall"]),
                     num(m["macro"]["f1"]), f'{sum(h["seconds"] for h in r.history):.1f}', _report_link(r, out)])
        cls.append("best" if m["accuracy"] == best and len(recs) > 1 else "")
    head = ["run", "data set", "model", "training", "parameters", "epochs", "train loss", "train acc", "test loss",
            "test acc", "macro P", "macro R", "macro F1", "seconds", ""]
    return table(head, rows, left=4, row_classes=cls)


def _per_class_table(recs, names):
    classes = [c["class"] for c in recs[0].metrics["per_class"]]
    head = ["class"] + [f"{n}: {k}" for n in names for k in ("P", "R", "F1")]
    rows = []
    for i, c in enumerate(classes):
        row = [esc(c)]
        for r in recs:
            pc = r.metrics["per_class"][i] if i < len(r.metrics["per_class"]) else None
            row += [num(pc["precision"]), num(pc["recall"]), num(pc["f1"])] if pc else ["", "", ""]
        rows.append(row)
    kinds = []
    for avg in ("macro", "weighted"):
        row = [f"{avg} average"]
        for r in recs:
            a = r.metrics[avg]
            row += [num(a["precision"]), num(a["recall"]), num(a["f1"])]
        rows.append(row)
        kinds.append("avg")
    return table(head, rows, row_classes=[""] * len(classes) + kinds)


def compare(run_dirs, out="runs/compare", overwrite=False):
    """Write `out`/compare.html (self-contained), `out`/figures/curves.png and `out`/compare.json for the
    finished runs in `run_dirs`; returns {"report", "figure_curves", "json"} paths. A comparison already in
    `out` is replaced only with overwrite=True, as `train` does with a run."""
    from . import figures
    recs = _records([Path(d) for d in run_dirs])
    names = _labels(recs)
    datasets = sorted({r.config.dataset for r in recs})
    out = Path(out).expanduser()
    if out.exists() and not out.is_dir():
        raise WorkbenchError(f"{out} is a file, not a folder; choose another --out")
    if not overwrite and any((out / f).exists() for f in ("compare.html", "compare.json")):
        raise WorkbenchError(f"{out} already holds a comparison; choose another --out (or pass --overwrite to "
                             f"replace it)")
    make_dir(out / "figures")

    curves_png = figures.compare_curves([(n, r.history) for n, r in zip(names, recs)])
    write_bytes(out / "figures" / "curves.png", curves_png)

    note = ""
    if len(datasets) > 1:
        note = (f'<p class="bad">These runs use different data sets ({esc(", ".join(datasets))}): their numbers '
                f'are not comparable.</p>')
    same_classes = len({tuple(c["class"] for c in r.metrics["per_class"]) for r in recs}) == 1
    confusions = []
    examples = []
    for n, r in zip(names, recs):
        classes = [c["class"] for c in r.metrics["per_class"]]
        confusions.append(f"<div><h3>{esc(n)}</h3>"
                          + img(figures.confusion(r.metrics["confusion_matrix"], classes, title=n), f"confusion {n}")
                          + "</div>")
        ex = r.paths.get("figure_examples")
        if ex is not None:
            try:
                png = Path(ex).read_bytes()
            except OSError as e:
                raise WorkbenchError(f"{ex} cannot be read ({e.strerror or e}); the run folder is damaged") from None
            examples.append(f"<div><h3>{esc(n)}</h3>" + img(png, f"examples {n}") + "</div>")
    sections = [
        section("runs", SECTIONS[0][1], note + _runs_table(recs, names, out)
                + '<p class="muted">Test accuracy, precision, recall and F1 are measured on the test set after the '
                  'last epoch; the best test accuracy is highlighted.</p>'),
        section("curves", SECTIONS[1][1], img(curves_png, "loss and accuracy of every run")
                + '<p class="muted">Solid lines: test set; dashed lines: training set.</p>'),
        section("per-class", SECTIONS[2][1], _per_class_table(recs, names) if same_classes
                else '<p>The runs have different classes; see each run\'s report.</p>'),
        section("confusion", SECTIONS[3][1], '<div class="row">' + "".join(confusions) + "</div>"),
        section("examples", SECTIONS[4][1], ('<div class="row">' + "".join(examples) + "</div>") if examples
                else '<p class="muted">The runs have no example figures (trained with report=False).</p>'),
    ]
    title = "Comparison: " + " vs ".join(r.info.get("model_text", r.config.describe()) for r in recs)
    subtitle = f"Exercise 8.5 (5) on {esc(', '.join(datasets))}: {len(recs)} runs side by side"
    write_text(out / "compare.html", page(title, subtitle, SECTIONS, sections))
    summary = [{"run": str(r.path), "label": n, "config": r.config.to_dict(), "final": r.history[-1],
                "accuracy": r.metrics["accuracy"], "macro": r.metrics["macro"]} for n, r in zip(names, recs)]
    write_json(out / "compare.json", {"runs": summary})
    return {"report": out / "compare.html", "figure_curves": out / "figures" / "curves.png",
            "json": out / "compare.json"}
