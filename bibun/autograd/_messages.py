"""The engine's error messages and warnings, built only once something has gone wrong.

Each says what happened to the user's own tensor (by the variable that holds it, when one does), the
concept in one sentence, the minimal fix, and the tempting fix that would hide the problem.
"""
import warnings
import weakref

from .. import _errors
from . import grad_mode, version_counter
from ..i18n import translate as _


def _name(t, default):
    n = _errors.name_of(t)
    return (f"`{n}`", n) if n else (default, None)


def _out_of_place(name, what):
    """How to write the in-place change `what` out of place."""
    n = name or "a"
    if what in ("+=", "-=", "*=", "/="):
        return _("{new} instead of {old}").format(new=f"`{n} = {n} {what[0]} ...`", old=f"`{n} {what} ...`")
    if what in ("add_", "sub_", "mul_", "div_", "clamp_()"):
        op = what.rstrip("_()")
        return _("{new} instead of {old}").format(new=f"`{n} = {n}.{op}(...)`", old=f"`{n}.{op}_(...)`")
    if what == "[...] =":
        return _("a new tensor instead of assigning into {old} (e.g. {new}, or change {copy})").format(
            old=f"`{n}[...]`", new=f"`{n} = bibun.where(mask, value, {n})`", copy=f"`{n}.clone()`")
    return _("an out-of-place version of {what}, or a .clone() of {n} that you change instead").format(
        what=f"`{what}`", n=f"`{n}`")


def modified_in_place(node, x):
    """A tensor that `node` saved for backward was changed in place after the op ran."""
    op = node.op
    what, made_by, version = getattr(x, "_changed_by", None) or (None, None, None)
    if version != x._version:               # changed last by something that does not say (an optimizer step)
        what = made_by = None
    if made_by is None:                     # changed under no_grad: it still has the history it had
        made_by = _errors.producer(x)
    shown, name = _name(x, _("a tensor"))
    origin = (_("the output of {op}").format(op=made_by) if made_by else
              _("a parameter") if x.requires_grad else _("a leaf tensor"))
    head = ("one of the variables needed for gradient computation has been modified by an inplace operation: "
            + _("{shown} ({origin}, {dtype} of shape {shape}) is needed to differentiate {op} ({grad_name}), ").format(
                shown=shown, origin=origin, dtype=x._data.dtype, shape=tuple(x._data.shape), op=op.name,
                grad_name=op.grad_name))
    if what is None:
        return head + _("but it was updated in place after {op} used it and before backward(): by "
                        "optimizer.step() or a manual update under no_grad. The gradient would be computed from the "
                        "new numbers, not the ones {op} used. Fix: call backward() before optimizer.step() (each "
                        "iteration: forward, loss, backward, step); for two losses, add them and call backward() "
                        "once before stepping. Do not hide it with retain_graph=True or by recomputing only the "
                        "loss: the forward values must come from the same weights as the backward.").format(op=op.name)
    return head + _("but `{what}` changed it after {op} used it, so the gradient would be computed from the wrong "
                    "numbers. Fix: write {rewrite}: an out-of-place op makes a new tensor and leaves the saved one "
                    "alone. Do not make this error go away by changing it through `.data`: the check would pass and "
                    "the gradient would be silently wrong.").format(what=what, op=op.name,
                                                                    rewrite=_out_of_place(name, what))


def output_modified(node):
    """The output of `node`, which its backward reads, was changed in place after the op ran."""
    op, what = node.op, node.out_changed
    return ("one of the variables needed for gradient computation has been modified by an inplace operation: "
            + _("the output of {op} ({grad_name}) is needed to differentiate {op}, but `{what}` changed it "
                "afterwards, so the gradient would be computed from the wrong numbers. Fix: change a copy instead: "
                "`y = y + ...` rather than `y += ...` (or `y = y.clone()` before the in-place change).").format(
                op=op.name, grad_name=op.grad_name, what=what))


def _find_reuse(node, roots):
    """(consumer node, tensor) where the live graph of `roots` uses an output of the freed `node`."""
    seen = set()
    todo = [r.grad_fn for r in roots if r.grad_fn is not None]
    while todo:
        n = todo.pop()
        if n is None or id(n) in seen or n.inputs is None:
            continue
        seen.add(id(n))
        for x in n.inputs:
            fn = getattr(x, "grad_fn", None)
            if fn is node:
                return n, x
            if fn is not None:
                todo.append(fn)
    return None, None


def freed_graph(node, roots):
    """Backward reached a node whose saved values an earlier backward() freed."""
    head = "Trying to backward through the graph a second time (or directly access saved tensors after they have " \
           "already been freed): "
    root = next((r for r in roots if r.grad_fn is node), None)
    if root is not None:
        shown = _name(root, _("this tensor"))[0]
        return head + _("{shown} (the output of {op}) was already backpropagated, and that backward() freed the "
                        "values its graph had saved. Fix: compute a new loss for each backward() (every iteration: "
                        "forward, loss, backward). Only if you really need two backward passes over the same "
                        "forward, pass retain_graph=True to the first backward().").format(shown=shown, op=node.op.name)
    consumer, x = _find_reuse(node, roots)
    if x is None:
        return head + _("the values saved by {op} ({grad_name}) were freed by an earlier backward(). A tensor "
                        "computed in an earlier iteration (or before the loop) is being reused: start from its "
                        ".detach() or recompute it inside the loop. Use retain_graph=True only if you really want "
                        "two backward passes over the same forward.").format(op=node.op.name,
                                                                             grad_name=node.op.grad_name)
    shown, name = _name(x, _("a tensor"))
    n = name or "h"
    return head + _("{shown} (shape {shape}, the output of {op}) was computed earlier (in a previous iteration, or "
                    "before the loop) and a backward() since then freed its graph; this loss uses it again (as an "
                    "input of {consumer}). Fix: use `{n}.detach()` where you carry it over (for a hidden state: "
                    "`{n} = {n}.detach()` at the start of each step), or recompute it inside the loop. Do not pass "
                    "retain_graph=True to make this go away: every backward() would then run through all the "
                    "earlier iterations again, slower each step, with memory that keeps growing.").format(
        shown=shown, shape=tuple(x._data.shape), op=node.op.name, consumer=consumer.op.name, n=n)


def not_scalar(t):
    """backward() without a gradient on a tensor of several numbers."""
    shown, name = _name(t, "this tensor")
    n = name or "loss"
    made = _("the output of {op}, ").format(op=t.grad_fn.op.name) if t.grad_fn is not None else ""
    params = t.grad_fn.params if t.grad_fn is not None else None
    none = _(" (it was computed with reduction='none': reduction='mean' does this for you)") \
        if params and params.get("reduction") == "none" else ""
    shape = tuple(t._data.shape)
    return "grad can be implicitly created only for scalar outputs: " + _(
        "{shown} ({made}shape {shape}) holds {size} numbers, but backward() starts from one number. Fix: reduce it "
        "first, `{n}.mean().backward()` (or .sum()){none}. To backpropagate a vector on purpose (a vector-Jacobian "
        "product) pass gradient= a tensor of shape {shape}; for the derivative of each output separately, use "
        "bibun.func.jacobian. Passing gradient=bibun.ones_like({n}) just to silence this computes the gradient of "
        "{n}.sum(), which is {size} times that of the mean.").format(
        shown=shown, made=made, shape=shape, size=t._data.size, n=n, none=none)


def not_connected(t):
    """backward() on a tensor that does not require grad."""
    shown, name = _name(t, _("this tensor"))
    n = name or "loss"
    v = t._version
    if not grad_mode.is_grad_enabled():
        cause = _("Grad mode is off here: you are inside `with bibun.no_grad():` (or a function decorated with "
                  "it), where nothing is recorded. Compute the loss and call backward() outside it.")
    elif v == version_counter.NO_GRAD:
        cause = _("{shown} was computed inside `with bibun.no_grad():` (or a function decorated with it), where "
                  "nothing is recorded. Compute the loss outside the no_grad block; keep no_grad for evaluation "
                  "and manual weight updates.").format(shown=shown)
    elif v == version_counter.FROM_DATA:
        cause = _("{shown} was built from plain numbers or a NumPy array (bibun.tensor(...), from_numpy): a value "
                  "that went through .item(), .tolist(), .numpy() or float() has left the graph. Keep the "
                  "computation in bibun tensors from the parameters all the way to the loss.").format(shown=shown)
    elif v == version_counter.DETACHED:
        cause = _("{shown} is the result of .detach(), which cuts the graph on purpose: call backward() on the "
                  "tensor before .detach().").format(shown=shown)
    else:
        frozen = _errors._scan(lambda k, val: k if _all_frozen(val) else None)
        if frozen:
            cause = _("No parameter of `{module}` requires grad (frozen with requires_grad_(False)?): "
                      "unfreeze the ones to train.").format(module=frozen)
        else:
            cause = _("None of the tensors it was computed from requires grad: create the weights with "
                      "requires_grad=True (a model's parameters have it by default), and check that nothing on "
                      "the way went through .item(), .numpy(), float(), NumPy functions or .detach(), or ran "
                      "inside `with bibun.no_grad():`.")
    return "element 0 of tensors does not require grad and does not have a grad_fn: " + _(
        "{shown} is not connected to anything that requires grad, so backward() has nothing to compute. {cause} "
        "Setting `{n}.requires_grad = True` would silence this error, but nothing would learn: the parameters would "
        "still get no gradient. Fix the place where the graph was cut.").format(shown=shown, cause=cause, n=n)


def _all_frozen(v):
    if not _errors.is_module(v):
        return False
    params = list(v.named_parameters())
    return bool(params) and not any(p.requires_grad for _, p in params)


# parameters already warned about, once each, not every step; by id, since a WeakSet would compare
# tensors with their elementwise ==
_NOT_ZEROED = weakref.WeakValueDictionary()


def warn_not_zeroed(t):
    """backward() is adding onto a gradient that an optimizer step already used."""
    if _NOT_ZEROED.get(id(t)) is t:
        return
    _NOT_ZEROED[id(t)] = t
    name = _errors.name_of(t)
    who = f"`{name}`" if name else _("a parameter of shape {shape}").format(shape=tuple(t._data.shape))
    warnings.warn(_(
        "backward() is adding to the gradient of {who} that the last optimizer.step() already used: .grad sums over "
        "backward() calls until it is cleared, so this step would move by the sum of this and all earlier "
        "gradients. Fix: call optimizer.zero_grad() at the start of each iteration (before backward()). If you "
        "accumulate gradients over several batches on purpose, zero them right after each step.").format(who=who),
        UserWarning, stacklevel=4)


def warn_create_graph_cycle():
    warnings.warn(
        "Using backward() with create_graph=True will create a reference cycle between the parameter and its "
        "gradient (the .grad holds a graph that points back at the parameter), which only the cycle collector "
        "frees. Use bibun.autograd.grad(..., create_graph=True) (or bibun.func.grad) for higher-order "
        "gradients, or set .grad = None on the parameters when done.", UserWarning, stacklevel=3)


def int_requires_grad(x):
    """requires_grad was set by assignment on a tensor of integers or booleans."""
    shown, name = _name(x, _("a tensor"))
    n = name or "x"
    return "only Tensors of floating point dtype can require gradients, " + _(
        "but {shown} ({dtype} of shape {shape}) has requires_grad=True. Fix: make it float first, e.g. "
        "`{n} = {n}.float().requires_grad_()`, or create it with dtype=bibun.float32").format(
        shown=shown, dtype=x._data.dtype, shape=tuple(x._data.shape), n=n)
