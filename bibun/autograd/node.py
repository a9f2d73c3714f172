"""A node of the graph: the op that made a tensor, its inputs and what the op saved.

The edges run output tensor -> node -> input tensors, all strong and one way, so a graph has no
reference cycles and is freed by reference counting alone as soon as its root goes away.
"""


class Node:
    __slots__ = ("op", "inputs", "datas", "needs", "params", "out", "retained", "made_at", "out_changed", "hooks",
                 "__weakref__")

    def __init__(self, op, inputs, datas, needs, params, out, made_at):
        self.op = op                # ops._registry.Op: forward, vjp and teaching text
        self.inputs = inputs        # tuple: Tensors, or Python scalars for constants
        self.datas = datas          # the inputs' arrays as the forward saw them (what the VJPs read)
        self.needs = needs          # tuple of bools: which inputs take a gradient
        self.params = params        # dict of non-tensor arguments (dim, keepdim, shape...) or None
        self.out = out              # the output's ndarray (several VJPs reuse it: exp, tanh, sigmoid)
        self.retained = None        # weakref to the output tensor when it called retain_grad()
        self.made_at = made_at      # the in-place clock when the op ran (see version_counter)
        # set only when needed: out_changed, what changed the output in place (see saved.py); hooks,
        # the output's gradient hooks (Tensor.register_hook)

    def name(self):
        """PyTorch's name for this node (what `grad_fn=<...>` prints)."""
        op = self.op
        if op.grad_name_dim is not None and self.params and self.params.get("axis") is not None:
            return op.grad_name_dim
        return op.grad_name

    @property
    def next_functions(self):
        out = []
        for x, need in zip(self.inputs or (), self.needs or ()):
            fn = getattr(x, "grad_fn", None)
            out.append((fn if fn is not None else (AccumulateGrad(x) if need else None), 0))
        order = self.op.next_order
        if order is not None and len(order) == len(out):
            out = [out[i] for i in order]
        return tuple(out)

    def __repr__(self):
        return f"<{self.name()} object at {id(self):#x}>"


class AccumulateGrad:
    """What `next_functions` shows for a leaf that takes a gradient, as PyTorch's: `.variable` is the leaf."""
    __slots__ = ("variable",)

    def __init__(self, variable):
        self.variable = variable

    def name(self):
        return "AccumulateGrad"

    @property
    def next_functions(self):
        return ()

    def __repr__(self):
        return f"<AccumulateGrad object at {id(self):#x}>"
