"""bibun.autograd.Function (PyTorch's custom ops, as its tutorials teach them) and HIPS autograd's
primitive / defvjp: the same code run on bibun and on PyTorch gives the same numbers in float64."""
import math

import numpy as np
import pytest

import bibun

torch = pytest.importorskip("torch")

# float64 sums of a few thousand terms: agreement to a few ulps of the magnitudes involved
RTOL = 1e-12


def legendre(lib):
    class LegendrePolynomial3(lib.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            input, = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1)
    return LegendrePolynomial3


def my_relu(lib):
    class MyReLU(lib.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return input.clamp(min=0)

        @staticmethod
        def backward(ctx, grad_output):
            input, = ctx.saved_tensors
            grad_input = grad_output.clone()
            grad_input[input < 0] = 0
            return grad_input
    return MyReLU


def test_legendre_tutorial_matches_pytorch_step_by_step():
    """PyTorch's 'Defining new autograd functions' tutorial, 300 steps, in float64."""
    def run(lib):
        P3 = legendre(lib).apply
        x = lib.linspace(-math.pi, math.pi, 2000, dtype=lib.float64)
        y = lib.sin(x)
        params = [lib.full((), v, dtype=lib.float64, requires_grad=True) for v in (0.0, -1.0, 0.0, 0.3)]
        trace = []
        for _ in range(300):
            a, b, c, d = params
            y_pred = a + b * P3(c + d * x)
            loss = (y_pred - y).pow(2).sum()
            loss.backward()
            trace.append([loss.item()] + [p.grad.item() for p in params])
            with lib.no_grad():
                for p in params:
                    p -= 5e-6 * p.grad
                    p.grad = None
        return np.array(trace)
    # 300 steps of float64 arithmetic in a different order: agreement far below the changes a step makes
    np.testing.assert_allclose(run(bibun), run(torch), rtol=1e-9, atol=1e-9)


def test_grad_fn_is_named_after_the_class():
    x = bibun.tensor([1.0, -2.0], requires_grad=True)
    y = my_relu(bibun).apply(x)
    t = my_relu(torch).apply(torch.tensor([1.0, -2.0], requires_grad=True))
    assert repr(y) == repr(t) == "tensor([1., 0.], grad_fn=<MyReLUBackward>)"
    assert y.grad_fn.name() == type(t.grad_fn).__name__ == "MyReLUBackward"


def test_two_layer_net_with_custom_relu_matches_pytorch():
    """PyTorch's two_layer_net_custom_function example (smaller), in float64."""
    def run(lib):
        rng = np.random.default_rng(0)
        x, y = (lib.tensor(rng.standard_normal(s)) for s in ((16, 10), (16, 3)))
        w1 = lib.tensor(rng.standard_normal((10, 20)), requires_grad=True)
        w2 = lib.tensor(rng.standard_normal((20, 3)), requires_grad=True)
        relu = my_relu(lib).apply
        out = []
        for _ in range(20):
            loss = (relu(x.mm(w1)).mm(w2) - y).pow(2).sum()
            loss.backward()
            out.append(loss.item())
            with lib.no_grad():
                w1 -= 1e-4 * w1.grad
                w2 -= 1e-4 * w2.grad
                w1.grad.zero_()
                w2.grad.zero_()
        return np.array(out + w1.detach().numpy().ravel().tolist())
    np.testing.assert_allclose(run(bibun), run(torch), rtol=RTOL, atol=1e-12)


def mul_constant(lib):
    class MulConstant(lib.autograd.Function):
        @staticmethod
        def forward(ctx, tensor, constant):
            ctx.constant = constant
            ctx.seen = ctx.needs_input_grad
            return tensor * constant

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * ctx.constant, None
    return MulConstant


def linear_function(lib):
    class LinearFunction(lib.autograd.Function):
        @staticmethod
        def forward(ctx, input, weight, bias=None):
            ctx.save_for_backward(input, weight, bias)
            output = input.mm(weight.t())
            if bias is not None:
                output += bias.unsqueeze(0).expand_as(output)
            return output

        @staticmethod
        def backward(ctx, grad_output):
            input, weight, bias = ctx.saved_tensors
            grad_input = grad_weight = grad_bias = None
            if ctx.needs_input_grad[0]:
                grad_input = grad_output.mm(weight)
            if ctx.needs_input_grad[1]:
                grad_weight = grad_output.t().mm(input)
            if bias is not None and ctx.needs_input_grad[2]:
                grad_bias = grad_output.sum(0)
            return grad_input, grad_weight, grad_bias
    return LinearFunction


@pytest.mark.parametrize("with_bias", [True, False])
def test_extending_docs_linear_function_matches_pytorch(with_bias):
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(s) for s in ((5, 4), (3, 4), (3,))]
    grads = {}
    for lib in (bibun, torch):
        x, w, b = (lib.tensor(a, requires_grad=True) for a in arrays)
        args = (x, w, b) if with_bias else (x, w)
        y = linear_function(lib).apply(*args)
        (y * y).sum().backward()
        grads[lib] = [t.grad.numpy() for t in args] + [y.detach().numpy()]
    for g, t in zip(grads[bibun], grads[torch]):
        np.testing.assert_allclose(g, t, rtol=RTOL)


def test_constant_argument_and_needs_input_grad():
    x = bibun.tensor([1.0, 2.0], dtype=bibun.float64, requires_grad=True)
    F = mul_constant(bibun)
    y = F.apply(x, 3.0)
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    assert y.grad_fn is not None
    with bibun.no_grad():
        z = F.apply(x, 2.0)
    assert not z.requires_grad and z.grad_fn is None
    assert not F.apply(bibun.tensor([1.0]), 2.0).requires_grad
    # keywords are bound to forward's arguments, as PyTorch does
    assert F.apply(x, constant=5.0).tolist() == [5.0, 10.0]


def test_needs_input_grad_per_argument():
    seen = []

    class Probe(bibun.autograd.Function):
        @staticmethod
        def forward(ctx, a, b, k):
            seen.append(ctx.needs_input_grad)
            return a * b * k

        @staticmethod
        def backward(ctx, g):
            return g, g, None
    a = bibun.tensor([1.0], requires_grad=True)
    Probe.apply(a, bibun.tensor([2.0]), 3)
    with bibun.no_grad():
        Probe.apply(a, bibun.tensor([2.0]), 3)
    assert seen == [(True, False, False), (False, False, False)]


def non_diff_output(lib):
    class SortLike(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            order = x.argsort() if lib is torch else lib.tensor(np.argsort(x.detach().numpy()))
            ctx.mark_non_differentiable(order)
            ctx.save_for_backward(order)
            return x[order], order

        @staticmethod
        def backward(ctx, g, g_order):
            order, = ctx.saved_tensors
            ctx.got = g_order.tolist()
            out = lib.zeros_like(g)
            out[order] = g
            return out
    return SortLike


def test_multiple_outputs_and_mark_non_differentiable():
    res = {}
    for lib in (bibun, torch):
        x = lib.tensor([3.0, 1.0, 2.0], dtype=lib.float64, requires_grad=True)
        s, order = non_diff_output(lib).apply(x)
        assert s.requires_grad and not order.requires_grad
        (s * lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)).sum().backward()
        res[lib] = (s.tolist(), order.tolist(), x.grad.tolist())
    assert res[bibun] == res[torch]


def my_cube(lib):
    class MyCube(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            result = x ** 3
            dx = 3 * x ** 2
            ctx.save_for_backward(x, dx)
            return result, dx

        @staticmethod
        def backward(ctx, grad_output, grad_dx):
            x, dx = ctx.saved_tensors
            return grad_output * dx + grad_dx * 6 * x
    return MyCube


def test_double_backward_through_a_saved_output():
    """PyTorch's 'Double backward with custom functions' tutorial: the second derivative of x³ is 6x,
    reached through the saved output dx."""
    for lib in (bibun, torch):
        x = lib.tensor(1.5, dtype=lib.float64, requires_grad=True)
        result, _ = my_cube(lib).apply(x)
        (g,) = lib.autograd.grad(result, x, create_graph=True)
        (gg,) = lib.autograd.grad(g, x)
        assert g.item() == pytest.approx(3 * 1.5 ** 2, rel=1e-15)
        assert gg.item() == pytest.approx(6 * 1.5, rel=1e-15)


def test_double_backward_through_saved_inputs_matches_finite_differences():
    F = legendre(bibun)
    x0 = np.array([0.3, -0.7, 1.1])
    x = bibun.tensor(x0, requires_grad=True)
    (g,) = bibun.autograd.grad(F.apply(x).sum(), x, create_graph=True)
    (gg,) = bibun.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(gg.numpy(), 15 * x0, rtol=1e-14)   # P3'' = 15 x


def test_setup_context_style():
    class Scale(bibun.autograd.Function):
        @staticmethod
        def forward(x, k):
            return x * k

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.k = inputs[1]

        @staticmethod
        def backward(ctx, g):
            return g * ctx.k, None
    x = bibun.tensor([1.0, 2.0], dtype=bibun.float64, requires_grad=True)
    Scale.apply(x, 4.0).sum().backward()
    assert x.grad.tolist() == [4.0, 4.0]


def test_broadcast_gradient_is_summed_as_pytorch_does():
    class Expand(bibun.autograd.Function):
        @staticmethod
        def forward(ctx, b):
            return b + bibun.zeros(4, 3, dtype=bibun.float64)

        @staticmethod
        def backward(ctx, g):
            return g                       # shape (4, 3) for an input of shape (1, 3)
    b = bibun.zeros(1, 3, dtype=bibun.float64, requires_grad=True)
    Expand.apply(b).sum().backward()
    assert b.grad.tolist() == [[4.0, 4.0, 4.0]]


def test_explain_shows_one_node_named_after_the_class():
    relu = my_relu(bibun)
    ex = bibun.explain(lambda w, x: (relu.apply(w * x) + 1).sum(), w=[1.0, -2.0], x=[3.0, 4.0])
    assert [s.op.name for s in ex.forward] == ["mul", "MyReLU", "add", "sum"]
    assert "β = MyReLU(α)" in ex.text()
    np.testing.assert_array_equal(ex.grads["w"], [3.0, 0.0])
    np.testing.assert_array_equal(ex.grads["x"], [1.0, 0.0])
    # an existing graph, explained from its root
    w = bibun.tensor([1.0, -2.0], requires_grad=True)
    y = relu.apply(w * 3).sum()
    assert [s.op.name for s in bibun.explain(y, inputs={"w": w}).forward] == ["mul", "MyReLU", "sum"]
    assert w.grad is None


def test_explain_a_function_applied_to_the_inputs_themselves():
    LF = linear_function(bibun)
    ex = bibun.explain(lambda x, W, b: LF.apply(x, W, b).sum(), x=[[1.0, 2.0]], W=[[0.5, -1.0], [2.0, 1.0]],
                       b=[0.1, 0.2])
    assert [s.op.name for s in ex.forward] == ["LinearFunction", "sum"]
    np.testing.assert_array_equal(ex.grads["x"], [[2.5, 0.0]])
    np.testing.assert_array_equal(ex.grads["W"], [[1.0, 2.0], [1.0, 2.0]])
    np.testing.assert_array_equal(ex.grads["b"], [1.0, 1.0])
    ex = bibun.explain(lambda w: mul_constant(bibun).apply(w, 3.0).sum(), w=[1.0, 2.0])
    np.testing.assert_array_equal(ex.grads["w"], [3.0, 3.0])


def test_the_function_is_not_in_the_primitive_table():
    my_relu(bibun).apply(bibun.tensor([1.0], requires_grad=True))
    assert "MyReLU" not in bibun.ops.OPS


# ---- a wrong backward gets a clear message -------------------------------------------------------------

def _function(backward, forward=lambda ctx, x, k: x * k):
    return type("Bad", (bibun.autograd.Function,), {"forward": staticmethod(forward),
                                                   "backward": staticmethod(backward)})


@pytest.mark.parametrize("backward, message", [
    (lambda ctx, g: g, r"Bad.backward returned 1 gradient but Bad.forward takes 2 arguments after ctx: return one "
                       r"gradient per forward argument"),
    (lambda ctx, g: (g, g), r"Bad.backward returned a gradient at position 1, but forward argument 1 is a float"),
    (lambda ctx, g: (g, None, g), r"Bad.backward returned 3 gradients but Bad.forward takes 2"),
    (lambda ctx, g: (g[0], None), r"wrong gradient for argument 0: got shape \(3,\) but the input has shape \(2, 3\)"),
    (lambda ctx, g: (1.0, None), r"returned a float as the gradient of argument 0: return Tensors"),
])
def test_wrong_backward(backward, message):
    x = bibun.ones(2, 3, requires_grad=True)
    y = _function(backward).apply(x, 2.0)
    with pytest.raises((RuntimeError, TypeError), match=message):
        y.sum().backward()


def test_extra_none_gradients_are_allowed():
    x = bibun.ones(2, requires_grad=True)
    _function(lambda ctx, g: (g * 2, None, None)).apply(x, 2.0).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_misuse_of_the_class():
    F = my_relu(bibun)
    with pytest.raises(TypeError, match=r"write MyReLU.apply\(...\) instead of MyReLU\(\)\(...\)"):
        F()(bibun.ones(1))

    class Legacy(bibun.autograd.Function):
        def forward(self, x):
            return x
    with pytest.raises(TypeError, match="Legacy.forward must be a @staticmethod"):
        Legacy.apply(bibun.ones(1))

    class NoBackward(bibun.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2
    with pytest.raises(NotImplementedError, match="must define backward"):
        NoBackward.apply(bibun.ones(1, requires_grad=True)).sum().backward()


def test_saved_output_changed_in_place_is_refused():
    class Exp(bibun.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            result = x.exp()
            ctx.save_for_backward(result)
            return result

        @staticmethod
        def backward(ctx, g):
            result, = ctx.saved_tensors
            return g * result
    x = bibun.tensor([0.0, 1.0], dtype=bibun.float64, requires_grad=True)
    y = Exp.apply(x)
    y.sum().backward(retain_graph=True)
    np.testing.assert_allclose(x.grad.numpy(), np.exp([0.0, 1.0]), rtol=1e-15)
    with bibun.no_grad():
        y += 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation: the output of Exp .*`\\+=` changed it"):
        y.sum().backward()


def test_save_for_backward_takes_tensors_only():
    class Keep(bibun.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x, 3)
            return x

        @staticmethod
        def backward(ctx, g):
            return g
    with pytest.raises(TypeError, match=r"argument 1 is a int: keep other values as attributes, e.g. ctx.k = k"):
        Keep.apply(bibun.ones(1, requires_grad=True))


def test_set_materialize_grads_false_passes_none():
    got = []

    class Two(bibun.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            got.append((g1 is None, g2 is None))
            return (0 if g1 is None else g1 * 2) + (0 if g2 is None else g2 * 3)
    x = bibun.tensor([1.0], dtype=bibun.float64, requires_grad=True)
    a, _ = Two.apply(x)
    a.sum().backward()
    assert got == [(False, True)] and x.grad.tolist() == [2.0]


# ---- HIPS autograd's primitive / defvjp ------------------------------------------------------------------

import bibun.numpy as bnp  # noqa: E402


@bibun.primitive
def logsumexp(x):
    """HIPS autograd's tutorial example of a primitive."""
    max_x = np.max(x)
    return max_x + np.log(np.sum(np.exp(x - max_x)))


def logsumexp_vjp(ans, x):
    x_shape = x.shape
    return lambda g: bnp.full(x_shape, 1.0) * g * bnp.exp(x - ans)


bibun.defvjp(logsumexp, logsumexp_vjp)


def test_primitive_is_the_plain_function_on_arrays():
    x = np.array([1.0, 2.0, 3.0])
    assert logsumexp(x) == pytest.approx(np.log(np.exp(x).sum()), rel=1e-15)
    assert logsumexp.__name__ == "logsumexp" and "tutorial" in logsumexp.__doc__


def test_primitive_gradient_matches_softmax_and_pytorch():
    x0 = np.array([0.5, -1.0, 2.0])
    g = bibun.grad(lambda x: 2.0 * logsumexp(x))(x0)
    np.testing.assert_allclose(g, 2 * np.exp(x0) / np.exp(x0).sum(), rtol=1e-15)
    t = torch.tensor(x0, requires_grad=True)
    (2 * torch.logsumexp(t, 0)).backward()
    np.testing.assert_allclose(g, t.grad.numpy(), rtol=1e-14)


def test_primitive_second_derivative_through_a_traced_vjp():
    # d²/dx² logsumexp = diag(p) - p pᵀ: the vjp above is written with bibun.numpy, so it traces
    x0 = np.array([0.5, -1.0, 2.0])
    p = np.exp(x0) / np.exp(x0).sum()
    H = bibun.func.hessian(logsumexp)(x0)
    np.testing.assert_allclose(H, np.diag(p) - np.outer(p, p), rtol=1e-12, atol=1e-15)


def test_primitive_with_two_arguments_argnums_and_a_zero_vjp():
    @bibun.primitive
    def scaled(x, k, power=2):
        return k * x ** power

    bibun.defvjp(scaled, lambda ans, x, k, power=2: lambda g: g * k * power * x ** (power - 1), None)
    x0 = np.array([1.0, 2.0])
    np.testing.assert_allclose(bibun.grad(lambda x: bnp.sum(scaled(x, 3.0, power=3)))(x0), 9 * x0 ** 2)
    assert bibun.grad(lambda k: bnp.sum(scaled(bibun.tensor(x0), k)))(3.0) == 0.0

    @bibun.primitive
    def f(x, y):
        return x * y

    bibun.defvjp(f, lambda ans, x, y: lambda g: g * x, argnums=[1])
    assert bibun.grad(lambda y: f(2.0, y))(5.0) == pytest.approx(2.0)
    with pytest.raises(NotImplementedError, match=r"gradient of f with respect to its argument 0 is not defined: "
                                                  r"give it with bibun.defvjp\(f, ...\)"):
        bibun.grad(lambda x: f(x, 5.0))(2.0)


def test_primitive_explained_as_one_node():
    ex = bibun.explain(lambda x: logsumexp(x * 2), x=[0.0, 1.0])
    assert [s.op.name for s in ex.forward] == ["mul", "logsumexp"]
    p = np.exp([0.0, 2.0]) / np.exp([0.0, 2.0]).sum()
    np.testing.assert_allclose(ex.grads["x"], 2 * p, rtol=1e-15)


def test_defvjp_needs_a_primitive_and_a_right_shape():
    with pytest.raises(TypeError, match="defvjp needs a function made with @bibun.primitive"):
        bibun.defvjp(np.sum, lambda ans, x: lambda g: g)

    @bibun.primitive
    def total(x):
        return np.sum(x)

    bibun.defvjp(total, lambda ans, x: lambda g: np.ones(5))
    with pytest.raises(RuntimeError, match=r"gradient that defvjp gave for argument 0 of total is wrong: got shape "
                                           r"\(5,\) but the input has shape \(3,\)"):
        bibun.grad(total)(np.ones(3))


def test_extend_module_as_in_hips_autograd():
    from bibun.extend import primitive, defvjp
    assert primitive is bibun.primitive and defvjp is bibun.defvjp
