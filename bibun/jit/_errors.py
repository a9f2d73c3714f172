"""What bibun.jit refuses, worded to say what to do instead. Every refusal happens while tracing, before a
single replay could give a wrong answer."""


class TraceError(RuntimeError):
    """Something the function does cannot be recorded for replay."""


def frozen(what):
    return (f"{what} on a traced tensor: inside bibun.jit this value would be frozen at its first value; return "
            f"the tensor and call {what} outside (or compute with tensors instead of Python numbers)")


def new_parameter():
    return ("creating a Parameter inside bibun.jit: a replay would keep using the one made while tracing; create "
            "the model (and its parameters) outside the jitted function and let the function use it")


def random_draw():
    return ("random numbers drawn inside bibun.jit would be the same on every replay: draw them outside and pass "
            "them in as an argument (for dropout, call model.eval() before jitting, or apply the mask yourself)")


def nested_tool():
    return ("bibun.explain and detect_anomaly cannot record inside a function that bibun.jit is tracing: call "
            "them around the jitted function instead (there it runs eagerly, so they see every op)")


def hooks():
    return ("gradient hooks (register_hook) do not run in a bibun.jit replay: remove the hook, or call the "
            "function without bibun.jit")


def retain_grad():
    return ("retain_grad() on an intermediate tensor is not supported inside bibun.jit: return the tensor whose "
            "gradient you need through bibun.grad instead, or call the function without bibun.jit")


def create_graph_backward():
    return ("backward(create_graph=True) inside bibun.jit is not supported: use bibun.grad (nested for higher "
            "derivatives) inside the jitted function, or call it without bibun.jit")


def made_inside(what):
    return (f"{what} a tensor created inside the jitted function: a replay cannot follow it. Create it outside "
            f"and pass it in as an argument (or return what you need from the function)")


def untraceable_output(kind):
    return (f"bibun.jit cannot tell how the returned {kind} was computed from the arguments (it was made by "
            f"NumPy directly, not by bibun operations): return tensors computed with bibun operations")
