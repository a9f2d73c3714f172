"""In-place changes under grad mode: every node backpropagates into the history it saw, and refuses
exactly where PyTorch refuses (an op whose backward reads the changed tensor). Each case runs the same
code on bibun and, where installed, on PyTorch in float64, and compares."""
import numpy as np
import pytest

import bibun

torch = pytest.importorskip("torch", reason="PyTorch is the reference these cases are compared with")


def _run(lib, body):
    """Run `body(lib, a)` with a = -4.0 (float64, requires grad); return a.grad as a float, or the error."""
    a = lib.tensor(-4.0, dtype=lib.float64, requires_grad=True)
    try:
        body(lib, a)
    except RuntimeError as e:
        return ("error", "modified by an inplace operation" in str(e))
    return None if a.grad is None else float(a.grad)


def _self_read(lib, a):
    c = a * 1.0
    c += c + 1                      # the right side reads c before it changes
    c.backward()


def _self_read_twice(lib, a):
    c = a * 3.0
    d = c * c                       # mul reads c: changing c afterwards must be refused
    c += 1
    (d + c).backward()


def _exp_reads_only_its_output(lib, a):
    c = a * 1.0
    t = c.exp()
    c += 1                          # exp's backward reads its output, not c
    t.backward()


def _sum_reads_only_shape(lib, a):
    c = a * lib.ones(3, dtype=lib.float64)
    s = c.sum()
    c *= 2
    (s + c.sum()).backward()


def _output_changed_under_no_grad(lib, a):
    t = (a * 1.0).exp()
    with lib.no_grad():
        t += 1                      # the array exp's backward would read is now wrong
    t.backward()


def _output_changed_with_grad(lib, a):
    t = (a * 0.5).tanh()
    t *= 2
    t.backward()


def _add_then_mul_chain(lib, a):
    c = a * 2
    d = c + 1                       # add keeps no copy of c
    c.mul_(a)                       # c = 2a * a: a new history for c
    (d * c).backward()


def _setitem_after_use(lib, a):
    v = a * lib.ones(3, dtype=lib.float64)
    w = v + 0
    u = v * 1.0
    v[1] = 0.0
    (w.sum() + u.sum() + v.sum()).backward()


CASES = [_self_read, _self_read_twice, _exp_reads_only_its_output, _sum_reads_only_shape,
         _output_changed_under_no_grad, _output_changed_with_grad, _add_then_mul_chain, _setitem_after_use]


@pytest.mark.parametrize("body", CASES, ids=[c.__name__.strip("_") for c in CASES])
def test_same_gradient_or_same_refusal_as_pytorch(body):
    want = _run(torch, body)
    got = _run(bibun, body)
    if isinstance(want, float):
        assert isinstance(got, float), f"PyTorch gives {want}, bibun {got}"
        assert got == pytest.approx(want, rel=1e-12)
    else:
        assert got == want


def test_self_read_is_the_issue_example():
    """c = a * 1.0; c += c + 1 is c = 2a + 1: d/da = 2 (it used to be None)."""
    assert _run(bibun, _self_read) == 2.0


def test_refusal_names_the_op_and_the_change():
    a = bibun.tensor([1.0, 2.0], requires_grad=True)
    t = a.sigmoid()
    with bibun.no_grad():
        t.mul_(3)
    with pytest.raises(RuntimeError, match=r"output of sigmoid .*`mul_` changed it"):
        t.sum().backward()
    assert a.grad is None           # refused before anything was accumulated


def test_history_chain_through_several_rebases():
    """Three in-place changes, each read by a later op: each op differentiates the version it saw."""
    a = bibun.tensor(1.5, dtype=bibun.float64, requires_grad=True)
    ta = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    outs = []
    for lib, x in ((bibun, a), (torch, ta)):
        c = x * 1.0
        parts = []
        for k in range(3):
            parts.append(c + k)     # add: keeps no copy of c
            c += x * (k + 1)
        sum(parts, c).backward()
        outs.append(float(x.grad))
    assert outs[0] == pytest.approx(outs[1], rel=1e-12)


def test_create_graph_uses_the_inputs_as_they_were():
    """Second derivatives through an in-place change: d²/da² of (a + 1) * c with c = a², then c += a."""
    res = []
    for lib in (bibun, torch):
        a = lib.tensor(0.7, dtype=lib.float64, requires_grad=True)
        c = a * a
        y = (a + 1) * c.exp()       # exp reads its output, not c
        c += a
        (g,) = lib.autograd.grad(y + c, a, create_graph=True)
        (h,) = lib.autograd.grad(g, a)
        res.append((float(g.detach()), float(h)))
    np.testing.assert_allclose(res[0], res[1], rtol=1e-12)


def test_float64_tensor_from_python_floats_is_exact():
    """tensor(0.7, dtype=float64) used to round through float32 (0.699999988...)."""
    assert bibun.tensor(0.7, dtype=bibun.float64).item() == 0.7
    assert bibun.tensor([0.1, 0.3], dtype=bibun.float64).tolist() == [0.1, 0.3]
    assert bibun.as_tensor([0.1], dtype=bibun.float64).tolist() == [0.1]
    assert bibun.tensor(0.7).dtype == bibun.float32                  # the default stays PyTorch's


def test_gradient_accumulated_twice_after_a_step_warns_once():
    """The not-zeroed warning used to crash (a WeakSet compared tensors with their elementwise ==)."""
    w = bibun.nn.Parameter(bibun.ones(3))
    opt = bibun.optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    opt.step()
    with pytest.warns(UserWarning, match="zero_grad") as rec:
        (w * w).sum().backward()
        (w * w).sum().backward()
    assert len([r for r in rec if "zero_grad" in str(r.message)]) == 1
    tw = torch.nn.Parameter(torch.ones(3))
    topt = torch.optim.SGD([tw], lr=0.1)
    (tw * tw).sum().backward()
    topt.step()
    (tw * tw).sum().backward()
    (tw * tw).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize("name, n, reads_out, per_input", [
    ("add", 2, False, [set(), set()]),                 # the gradient passes through: nothing saved
    ("mul", 2, False, [{1}, {0}]),                     # each input's gradient reads the other input
    ("exp", 1, True, [set()]),                         # reads its output only
    ("sum", 1, False, [set()]),                        # reads only the input's shape
    ("matmul", 2, False, [{1}, {0}]),
])
def test_what_each_backward_reads(name, n, reads_out, per_input):
    """The in-place check refuses exactly what a VJP reads, worked out from its code (autograd/saved.py)."""
    from bibun.autograd import saved
    from bibun.ops import OPS
    got_out, got = saved.reads(OPS[name], n)
    assert (got_out, [set(s) for s in got]) == (reads_out, per_input)


def test_an_unreadable_backward_is_taken_to_read_everything():
    from bibun.autograd import saved

    class Op:
        variadic = False
        vjp = (len,)                 # a builtin: no code to read
    assert saved.reads(Op, 1) == (True, (frozenset({0}),))
