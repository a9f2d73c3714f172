"""One engine under every surface: the chapter's loss written with bibun.jax records, in bibun.explain, the
same ops, values and gradients as the same formula written with bibun's PyTorch surface and with bibun.numpy
(HIPS Autograd's surface), and its gradient is what jax.grad gives."""
import numpy as np
import pytest

import bibun
import bibun.jax as jax
import bibun.jax.numpy as jnp
import bibun.numpy as anp


def jax_loss(w, x):
    return -jnp.log(1.0 / (1 + jnp.exp(-jnp.dot(x, w))))


def torch_loss(w, x):
    return -bibun.log(1.0 / (1 + bibun.exp(-bibun.dot(x, w))))


def autograd_loss(w, x):
    return -anp.log(1.0 / (1 + anp.exp(-anp.dot(x, w))))


W = np.array([1.0, 0.5], dtype=np.float32)
X = np.array([1.0, -1.0], dtype=np.float32)


def recorded(fn):
    ex = bibun.explain(fn, w=W, x=X, wrt="w")
    forward = [(s.op.name, s.value.dtype, s.value.tolist()) for s in ex.forward]
    backward = [(s.op.name if s.op is not None else None, np.asarray(s.grad).tolist()) for s in ex.backward]
    return ex, forward, backward


@pytest.mark.parametrize("other", [torch_loss, autograd_loss], ids=["pytorch surface", "autograd surface"])
def test_jax_loss_records_the_same_graph(other):
    ex, forward, backward = recorded(jax_loss)
    ex_other, forward_other, backward_other = recorded(other)
    assert [op for op, _, _ in forward] == ["dot", "neg", "exp", "add", "div", "log", "neg"]
    assert forward == forward_other                   # same ops, dtypes (float32) and values, bit for bit
    assert len(backward) == 8 and backward == backward_other
    assert ex.value.tolist() == ex_other.value.tolist()
    assert ex.grads["w"].tolist() == ex_other.grads["w"].tolist()
    assert ex.text() == ex_other.text()


def test_explained_gradient_is_jax_grad():
    ex, _, _ = recorded(jax_loss)
    g = jax.grad(jax_loss)(jnp.array(W), jnp.array(X))
    assert ex.grads["w"].dtype == np.float32 and ex.grads["w"].tolist() == g.tolist()
    assert ex.value.item() == jax_loss(jnp.array(W), jnp.array(X)).item()


def test_explain_takes_jax_arrays_as_values():
    ex = bibun.explain(jax_loss, w=jnp.array(W), x=jnp.array(X), wrt="w")
    assert ex.grads["w"].tolist() == jax.grad(jax_loss)(jnp.array(W), jnp.array(X)).tolist()
