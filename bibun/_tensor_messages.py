"""What the Tensor says when a learner uses it wrongly: each message names the user's tensor, says what
went wrong and what to write instead. Built only once something has gone wrong."""
import numpy as np

from . import _dtype
from ._errors import name_of
from ._print import format_tensor
from .i18n import translate as _


def int_grad(a):
    shown = format_tensor(a.reshape(-1)[:4] if a.size > 4 else a)
    return "Only Tensors of floating point dtype can require gradients: " + _(
        "{shown}{first} is an integer tensor ({dtype}), and a gradient needs numbers that can change by a little. Fix: "
        "write the numbers as floats (bibun.tensor([1.0, 2.0])), or pass dtype=bibun.float32, or call .float() on it "
        "first. Calling .float() on a result later instead makes a new tensor: the integer one still gets no "
        ".grad.").format(shown=shown, first=_(" (first values)") if a.size > 4 else "", dtype=_dtype.from_np(a.dtype))


def non_leaf_grad(t):
    name = name_of(t) or _("this tensor")
    return "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed: " + _(
        "`{name}` is an intermediate result (the output of {op}, shape {shape}); backward() keeps the gradient of "
        "leaves only (the tensors you created with requires_grad=True, the model's parameters), so its .grad is "
        "None. Fix: call {name}.retain_grad() before backward() to keep it. Do not make it a leaf with "
        ".detach().requires_grad_() to get a .grad: that cuts it off from the parameters, which then get no "
        "gradient through it.").format(name=name, op=t.grad_fn.op.name, shape=tuple(t._data.shape))


def leaf_inplace(t, what, key):
    name = name_of(t) or _("the tensor")
    kind = _("a parameter") if getattr(t, "_is_parameter", False) else _("a leaf tensor that requires grad")
    where = f"{name}[{_format_key(key)}] = ..." if key is not None else f"{name} {what} ..." \
        if what.endswith("=") else f"{name}.{what}(...)"
    view = _(" (a slice of it: that changes the leaf itself)") if key is not None else ""
    return "a leaf Variable that requires grad is being used in an in-place operation: " + _(
        "`{where}` changes `{name}` ({kind}, shape {shape}) in place{view} while gradients are being tracked. A "
        "leaf's value is what its gradient is measured against, so it must not change inside the recorded "
        "computation. Fix: put manual updates inside `with bibun.no_grad():` (exactly what optimizer.step() does), "
        "e.g. `with bibun.no_grad(): {name} -= lr * {name}.grad`. Do not write `{name} = {name} - ...` instead: "
        "that makes `{name}` a new non-leaf tensor whose .grad stays None, and the original is no longer "
        "trained.").format(where=where, name=name, kind=kind, shape=tuple(t._data.shape), view=view)


def _format_key(key):
    parts = key if isinstance(key, tuple) else (key,)
    out = []
    for k in parts:
        if isinstance(k, slice):
            out.append(("" if k.start is None else str(k.start)) + ":" + ("" if k.stop is None else str(k.stop))
                       + ("" if k.step is None else f":{k.step}"))
        elif k is Ellipsis:
            out.append("...")
        elif k is None:
            out.append("None")
        elif isinstance(k, np.ndarray):
            out.append(f"<index array of shape {k.shape}>" if k.size > 6 else str(k.tolist()))
        else:
            out.append(repr(k))
    return ", ".join(out)


def implicit_numpy(t):
    name = name_of(t) or "tensor"
    return "Can't call numpy() on Tensor that requires grad: " + _(
        "a NumPy function (or np.asarray / float conversion) received `{name}`, which is part of a graph; NumPy "
        "cannot record what it does, so no gradient could flow back through it. Fix: inside a computation you want "
        "to differentiate, use bibun's functions or the tensor's methods (or `import bibun.numpy as np`, which "
        "records them); to look at the values (printing, plotting), use {name}.detach().numpy().").format(name=name)


def cannot_store(result, target, what, out_of_place):
    """PyTorch's casting error for an in-place change (or out=) whose result type the tensor cannot hold."""
    return f"result type {result} can't be cast to the desired output type {target}: " + _(
        "`{what}` cannot store its result in this tensor. Write it out of place ({fix}), or convert the tensor "
        "first (`t = t.float()`)").format(what=what, fix=out_of_place)
