"""export_onnx: a bibun module's recorded forward (_graph.py) written as an ONNX graph with the `onnx` package.

Every recorded op becomes one ONNX node or a few; parameters become initializers under their state_dict
names; batch norm (in eval mode) and layer norm become ONNX's own ops. The leading dimension of each input is
left free ("batch") where a reshape kept it, so the file runs on any batch size. Losses are written from their
definitions (cross entropy and NLL as ONNX's own loss ops).
"""
import numpy as np

from .. import nn
from .._atomic import atomic_write
from .._tensor import Tensor
from ..ops import activations as A, pool as PL
from ._graph import batch_free_shape, record

MIN_OPSET = 17


def import_onnx():
    try:
        import onnx
    except ImportError:
        raise ImportError("this needs the onnx package, which is not installed: pip install onnx "
                          "(or pip install 'bibun[interop]')") from None
    return onnx


class _Builder:
    def __init__(self, onnx):
        self.onnx, self.h = onnx, onnx.helper
        self.nodes, self.inits, self.count = [], [], 0

    def name(self, hint):
        self.count += 1
        return f"{hint}_{self.count}"

    def const(self, value, dtype, hint="const"):
        n = self.name(hint)
        self.inits.append(self.onnx.numpy_helper.from_array(np.asarray(value, dtype=dtype), n))
        return n

    def node(self, op, inputs, hint=None, **attrs):
        out = self.name(hint or op.lower())
        self.nodes.append(self.h.make_node(op, list(inputs), [out], **attrs))
        return out


def _reduced(b, x, reduction):
    if reduction == "none":
        return x
    return b.node("ReduceMean" if reduction == "mean" else "ReduceSum", [x], keepdims=0)


def _softplus(b, z, dtype):
    """log(1 + e^z) as relu(z) + log(1 + e^-|z|): no overflow (ONNX's Softplus is the plain formula)."""
    tail = b.node("Log", [b.node("Add", [b.const(1, dtype), b.node("Exp", [b.node("Neg", [b.node("Abs", [z])])])])])
    return b.node("Add", [b.node("Relu", [z]), tail])


def _onnx_pads(pairs):
    """(lo, hi) per spatial dimension as ONNX's pads: every start, then every end."""
    return [int(lo) for lo, _ in pairs] + [int(hi) for _, hi in pairs]


def _activation(b, op, p, x, dtype):
    """The activations: ONNX's own op where one has the same definition at opset 17, else the formula bibun
    computes, in its order."""
    if op == "gelu":
        half, one = b.const(0.5, dtype), b.const(1, dtype)
        if p.get("approximate") == "tanh":      # 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
            cube = b.node("Mul", [b.node("Mul", [b.node("Mul", [b.const(A._GELU_CUBIC, dtype), x]), x]), x])
            inner = b.node("Mul", [b.const(A._SQRT_2_OVER_PI, dtype), b.node("Add", [x, cube])])
            t = b.node("Tanh", [inner])
        else:                                   # 0.5 x (1 + erf(x / sqrt 2)): Gelu itself is opset 20
            t = b.node("Erf", [b.node("Mul", [x, b.const(A._SQRT_HALF, dtype)])])
        return b.node("Mul", [b.node("Mul", [half, x]), b.node("Add", [one, t])])
    if op == "silu":
        return b.node("Mul", [x, b.node("Sigmoid", [x])])
    if op == "mish":                            # Mish itself is opset 18
        return b.node("Mul", [x, b.node("Tanh", [_softplus(b, x, dtype)])])
    if op == "softplus":                        # linear above the threshold, as PyTorch
        beta, threshold = p.get("beta", 1.0), p.get("threshold", 20.0)
        bx = x if beta == 1 else b.node("Mul", [x, b.const(beta, dtype)])
        y = _softplus(b, bx, dtype)
        y = y if beta == 1 else b.node("Div", [y, b.const(beta, dtype)])
        return b.node("Where", [b.node("Greater", [bx, b.const(threshold, dtype)]), x, y])
    if op == "log_sigmoid":
        return b.node("Neg", [_softplus(b, b.node("Neg", [x]), dtype)])
    if op in ("leaky_relu", "elu"):
        a = p.get("negative_slope", 0.01) if op == "leaky_relu" else p.get("alpha", 1.0)
        if np.dtype(dtype) == np.float32:       # the slope is a float32 attribute: exact only in float32
            return b.node("LeakyRelu" if op == "leaky_relu" else "Elu", [x], alpha=float(a))
        neg = x if op == "leaky_relu" else b.node("Sub", [b.node("Exp", [x]), b.const(1, dtype)])
        return b.node("Where", [b.node("Greater", [x, b.const(0, dtype)]), x,
                                b.node("Mul", [neg, b.const(a, dtype)])])
    if op == "hardtanh":
        return b.node("Clip", [x, b.const(p.get("min_val", -1.0), dtype), b.const(p.get("max_val", 1.0), dtype)])
    if op == "softsign":
        return b.node("Softsign", [x])
    if op == "threshold":
        return b.node("Where", [b.node("Greater", [x, b.const(p["threshold"], dtype)]), x,
                                b.const(p["value"], dtype)])
    return None


def _windowed(b, step, args, dtype):
    """Convolution, pooling, padding and embedding lookups."""
    op, p = step.op, step.params
    if op == "convolution":
        return b.node("Conv", args, strides=list(p["stride"]), pads=_onnx_pads(p["padding"]),
                      dilations=list(p["dilation"]), group=int(p["groups"]))
    if op == "max_pool":                        # explicit pads: ceil_mode's longer last window included
        return b.node("MaxPool", args, kernel_shape=list(p["kernel"]), strides=list(p["stride"]),
                      pads=_onnx_pads(p["pads"]), dilations=list(p["dilation"]))
    if op == "avg_pool":
        pool = dict(kernel_shape=list(p["kernel"]), strides=list(p["stride"]), pads=_onnx_pads(p["pads"]))
        if p["divisor_override"] is None and all(lo == hi for lo, hi in p["pads"]):
            return b.node("AveragePool", args, count_include_pad=int(p["count_include_pad"]), **pool)
        # PyTorch's divisors (ceil_mode, divisor_override): the window sums, divided by bibun's own counts
        n = int(np.prod(p["kernel"]))
        sums = b.node("Mul", [b.node("AveragePool", args, count_include_pad=1, **pool), b.const(n, dtype)])
        div = PL._divisor(step.in_shape[2:], p["kernel"], p["stride"], p["padding"], p["pads"], step.shape[2:],
                          p["count_include_pad"], p["divisor_override"])
        return b.node("Div", [sums, b.const(div, dtype)])
    if op == "adaptive_avg_pool":
        if tuple(p["output_size"]) == (1, 1):
            return b.node("GlobalAveragePool", args)
        h, w = (PL.adaptive_matrix(n, o, dtype) for n, o in zip(step.in_shape[-2:], p["output_size"]))
        return b.node("MatMul", [b.node("MatMul", [b.const(h, dtype), args[0]]), b.const(w.T, dtype)])
    if op == "embedding":
        return b.node("Gather", args[:2], axis=0)
    if op == "constant_pad_nd":
        pad, rank = p["pad"], len(step.in_shape)
        widths = [(0, 0)] * (rank - len(pad) // 2) + [(pad[2 * i], pad[2 * i + 1]) for i in range(len(pad) // 2)][::-1]
        return b.node("Pad", [args[0], b.const(_onnx_pads(widths), np.int64, "pads"),
                              b.const(p.get("value", 0.0), dtype)])
    return None


def _emit(b, step, args, dtype):
    """The ONNX value name computing `step` from the ONNX names `args`."""
    op, p = step.op, step.params
    out = _activation(b, op, p, args[0], dtype) if args else None
    out = out or _windowed(b, step, args, dtype)
    if out is not None:
        return out
    if op == "erf":
        return b.node("Erf", args)
    if op == "prelu":
        return b.node("PRelu", args)
    simple = {"add": "Add", "sub": "Sub", "mul": "Mul", "div": "Div", "pow": "Pow", "neg": "Neg", "exp": "Exp",
              "log": "Log", "sqrt": "Sqrt", "abs": "Abs", "tanh": "Tanh", "sigmoid": "Sigmoid", "relu": "Relu",
              "maximum": "Max", "minimum": "Min", "matmul": "MatMul"}
    if op in simple:
        return b.node(simple[op], args)
    if op == "square":
        return b.node("Mul", [args[0], args[0]])
    if op == "clamp":
        lo = "" if p.get("min") is None else b.const(p["min"], dtype)
        hi = "" if p.get("max") is None else b.const(p["max"], dtype)
        return b.node("Clip", [args[0], lo, hi])
    if op in ("sum", "mean", "logsumexp"):
        axes, keep = p.get("axis"), int(bool(p.get("keepdims", False)))
        axes = None if axes is None else [int(a) for a in (axes if isinstance(axes, (tuple, list)) else (axes,))]
        if op == "sum":
            ins = args[:1] + ([b.const(axes, np.int64, "axes")] if axes is not None else [])
            return b.node("ReduceSum", ins, keepdims=keep)
        kind = "ReduceMean" if op == "mean" else "ReduceLogSumExp"
        return b.node(kind, args[:1], keepdims=keep, **({"axes": axes} if axes is not None else {}))
    if op in ("softmax", "log_softmax"):
        return b.node("Softmax" if op == "softmax" else "LogSoftmax", args, axis=int(p["axis"]))
    if op == "reshape":
        rest = batch_free_shape(step)
        shape = [0, *rest] if rest is not None else list(p["shape"])
        return b.node("Reshape", [args[0], b.const(shape, np.int64, "shape")])
    if op == "permute":
        return b.node("Transpose", args, perm=[int(a) for a in p["axes"]])
    if op == "linear":
        if step.in_shape is not None and len(step.in_shape) == 2:
            return b.node("Gemm", args, transB=1)
        y = b.node("MatMul", [args[0], b.node("Transpose", [args[1]])])
        return b.node("Add", [y, args[2]]) if len(args) > 2 else y
    if op == "cat":
        return b.node("Concat", args, axis=int(p["axis"]))
    if op == "to_dtype":
        return b.node("Cast", args, to=b.h.np_dtype_to_tensor_dtype(np.dtype(p["dtype"])))
    if op in ("cross_entropy", "nll_loss"):
        kind = "SoftmaxCrossEntropyLoss" if op == "cross_entropy" else "NegativeLogLikelihoodLoss"
        return b.node(kind, args, reduction=p.get("reduction", "mean"), ignore_index=int(p.get("ignore_index", -100)))
    if op == "mse_loss":
        d = b.node("Sub", args)
        return _reduced(b, b.node("Mul", [d, d]), p.get("reduction", "mean"))
    if op == "binary_cross_entropy_with_logits" and p.get("pos_weight") is None:
        z, y = args                      # softplus(z) - z y = relu(z) - z y + log(1 + e^-|z|), no overflow
        tail = b.node("Log", [b.node("Add", [b.const(1, dtype), b.node("Exp", [b.node("Neg", [b.node("Abs", [z])])])])])
        l = b.node("Add", [b.node("Sub", [b.node("Relu", [z]), b.node("Mul", [z, y])]), tail])
        return _reduced(b, l, p.get("reduction", "mean"))
    if op == "binary_cross_entropy":
        x, y = args                      # -(y max(log p, -100) + (1 - y) max(log(1 - p), -100))
        one, floor = b.const(1, dtype), b.const(-100, dtype)
        lp = b.node("Max", [b.node("Log", [x]), floor])
        lq = b.node("Max", [b.node("Log", [b.node("Sub", [one, x])]), floor])
        l = b.node("Neg", [b.node("Add", [b.node("Mul", [y, lp]), b.node("Mul", [b.node("Sub", [one, y]), lq])])])
        return _reduced(b, l, p.get("reduction", "mean"))
    raise TypeError(f"export_onnx: the op {op!r} has no ONNX translation in bibun.interop; write that part with "
                    f"the supported ops ({', '.join(sorted(SUPPORTED))})")


def _own_op(m):
    """The sub-modules written as one ONNX op of their own: batch norm with running statistics (the exported
    graph is the eval-mode model), layer norm. The others are written op by op."""
    kind = type(m)
    if kind is nn.LayerNorm:        # ONNX's epsilon is a float32: exact when bibun's eps is one, or rounds to one
        return float(np.float32(m.eps)) == m.eps or (m.weight is not None and m.weight._data.dtype == np.float32)
    return kind in (nn.BatchNorm1d, nn.BatchNorm2d) and m.running_mean is not None


def _emit_layer(b, m, path, x, dtype, add_init):
    def param(name, fill, shape):
        t = getattr(m, name)
        if t is None:                           # affine=False: ONNX still wants a scale and a shift
            return b.const(np.full(shape, fill), dtype)
        full = f"{path}.{name}" if path else name
        add_init(full, t._data)
        return full

    if type(m) is nn.LayerNorm:
        shape = m.normalized_shape
        return b.node("LayerNormalization", [x, param("weight", 1, shape), param("bias", 0, shape)],
                      axis=-len(shape), epsilon=float(m.eps))
    c = (m.num_features,)
    # var + eps added here in the model's dtype, as bibun does: ONNX's epsilon attribute is a float32
    var_eps = b.const(m.running_var._data + np.asarray(m.eps, m.running_var._data.dtype), dtype, "running_var_eps")
    return b.node("BatchNormalization", [x, param("weight", 1, c), param("bias", 0, c), param("running_mean", 0, c),
                                         var_eps], epsilon=0.0)


SUPPORTED = ("erf", "prelu", "gelu", "silu", "mish", "softplus", "log_sigmoid", "leaky_relu", "elu", "hardtanh",
             "softsign", "threshold", "convolution", "max_pool", "avg_pool", "adaptive_avg_pool", "embedding",
             "constant_pad_nd", "add", "sub", "mul", "div", "pow", "neg", "exp", "log", "sqrt", "abs", "tanh",
             "sigmoid", "relu",
             "maximum", "minimum", "matmul", "square", "clamp", "sum", "mean", "logsumexp", "softmax",
             "log_softmax", "reshape", "permute", "linear", "cat", "to_dtype", "cross_entropy", "nll_loss",
             "mse_loss", "binary_cross_entropy_with_logits", "binary_cross_entropy")


def build_model(module, example_input, opset=MIN_OPSET):
    """The onnx.ModelProto of `module(*example_input)`, checked by onnx.checker."""
    onnx = import_onnx()
    if opset < MIN_OPSET:
        raise ValueError(f"export_onnx writes opset {MIN_OPSET} or newer (got opset={opset})")
    xs = example_input if isinstance(example_input, (tuple, list)) else (example_input,)
    xs = tuple(x if isinstance(x, Tensor) else Tensor._wrap(np.asarray(x)) for x in xs)
    graph = record(module, xs, calls=_own_op)
    if opset >= 18 and any(s.op in ("mean", "logsumexp") for s in graph.steps):
        raise ValueError("export_onnx writes ReduceMean with its opset-17 form; use opset=17")
    b = _Builder(onnx)
    h = onnx.helper
    state = module.state_dict()
    written = set()

    def add_init(name, a):
        if name not in written:
            written.add(name)
            b.inits.append(onnx.numpy_helper.from_array(np.asarray(a), name))

    for name in graph.used_params():
        add_init(name, state[name]._data)
    subs = dict(module.named_modules())
    in_names = ["input"] if len(xs) == 1 else [f"input_{i}" for i in range(len(xs))]
    # the batch size is left free unless a reshape wrote it down as a number
    free = all(batch_free_shape(s) is not None or s.params["shape"][:1] == (-1,)
               for s in graph.steps if s.op == "reshape")
    inputs = []
    for i, (shape, dtype) in enumerate(graph.inputs):
        dims = [("batch" if k == 0 and free else n) for k, n in enumerate(shape)]
        inputs.append(h.make_tensor_value_info(in_names[i], h.np_dtype_to_tensor_dtype(np.dtype(dtype)), dims))
    vals = []
    for s in graph.steps:
        args = []
        for a in s.args:
            if a.kind == "step":
                args.append(vals[a.value])
            elif a.kind == "input":
                args.append(in_names[a.value])
            elif a.kind == "param":
                args.append(a.value)
            elif a.value is None:
                args.append("")
            else:
                args.append(b.const(a.value, a.value.dtype if isinstance(a.value, np.ndarray) else s.dtype))
        if s.op == "call":
            vals.append(_emit_layer(b, subs[s.path], s.path, args[0], s.dtype, add_init))
        else:
            vals.append(_emit(b, s, args, s.dtype))
    outputs = []
    for k, r in enumerate(graph.outputs):
        if r.kind != "step":
            raise ValueError("export_onnx: an output of forward is an input or a parameter, not computed")
        name = "output" if len(graph.outputs) == 1 else f"output_{k}"
        b.nodes.append(h.make_node("Identity", [vals[r.value]], [name]))
        s = graph.steps[r.value]
        batch = graph.inputs[0][0][:1] if free and graph.inputs else ()
        dims = [("batch" if k == 0 and (n,) == batch else n) for k, n in enumerate(s.shape)]
        outputs.append(h.make_tensor_value_info(name, h.np_dtype_to_tensor_dtype(np.dtype(s.dtype)), dims))
    g = h.make_graph(b.nodes, type(module).__name__, inputs, outputs, b.inits)
    model = h.make_model(g, opset_imports=[h.make_opsetid("", opset)], producer_name="bibun")
    model.ir_version = min(model.ir_version, 9)     # readable by onnxruntime releases of the last two years
    onnx.checker.check_model(model)
    return model


def export_onnx(module, example_input, path, opset=MIN_OPSET):
    """Write `module` as an ONNX file at `path` (atomically) and return the path. `example_input` (a tensor or
    a tuple of them) is run through the module once to record its ops."""
    model = build_model(module, example_input, opset)
    with atomic_write(path) as f:
        f.write(model.SerializeToString())
    return path
