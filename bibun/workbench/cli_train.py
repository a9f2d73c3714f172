"""`bibun train`: exercise 8.5 (1)-(4) as one command. Imports nothing heavy until it runs."""
import sys

from ..i18n import N_, translate as _

EXAMPLES = N_("""examples:
  bibun train                                     linear model on scikit-learn's digits (offline)
  bibun train --model mlp --hidden 256,128        multi-layer network on digits
  bibun train --dataset fashion-mnist --model mlp --out runs/fmnist-mlp
  bibun train --out runs/fmnist-mlp --resume      continue an interrupted run
""")


def add_arguments(parser):
    import argparse
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = _(EXAMPLES)
    from .. import datasets
    from .config import ACTIVATIONS, DEFAULT_DATASET, MODELS, OPTIMIZERS
    records = [datasets.get(name) for name in datasets.names()]
    parser.add_argument("--dataset", choices=[r.name for r in records], default=None, metavar="NAME",
                        help=_("data set (default: {default}): ").format(default=DEFAULT_DATASET)
                        + "; ".join(f"{r.name}: {r.about or r.title}" for r in records))
    parser.add_argument("--model", choices=MODELS, default=None,
                        help=_("linear: one Linear layer; mlp: hidden layers (default: linear)"))
    parser.add_argument("--hidden", default=None, metavar="SIZES",
                        help=_("hidden layer sizes of the mlp, comma-separated (default: 256,128)"))
    parser.add_argument("--activation", choices=ACTIVATIONS, default=None,
                        help=_("activation of the mlp's hidden layers (default: relu)"))
    parser.add_argument("--epochs", type=int, default=None, metavar="N", help=_("epochs (default per data set)"))
    parser.add_argument("--batch-size", type=int, default=None, metavar="N",
                        help=_("training batch size (default per data set)"))
    parser.add_argument("--lr", type=float, default=None, metavar="X",
                        help=_("learning rate (default per data set and model; 0.1 for sgd)"))
    parser.add_argument("--optimizer", choices=OPTIMIZERS, default=None, help=_("optimizer (default: adam)"))
    parser.add_argument("--seed", type=int, default=None, metavar="N", help=_("random seed (default: 0)"))
    parser.add_argument("--out", default=None, metavar="DIR",
                        help=_("run folder (default: runs/DATASET-MODEL, numbered if taken)"))
    fetched = ", ".join(r.name for r in records if r.downloads)
    parser.add_argument("--data-dir", default=None, metavar="DIR",
                        help=_("folder holding the data set's files (gzipped or not) of a data set that is "
                               "otherwise downloaded ({names})").format(names=fetched or _("none now")))
    parser.add_argument("--resume", action="store_true",
                        help=_("continue the run in --out from its last finished epoch"))
    parser.add_argument("--overwrite", action="store_true", help=_("replace the run already in --out"))
    parser.add_argument("--no-download", action="store_true", help=_("never download data; fail if not found"))
    parser.add_argument("--threads", type=int, default=None, metavar="N",
                        help=_("BLAS threads while training (default: 1 for small models, else NumPy's own)"))
    parser.add_argument("--quiet", action="store_true", help=_("no progress bars or per-epoch lines"))


def _default_out(dataset, model):
    from pathlib import Path
    from .rundir import RunDir
    from .config import DEFAULT_DATASET
    base = Path("runs") / f"{dataset or DEFAULT_DATASET}-{model or 'linear'}"
    path, n = base, 1
    while RunDir(path).holds_run():
        n += 1
        path = base.with_name(f"{base.name}-{n}")
    return path


def _command(argv=None):
    import shlex
    argv = sys.argv if argv is None else argv
    return "bibun " + " ".join(shlex.quote(a) for a in argv[1:]) if argv and len(argv) > 1 else None


def run(args):
    from .._errors import one_line
    from .errors import WorkbenchError
    if args.resume and not args.out:
        print(_("bibun train: error: --resume needs --out DIR, the folder of the run to continue"), file=sys.stderr)
        return 2
    out = args.out or _default_out(args.dataset, args.model)
    try:
        from .api import train
        result = train(args.dataset, args.model, hidden=args.hidden, activation=args.activation,
                       epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, optimizer=args.optimizer,
                       seed=args.seed, out=out, data_dir=args.data_dir, download=not args.no_download,
                       resume=args.resume, overwrite=args.overwrite, quiet=args.quiet,
                       threads="auto" if args.threads is None else args.threads,
                       command=None if args.resume else _command(), lang=getattr(args, "lang", None))
    except (WorkbenchError, OSError) as e:     # OSError: a file system failure no check could foresee
        print(_("bibun train: error: {message}").format(message=one_line(e)), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(_("\ninterrupted; the finished epochs are saved in {out}. Continue with:\n"
                "  bibun train --out {out} --resume").format(out=out), file=sys.stderr)
        return 130
    m = result.metrics
    if m["diverged"]:
        print(_("bibun train: warning: the run diverged at epoch {epoch} (its loss became NaN or infinite); try a "
                "smaller learning rate, e.g. --lr {lr:g}").format(epoch=m["diverged"]["epoch"], lr=result.config.lr / 10),
              file=sys.stderr)
    f1 = _("undefined") if m["macro"]["f1"] is None else f"{m['macro']['f1']:.4f}"
    print(_("{dataset} {model}: test accuracy {accuracy:.4f}, macro F1 {f1} after {n} epochs").format(
        dataset=result.config.dataset, model=result.info["model_text"], accuracy=m["accuracy"], f1=f1,
        n=len(result.history)))
    print(_("report: {path}").format(path=result.paths["report"]))
    return 0
