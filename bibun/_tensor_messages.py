"""What the Tensor says when a learner uses it wrongly: each message names the user's tensor, says what
went wrong and what to write instead. Built only once something has gone wrong."""
import numpy as np

from . import _dtype
from ._errors import name_of
from ._print import format_tensor


def int_grad(a):
    shown = format_tensor(a.reshape(-1)[:4] if a.size > 4 else a)
    return (f"Only Tensors of floating point dtype can require gradients: {shown}"
            f"{' (first values)' if a.size > 4 else ''} is an integer tensor ({_dtype.from_np(a.dtype)}), and a "
            f"gradient needs numbers that can change by a little. Fix: write the numbers as floats "
            f"(bibun.tensor([1.0, 2.0])), or pass dtype=bibun.float32, or call .float() on it first. Calling "
            f".float() on a result later instead makes a new tensor: the integer one still gets no .grad.")


def non_leaf_grad(t):
    name = name_of(t) or "this tensor"
    return (f"The .grad attribute of a Tensor that is not a leaf Tensor is being accessed: `{name}` is an "
            f"intermediate result (the output of {t.grad_fn.op.name}, shape {tuple(t._data.shape)}); backward() "
            f"keeps the gradient of leaves only (the tensors you created with requires_grad=True, the model's "
            f"parameters), so its .grad is None. Fix: call {name}.retain_grad() before backward() to keep it. "
            f"Do not make it a leaf with .detach().requires_grad_() to get a .grad: that cuts it off from the "
            f"parameters, which then get no gradient through it.")


def leaf_inplace(t, what, key):
    name = name_of(t) or "the tensor"
    kind = "a parameter" if getattr(t, "_is_parameter", False) else "a leaf tensor that requires grad"
    where = f"{name}[{_format_key(key)}] = ..." if key is not None else f"{name} {what} ..." \
        if what.endswith("=") else f"{name}.{what}(...)"
    view = " (a slice of it: that changes the leaf itself)" if key is not None else ""
    return (f"a leaf Variable that requires grad is being used in an in-place operation: `{where}` changes "
            f"`{name}` ({kind}, shape {tuple(t._data.shape)}) in place{view} while gradients are being tracked. "
            f"A leaf's value is what its gradient is measured against, so it must not change inside the "
            f"recorded computation. Fix: put manual updates inside `with bibun.no_grad():` (exactly what "
            f"optimizer.step() does), e.g. `with bibun.no_grad(): {name} -= lr * {name}.grad`. Do not write "
            f"`{name} = {name} - ...` instead: that makes `{name}` a new non-leaf tensor whose .grad stays None, "
            f"and the original is no longer trained.")


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
    return (f"Can't call numpy() on Tensor that requires grad: a NumPy function (or np.asarray / float "
            f"conversion) received `{name}`, which is part of a graph; NumPy cannot record what it does, so "
            f"no gradient could flow back through it. Fix: inside a computation you want to differentiate, use "
            f"bibun's functions or the tensor's methods (or `import bibun.numpy as np`, which records them); to "
            f"look at the values (printing, plotting), use {name}.detach().numpy().")


def cannot_store(result, target, what, out_of_place):
    """PyTorch's casting error for an in-place change (or out=) whose result type the tensor cannot hold."""
    return (f"result type {result} can't be cast to the desired output type {target}: `{what}` cannot store its "
            f"result in this tensor. Write it out of place ({out_of_place}), or convert the tensor first "
            f"(`t = t.float()`)")
