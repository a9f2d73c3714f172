"""The `bibun` command: explain, train, compare, tour, export. Each subcommand lives with the layer it runs
(bibun/explain/cli.py, bibun/workbench/cli_train.py, bibun/workbench/cli_compare.py, bibun/tour.py) and
imports its heavy parts only when it runs, so `bibun explain` never pays for scikit-learn and `bibun train`
never for the figure code."""
import argparse
import importlib
import sys

from . import __version__
from .i18n import LANGUAGES, N_, translate as _, language, normalise

# name -> (module, one-line help); each module has add_arguments(parser) and run(args) -> exit code
COMMANDS = {
    "explain": ("bibun.explain.cli", N_("show the forward and backward steps of an expression (chain rule, figures)")),
    "train": ("bibun.workbench.cli_train", N_("train and evaluate a classifier, write a report")),
    "compare": ("bibun.workbench.cli_compare", N_("put finished runs side by side in one report")),
    "tour": ("bibun.tour", N_("run the whole chapter and write tour/index.html")),
    "export": ("bibun.workbench.cli_export", N_("write a finished run's model for PyTorch (model.pt, model.py) or ONNX")),
}


def _available():
    out = {}
    for name, (mod, help_) in COMMANDS.items():
        try:
            spec = importlib.util.find_spec(mod)
        except ModuleNotFoundError:
            spec = None
        if spec is not None:
            out[name] = (mod, help_)
    return out


def _lang_arg(value):
    try:
        return normalise(value, "--lang")
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _asked_language(argv):
    """The --lang of the command line, read before the parser is built (its help is in that language)."""
    lang = None
    for i, a in enumerate(argv):
        value = argv[i + 1] if a == "--lang" and i + 1 < len(argv) else a[7:] if a.startswith("--lang=") else None
        if value is not None:
            try:
                lang = normalise(value)
            except ValueError:
                pass                        # the parser says what is wrong with it
    return lang


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, _("usage: ") if prefix is None else prefix)


def _speak(parser):
    """argparse's own words in the parser's help (its headings, -h), and the --lang option."""
    parser.formatter_class = _Formatter            # every command's description and epilog are laid out by hand
    parser._positionals.title = _("positional arguments")
    parser._optionals.title = _("options")
    parser._actions[0].help = _("show this help message and exit")
    parser.add_argument("--lang", type=_lang_arg, default=argparse.SUPPRESS, metavar="{" + ",".join(LANGUAGES) + "}",
                        help=_("the language of everything bibun writes (default: BIBUN_LANG, else the locale)"))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    with language(_asked_language(argv)):
        return _main(argv)


def _main(argv):
    cmds = _available()
    parser = argparse.ArgumentParser(prog="bibun", description=_("bibun: automatic differentiation you can see."))
    _speak(parser)
    parser.add_argument("--version", action="version", version=f"bibun {__version__}",
                        help=_("show program's version number and exit"))
    sub = parser.add_subparsers(dest="command", metavar="{" + ",".join(cmds) + "}")
    for name, (mod, help_) in cmds.items():
        p = sub.add_parser(name, help=_(help_), description=_(help_))
        p.set_defaults(_module=mod)
        importlib.import_module(mod).add_arguments(p)
        _speak(p)
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    try:
        return importlib.import_module(args._module).run(args) or 0
    except KeyboardInterrupt:
        print(_("interrupted"), file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
