"""tf.GradientTape: records the ops on watched values while open, and differentiates them on request.

Recording is the engine's: a watched value is read as a leaf that requires grad (variables: see
variable.py; a watched tf.Tensor holds a leaf from then on), so the ops on it build the engine's graph, and
`gradient` runs the engine's backward from the target to this tape's leaves. The graph is kept (a
persistent tape may ask again; a tape asked from inside another open tape records its gradient there too).
"""
import contextlib
import enum
import warnings

import numpy as np

from .._tensor import Tensor as _Engine
from ..autograd import engine
from . import _recording
from ._convert import wrap
from .tensor import Tensor, TensorLike
from .variable import Variable, _Unread


class UnconnectedGradients(enum.Enum):
    NONE = "none"
    ZERO = "zero"


def _flatten(structure):
    """The tensors of a tensor, list, tuple or dict (nested), and a function that rebuilds the structure."""
    if isinstance(structure, dict):
        keys = list(structure)
        parts = [_flatten(structure[k]) for k in keys]
        flat = [x for p, _ in parts for x in p]

        def rebuild(values):
            out, i = {}, 0
            for k, (p, r) in zip(keys, parts):
                out[k] = r(values[i:i + len(p)])
                i += len(p)
            return type(structure)(out) if type(structure) is not dict else out
        return flat, rebuild
    if isinstance(structure, (list, tuple)):
        parts = [_flatten(x) for x in structure]
        flat = [x for p, _ in parts for x in p]

        def rebuild(values):
            out, i = [], 0
            for p, r in parts:
                out.append(r(values[i:i + len(p)]))
                i += len(p)
            return out if isinstance(structure, list) else tuple(out)
        return flat, rebuild
    return [structure], lambda values: values[0]


def _describe(x):
    if isinstance(x, Variable):
        return f"tf.Variable '{x.name}'"
    return f"a tf.Tensor of shape {x.shape} and dtype {x.dtype.name}"


class GradientTape:
    def __init__(self, persistent=False, watch_accessed_variables=True):
        self._persistent = bool(persistent)
        self._watch_accessed = bool(watch_accessed_variables)
        self._watched = {}           # id(source) -> (source, [its leaves]): what this tape differentiates by
        self._recording = False
        self._used = False
        self._paused = False         # stop_recording was used: a target off the tape may be meant

    # -- the context --------------------------------------------------------------------------------------
    def __enter__(self):
        if self in _recording.stack():
            raise ValueError("This GradientTape is already open: enter it once, or use another tape")
        _recording.stack().append(self)
        self._recording = True
        return self

    def __exit__(self, *exc):
        self._recording = False
        s = _recording.stack()
        s.remove(self)
        # a variable's leaf lives while a tape that watches it is open; later reads start from its value
        for src, _ in self._watched.values():
            if isinstance(src, Variable) and not any(id(src) in t._watched for t in s):
                src._leaf = None
        return False

    @contextlib.contextmanager
    def stop_recording(self):
        """Ops inside are not recorded on this tape."""
        if not self._recording:
            raise ValueError("Tape must be recording to stop recording: use stop_recording inside the "
                             "tape's with block")
        self._recording = False
        self._paused = True
        try:
            yield
        finally:
            self._recording = True

    def reset(self):
        """Forget everything recorded and watched so far (the tape keeps recording if it was)."""
        self._watched.clear()
        self._used = False

    # -- what it watches ----------------------------------------------------------------------------------
    def _watches(self, var):
        return id(var) in self._watched or (self._watch_accessed and var.trainable)

    def _add(self, src, leaf):
        entry = self._watched.get(id(src))
        if entry is None:
            self._watched[id(src)] = (src, [leaf])
        elif not any(x is leaf for x in entry[1]):
            entry[1].append(leaf)

    def watch(self, tensor):
        """Record the ops on `tensor` (a tf.Tensor, a Variable, or a list/tuple/dict of them) from now on."""
        for x in _flatten(tensor)[0]:
            if isinstance(x, _Unread):
                x = x._var
            if not isinstance(x, TensorLike):
                raise ValueError(f"Passed in object of type {type(x).__name__}, not tf.Tensor or tf.Variable: "
                                 f"convert it first, x = tf.constant(x), and watch that")
            if x._array().dtype.kind != "f":
                warnings.warn(f"The dtype of the watched tensor must be floating (e.g. tf.float32), got "
                              f"tf.{x.dtype.name}: it is not watched; make it a float, e.g. tf.cast(x, tf.float32)",
                              stacklevel=2)
                continue
            if isinstance(x, Variable):
                if id(x) not in self._watched:
                    self._watched[id(x)] = (x, [])
                if self._recording:
                    x._leaf_for([self])
                continue
            if not x._t.requires_grad:
                x._t, x._on_tape = _Engine._wrap(x._t._data, True), True
            self._add(x, x._t)

    def watched_variables(self):
        return tuple(src for src, _ in self._watched.values() if isinstance(src, Variable))

    # -- differentiating ----------------------------------------------------------------------------------
    def gradient(self, target, sources, output_gradients=None, unconnected_gradients=UnconnectedGradients.NONE):
        """d(target)/d(source) for each source (a tensor, a Variable, or a list/tuple/dict of them), in the
        sources' structure. A target that is a list is summed; `output_gradients` weights it (one per target
        tensor, ones by default). A source the target does not depend on gets None (or zeros with
        unconnected_gradients='zero')."""
        if self._used:
            raise RuntimeError("A non-persistent GradientTape can only be used to compute one set of gradients "
                               "(or jacobians): create it with tf.GradientTape(persistent=True) to ask it again, "
                               "or record the computation on a new tape")
        if not self._persistent:
            self._used = True
        zero = UnconnectedGradients(unconnected_gradients) is UnconnectedGradients.ZERO
        targets = _flatten(target)[0]
        seeds = [None] * len(targets) if output_gradients is None else _flatten(output_gradients)[0]
        if len(seeds) != len(targets):
            raise ValueError(f"output_gradients has {len(seeds)} tensors for {len(targets)} targets: give one "
                             f"per target tensor, of its shape")
        sources, rebuild = _flatten(sources)
        outs, grads_out = [], []
        for t, s in zip(targets, seeds):
            e = _target(t)
            if e.requires_grad:
                outs.append(e)
                grads_out.append(_Engine._wrap(np.ones_like(e._data) if s is None
                                               else np.asarray(_array_of(s), dtype=e._data.dtype)))
        leaves = {}
        for src in sources:
            src = src._var if isinstance(src, _Unread) else src
            if not isinstance(src, TensorLike):
                raise TypeError(f"tape.gradient: a source is a {type(src).__name__}, not a tf.Tensor or tf.Variable: "
                                f"differentiate with respect to a tf.Variable, or a tensor you tape.watch()")
            for leaf in self._watched.get(id(src), (None, []))[1]:
                leaves[id(leaf)] = leaf
        self._warn_unwatched(sources, outs, targets)
        got = {}
        if outs and leaves:
            order = list(leaves.values())
            create = bool(_recording.active())
            res = engine.grad(outs, order, grad_outputs=grads_out, retain_graph=True, create_graph=create,
                              allow_unused=True)
            got = {id(leaf): g for leaf, g in zip(order, res)}
        results = []
        for src in sources:
            src = src._var if isinstance(src, _Unread) else src
            parts = [got.get(id(leaf)) for leaf in self._watched.get(id(src), (None, []))[1]]
            parts = [p for p in parts if p is not None]
            if parts:
                g = parts[0]
                for p in parts[1:]:
                    g = g + p
                results.append(wrap(g))
            else:
                results.append(wrap(_Engine._wrap(np.zeros_like(src._array()))) if zero else None)
        return rebuild(results)

    def _warn_unwatched(self, sources, outs, targets):
        """TensorFlow answers None without a word; the usual causes get one warning each, with the fix."""
        for src in sources:
            src = src._var if isinstance(src, _Unread) else src
            if id(src) in self._watched:
                continue
            if isinstance(src, Variable):
                if not src.trainable:
                    how = (f"it was made with trainable=False, so the tape does not watch it: call "
                           f"tape.watch({src._name}) inside the with block")
                elif not self._watch_accessed:
                    how = "the tape has watch_accessed_variables=False: call tape.watch(...) on it inside the with block"
                else:
                    how = ("it was not read while the tape was recording: compute the target from it inside "
                           "`with tf.GradientTape() as tape:`")
            else:
                how = ("the tape never watched it: call tape.watch(x) inside the `with tf.GradientTape() as tape:` "
                       "block before using it, or make it a tf.Variable")
            warnings.warn(f"tape.gradient: the gradient with respect to {_describe(src)} is None because {how}",
                          stacklevel=3)
        if not outs and self._watched and not self._paused and any(isinstance(t, TensorLike) for t in targets):
            warnings.warn("tape.gradient: the target was not computed from a watched value while the tape was "
                          "recording (computed after the with block?), so every gradient is None: compute it "
                          "inside `with tf.GradientTape() as tape:`", stacklevel=3)


def _target(t):
    if isinstance(t, Tensor):
        return t._t
    if isinstance(t, _Unread):
        t = t._var
    if isinstance(t, Variable):
        return t._leaf if t._leaf is not None else t._value
    if isinstance(t, _Engine):
        return t
    raise TypeError(f"tape.gradient: the target is a {type(t).__name__}, not a tf.Tensor: compute it with "
                    f"bibun.tf ops inside the tape")


def _array_of(x):
    if isinstance(x, TensorLike):
        return x._array()
    if isinstance(x, _Engine):
        return x._data
    return np.asarray(x)
