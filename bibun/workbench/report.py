"""report.html for one run: summary, curves, per-class metrics, confusion matrix, easiest and hardest
examples — one self-contained page (images embedded, no external resources)."""
from ._fmt import prob
from .pages import esc, img, num, page, section, table
from ..i18n import N_, translate as _

SECTIONS = (("summary", N_("Run")), ("curves", N_("Loss and accuracy per epoch")),
            ("metrics", N_("Precision, recall and F1 per class")), ("confusion", N_("Confusion matrix")),
            ("examples", N_("Easiest and hardest test examples")))


AVERAGES = {"macro": N_("macro average"), "weighted": N_("weighted average")}


def _summary(config, info, history):
    last = history[-1] if history else None
    rows = [
        [_("data set"), esc(config["dataset"]) + ' <span class="muted">' + esc(
            _("({n_train} train, {n_test} test images of {shape})").format(
                n_train=info["n_train"], n_test=info["n_test"], shape=info["image_shape"])) + "</span>"],
        [_("model"), esc(info["model_text"]) + ' <span class="muted">' + esc(
            _("({n} parameters)").format(n=format(info["num_params"], ","))) + "</span>"],
        [_("training"), esc(_("{optimizer} lr={lr:g}, batch size {batch_size}, {epochs} epochs, seed {seed}").format(
            **config))],
        [_("loss"), _("cross-entropy (CrossEntropyLoss on raw scores)")],
    ]
    if last:
        rows.append([_("after the last epoch"), _(
            "train loss {train_loss:.4f}, accuracy {train_acc:.4f}; <b>test loss {test_loss:.4f}, accuracy "
            "{test_acc:.4f}</b>").format(**last)])
        rows.append([_("time"), _("{seconds:.1f} s for {n} epochs (measuring included)").format(
            seconds=sum(r["seconds"] for r in history), n=len(history))])
    cmd = info.get("command")
    if cmd:
        rows.append([_("command"), f"<code>{esc(cmd)}</code>"])
    return table(None, rows, left=2)


def _curves(fig_png, history):
    rows = [[str(r["epoch"]), num(r["train_loss"]), num(r["train_acc"]), num(r["test_loss"]), num(r["test_acc"]),
             f'{r["seconds"]:.2f}'] for r in history]
    return (img(fig_png, _("train and test loss and accuracy per epoch"))
            + '<p class="muted">' + _("Loss and accuracy are measured on the whole training and test sets after each "
                                      "epoch, with the model in evaluation mode and no gradient tracking.") + "</p>"
            + table([_("epoch"), _("train loss"), _("train accuracy"), _("test loss"), _("test accuracy"),
                     _("seconds")], rows))


def metrics_table(metrics):
    """The per-class precision/recall/F1 table with the macro averages, as HTML (the report and the inline view)."""
    rows, classes = [], []
    for c in metrics["per_class"]:
        rows.append([esc(f'{c["label"]}: {c["class"]}' if c["class"] != str(c["label"]) else c["class"]),
                     num(c["precision"]), num(c["recall"]), num(c["f1"]), str(c["support"])])
        classes.append("")
    for name in ("macro", "weighted"):
        a = metrics[name]
        rows.append([_(AVERAGES[name]), num(a["precision"]), num(a["recall"]), num(a["f1"]), str(a["support"])])
        classes.append("avg")
    rows.append([_("accuracy"), "", "", num(metrics["accuracy"]), str(metrics["macro"]["support"])])
    classes.append("avg")
    return (table([_("class"), _("precision"), _("recall"), "F1", _("support")], rows, row_classes=classes)
            + '<p class="muted">' + _("Computed with scikit-learn on the test set. The macro average is the plain "
                                      "mean over classes; the weighted average weights each class by its support. A "
                                      "metric shown as — is undefined (no predictions or no examples of that class) "
                                      "and left out of the averages.") + "</p>")


def _confusion(fig_png, metrics):
    cm = metrics["confusion_matrix"]
    total = sum(map(sum, cm))
    right = sum(cm[i][i] for i in range(len(cm)))
    return (img(fig_png, _("confusion matrix of the test set"))
            + '<p class="muted">' + _("Rows are the true classes y, columns the predicted classes ŷ; the diagonal holds "
                                      "the {right} correct predictions out of {total} test examples.").format(
                right=right, total=total) + "</p>")


def _examples(fig_png, metrics, thumbs, classes):
    def rows(items, kind):
        out = []
        for rank, it in enumerate(items, 1):
            out.append([str(rank), str(it["index"]), thumbs.get(it["index"], ""),
                        esc(classes[it["y"]]), prob(it["p_y"]), esc(classes[it["y_hat"]]), prob(it["p_y_hat"])])
        return out or [["", "", "", f'<span class="muted">{kind}</span>', "", "", ""]]

    head = ["#", _("test index"), _("image"), "y", "p(y|x)", "ŷ", "p(ŷ|x)"]
    return ("<p>" + _("As exercise 8.5 (4) defines them: among the test examples the model classifies correctly "
                      "(ŷ = y), the <b>easiest</b> are those with the highest p(ŷ|x); among those it gets wrong "
                      "(ŷ ≠ y), the <b>hardest</b> are those with the highest p(ŷ|x) — where the model is most "
                      "confidently wrong.") + "</p>"
            '<div class="row"><div><h3>' + _("Easiest") + "</h3>"
            + table(head, rows(metrics["easiest"], _("no correct examples")), left=0)
            + "</div><div><h3>" + _("Hardest") + "</h3>"
            + table(head, rows(metrics["hardest"], _("no misclassified examples")), left=0)
            + "</div></div>" + img(fig_png, _("easiest (top) and hardest (bottom) test examples")))


def diverged_note(metrics, lr):
    """The warning a diverged run's report opens with: where it diverged, and what usually fixes it."""
    div = metrics.get("diverged")
    if not div:
        return ""
    return ('<p class="bad">' + _("<b>This run diverged at epoch {epoch}</b>: its loss stopped being a finite number "
                                  "(NaN or infinity), so training stopped there and the weights, metrics and examples "
                                  "below are those of a broken model. The usual fixes: a smaller learning rate (try "
                                  "{smaller}, a tenth of {lr}); the adam optimizer, which is less sensitive to it; "
                                  "inputs scaled to [0, 1].").format(
        epoch=esc(div["epoch"]), smaller=esc(f"{lr / 10:g}"), lr=esc(f"{lr:g}")) + "</p>")


def render(config, info, history, metrics, figures, thumbs):
    """The page as a string. figures: {"curves", "confusion", "examples"} -> PNG bytes; thumbs: test index ->
    <img> HTML of that example."""
    classes = info["classes"]
    title = f'{config["dataset"]} · {info["model_text"]}'
    subtitle = _("Exercise 8.5 with bibun: test accuracy <b>{accuracy:.4f}</b>, macro F1 <b>{f1}</b>").format(
        accuracy=metrics["accuracy"], f1=num(metrics["macro"]["f1"]))
    nav = [(key, _(name)) for key, name in SECTIONS]
    body = [
        section("summary", nav[0][1], diverged_note(metrics, config["lr"]) + _summary(config, info, history)),
        section("curves", nav[1][1], _curves(figures["curves"], history)),
        section("metrics", nav[2][1], metrics_table(metrics)),
        section("confusion", nav[3][1], _confusion(figures["confusion"], metrics)),
        section("examples", nav[4][1], _examples(figures["examples"], metrics, thumbs, classes)),
    ]
    return page(title, subtitle, nav, body)
