"""bibun.jit: trace a function once, replay it as plain NumPy.

    @bibun.jit
    def step(xb, yb):
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        return loss

The first call with a new signature (the arguments' shapes, dtypes and requires_grad, the values of Python
numbers, grad mode) runs the function eagerly while recording every place where data is touched: each op's
forward (as apply() runs it), the backward walk's VJP calls, sum_to, casts and sums of gradients, each
gradient added into a .grad, zero_grad, in-place changes (+=, fill_, copy_, [...] =) and optimizer steps.
Later calls with that signature replay the record: the same functions called on the same arrays in the same
order, so the results are the same bits as eager execution, without running the function's Python and
without making a Tensor or a Node (see _replay).

Decisions, and why:
- Record, do not re-derive. Replay calls the very functions eager mode calls (an op's `fwd`, its VJPs, the
  engine's `sum_to`, the optimizer's own update), so exactness needs no argument. The backward walk is
  recorded by a copy of the engine's walk (_walk) that makes each call through the recorder, because the
  engine's walk is the hot loop of eager training and gets no per-node hook; the engine hands the walk over
  with one check per backward() while a recorder is set.
- Live, not frozen. A parameter's array is read from the tensor at every replay, so load_state_dict or a
  rebound `.data` between calls is seen; an optimizer's update is recorded as a call of its update method, so
  an LR scheduler changing group['lr'], Adam's step count and its state are all read as they are then.
  Replacing a parameter or submodule (or switching train/eval) bumps a counter (nn.module.changes): the next
  call traces again. Python numbers the function reads from outside (eta in `w -= eta * w.grad`) are frozen
  at trace time, as in jax.jit: pass them as arguments to change them.
- Refuse what a replay would get wrong, while tracing: .item(), .tolist(), .numpy(), bool(), float(), int()
  of a traced tensor, new Parameters, random draws (dropout: the mask would be the same every replay; draw
  it outside and pass it in), gradient hooks, retain_grad, backward(create_graph=True), and explain or
  detect_anomaly started inside the function. Called inside explain or detect_anomaly (or inside another
  jitted function's trace), a jitted function runs eagerly, so those tools see every op.
- Replay is one generated Python function per trace (_codegen): no call per step besides the step's own,
  slots as local variables, and the bookkeeping of zero_grad, .grad delivery and plain SGD written out with
  the same NumPy calls. A plan pass (_simplify) first drops steps that hand a value through unchanged.
- Returned tensors are new tensors over the replay's arrays, never buffers a later call overwrites (a list
  of returned losses stays right); they carry no graph (requires_grad is False).
- The cache holds `cache_size` signatures per function (the last, smaller batch of an epoch is a second
  one); a function that keeps tracing gets one warning naming the argument whose shape keeps changing.
"""
import functools
import sys
import types
import warnings

from .. import _generator
from ..autograd import engine
from ..nn import module as _module
from . import _errors, _signature
from ._errors import TraceError
from ._plan import Plan
from ._record import Recorder
from ._replay import Program

__all__ = ["jit", "compile", "TraceError", "Plan"]


def _refuse_draw():
    if isinstance(engine.current_tracer(), Recorder):
        raise TraceError(_errors.random_draw())


class Jitted:
    """A function wrapped by bibun.jit: call it as the function; `plan(*args)` shows what it replays."""

    def __init__(self, fn, cache_size=8):
        if not callable(fn):
            raise TypeError(f"bibun.jit needs a function, got {type(fn).__name__}")
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.cache_size = cache_size
        self._cache = {}
        self._last_key = None
        self.traces = 0               # how many times the function was traced
        self._warned = False

    def __call__(self, *args, **kwargs):
        if engine.tracer is not None and engine.current_tracer() is not None:
            return self.fn(*args, **kwargs)     # inside a trace, explain or detect_anomaly: run eagerly
        key, leaves = _signature.key(args, kwargs)
        prog = self._cache.get(key)
        if prog is None or prog.changes != _module.changes:
            return self._trace(key, args, kwargs, leaves)[1]
        return prog.run(leaves)

    def plan(self, *args, **kwargs):
        """The recorded program for these arguments' signature, printable as numbered steps. Traces (which
        runs the function once, eagerly) when this signature was not traced yet."""
        key, leaves = _signature.key(args, kwargs)
        prog = self._cache.get(key)
        if prog is None or prog.changes != _module.changes:
            prog = self._trace(key, args, kwargs, leaves)[0]
        return _Shown(prog.plan, _names(self.fn))

    def _trace(self, key, args, kwargs, leaves):
        _generator.draw_guard = _refuse_draw
        rec = Recorder(leaves)
        prev = engine.set_tracer(rec)
        try:
            out = self.fn(*args, **kwargs)
        finally:
            engine.set_tracer(prev)
        title = f"{getattr(self.fn, '__name__', 'f')}({', '.join(_arg_text(key))})"
        prog = Program(rec.finish(out, title), leaves)
        prog.changes = _module.changes
        self._cache[key] = prog
        if len(self._cache) > self.cache_size:
            del self._cache[next(iter(self._cache))]
        self.traces += 1
        if self.traces > self.cache_size and not self._warned and self._last_key is not None:
            self._warned = True
            why = _signature.what_changed(self._last_key, key, _arg_names(self.fn))
            warnings.warn(f"bibun.jit({self.__name__}) has traced {self.traces} times, more than its cache holds "
                          f"({self.cache_size}): {why or 'its signature keeps changing'}. Each new signature "
                          f"runs the function eagerly again; give it arguments of one shape (pad the batch, or "
                          f"DataLoader(drop_last=True)).", UserWarning, stacklevel=3)
        self._last_key = key
        return prog, out

    def __repr__(self):
        return f"<bibun.jit of {getattr(self.fn, '__qualname__', self.fn)!r}: {len(self._cache)} traced>"


def _arg_text(key):
    return [_signature.describe(p) for p in key[0]]


def _arg_names(fn):
    code = getattr(fn, "__code__", None)
    return list(code.co_varnames[:code.co_argcount]) if code is not None else []


class _Shown:
    """A Plan with the names its function uses for what it reads (model.weight, optimizer), for printing."""

    def __init__(self, plan, names):
        self.plan, self.names = plan, names

    def __getattr__(self, name):
        return getattr(self.plan, name)

    def __len__(self):
        return len(self.plan)

    def __iter__(self):
        return iter(self.plan)

    def __str__(self):
        return self.plan.text(self.names)

    __repr__ = __str__


def _names(fn, depth=0, names=None):
    """id(object) -> the name `fn` reaches it by: its closure's and globals' tensors, modules (and their
    parameters: model.fc1.weight) and optimizers, following closures of wrapped functions (bibun.grad's)."""
    from .._tensor import Tensor
    names = {} if names is None else names
    code = getattr(fn, "__code__", None)
    if code is None or depth > 4:
        return names
    found = []
    for name, cell in zip(code.co_freevars, fn.__closure__ or ()):
        try:
            found.append((name, cell.cell_contents))
        except ValueError:
            pass
    g = getattr(fn, "__globals__", {})
    found += [(n, g[n]) for n in code.co_names if n in g]
    for name, v in found:
        if isinstance(v, Tensor):
            names.setdefault(id(v), name)
        elif isinstance(v, _module.Module):
            names.setdefault(id(v), name)
            for pn, p in v.named_parameters():
                names.setdefault(id(p), f"{name}.{pn}")
        elif type(v).__name__ in ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad") or hasattr(v, "param_groups"):
            names.setdefault(id(v), name)
        elif callable(v) and getattr(v, "__code__", None) is not None and not isinstance(v, type):
            _names(v, depth + 1, names)
    return names


def jit(fn=None, *, cache_size=8):
    """Trace `fn` once per signature and replay it as plain NumPy (see the module's docstring). Usable as
    `bibun.jit(f)`, `@bibun.jit` and `@bibun.jit(cache_size=4)`."""
    if fn is None:
        return lambda f: Jitted(f, cache_size)
    return Jitted(fn, cache_size)


def compile(model=None, *, fullgraph=False, dynamic=None, backend=None, mode=None, options=None, disable=False):
    """bibun.jit under PyTorch's name, so that `torch.compile(step)` code runs unchanged. PyTorch's options
    are accepted; `disable=True` returns the function as it is, the others change nothing here."""
    if model is None:
        return lambda f: compile(f, disable=disable)
    if disable:
        return model
    return Jitted(model)


class _CallableModule(types.ModuleType):
    """bibun.jit is this package and the function at once: bibun.jit(f) and bibun.jit.TraceError both work."""

    def __call__(self, fn=None, **kw):
        return jit(fn, **kw)


sys.modules[__name__].__class__ = _CallableModule
