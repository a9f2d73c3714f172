"""Compare analytic gradients with central finite differences (torch.autograd.gradcheck)."""
import numpy as np

from . import engine


def numerical_jacobian(fn, inputs, i, eps):
    """d outputs / d inputs[i] by central differences, shaped (out.size, input.size)."""
    x = inputs[i]._data
    cols = []
    for j in np.ndindex(x.shape):          # in the array itself: a reshape of a strided one would copy
        old = x[j]
        x[j] = old + eps
        plus = np.array(_out(fn(*inputs)), dtype=np.float64).reshape(-1)
        x[j] = old - eps
        minus = np.array(_out(fn(*inputs)), dtype=np.float64).reshape(-1)
        x[j] = old
        cols.append((plus - minus) / (2 * eps))
    return np.stack(cols, axis=1) if cols else np.zeros((0, 0))


def _out(y):
    return y._data if isinstance(y, engine.Tensor) else y


def analytic_jacobian(fn, inputs, i):
    y = fn(*inputs)
    flat = y.reshape(-1)
    rows = []
    for k in range(flat.shape[0]):
        (g,) = engine.grad(flat[k], [inputs[i]], retain_graph=True, allow_unused=True)
        rows.append(np.zeros(inputs[i]._data.size) if g is None else g._data.reshape(-1).astype(np.float64))
    return np.stack(rows) if rows else np.zeros((0, inputs[i]._data.size))


def gradcheck(func, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """True when every input's analytic jacobian matches finite differences (use float64 inputs)."""
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    for i, x in enumerate(inputs):
        if not isinstance(x, engine.Tensor) or not x.requires_grad:
            continue
        if x._data.dtype != np.float64:
            raise ValueError(f"gradcheck: input {i} is {x._data.dtype}; finite differences need float64 "
                             f"inputs (use .double())")
        num = numerical_jacobian(func, inputs, i, eps)
        ana = analytic_jacobian(func, inputs, i)
        if num.shape != ana.shape or not np.allclose(ana, num, rtol=rtol, atol=atol):
            if raise_exception:
                err = np.max(np.abs(ana - num)) if num.shape == ana.shape else "shape mismatch"
                raise RuntimeError(f"Jacobian mismatch for input {i}: largest difference {err}\n"
                                   f"numerical:\n{num}\nanalytical:\n{ana}")
            return False
    return True
