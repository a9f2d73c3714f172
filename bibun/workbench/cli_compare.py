"""`bibun compare`: exercise 8.5 (5), finished runs side by side. Imports nothing heavy until it runs."""
import sys

from ..i18n import translate as _


def add_arguments(parser):
    parser.add_argument("runs", nargs="+", metavar="RUN_DIR", help=_("folders of finished `bibun train` runs"))
    parser.add_argument("--out", default="runs/compare", metavar="DIR",
                        help=_("where to write compare.html (default: runs/compare)"))
    parser.add_argument("--overwrite", action="store_true", help=_("replace the comparison already in --out"))


def run(args):
    from .._errors import one_line
    from .errors import WorkbenchError
    try:
        from .comparison import compare
        paths = compare(args.runs, out=args.out, overwrite=args.overwrite, lang=getattr(args, "lang", None))
    except (WorkbenchError, OSError) as e:     # OSError: a file system failure no check could foresee
        print(_("bibun compare: error: {message}").format(message=one_line(e)), file=sys.stderr)
        return 2
    print(_("report: {path}").format(path=paths["report"]))
    return 0
