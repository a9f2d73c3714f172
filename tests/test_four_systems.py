"""Section 8.1.4's lesson as a test: the chapter's loss written against each of the four surfaces (HIPS
Autograd's, PyTorch's, TensorFlow's GradientTape, JAX's) is one and the same recording on bibun's engine: the
same ops in the same order, the same values and gradients bit for bit, the same explained text. Both of the
chapter's spellings are checked: the explicit -log(1/(1+e^{-x.w})) of its Autograd and JAX cells, and the
-log(sigmoid(x.w)) of its PyTorch and TensorFlow cells."""
import numpy as np
import pytest

import bibun
import bibun.jax.numpy as jnp
import bibun.numpy as anp
import bibun.tf as tf

EXPLICIT = {
    "autograd": lambda w, x: -anp.log(1.0 / (1 + anp.exp(-anp.dot(x, w)))),
    "pytorch": lambda w, x: -bibun.log(1.0 / (1 + bibun.exp(-bibun.dot(x, w)))),
    "tensorflow": lambda w, x: -tf.math.log(1.0 / (1 + tf.math.exp(-tf.tensordot(x, w, 1)))),
    "jax": lambda w, x: -jnp.log(1.0 / (1 + jnp.exp(-jnp.dot(x, w)))),
}
SIGMOID = {
    "autograd": lambda w, x: -anp.log(anp.sigmoid(anp.dot(x, w))),
    "pytorch": lambda w, x: -bibun.dot(x, w).sigmoid().log(),
    "tensorflow": lambda w, x: -tf.math.log(tf.math.sigmoid(tf.tensordot(x, w, 1))),
    "jax": lambda w, x: -jnp.log(bibun.jax.nn.sigmoid(jnp.dot(x, w))),
}
W = np.array([1.0, 0.5], np.float32)
X = np.array([1.0, -1.0], np.float32)


def _recording(fn):
    ex = bibun.explain(fn, w=W, x=X, wrt="w")
    forward = [(s.op.name, s.value.dtype.str, s.value.tobytes()) for s in ex.forward]
    backward = [(s.index, s.input_index, np.asarray(s.total).tobytes()) for s in ex.backward]
    return forward, backward, ex.grads["w"].tobytes(), ex.text()


@pytest.mark.parametrize("spelling,ops", [(EXPLICIT, ["dot", "neg", "exp", "add", "div", "log", "neg"]),
                                          (SIGMOID, ["dot", "sigmoid", "log", "neg"])],
                         ids=["explicit", "sigmoid"])
def test_four_surfaces_record_one_graph(spelling, ops):
    recordings = {name: _recording(fn) for name, fn in spelling.items()}
    reference = recordings["pytorch"]
    assert [op for op, _, _ in reference[0]] == ops
    for name, rec in recordings.items():
        assert rec == reference, f"{name} recorded another graph than the PyTorch surface"
    g = np.frombuffer(reference[2], np.float32)
    # d/dw -log(sigmoid(x.w)) = -(1 - sigmoid(x.w)) x; x.w = 0.5: float32 rounding of a handful of ops
    want = -(1 - 1 / (1 + np.exp(-0.5))) * X.astype(np.float64)
    np.testing.assert_allclose(g, want, rtol=8 * np.finfo(np.float32).eps)
