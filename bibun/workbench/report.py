"""report.html for one run: summary, curves, per-class metrics, confusion matrix, easiest and hardest
examples — one self-contained page (images embedded, no external resources)."""
from ._fmt import prob
from .pages import esc, img, num, page, section, table

SECTIONS = (("summary", "Run"), ("curves", "Loss and accuracy per epoch"),
            ("metrics", "Precision, recall and F1 per class"), ("confusion", "Confusion matrix"),
            ("examples", "Easiest and hardest test examples"))


def _summary(config, info, history):
    last = history[-1] if history else None
    rows = [
        ["data set", esc(config["dataset"]) + f' <span class="muted">({esc(info["n_train"])} train, '
                                              f'{esc(info["n_test"])} test images of {esc(info["image_shape"])})</span>'],
        ["model", esc(info["model_text"]) + f' <span class="muted">({esc(format(info["num_params"], ","))} '
                                            f'parameters)</span>'],
        ["training", esc(f'{config["optimizer"]} lr={config["lr"]:g}, batch size {config["batch_size"]}, '
                         f'{config["epochs"]} epochs, seed {config["seed"]}')],
        ["loss", "cross-entropy (CrossEntropyLoss on raw scores)"],
    ]
    if last:
        rows.append(["after the last epoch", f'train loss {last["train_loss"]:.4f}, accuracy {last["train_acc"]:.4f}; '
                     f'<b>test loss {last["test_loss"]:.4f}, accuracy {last["test_acc"]:.4f}</b>'])
        rows.append(["time", f'{sum(r["seconds"] for r in history):.1f} s for {len(history)} epochs '
                     f'(measuring included)'])
    cmd = info.get("command")
    if cmd:
        rows.append(["command", f"<code>{esc(cmd)}</code>"])
    return table(None, rows, left=2)


def _curves(fig_png, history):
    rows = [[str(r["epoch"]), num(r["train_loss"]), num(r["train_acc"]), num(r["test_loss"]), num(r["test_acc"]),
             f'{r["seconds"]:.2f}'] for r in history]
    return (img(fig_png, "train and test loss and accuracy per epoch")
            + '<p class="muted">Loss and accuracy are measured on the whole training and test sets after each '
              'epoch, with the model in evaluation mode and no gradient tracking.</p>'
            + table(["epoch", "train loss", "train accuracy", "test loss", "test accuracy", "seconds"], rows))


def metrics_table(metrics):
    """The per-class precision/recall/F1 table with the macro averages, as HTML (the report and the inline view)."""
    rows, classes = [], []
    for c in metrics["per_class"]:
        rows.append([esc(f'{c["label"]}: {c["class"]}' if c["class"] != str(c["label"]) else c["class"]),
                     num(c["precision"]), num(c["recall"]), num(c["f1"]), str(c["support"])])
        classes.append("")
    for name in ("macro", "weighted"):
        a = metrics[name]
        rows.append([f"{name} average", num(a["precision"]), num(a["recall"]), num(a["f1"]), str(a["support"])])
        classes.append("avg")
    rows.append(["accuracy", "", "", num(metrics["accuracy"]), str(metrics["macro"]["support"])])
    classes.append("avg")
    return (table(["class", "precision", "recall", "F1", "support"], rows, row_classes=classes)
            + '<p class="muted">Computed with scikit-learn on the test set. The macro average is the plain mean over '
              'classes; the weighted average weights each class by its support. A metric shown as — is undefined '
              '(no predictions or no examples of that class) and left out of the averages.</p>')


def _confusion(fig_png, metrics):
    cm = metrics["confusion_matrix"]
    total = sum(map(sum, cm))
    right = sum(cm[i][i] for i in range(len(cm)))
    return (img(fig_png, "confusion matrix of the test set")
            + f'<p class="muted">Rows are the true classes y, columns the predicted classes ŷ; the diagonal holds the '
              f'{right} correct predictions out of {total} test examples.</p>')


def _examples(fig_png, metrics, thumbs, classes):
    def rows(items, kind):
        out = []
        for rank, it in enumerate(items, 1):
            out.append([str(rank), str(it["index"]), thumbs.get(it["index"], ""),
                        esc(classes[it["y"]]), prob(it["p_y"]), esc(classes[it["y_hat"]]), prob(it["p_y_hat"])])
        return out or [["", "", "", f'<span class="muted">no {kind} examples</span>', "", "", ""]]

    head = ["#", "test index", "image", "y", "p(y|x)", "ŷ", "p(ŷ|x)"]
    return ('<p>As exercise 8.5 (4) defines them: among the test examples the model classifies correctly '
            '(ŷ = y), the <b>easiest</b> are those with the highest p(ŷ|x); among those it gets wrong (ŷ ≠ y), the '
            '<b>hardest</b> are those with the highest p(ŷ|x) — where the model is most confidently wrong.</p>'
            '<div class="row"><div><h3>Easiest</h3>' + table(head, rows(metrics["easiest"], "correct"), left=0)
            + '</div><div><h3>Hardest</h3>' + table(head, rows(metrics["hardest"], "misclassified"), left=0)
            + "</div></div>" + img(fig_png, "easiest (top) and hardest (bottom) test examples"))


def diverged_note(metrics, lr):
    """The warning a diverged run's report opens with: where it diverged, and what usually fixes it."""
    div = metrics.get("diverged")
    if not div:
        return ""
    return (f'<p class="bad"><b>This run diverged at epoch {esc(div["epoch"])}</b>: its loss stopped being a finite '
            f'number (NaN or infinity), so training stopped there and the weights, metrics and examples below are '
            f'those of a broken model. The usual fixes: a smaller learning rate (try {esc(f"{lr / 10:g}")}, a tenth '
            f'of {esc(f"{lr:g}")}); the adam optimizer, which is less sensitive to it; inputs scaled to [0, 1].</p>')


def render(config, info, history, metrics, figures, thumbs):
    """The page as a string. figures: {"curves", "confusion", "examples"} -> PNG bytes; thumbs: test index ->
    <img> HTML of that example."""
    classes = info["classes"]
    title = f'{config["dataset"]} · {info["model_text"]}'
    subtitle = (f'Exercise 8.5 with bibun: test accuracy <b>{metrics["accuracy"]:.4f}</b>, macro F1 '
                f'<b>{num(metrics["macro"]["f1"])}</b>')
    body = [
        section("summary", SECTIONS[0][1], diverged_note(metrics, config["lr"]) + _summary(config, info, history)),
        section("curves", SECTIONS[1][1], _curves(figures["curves"], history)),
        section("metrics", SECTIONS[2][1], metrics_table(metrics)),
        section("confusion", SECTIONS[3][1], _confusion(figures["confusion"], metrics)),
        section("examples", SECTIONS[4][1], _examples(figures["examples"], metrics, thumbs, classes)),
    ]
    return page(title, subtitle, SECTIONS, body)
