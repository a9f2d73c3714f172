"""`bibun explain EXPR --at NAME=VALUE,...`: the forward and backward steps of an expression, with figures.

    bibun explain "a*x + b" --at a=-2,x=3,b=4
    bibun explain "-log(1/(1+exp(-(w1*x1+w2*x2))))" --at w1=1,w2=0.5,x1=1,x2=-1 --name l_hat --html out.html

Prints the steps (plain text, or LaTeX with --latex) and writes the animation (--html, --gif) or the
figure (--png). Graphs of more than bibun.viz.MAX_NODES nodes are not drawn: explain a sub-expression,
or add --no-frames to write --html as the steps in text. A mistake in the command (a refused expression, a missing value, a file that cannot be
written) is one line on stderr and exit code 2. This module imports nothing heavy until it runs.
"""
import math
import sys

from . import formats
from ..i18n import N_, translate as _

MAX_VALUES = 100
MAX_VALUE_CHARS = 64

EPILOG = N_("""examples:
  bibun explain "a*x + b" --at a=-2,x=3,b=4
  bibun explain "-log(sigmoid(w1*x1 + w2*x2))" --at w1=1,w2=0.5,x1=1,x2=-1 --expand --html out.html
  bibun explain "tanh(w*x)**2" --at w=0.5,x=2 --wrt w --gif tanh.gif --png tanh.png

EXPR may use numbers, names, + - * / **, unary minus and exp, log, sigmoid, tanh, relu, sqrt, abs.""")


class UsageError(ValueError):
    """A mistake in the command line; shown as one line, exit code 2."""


def add_arguments(parser):
    import argparse
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = _(EPILOG)
    parser.add_argument("expr", metavar="EXPR", help=_("the expression, e.g. \"a*x + b\" (quote it for the shell)"))
    parser.add_argument("--at", action="append", default=[], metavar="NAME=VALUE,...",
                        help=_("the inputs' values, e.g. --at a=-2,x=3,b=4 (may be repeated)"))
    parser.add_argument("--wrt", metavar="NAMES", default=None,
                        help=_("the inputs to differentiate with respect to, e.g. --wrt w1,w2 (default: all; the "
                               "others are drawn as constants)"))
    parser.add_argument("--expand", action="store_true",
                        help=_("show composite functions (sigmoid) as the elementary ops a textbook draws"))
    parser.add_argument("--no-fold", action="store_true",
                        help=_("draw constants as plain leaves beside their operator instead of inside it (+1)"))
    parser.add_argument("--name", metavar="NAME", default=None,
                        help=_("the result's name (default y; l_hat gives l̂)"))
    for f in formats.FORMATS:                     # --latex, --markdown (print); --html FILE, ... (write)
        if f.flag and f.prints:
            parser.add_argument(f.flag, action="store_true", help=_(f.help))
        elif f.flag:
            parser.add_argument(f.flag, metavar="FILE", help=_(f.help))
    parser.add_argument("--no-frames", action="store_true",
                        help=_("draw nothing: {flags} writes the steps as text (for graphs too large to draw)").format(
                            flags=_flags(f for f in formats.FORMATS if f.as_text)))
    # an expression may start with a minus, "-log(p)": argparse takes only negative numbers for positionals
    # by default; take anything that starts with one dash (the options here have two, or are -h)
    import re
    if hasattr(parser, "_negative_number_matcher"):
        parser._negative_number_matcher = re.compile(r"^-(?!-)")


def _dest(f):
    return f.flag.lstrip("-").replace("-", "_")


def _flags(chosen):
    return " and ".join(f.flag for f in chosen)


def parse_values(items):
    """{name: float} from --at strings such as "w1=1,w2=0.5"; UsageError with one line otherwise."""
    values = {}
    for item in items:
        for part in item.split(","):
            part = part.strip()
            if not part:
                continue
            if "=" not in part:
                raise UsageError(_("--at {part}: write NAME=VALUE, e.g. --at x=1.5").format(part=repr(part[:40])))
            name, val = (s.strip() for s in part.split("=", 1))
            if not name.isidentifier() or name.startswith("_") or len(name) > 32:
                raise UsageError(_("--at: {name} is not a name (letters, digits and _, starting with a letter)").format(
                    name=repr(name[:40])))
            if len(val) > MAX_VALUE_CHARS:
                raise UsageError(_("--at {name}=...: the value is too long").format(name=name))
            try:
                v = float(val)
            except ValueError:
                raise UsageError(_("--at {name}={value}: not a number").format(name=name, value=val[:40])) from None
            if not math.isfinite(v):
                raise UsageError(_("--at {name}={value}: give a finite number").format(name=name, value=val))
            if name in values:
                raise UsageError(_("--at: {name} is given twice").format(name=name))
            values[name] = v
            if len(values) > MAX_VALUES:
                raise UsageError(_("--at: more than {n} values").format(n=MAX_VALUES))
    return values


def _error(msg):
    msg = " ".join(str(msg).split())
    print(_("bibun explain: error: {message}").format(message=msg), file=sys.stderr)
    return 2


def run(args):
    from . import ExpressionError, explain

    try:
        values = parse_values(args.at)
        wrt = None
        if args.wrt is not None:
            wrt = [w.strip() for w in args.wrt.split(",") if w.strip()]
        if args.name is not None and not args.name.isidentifier():
            raise UsageError(_("--name {name}: give a name such as y, loss or l_hat").format(name=repr(args.name[:40])))
        import numpy as np
        with np.errstate(all="ignore"):           # log(-1) and 1/0 are reported once, below
            ex = explain(args.expr, values, wrt=wrt, expand=args.expand, output=args.name,
                         fold_constants=not args.no_fold, lang=getattr(args, "lang", None))
    except (ExpressionError, UsageError, ValueError, TypeError) as e:
        return _error(e)
    if not all(np.isfinite(v.value).all() for v in ex.vars) or \
            not all(np.isfinite(b.grad).all() for b in ex.backward):
        print(_("bibun explain: note: some values are not finite (nan or inf): a log or square root of a "
                "negative number, or a division by zero, at these values"), file=sys.stderr)
    given = [f for f in formats.FORMATS if f.flag and getattr(args, _dest(f))]
    printed = next((f for f in given if f.prints), None) or \
        next(f for f in formats.FORMATS if f.prints and not f.flag)      # the steps as plain text
    files = [(f, getattr(args, _dest(f))) for f in given if not f.prints]
    if args.no_frames and any(f.draws and f.as_text is None for f, _ in files):
        refused = _flags(f for f in formats.FORMATS if f.draws and not f.as_text)
        return _error(_("--no-frames draws nothing: leave out {refused} ({flags} then writes the steps as text)")
                      .format(refused=refused, flags=_flags(f for f in formats.FORMATS if f.as_text)))
    if any(f.draws for f, _ in files) and not args.no_frames:
        from ..viz.scene import MAX_NODES
        n = len(ex.scene()[0].nodes)
        if n > MAX_NODES:
            return _error(_("the graph has {n} nodes, more than the {max} bibun draws: explain a "
                            "sub-expression (a smaller piece of the expression), or add --no-frames to write "
                            "the steps as text alone").format(n=n, max=MAX_NODES))
    drawing = formats.Drawing(ex, [f for f, _ in files])
    sys.stdout.write(printed.render(ex, drawing).decode("utf-8"))
    from .._atomic import write_bytes
    for f, path in files:
        if args.no_frames and f.draws:
            data, what = f.as_text(ex), _("the steps as text")
        else:
            data, what = f.render(ex, drawing), _(f.what).format(n=len(ex))
        try:
            write_bytes(path, data)
        except OSError as e:
            return _error(_("cannot write {path}: {reason}").format(path=path, reason=e.strerror or e))
        print(_("wrote {path} ({what})").format(path=path, what=what), file=sys.stderr)
    return 0
