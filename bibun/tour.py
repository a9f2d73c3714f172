"""`bibun tour`: the whole chapter in one command, written to one page (tour/index.html).

  8.1  the computation graphs of y = ax + b and of eq. (8.6), animated forward and backward
  8.2  the blobs network trained the chapter's four ways, with its heatmaps and loss curve
  8.3  the circles: one layer fails, two layers separate them
  8.4  exercise 8.4 solved, with its chain-rule steps
  8.5  exercise 8.5 on scikit-learn's digits (no network needed): single layer vs multi-layer

Everything runs on bibun; the page embeds its figures and animations (it works offline). The two 8.5
runs keep their own reports under tour/runs/.
"""
import html
import io
import time
from pathlib import Path

from .i18n import N_, translate as _, language

# in Japanese, the chapter's own section titles
SECTIONS = [("s81", N_("8.1 Graphs")), ("s82", N_("8.2 Four ways to train")), ("s83", N_("8.3 Circles")),
            ("s84", N_("Exercise 8.4")), ("s85", N_("Exercise 8.5"))]


def add_arguments(parser):
    parser.add_argument("--out", default="tour", help=_("folder to write (default: tour/)"))
    parser.add_argument("--seed", type=int, default=0, help=_("random seed for every training (default 0)"))
    parser.add_argument("--quiet", action="store_true", help=_("print nothing but the final line"))


def run(args):
    try:
        path = write_tour(args.out, seed=args.seed, quiet=args.quiet, lang=getattr(args, "lang", None))
    except OSError as e:
        import sys
        print(_("bibun tour: cannot write to {path}: {reason}").format(path=args.out, reason=e.strerror or e),
              file=sys.stderr)
        return 2
    print(_("wrote {path}").format(path=path))
    return 0


# -- the chapter's trainings --------------------------------------------------------------------
def _chapter_data(kind):
    import bibun
    from bibun.datasets import toy
    X, y = toy.blobs() if kind == "blobs" else toy.circles()
    return bibun.from_numpy(X).type(bibun.float), bibun.from_numpy(y).type(bibun.float)


def _train_primitive(X, Y):
    """Section 8.2.1: w and b by hand, the loss written out, updates under no_grad."""
    import bibun
    from bibun.utils.data import DataLoader, TensorDataset
    loader = DataLoader(TensorDataset(X, Y), batch_size=4, shuffle=True)
    w = bibun.randn(2, 1, dtype=bibun.float, requires_grad=True)
    b = bibun.randn(1, dtype=bibun.float, requires_grad=True)
    H = []
    for _ in range(1000):
        sumloss = 0.0
        for x, y in loader:
            y_hat = (x.matmul(w) + b).sigmoid()
            l = y * y_hat + (1 - y) * (1 - y_hat)
            loss = -l.log().sum()
            sumloss += loss.item()
            loss.backward()
            with bibun.no_grad():
                w -= 0.01 * w.grad
                b -= 0.01 * b.grad
                w.grad.zero_()
                b.grad.zero_()
        H.append(sumloss)
    return (lambda x: x.matmul(w) + b), H, f"print(w, b)\n{w} {b}"


def _train_library(model, X, Y, manual=False):
    """Sections 8.2.2 to 8.3.2: a library model and loss; SGD from optim, or the update by hand."""
    import bibun
    from bibun.utils.data import DataLoader, TensorDataset
    loader = DataLoader(TensorDataset(X, Y), batch_size=4, shuffle=True)
    loss_fn = bibun.nn.BCEWithLogitsLoss()
    optimizer = None if manual else bibun.optim.SGD(model.parameters(), lr=0.5)
    for _ in range(1000):
        for x, y in loader:
            loss = loss_fn(model(x), y)
            if manual:
                model.zero_grad()
                loss.backward()
                with bibun.no_grad():
                    for param in model.parameters():
                        param -= 0.1 * param.grad
            else:
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
    return model


def _single_layer_class():
    import bibun

    class SingleLayerNN(bibun.nn.Module):
        def __init__(self, d_in, d_out):
            super().__init__()
            self.linear1 = bibun.nn.Linear(d_in, d_out, bias=True)

        def forward(self, x):
            return self.linear1(x)
    return SingleLayerNN(2, 1)


def _heatmap(model, X, Y, title, step=1.0):
    import bibun
    from .viz.heatmap import decision_heatmap

    def f(xy):
        with bibun.no_grad():
            return model(bibun.from_numpy(xy).type(bibun.float)).numpy().reshape(-1)
    return decision_heatmap(f, X.numpy(), Y.numpy(), step=step, title=title)


def _accuracy(model, X, Y):
    import bibun
    with bibun.no_grad():
        return ((model(X) > 0).float() == Y).float().mean().item()


# -- page pieces ----------------------------------------------------------------------------------
def _png(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=fig.dpi)
    return buf.getvalue()


def _pre(text):
    return f'<pre style="background:#f3f4f6;padding:.6rem;overflow-x:auto;font-size:.85rem">{html.escape(text)}</pre>'


def _card(title, body):
    return f"<div><h3 style='font-size:1rem;margin:.6rem 0 .2rem'>{html.escape(title)}</h3>{body}</div>"


def _explained(ex, caption):
    return (f"<p>{caption}</p>" + ex.to_html(full_page=False) + f"<details><summary>{_('The steps as text')}</summary>"
            + _pre(ex.text()) + "</details>")


def _section_81():
    import bibun
    from bibun.explain import explain
    lin = explain(lambda a, x, b: a * x + b, a=-2.0, x=3.0, b=4.0)
    loss = explain("-log(1/(1+exp(-(w1*x1+w2*x2))))", w1=1.0, w2=0.5, x1=1.0, x2=-1.0, expand=True,
                   output="l_hat")
    del bibun
    return (_explained(lin, _("y = ax + b at (a, b, x) = (−2, 4, 3): the forward pass writes each value above "
                              "its edge, the backward pass each partial derivative below it."))
            + _explained(loss, _("The loss of eq. (8.6) with σ drawn as its elementary operations "
                                 "(×(−1), exp, +1, 1/a), as the chapter draws it.")))


def _trained(model, X, Y):
    return "<p>" + _("training accuracy {accuracy:.2f}").format(accuracy=_accuracy(model, X, Y)) + "</p>"


def _section_82(seed, img):
    import bibun
    X, Y = _chapter_data("blobs")
    cards = []
    bibun.manual_seed(seed)
    model, H, printed = _train_primitive(X, Y)
    from .viz.heatmap import loss_curve
    cards.append(_card(_("8.2.1 by hand: tensors, the loss written out, updates under no_grad"),
                       img(_png(loss_curve(H, _("loss per epoch"))), _("loss curve"))
                       + img(_png(_heatmap(model, X, Y, _("by hand"))), _("heatmap")) + _pre(printed)
                       + _trained(model, X, Y)))
    ways = [(_("8.2.2 nn.Sequential, BCEWithLogitsLoss, the update by hand"),
             lambda: _train_library(bibun.nn.Sequential(bibun.nn.Linear(2, 1, bias=True)), X, Y, manual=True)),
            (_("8.2.3 the optimizer: optim.SGD"),
             lambda: _train_library(bibun.nn.Sequential(bibun.nn.Linear(2, 1, bias=True)), X, Y)),
            (_("8.2.4 the network as a Module class"), lambda: _train_library(_single_layer_class(), X, Y))]
    for title, fit in ways:
        bibun.manual_seed(seed)
        model = fit()
        cards.append(_card(title, img(_png(_heatmap(model, X, Y, title.split(" ")[0])), _("heatmap"))
                           + _pre(f"print(model.state_dict())\n{model.state_dict()}")
                           + _trained(model, X, Y)))
    return '<div class="row">' + "".join(cards) + "</div>"


def _section_83(seed, img):
    import bibun
    X, Y = _chapter_data("circles")
    bibun.manual_seed(seed)
    one = _train_library(bibun.nn.Sequential(bibun.nn.Linear(2, 1, bias=True)), X, Y)
    bibun.manual_seed(seed)
    two = _train_library(bibun.nn.Sequential(bibun.nn.Linear(2, 4, bias=True), bibun.nn.Sigmoid(),
                                             bibun.nn.Linear(4, 1, bias=True)), X, Y)
    return ('<div class="row">'
            + _card(_("8.3.1 one layer: training accuracy {accuracy:.2f} (no line separates them)").format(
                        accuracy=_accuracy(one, X, Y)),
                    img(_png(_heatmap(one, X, Y, "2 → 1", step=0.1)), _("heatmap")))
            + _card(_("8.3.2 two layers: training accuracy {accuracy:.2f}").format(accuracy=_accuracy(two, X, Y)),
                    img(_png(_heatmap(two, X, Y, "2 → 4 → 1")), _("heatmap")) + _pre(f"print(model)\n{two}"))
            + "</div>")


def _section_84():
    import bibun
    import bibun.nn.functional as F
    from bibun.explain import explain, label
    W, q, b, c = [[1.0, 1.0], [-1.0, -1.0]], [1.0, 1.0], [-0.5, 1.5], -1.5

    def network(W, x, b, q, c):
        h = label(bibun.relu(W @ x + b), "h")
        return label(bibun.sigmoid(h @ q + c), "y_hat")

    def loss(W, x, b, q, c, y):
        return F.binary_cross_entropy(network(W, x, b, q, c), y)

    part1 = explain(network, W=W, x=[0.0, 0.0], b=b, q=q, c=c, wrt=[], output="y_hat")
    part2 = explain(loss, W=W, x=[1.0, 1.0], b=b, q=q, c=c, y=0.0, wrt=["W", "b", "q", "c"], output="l")
    return ("<p>" + _("ŷ = σ(hᵀq + c), h = ReLU(Wx + b) with W = [[1, 1], [−1, −1]], q = (1, 1), b = (−0.5, 1.5), "
                      "c = −1.5.") + "</p><h3 style='font-size:1rem'>" + _("(1) h and ŷ at x = (0, 0)") + "</h3>"
            + _pre(part1.text()) + "<h3 style='font-size:1rem'>"
            + _("(2) the cross-entropy loss at (x, y) = ((1, 1), 0) and its gradients") + "</h3>"
            + part2.to_html(full_page=False) + _pre(part2.text()))


def _section_85(out, seed, quiet, img):
    from .workbench import compare, train
    from .workbench.pages import esc, num, table
    runs = {}
    for model in ("linear", "mlp"):
        runs[model] = train("digits", model, seed=seed, out=out / "runs" / f"digits-{model}", overwrite=True,
                            quiet=True)
        if not quiet:
            print(_("  8.5 digits {model}: test accuracy {accuracy:.4f}").format(
                model=model, accuracy=runs[model].test_accuracy), flush=True)
    cmp = compare([r.paths["dir"] for r in runs.values()], out / "runs" / "compare", overwrite=True)
    rows = []
    for name, r in runs.items():
        m = r.metrics
        rows.append([esc(f"{name} ({r.info['model_text']})"), str(r.config.epochs), num(m["accuracy"]),
                     num(m["macro"]["precision"]), num(m["macro"]["recall"]), num(m["macro"]["f1"]),
                     f'<a href="runs/digits-{name}/report.html">{_("report")}</a>'])
    body = ("<p>" + _("scikit-learn's bundled 8×8 handwritten digits (1,797 images, a fixed split), the default that "
                      "runs anywhere without a network; <code>bibun train --dataset fashion-mnist</code> or "
                      "<code>mnist</code> runs the same on 28×28 images. Per epoch the loss and accuracy are "
                      "measured on the whole training and test sets.") + "</p>"
            + table([_("model"), _("epochs"), _("test accuracy"), _("macro precision"), _("macro recall"),
                     _("macro F1"), ""], rows)
            + img(Path(cmp["figure_curves"]).read_bytes(), _("curves of both runs"))
            + "<p>" + _('Per-class precision, recall and F1, the confusion matrices and the easiest and hardest test '
                        'images of both runs: <a href="runs/compare/compare.html">the comparison</a>.') + "</p>")
    return body


def write_tour(out="tour", seed=0, quiet=False, lang=None):
    """Run every part of the chapter and write `out`/index.html; returns its path. `lang`: "en" or "ja" (the
    chapter's own words and section titles); default the language in effect (bibun.i18n)."""
    with language(lang):
        return _write_tour(out, seed, quiet)


def _write_tour(out, seed, quiet):
    from .workbench.pages import img, page, section
    from .workbench.rundir import write_text
    out = Path(out).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    parts = []
    steps = [("s81", lambda: _section_81()), ("s82", lambda: _section_82(seed, img)),
             ("s83", lambda: _section_83(seed, img)), ("s84", lambda: _section_84()),
             ("s85", lambda: _section_85(out, seed, quiet, img))]
    titles = {key: _(title) for key, title in SECTIONS}
    for key, build in steps:
        t0 = time.perf_counter()
        parts.append(section(key, titles[key], build()))
        if not quiet:
            print(f"{titles[key]}: {time.perf_counter() - t0:.1f} s", flush=True)
    subtitle = _("The chapter's code run on bibun (seed {seed}) in {seconds:.0f} s: every figure below was computed, "
                 "not drawn by hand.").format(seed=seed, seconds=time.perf_counter() - started)
    path = out / "index.html"
    write_text(path, page(_("bibun tour: computation graphs, autodiff and training"), subtitle, list(titles.items()),
                          parts))
    return path
