"""See how a gradient is computed: the chain-rule steps of one forward and one backward pass.

    import bibun
    ex = bibun.explain(lambda a, x, b: a * x + b, a=-2, x=3, b=4)
    print(ex.text())                 # α = a·x = (-2) × 3 = -6 ... ∂y/∂a = ∂y/∂α · ∂α/∂a = 1 × 3 = 3
    ex.save_html("y.html")           # the animation: forward frames, then backward frames
    ex                               # in Jupyter: the animation

    bibun.explain("-log(1/(1+exp(-(w1*x1+w2*x2))))", w1=1, w2=0.5, x1=1, x2=-1, output="l_hat")

`bibun.explain` is this module, and calling it calls `explain`. Recording goes through the engine's
tracer hook (`bibun.autograd.engine.tracer`), which is off except inside `explain`.
"""
import sys
import types

from .explanation import Explanation
from .parse import ExpressionError, parse
from .record import label
from .steps import BackwardStep, ForwardStep, Var

__all__ = ["explain", "label", "Explanation", "ForwardStep", "BackwardStep", "Var", "parse", "ExpressionError"]


def explain(what, /, values=None, *, wrt=None, expand=False, names=None, output=None, fold_constants=True,
            inputs=None, lang=None, **kwargs):
    """Record one forward and one backward pass of a computation and return its `Explanation`.

    `what` is one of:
      - a function: ``explain(f, a=-2, x=3, b=4)`` calls ``f(a=..., x=..., b=...)`` on fresh leaves named
        after f's parameters. Numbers become float64 tensors; every input requires grad unless `wrt`
        lists the ones that do (the others are constants, drawn plain).
      - an expression string over the same keyword values: ``explain("a*x + b", a=-2, x=3, b=4)``, parsed
        safely (see `parse`: numbers, names, + - * / **, exp, log, sigmoid, tanh, relu, sqrt, abs).
      - a Tensor already computed with requires_grad inputs: ``explain(loss, inputs={"w": w, "x": x})``
        explains the graph behind it (before its backward() frees it). `inputs` names the leaves; the
        user's tensors and their .grad are left untouched.

    Options:
      wrt:    names of the inputs that require grad (a list, or "a,b"); default all of them.
      expand: show composite ops as the elementary ops a textbook draws: σ(z) as ×(−1), exp, +1, 1/a;
              binary cross-entropy as −log p (y = 1), −log(1 − p) (y = 0) or its full form; linear as
              x Wᵀ + b. The engine computes the same values either way.
      names:  names for the intermediate results: a list (in the order they are computed) or a dict
              renaming the default ones ({"alpha": "z"}). Inside a function, ``label(t, "h")`` names one.
              Defaults are the chapter's Greek letters α, β, μ, ν, ξ, π, ρ, φ, then others.
      output: the result's name (default y; "l_hat" gives l̂).
      fold_constants: draw constants inside their operator (+1, ×(−1), 1/a) rather than as plain leaves
              beside it.
      lang:   the language of its text and pictures, "en" or "ja" (default: the one in effect, see
              bibun.i18n); numbers, names and notation are the same in both.

    The values can also be given as one dict, `values=` (for names such as "output" that are options).
    The result must be one number (reduce a vector with .sum() or .mean() first).
    """
    from ..i18n import current, language
    with language(lang):
        ex = _record(what, values, wrt, expand, names, output, fold_constants, inputs, kwargs)
        ex.lang = current()
    return ex


def _record(what, values, wrt, expand, names, output, fold_constants, inputs, kwargs):
    values = dict(values or {})
    for k, v in kwargs.items():
        if k in values:
            raise TypeError(f"explain: {k} is given twice")
        values[k] = v
    from .record import build, capture_fn, capture_tensor, engine_tensor, make_leaf, replay
    from .._tensor import Tensor

    what = engine_tensor(what)

    if isinstance(what, Tensor):
        if values:
            raise TypeError("explain(tensor) takes no values; name its leaves with inputs={'w': w, ...}")
        if wrt is not None:
            raise TypeError("explain(tensor): which leaves require grad was fixed when the graph was built")
        records, leaf_names = capture_tensor(what, inputs)
        leaf_map = {}
        for op, ins, params, out in records:
            for x in ins:
                if isinstance(x, Tensor) and x.grad_fn is None and id(x) not in leaf_map:
                    if x.requires_grad or id(x) in leaf_names:
                        leaf_map[id(x)] = make_leaf(x, x.requires_grad)
        new_names = {id(leaf_map[k]): n for k, n in leaf_names.items() if k in leaf_map}
        recs, root, _ = replay(records, what, leaf_map, expand)
        return build(recs, root, new_names, {}, output, names, fold_constants, source=what)
    if inputs is not None:
        raise TypeError("inputs= is for explain(tensor); for a function pass the values as keywords")
    source = what
    if isinstance(what, str):
        tree = parse(what, names=set(values))
        if not tree.names:
            raise ExpressionError("nothing to explain: the expression uses no names (give it inputs, e.g. a*x + b)")
        if tree.tree[0] == "name":
            raise ExpressionError("nothing to explain: the expression is one name, with no operation on it")
        fn = tree.function()
        fn_values = {k: values[k] for k in tree.names}
        unused = [k for k in values if k not in tree.names]
        if unused:
            raise ExpressionError(f"{', '.join(unused)} {'does' if len(unused) == 1 else 'do'} not appear in "
                                  f"the expression {what!r}")
        values = fn_values
    elif callable(what):
        fn = what
    else:
        raise TypeError(f"explain needs a function, an expression string or a Tensor, got {type(what).__name__}")
    records, root, labels, leaf_names, leaves, keep = capture_fn(fn, values, wrt)
    leaf_map = {id(t): t for t in leaves.values()}
    recs, new_root, made = replay(records, root, leaf_map, expand)
    new_labels = {id(made[k]): n for k, n in labels.items() if k in made}
    return build(recs, new_root, leaf_names, new_labels, output, names, fold_constants, source=source)


class _CallableModule(types.ModuleType):
    """Lets `bibun.explain(...)` call `explain` while `bibun.explain` stays the package."""

    def __call__(self, *args, **kwargs):
        return explain(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
