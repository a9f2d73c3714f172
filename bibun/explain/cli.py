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

MAX_VALUES = 100
MAX_VALUE_CHARS = 64

EPILOG = """examples:
  bibun explain "a*x + b" --at a=-2,x=3,b=4
  bibun explain "-log(sigmoid(w1*x1 + w2*x2))" --at w1=1,w2=0.5,x1=1,x2=-1 --expand --html out.html
  bibun explain "tanh(w*x)**2" --at w=0.5,x=2 --wrt w --gif tanh.gif --png tanh.png

EXPR may use numbers, names, + - * / **, unary minus and exp, log, sigmoid, tanh, relu, sqrt, abs."""


class UsageError(ValueError):
    """A mistake in the command line; shown as one line, exit code 2."""


def add_arguments(parser):
    import argparse
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument("expr", metavar="EXPR", help="the expression, e.g. \"a*x + b\" (quote it for the shell)")
    parser.add_argument("--at", action="append", default=[], metavar="NAME=VALUE,...",
                        help="the inputs' values, e.g. --at a=-2,x=3,b=4 (may be repeated)")
    parser.add_argument("--wrt", metavar="NAMES", default=None,
                        help="the inputs to differentiate with respect to, e.g. --wrt w1,w2 (default: all; the "
                             "others are drawn as constants)")
    parser.add_argument("--expand", action="store_true",
                        help="show composite functions (sigmoid) as the elementary ops a textbook draws")
    parser.add_argument("--no-fold", action="store_true",
                        help="draw constants as plain leaves beside their operator instead of inside it (+1)")
    parser.add_argument("--name", metavar="NAME", default=None,
                        help="the result's name (default y; l_hat gives l̂)")
    for f in formats.FORMATS:                     # --latex, --markdown (print); --html FILE, ... (write)
        if f.flag and f.prints:
            parser.add_argument(f.flag, action="store_true", help=f.help)
        elif f.flag:
            parser.add_argument(f.flag, metavar="FILE", help=f.help)
    parser.add_argument("--no-frames", action="store_true",
                        help=f"draw nothing: {_flags(f for f in formats.FORMATS if f.as_text)} writes the steps "
                             "as text (for graphs too large to draw)")
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
                raise UsageError(f"--at {part[:40]!r}: write NAME=VALUE, e.g. --at x=1.5")
            name, val = (s.strip() for s in part.split("=", 1))
            if not name.isidentifier() or name.startswith("_") or len(name) > 32:
                raise UsageError(f"--at: {name[:40]!r} is not a name (letters, digits and _, starting with a letter)")
            if len(val) > MAX_VALUE_CHARS:
                raise UsageError(f"--at {name}=...: the value is too long")
            try:
                v = float(val)
            except ValueError:
                raise UsageError(f"--at {name}={val[:40]}: not a number") from None
            if not math.isfinite(v):
                raise UsageError(f"--at {name}={val}: give a finite number")
            if name in values:
                raise UsageError(f"--at: {name} is given twice")
            values[name] = v
            if len(values) > MAX_VALUES:
                raise UsageError(f"--at: more than {MAX_VALUES} values")
    return values


def _error(msg):
    msg = " ".join(str(msg).split())
    print(f"bibun explain: error: {msg}", file=sys.stderr)
    return 2


def run(args):
    from . import ExpressionError, explain

    try:
        values = parse_values(args.at)
        wrt = None
        if args.wrt is not None:
            wrt = [w.strip() for w in args.wrt.split(",") if w.strip()]
        if args.name is not None and not args.name.isidentifier():
            raise UsageError(f"--name {args.name[:40]!r}: give a name such as y, loss or l_hat")
        import numpy as np
        with np.errstate(all="ignore"):           # log(-1) and 1/0 are reported once, below
            ex = explain(args.expr, values, wrt=wrt, expand=args.expand, output=args.name,
                         fold_constants=not args.no_fold)
    except (ExpressionError, UsageError, ValueError, TypeError) as e:
        return _error(e)
    if not all(np.isfinite(v.value).all() for v in ex.vars) or \
            not all(np.isfinite(b.grad).all() for b in ex.backward):
        print("bibun explain: note: some values are not finite (nan or inf): a log or square root of a "
              "negative number, or a division by zero, at these values", file=sys.stderr)
    given = [f for f in formats.FORMATS if f.flag and getattr(args, _dest(f))]
    printed = next((f for f in given if f.prints), None) or \
        next(f for f in formats.FORMATS if f.prints and not f.flag)      # the steps as plain text
    files = [(f, getattr(args, _dest(f))) for f in given if not f.prints]
    if args.no_frames and any(f.draws and f.as_text is None for f, _ in files):
        refused = _flags(f for f in formats.FORMATS if f.draws and not f.as_text)
        return _error(f"--no-frames draws nothing: leave out {refused} "
                      f"({_flags(f for f in formats.FORMATS if f.as_text)} then writes the steps as text)")
    if any(f.draws for f, _ in files) and not args.no_frames:
        from ..viz.scene import MAX_NODES
        n = len(ex.scene()[0].nodes)
        if n > MAX_NODES:
            return _error(f"the graph has {n} nodes, more than the {MAX_NODES} bibun draws: explain a "
                          "sub-expression (a smaller piece of the expression), or add --no-frames to write "
                          "the steps as text alone")
    drawing = formats.Drawing(ex, [f for f, _ in files])
    sys.stdout.write(printed.render(ex, drawing).decode("utf-8"))
    from .._atomic import write_bytes
    for f, path in files:
        if args.no_frames and f.draws:
            data, what = f.as_text(ex), "the steps as text"
        else:
            data, what = f.render(ex, drawing), f.what.format(n=len(ex))
        try:
            write_bytes(path, data)
        except OSError as e:
            return _error(f"cannot write {path}: {e.strerror or e}")
        print(f"wrote {path} ({what})", file=sys.stderr)
    return 0
