"""The `bibun` command: explain, train, compare, tour, export. Each subcommand lives with the layer it runs
(bibun/explain/cli.py, bibun/workbench/cli_train.py, bibun/workbench/cli_compare.py, bibun/tour.py) and
imports its heavy parts only when it runs, so `bibun explain` never pays for scikit-learn and `bibun train`
never for the figure code."""
import argparse
import importlib
import sys

from . import __version__

# name -> (module, one-line help); each module has add_arguments(parser) and run(args) -> exit code
COMMANDS = {
    "explain": ("bibun.explain.cli", "show the forward and backward steps of an expression (chain rule, figures)"),
    "train": ("bibun.workbench.cli_train", "train and evaluate a classifier, write a report"),
    "compare": ("bibun.workbench.cli_compare", "put finished runs side by side in one report"),
    "tour": ("bibun.tour", "run the whole chapter and write tour/index.html"),
    "export": ("bibun.workbench.cli_export", "write a finished run's model for PyTorch (model.pt, model.py) or ONNX"),
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


def main(argv=None):
    cmds = _available()
    parser = argparse.ArgumentParser(prog="bibun", description="bibun: automatic differentiation you can see.")
    parser.add_argument("--version", action="version", version=f"bibun {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="{" + ",".join(cmds) + "}")
    for name, (mod, help_) in cmds.items():
        p = sub.add_parser(name, help=help_, description=help_)
        p.set_defaults(_module=mod)
        importlib.import_module(mod).add_arguments(p)
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    try:
        return importlib.import_module(args._module).run(args) or 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
