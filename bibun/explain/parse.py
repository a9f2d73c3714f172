"""Safe parsing of the expressions `bibun explain` takes, such as "-log(1/(1+exp(-(w1*x1+w2*x2))))".

The text goes through Python's `ast` parser and is then checked against a whitelist: numbers, names,
+ - * / **, unary minus (and plus), and calls of exp, log, sigmoid, tanh, relu, sqrt, abs with one
argument. Everything else (attribute access, subscripts, calls of anything else, lambdas,
comprehensions, keyword arguments, strings, comparisons...) is refused with one line saying what and
where. Nothing is ever passed to eval or exec; the checked tree is evaluated by walking it. Limits keep
absurd input cheap to refuse: length, nesting depth, number of operations, length of a name, size of a
number.
"""
import ast
import math
import operator

from ..i18n import N_, translate as _

MAX_CHARS = 1000          # characters of expression text
MAX_DEPTH = 32            # nesting of calls, unary minus and parenthesised operands (a + b + c is flat)
MAX_NODES = 200           # numbers, names and operations in all
MAX_NAME = 32             # characters of one name
MAX_NUMBER = 1e15         # magnitude of a literal

FUNCTIONS = ("exp", "log", "sigmoid", "tanh", "relu", "sqrt", "abs")
_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_REFUSED_BINOPS = {ast.MatMult: N_("@ (matrix product)"), ast.FloorDiv: "//", ast.Mod: "%",
                   ast.BitXor: N_("^ (use ** for powers)"), ast.BitAnd: "&", ast.BitOr: "|", ast.LShift: "<<",
                   ast.RShift: ">>"}
_WHAT = {
    ast.Attribute: N_("attribute access (such as np.exp) is not allowed: write exp(x)"),
    ast.Subscript: N_("subscripts (such as x[0]) are not allowed"),
    ast.Lambda: N_("lambda is not allowed"),
    ast.ListComp: N_("comprehensions are not allowed"), ast.SetComp: N_("comprehensions are not allowed"),
    ast.DictComp: N_("comprehensions are not allowed"), ast.GeneratorExp: N_("comprehensions are not allowed"),
    ast.Compare: N_("comparisons are not allowed"), ast.BoolOp: N_("and/or are not allowed"),
    ast.IfExp: N_("if-else is not allowed"), ast.NamedExpr: N_(":= is not allowed"),
    ast.List: N_("lists are not allowed: the expression computes one number"),
    ast.Tuple: N_("tuples are not allowed: the expression computes one number"),
    ast.Dict: N_("dicts are not allowed"), ast.Set: N_("sets are not allowed"),
    ast.JoinedStr: N_("strings are not allowed"), ast.Starred: N_("* unpacking is not allowed"),
    ast.Await: N_("await is not allowed"), ast.Yield: N_("yield is not allowed"), ast.YieldFrom: N_("yield is not allowed"),
    ast.Slice: N_("slices are not allowed"),
}


class ExpressionError(ValueError):
    """An expression `explain` will not evaluate; the message is one line saying why."""


# the checked tree: tuples ("num", value) ("name", id) ("neg", x) ("bin", op, a, b) ("call", fn, x)

class Expression:
    """A checked expression: `tree`, the `names` it uses (in order of first use) and `source`."""

    def __init__(self, source, tree, names):
        self.source, self.tree, self.names = source, tree, names

    def evaluate(self, **values):
        """Compute it over `values` (Tensors or numbers): bibun ops on tensors, float arithmetic where
        both sides are numbers. Returns what the last op returns."""
        import bibun
        missing = [n for n in self.names if n not in values]
        if missing:
            raise ExpressionError(_("no value given for {names}").format(names=", ".join(missing)))
        funcs = {f: getattr(bibun, f) for f in FUNCTIONS}
        return _eval(self.tree, values, funcs)

    def function(self):
        """A Python function of the expression's names (keyword arguments), for `explain`."""
        def f(**values):
            return self.evaluate(**values)
        f.__name__ = "expression"
        import inspect
        f.__signature__ = inspect.Signature(
            [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY) for n in self.names])
        return f

    def __repr__(self):
        return f"Expression({self.source!r})"


_PYOPS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "**": operator.pow}
_FLOATFN = {"exp": math.exp, "log": math.log, "sqrt": math.sqrt, "abs": abs, "tanh": math.tanh,
            "relu": lambda v: max(v, 0.0), "sigmoid": lambda v: 1 / (1 + math.exp(-v)) if v > -700 else 0.0}


def _number(v):
    return isinstance(v, float)


def _eval(node, values, funcs):
    kind = node[0]
    if kind == "num":
        return node[1]
    if kind == "name":
        return values[node[1]]
    if kind == "neg":
        x = _eval(node[1], values, funcs)
        return -x
    if kind == "bin":
        a = _eval(node[2], values, funcs)
        b = _eval(node[3], values, funcs)
        if _number(a) and _number(b):
            return _const(lambda: _PYOPS[node[1]](a, b), node[1])
        if node[1] == "**" and _number(b) and b == int(b) and abs(b) < 2 ** 31:
            b = int(b)                        # x ** 2: an integer power, as written
        return _PYOPS[node[1]](a, b)
    x = _eval(node[2], values, funcs)
    if _number(x):
        return _const(lambda: _FLOATFN[node[1]](x), node[1])
    return funcs[node[1]](x)


def _const(f, what):
    """Arithmetic on numbers alone, with its failures worded for the user."""
    try:
        v = float(f())
    except ZeroDivisionError:
        raise ExpressionError(_("division by zero in the constant part of the expression")) from None
    except OverflowError:
        raise ExpressionError(_("a number in the expression is too large ({what} overflows)").format(what=what)) from None
    except (ValueError, TypeError):
        raise ExpressionError(_("{what} of a constant is not a real number (math domain error)").format(what=what)) from None
    if isinstance(v, complex) or math.isnan(v) or math.isinf(v):
        raise ExpressionError(_("{what} of a constant is not a finite real number").format(what=what))
    return v


def _where(node):
    col = getattr(node, "col_offset", None)
    return _(" (at column {column})").format(column=col + 1) if col is not None else ""


def parse(source, names=None):
    """Check `source` and return an `Expression`; raise ExpressionError (one line) if it is refused.

    `names`, if given, is the set of names that have values: any other name is refused.
    """
    if not isinstance(source, str):
        raise ExpressionError(_("the expression must be a string, not {type}").format(type=type(source).__name__))
    if len(source) > MAX_CHARS:
        raise ExpressionError(_("the expression is too long ({n} characters; the limit is {limit})").format(
            n=len(source), limit=MAX_CHARS))
    if "\x00" in source:
        raise ExpressionError(_("the expression contains a NUL character"))
    text = source.strip()
    if not text:
        raise ExpressionError(_("the expression is empty"))
    if "\n" in text or "\r" in text:
        raise ExpressionError(_("the expression must be on one line"))
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as e:
        msg = (e.msg or "invalid syntax").split("\n")[0]
        col = _(" (at column {column})").format(column=e.offset) if e.offset else ""
        raise ExpressionError(_("cannot read the expression{where}: {why}").format(where=col, why=msg)) from None
    except (RecursionError, MemoryError):
        raise ExpressionError(_("the expression is nested too deeply (the limit is {limit} levels)").format(
                limit=MAX_DEPTH)) from None
    except ValueError as e:
        raise ExpressionError(_("cannot read the expression{where}: {why}").format(
            where="", why=str(e).splitlines()[0] if str(e) else "bad input")) from None
    order = []
    checked = _check(tree.body, order)
    if names is not None:
        unknown = [n for n in order if n not in names]
        if unknown:
            raise ExpressionError(_("no value given for {names}").format(names=", ".join(unknown)))
    return Expression(source, checked, order)


def _check(root, order):
    """Validate iteratively (no recursion on user input) and build the checked tree."""
    count = 0
    # stack items: (ast node, depth, parent list to append the result to, kind of build step)
    out = []
    stack = [("visit", root, 1)]
    results = []
    while stack:
        item = stack.pop()
        if item[0] == "build":
            _step, node, nkids = item
            kids = [results.pop() for _k in range(nkids)][::-1]
            results.append(_build(node, kids))
            continue
        _step, node, depth = item
        count += 1
        if count > MAX_NODES:
            raise ExpressionError(_("the expression is too long (more than {limit} numbers, names and operations)")
                                  .format(limit=MAX_NODES))
        if depth > MAX_DEPTH:
            raise ExpressionError(_("the expression is nested too deeply (the limit is {limit} levels)").format(
                limit=MAX_DEPTH))
        kids = _children(node, order)
        stack.append(("build", node, len(kids)))
        for i, k in enumerate(reversed(kids)):
            # a + b + c + d nests to the left without nesting in the reader's eye: it does not count
            flat = type(node) is ast.BinOp and i == len(kids) - 1 and type(k) is ast.BinOp
            stack.append(("visit", k, depth if flat else depth + 1))
    out = results.pop()
    return out


def _children(node, order):
    """Check one node; return the child nodes to visit."""
    t = type(node)
    if t is ast.Constant:
        v = node.value
        if isinstance(v, bool) or v is None or v is Ellipsis:
            raise ExpressionError(_("{value} is not allowed{where}: only numbers and names").format(
                value=repr(v), where=_where(node)))
        if isinstance(v, (str, bytes)):
            raise ExpressionError(_("strings are not allowed") + _where(node))
        if isinstance(v, complex):
            raise ExpressionError(_("complex numbers are not allowed") + _where(node))
        if isinstance(v, int) and v.bit_length() > 64 or abs(float(v) if isinstance(v, float) else 0) > MAX_NUMBER \
                or isinstance(v, int) and abs(v) > MAX_NUMBER:
            raise ExpressionError(_("the number{where} is too large (the limit is {limit})").format(
                where=_where(node), limit=f"{MAX_NUMBER:g}"))
        if isinstance(v, float) and not math.isfinite(v):
            raise ExpressionError(_("the number{where} is not finite").format(where=_where(node)))
        return []
    if t is ast.Name:
        if node.id in FUNCTIONS:
            raise ExpressionError(_("{name} is a function{where}: call it, e.g. {name}(x)").format(
                name=node.id, where=_where(node)))
        if len(node.id) > MAX_NAME:
            raise ExpressionError(_("the name {name}... is too long (the limit is {limit} characters)").format(
                name=node.id[:MAX_NAME], limit=MAX_NAME))
        if node.id.startswith("_"):
            raise ExpressionError(_("names starting with _ are not allowed ({name}{where})").format(
                name=node.id, where=_where(node)))
        if node.id not in order:
            order.append(node.id)
        return []
    if t is ast.BinOp:
        op = type(node.op)
        if op not in _BINOPS:
            raise ExpressionError(_("the operator {op} is not allowed{where}; use + - * / **").format(
                op=_(_REFUSED_BINOPS[op]) if op in _REFUSED_BINOPS else op.__name__, where=_where(node)))
        return [node.left, node.right]
    if t is ast.UnaryOp:
        if type(node.op) not in (ast.USub, ast.UAdd):
            raise ExpressionError(_("the operator {op} is not allowed{where}").format(
                op="not" if type(node.op) is ast.Not else "~", where=_where(node)))
        return [node.operand]
    if t is ast.Call:
        f = node.func
        if type(f) is not ast.Name:
            if type(f) is ast.Attribute:
                raise ExpressionError(_("attribute access (such as np.exp) is not allowed{where}: write exp(x)").format(
                    where=_where(f)))
            raise ExpressionError(_("only the functions {names} can be called{where}").format(
                names=", ".join(FUNCTIONS), where=_where(node)))
        if f.id not in FUNCTIONS:
            raise ExpressionError(_("unknown function {name}{where}: the functions are {names}").format(
                name=f.id[:MAX_NAME], where=_where(node), names=", ".join(FUNCTIONS)))
        if node.keywords:
            raise ExpressionError(_("keyword arguments are not allowed{where}: {name}(x)").format(
                where=_where(node), name=f.id))
        if len(node.args) != 1 or type(node.args[0]) is ast.Starred:
            raise ExpressionError(_("{name} takes one argument{where}, got {n}").format(
                name=f.id, where=_where(node), n=len(node.args)))
        return [node.args[0]]
    msg = _WHAT.get(t)
    msg = _(msg) if msg is not None else _("{what} is not allowed").format(what=t.__name__)
    raise ExpressionError(msg + _where(node))


def _build(node, kids):
    t = type(node)
    if t is ast.Constant:
        return ("num", float(node.value))
    if t is ast.Name:
        return ("name", node.id)
    if t is ast.BinOp:
        a, b = kids
        op = _BINOPS[type(node.op)]
        if a[0] == "num" and b[0] == "num":
            return ("num", _const(lambda: _PYOPS[op](a[1], b[1]), op))
        return ("bin", op, a, b)
    if t is ast.UnaryOp:
        x, = kids
        if type(node.op) is ast.UAdd:
            return x
        if x[0] == "num":
            return ("num", -x[1])
        return ("neg", x)
    x, = kids
    fn = node.func.id
    if x[0] == "num":
        return ("num", _const(lambda: _FLOATFN[fn](x[1]), fn))
    return ("call", fn, x)
