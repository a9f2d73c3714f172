"""detect_anomaly: stop at the first op whose forward or backward produces NaN or inf, and name it."""
import numpy as np

from . import engine


class detect_anomaly:
    """`with bibun.autograd.detect_anomaly(): ...` checks every op's output and every gradient."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        prev = engine.current_tracer()
        self._prev = engine.set_tracer(_Checker(prev) if self.check_nan else prev)
        return self

    def __exit__(self, *exc):
        engine.set_tracer(self._prev)
        return False


def _bad(a):
    return a.dtype.kind == "f" and not np.isfinite(a).all()


class _Checker:
    def __init__(self, inner):
        self.inner = inner

    def on_forward(self, op, inputs, params, out, datas=None):
        if self.inner is not None:
            self.inner.on_forward(op, inputs, params, out)
        if _bad(out._data):
            bad_in = any(_bad(x._data) for x in inputs if isinstance(x, engine.Tensor))
            where = "it was already in an input" if bad_in else "the inputs were finite"
            raise RuntimeError(f"Function '{op.name}' produced NaN or inf in its forward output ({where}); "
                               f"check its inputs' range (log of 0 or negatives, division by 0, exp overflow)")

    def on_backward(self, node, g, step):
        if self.inner is not None:
            self.inner.on_backward(node, g, step)
        for i, gi in step:
            a = gi._data if isinstance(gi, engine.Tensor) else gi
            if _bad(np.asarray(a)):
                raise RuntimeError(f"Function '{node.op.grad_name}' returned nan values in its {i}th output: "
                                   f"the gradient with respect to input {i} of {node.op.name} is not finite")
