"""Small TensorFlow programs, run both on real TensorFlow (tests/data/record_tf_reference.py records what
they give) and on bibun.tf (tests/test_tf_reference.py compares). Each takes the module `tf` and `rec`,
which stores a result under a name: a printed form (a str, compared exactly), a tensor, None, or a list or
dict of them (compared as numbers with their dtype and shape). Needs NumPy and the given `tf` only."""
import numpy as np


def chapter(tf, rec):
    """Section 8.1.4's cell."""
    x = tf.constant([1, -1], dtype=tf.float32, name='x')
    w = tf.Variable([1.0, 0.5], dtype=tf.float32, name='w')
    with tf.GradientTape() as tape:
        loss = -tf.math.log(tf.math.sigmoid(tf.tensordot(x, w, 1)))
    g = tape.gradient(loss, w)
    rec("loss", loss)
    rec("grad", g)
    rec("str(loss.numpy())", str(loss.numpy()))
    rec("repr(loss)", repr(loss))
    rec("str(loss)", str(loss))
    rec("repr(w)", repr(w))
    rec("str(w)", str(w))


def printed_forms(tf, rec):
    rec("str scalar", str(tf.constant(2.0)))
    rec("repr scalar", repr(tf.constant(2.0)))
    rec("str float64 scalar", str(tf.constant(1.5, dtype=tf.float64)))
    rec("repr float64 scalar", repr(tf.constant(1.5, dtype=tf.float64)))
    rec("str int vector", str(tf.constant([1, 2])))
    rec("repr int vector", repr(tf.constant([1, 2])))
    rec("repr int scalar", repr(tf.constant(7)))
    rec("str bool", str(tf.constant(True)))
    rec("repr bool vector", repr(tf.constant([True, False])))
    rec("str matrix", str(tf.constant([[1., 2.], [3., 4.]])))
    rec("repr matrix", repr(tf.constant([[1., 2.], [3., 4.]])))
    rec("str zeros", str(tf.zeros([2, 3])))
    rec("str ones", str(tf.ones(2)))
    rec("str 3-d", str(tf.reshape(tf.range(8), [2, 2, 2])))
    rec("repr variable scalar", repr(tf.Variable(1.0)))
    rec("repr variable matrix", repr(tf.Variable([[1.0, 2.0], [3.0, 4.0]], name='W')))
    v = tf.Variable(1.0, name='v')
    rec("repr assign", repr(v.assign(3.0)))
    rec("repr assign_add", repr(v.assign_add(1.0)))
    rec("repr after assign", repr(v))
    rec("variable names", [tf.Variable(1.0, name='a').name, tf.Variable(1.0).name])
    rec("repr shape", repr(tf.zeros([2, 3]).shape))
    rec("str shape", str(tf.zeros([2, 3]).shape))
    rec("shape as_list", str(tf.zeros([2, 3]).shape.as_list()))
    rec("repr dtype", repr(tf.float32))
    rec("str dtype", str(tf.float32))
    rec("numpy of scalar", type(tf.constant(2.0).numpy()).__name__)


def dtypes(tf, rec):
    rec("dtypes", [tf.constant(1.0).dtype.name, tf.constant(1).dtype.name, tf.constant([1, 2.5]).dtype.name,
                   tf.constant(np.array([1.0])).dtype.name, tf.constant(np.array([1])).dtype.name,
                   tf.zeros([2]).dtype.name, tf.random.normal([2]).dtype.name, tf.Variable(2).dtype.name,
                   (tf.constant(3) / tf.constant(2)).dtype.name, (tf.constant(2.0) * 3).dtype.name,
                   tf.cast(tf.constant(1), tf.float32).dtype.name, tf.reduce_sum(tf.constant([1, 2])).dtype.name])
    rec("int division", tf.constant([3, -3]) / tf.constant(2))
    rec("cast truncates", tf.cast(tf.constant([1.7, -1.7]), tf.int32))
    rec("int mean", tf.reduce_mean(tf.constant([1, 2])))


def tapes(tf, rec):
    """persistent tapes, stop_recording, structures of sources, None for unconnected sources."""
    c = tf.constant(3.0)
    w = tf.Variable([1.0, 2.0], name='w')
    u = tf.Variable(5.0, name='u')
    with tf.GradientTape(persistent=True) as t:
        t.watch(c)
        y = c * c * tf.reduce_sum(w)
        with t.stop_recording():
            z = c * c
        ww = w * w
    rec("dy/dc", t.gradient(y, c))
    rec("dz/dc under stop_recording", t.gradient(z, c))
    rec("list sources", t.gradient(y, [c, w, u]))
    rec("dict sources", t.gradient(y, {'c': c, 'w': w}))
    rec("tuple sources", t.gradient(y, (w, c)))
    rec("zero for unconnected", t.gradient(y, u, unconnected_gradients='zero'))
    rec("list target", t.gradient([y, c * 2.0], c))
    rec("output_gradients", t.gradient(ww, w, output_gradients=tf.constant([1.0, 10.0])))
    rec("target computed after the with block", t.gradient(w * w, w))
    rec("watched variables", sorted(v.name for v in t.watched_variables()))
    with tf.GradientTape() as t2:
        y2 = c * c
    rec("unwatched constant", t2.gradient(y2, c))
    with tf.GradientTape() as t3:
        y3 = w * 2.0
    loss_after = tf.reduce_sum(y3 * w)
    rec("target computed after the tape", t3.gradient(loss_after, w))
    frozen = tf.Variable(2.0, trainable=False)
    with tf.GradientTape(persistent=True) as t4:
        y4 = frozen * frozen
        t4.watch(frozen)
        y5 = frozen * frozen
    rec("trainable=False", t4.gradient(y4, frozen))
    rec("trainable=False, watched", t4.gradient(y5, frozen))
    with tf.GradientTape(watch_accessed_variables=False) as t5:
        t5.watch(u)
        y6 = u * w
    rec("watch_accessed_variables=False", t5.gradient(y6, [u, w]))


def higher_order(tf, rec):
    x = tf.Variable(3.0)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = x * x * x
        dy = inner.gradient(y, x)
    rec("dy", dy)
    rec("d2y", outer.gradient(dy, x))
    c = tf.constant([0.5, -1.0])
    with tf.GradientTape() as t1:
        t1.watch(c)
        with tf.GradientTape() as t2:
            t2.watch(c)
            s = tf.reduce_sum(tf.math.tanh(c))
        g = t2.gradient(s, c)
    rec("tanh'", g)
    rec("tanh'' summed", t1.gradient(g, c))


def variables(tf, rec):
    """Reads on both sides of an assign, and a few steps of gradient descent."""
    v = tf.Variable(2.0)
    with tf.GradientTape() as t:
        a = v * v
        v.assign(3.0)
        b = v * v
        y = a + 10.0 * b
    rec("two reads around an assign", t.gradient(y, v))
    rec("value after", v)
    X = tf.constant([[1.0, 2.0], [2.0, -1.0], [-1.0, -2.0], [0.5, 0.5]])
    Y = tf.constant([[1.0], [1.0], [0.0], [1.0]])
    W = tf.Variable([[0.1], [-0.2]], name='W')
    b = tf.Variable([0.0], name='b')
    losses = []
    for _ in range(5):
        with tf.GradientTape() as tape:
            logits = tf.matmul(X, W) + b
            loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=Y, logits=logits))
        gW, gb = tape.gradient(loss, [W, b])
        W.assign_sub(0.5 * gW)
        b.assign_sub(0.5 * gb)
        losses.append(float(loss))
    rec("losses", [tf.constant(losses)])
    rec("W", W)
    rec("b", b)


def ops(tf, rec):
    """Gradients through each function of the surface."""
    x = tf.constant([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
    W = tf.Variable([[0.2, -0.1], [0.4, 0.3], [-0.5, 0.1]], name='W')
    b = tf.Variable([0.1, -0.2], name='b')
    labels = tf.constant([[1.0, 0.0], [0.0, 1.0]])
    with tf.GradientTape(persistent=True) as t:
        h = tf.matmul(x, W) + b
        outs = {
            "softmax ce": tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=h)),
            "sigmoid ce": tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=h)),
            "softmax": tf.reduce_sum(tf.nn.softmax(h) * tf.constant([1.0, 3.0])),
            "log_softmax": tf.reduce_sum(tf.nn.log_softmax(h, axis=0) * labels),
            "relu": tf.reduce_sum(tf.nn.relu(h) * h),
            "exp sqrt square abs": tf.reduce_sum(tf.exp(h) + tf.sqrt(tf.abs(h) + 1.0) + tf.square(h)),
            "tanh reduce_mean axis": tf.reduce_sum(tf.reduce_mean(tf.math.tanh(h), axis=0) * tf.constant([1.0, -2.0])),
            "reduce_sum keepdims": tf.reduce_sum(tf.reduce_sum(h, axis=1, keepdims=True) * h),
            "reduce_max": tf.reduce_max(h),
            "transpose matmul": tf.reduce_sum(tf.matmul(tf.transpose(W), tf.transpose(x)) * tf.transpose(h)),
            "transpose_b": tf.reduce_sum(tf.matmul(h, W, transpose_b=True) * x),
            "reshape": tf.reduce_sum(tf.reshape(h, [-1]) * tf.constant([1.0, 2.0, 3.0, 4.0])),
            "tensordot axes": tf.tensordot(x, tf.matmul(x, W), axes=[[0], [0]])[1, 1],
            "divide pow": tf.reduce_sum((h / (1.0 + b * b)) ** 2.0),
            "maximum": tf.reduce_sum(tf.maximum(h, 0.05) * tf.minimum(h, 0.1)),
            "log": tf.reduce_sum(tf.math.log(tf.math.sigmoid(h))),
            "indexing": h[1, 0] * h[0, 1] + tf.reduce_sum(h[:, 1]),
            "concat stack": tf.reduce_sum(tf.concat([h, 2.0 * h], axis=0) * tf.stack([b, b, b, b])),
        }
    for name, y in outs.items():
        rec(name, y)
        rec(name + " grads", t.gradient(y, [W, b]))


def errors(tf, rec):
    def error(name, fn):
        try:
            fn()
        except Exception as e:                       # noqa: BLE001 (the error is the result)
            rec(name, f"{type(e).__name__}: {e}")
        else:
            rec(name, "no error")
    w = tf.Variable(1.0)
    with tf.GradientTape() as t:
        y = w * w
    t.gradient(y, w)
    error("second gradient", lambda: t.gradient(y, w))
    error("float + int", lambda: tf.constant(1.0) + tf.constant(1))
    error("float * int vector", lambda: tf.constant([1.0]) * tf.constant([1, 2]))
    error("float32 + float64", lambda: tf.constant(1.0) + tf.constant(1.0, dtype=tf.float64))
    error("matmul shapes", lambda: tf.matmul(tf.ones([2, 3]), tf.ones([2, 3])))
    error("log of int", lambda: tf.math.log(tf.constant(2)))
    error("len of scalar", lambda: len(tf.constant(1.0)))
    error("assign shape", lambda: tf.Variable([1.0, 2.0]).assign([1.0, 2.0, 3.0]))
    error("constant 1.5 as int32", lambda: tf.constant(1.5, dtype=tf.int32))


def random(tf, rec):
    tf.random.set_seed(7)
    a = tf.random.normal([3])
    tf.random.set_seed(7)
    b = tf.random.normal([3])
    rec("same seed, same draws", bool(np.all(a.numpy() == b.numpy())))
    rec("normal dtype and shape", [a.dtype.name, str(a.shape)])
    rec("uniform int dtype", tf.random.uniform([2], 0, 10, dtype=tf.int32).dtype.name)


PROGRAMS = [chapter, printed_forms, dtypes, tapes, higher_order, variables, ops, errors, random]


def encode(value):
    """A result as JSON can hold it: tensors as {dtype, shape, value}."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    a = np.asarray(value.numpy())
    return {"dtype": value.dtype.name, "shape": list(a.shape), "value": a.tolist()}


def run(tf, program):
    """The results of one program, encoded."""
    out = {}

    def rec(name, value):
        out[name] = encode(value)
    program(tf, rec)
    return out
