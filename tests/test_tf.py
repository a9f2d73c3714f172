"""bibun.tf: the same graph as the PyTorch surface, gradients against finite differences and PyTorch in
float64, the tape's rules, its warnings and errors, Variables and random draws."""
import threading
import warnings

import numpy as np
import pytest

import bibun
import bibun.tf as tf

EPS64 = float(np.finfo(np.float64).eps)


def chapter_tf(w, x):
    return -tf.math.log(tf.math.sigmoid(tf.tensordot(x, w, 1)))


def chapter_torch(w, x):
    return -bibun.dot(x, w).sigmoid().log()


# -- one engine: explain records the same graph whichever surface wrote the loss --------------------------
def test_explain_records_the_same_ops_values_and_gradients_as_the_pytorch_surface():
    a = bibun.explain(chapter_tf, w=[1.0, 0.5], x=[1.0, -1.0])
    b = bibun.explain(chapter_torch, w=[1.0, 0.5], x=[1.0, -1.0])
    assert [s.op.name for s in a.forward] == [s.op.name for s in b.forward] == ["dot", "sigmoid", "log", "neg"]
    for sa, sb in zip(a.forward, b.forward):
        np.testing.assert_array_equal(sa.value, sb.value)
    assert [(s.index, s.input_index) for s in a.backward] == [(s.index, s.input_index) for s in b.backward]
    for sa, sb in zip(a.backward, b.backward):
        np.testing.assert_array_equal(sa.total, sb.total)
    assert set(a.grads) == {"w", "x"}
    for k in a.grads:
        np.testing.assert_array_equal(a.grads[k], b.grads[k])
    np.testing.assert_allclose(a.grads["w"], [-0.37754067, 0.37754067], atol=1e-8)
    assert a.text() == b.text()


def test_explain_takes_a_tf_tensor_computed_on_a_tape():
    x = tf.constant([1.0, -1.0], dtype=tf.float64)
    w = tf.Variable([1.0, 0.5], dtype=tf.float64)
    with tf.GradientTape() as tape:
        loss = chapter_tf(w, x)
    ex = bibun.explain(loss)
    assert [s.op.name for s in ex.forward] == ["dot", "sigmoid", "log", "neg"]
    assert float(ex.value) == pytest.approx(float(loss), abs=0)
    np.testing.assert_allclose(tape.gradient(loss, w).numpy(), [-0.37754067, 0.37754067], atol=1e-8)


# -- gradients: finite differences and PyTorch, in float64 --------------------------------------------------
X = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
LABELS = np.array([[0.2, 0.8], [1.0, 0.0]])


def model_loss(W, b):
    """A small classifier's losses through most of the surface (float64 throughout)."""
    x = tf.constant(X)
    h = tf.matmul(x, W) + b
    p = tf.nn.softmax(h)
    ce = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=tf.constant(LABELS), logits=h))
    bce = tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.constant(LABELS), logits=h))
    t = tf.tensordot(tf.transpose(h), x, axes=[[1], [0]])          # (2, 3)
    r = tf.reduce_sum(tf.reshape(t, [-1]) * tf.range(6.0, dtype=tf.float64)) / 10.0
    m = tf.reduce_sum(tf.matmul(h, W, transpose_b=True) * x)
    return ce + bce + tf.reduce_sum(tf.math.tanh(p)) + r + 0.1 * m + tf.reduce_mean(tf.sqrt(tf.square(h) + 1.0))


W0 = np.array([[0.2, -0.1], [0.4, 0.3], [-0.5, 0.1]])
B0 = np.array([0.1, -0.2])


def tape_gradients():
    W, b = tf.Variable(W0), tf.Variable(B0)
    with tf.GradientTape() as tape:
        loss = model_loss(W, b)
    gW, gb = tape.gradient(loss, [W, b])
    assert gW.dtype == tf.float64 and gb.dtype == tf.float64
    return float(loss), gW.numpy(), gb.numpy()


def test_gradients_agree_with_central_differences():
    _, gW, gb = tape_gradients()
    h = 1e-6

    def f(Wv, bv):
        return float(model_loss(tf.constant(Wv), tf.constant(bv)))
    for g, base, which in ((gW, W0, 0), (gb, B0, 1)):
        fd = np.zeros_like(base)
        for i in np.ndindex(base.shape):
            up, down = base.copy(), base.copy()
            up[i] += h
            down[i] -= h
            args_up = (up, B0) if which == 0 else (W0, up)
            args_down = (down, B0) if which == 0 else (W0, down)
            fd[i] = (f(*args_up) - f(*args_down)) / (2 * h)
        # central differences: truncation h^2 |f'''| / 6 ~ 1e-12, rounding ~ eps |f| / h ~ 1e-9 for |f| ~ 5
        np.testing.assert_allclose(g, fd, rtol=0, atol=1e-7)


def test_gradients_agree_with_pytorch_float64():
    torch = pytest.importorskip("torch", reason="PyTorch is not installed: compared with finite differences only")
    loss, gW, gb = tape_gradients()
    W = torch.tensor(W0, requires_grad=True)
    b = torch.tensor(B0, requires_grad=True)
    x, y = torch.tensor(X), torch.tensor(LABELS)
    h = x @ W + b
    p = torch.softmax(h, -1)
    ce = (-(y * torch.log_softmax(h, -1)).sum(-1)).mean()
    bce = torch.nn.functional.binary_cross_entropy_with_logits(h, y, reduction="sum")
    t = torch.tensordot(h.T, x, dims=([1], [0]))
    r = (t.reshape(-1) * torch.arange(6.0, dtype=torch.float64)).sum() / 10.0
    m = ((h @ W.T) * x).sum()
    want = ce + bce + torch.tanh(p).sum() + r + 0.1 * m + torch.sqrt(h * h + 1.0).mean()
    want.backward()
    # about 30 float64 operations, each within 2 ulp, on values of magnitude below 10
    tol = 64 * EPS64 * 10
    assert loss == pytest.approx(want.item(), abs=tol)
    np.testing.assert_allclose(gW, W.grad.numpy(), rtol=0, atol=tol)
    np.testing.assert_allclose(gb, b.grad.numpy(), rtol=0, atol=tol)


# -- the tape's rules ---------------------------------------------------------------------------------------
def test_the_chapter_cell_runs_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = tf.constant([1, -1], dtype=tf.float32, name='x')
        w = tf.Variable([1.0, 0.5], dtype=tf.float32, name='w')
        with tf.GradientTape() as tape:
            loss = chapter_tf(w, x)
        g = tape.gradient(loss, w)
    assert isinstance(loss.numpy(), np.float32) and g.dtype == tf.float32
    np.testing.assert_allclose(g.numpy(), [-0.37754067, 0.37754067], atol=4 * float(np.finfo(np.float32).eps))


def test_the_printed_forms_the_issue_gives():
    assert str(tf.constant([-0.3775407, 0.3775407])) == "tf.Tensor([-0.3775407  0.3775407], shape=(2,), dtype=float32)"
    w = tf.Variable([1.0, 0.5], dtype=tf.float32, name='w')
    assert repr(w) == str(w) == "<tf.Variable 'w:0' shape=(2,) dtype=float32, numpy=array([1. , 0.5], dtype=float32)>"


def test_a_second_gradient_on_a_non_persistent_tape_is_refused_with_the_fix():
    w = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = w * w
    assert float(tape.gradient(y, w)) == 4.0
    with pytest.raises(RuntimeError, match=r"^A non-persistent GradientTape can only be used to compute one set "
                                           r"of gradients \(or jacobians\).*persistent=True"):
        tape.gradient(y, w)


def test_a_persistent_tape_answers_again_and_reset_forgets():
    w = tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as tape:
        y = w * w
        z = y * w
    assert [float(tape.gradient(y, w)), float(tape.gradient(z, w)), float(tape.gradient(y, w))] == [6.0, 27.0, 6.0]
    tape.reset()
    with pytest.warns(UserWarning, match="not read while the tape was recording"):
        assert tape.gradient(y, w) is None


def test_an_unwatched_constant_gives_none_and_one_warning_that_says_to_watch_it():
    c = tf.constant(3.0)
    with tf.GradientTape() as tape:
        y = c * c
    with pytest.warns(UserWarning, match=r"never watched it: call tape.watch\(x\)") as got:
        assert tape.gradient(y, c) is None
    assert len(got) == 1


def test_a_loss_computed_after_the_with_block_gives_none_and_says_why():
    w = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        h = w * 2.0
    loss = tf.reduce_sum(h * w)
    with pytest.warns(UserWarning, match="computed after the with block"):
        assert tape.gradient(loss, w) is None


def test_frozen_variables_and_integer_watches_warn_with_the_fix():
    v = tf.Variable(2.0, trainable=False, name="v")
    with tf.GradientTape() as tape:
        y = v * v
    with pytest.warns(UserWarning, match=r"trainable=False.*tape.watch\(v\)"):
        assert tape.gradient(y, v) is None
    with tf.GradientTape() as tape:
        with pytest.warns(UserWarning, match="must be floating .*tf.cast"):
            tape.watch(tf.constant(1))


def test_stop_recording_pauses_without_a_warning():
    w = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        y = w * w
        with tape.stop_recording():
            z = w * y
        u = z * w
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert tape.gradient(z, w) is None
    assert float(tape.gradient(u, w)) == 8.0           # z = 8 is a constant to the tape: d(z w)/dw = z


def test_tape_misuse_is_refused_with_the_fix():
    tape = tf.GradientTape()
    with pytest.raises(ValueError, match="inside the tape's with block"):
        with tape.stop_recording():
            pass
    with tape:
        with pytest.raises(ValueError, match=r"tf.constant\(x\)"):
            tape.watch(np.array([1.0]))
        with pytest.raises(ValueError, match="already open"):
            with tape:
                pass
    with pytest.raises(TypeError, match=r"tf.constant\(value\)"):
        tf.Tensor([1.0])


def test_gradients_of_intermediates_watched_inside_the_tape():
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        h = x * x
        tape.watch(h)
        y = h * h
    gx, gh = tape.gradient(y, [x, h])
    assert (float(gx), float(gh)) == (32.0, 8.0)


def test_each_thread_has_its_own_tapes():
    results, barrier = {}, threading.Barrier(2)

    def work(name, value):
        w = tf.Variable(value)
        with tf.GradientTape() as tape:
            barrier.wait()
            y = w * w * w
            barrier.wait()
        results[name] = float(tape.gradient(y, w))
    threads = [threading.Thread(target=work, args=(n, v)) for n, v in (("a", 1.0), ("b", 2.0))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {"a": 3.0, "b": 12.0}


# -- Variables -------------------------------------------------------------------------------------------
def test_variables_assign_in_their_own_dtype_and_shape():
    v = tf.Variable([1.0, 2.0], name="v")
    assert v.name == "v:0" and v.trainable and v.dtype == tf.float32
    v.assign_add([1, 1])
    v.assign_sub(tf.constant([0.5, 0.5]))
    np.testing.assert_array_equal(v.numpy(), np.array([1.5, 2.5], dtype=np.float32))
    assert v.dtype == tf.float32
    a = v.numpy()
    a[0] = 100.0
    assert float(v[0]) == 1.5                         # numpy() is a copy
    with pytest.raises(ValueError, match=r"Shape mismatch.*give a value of shape \(2,\)"):
        v.assign([1.0, 2.0, 3.0])
    assert float(tf.reduce_sum(v.assign([3.0, 4.0]) * 2.0)) == 14.0


def test_mixing_dtypes_is_refused_with_the_cast_to_use():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"cast one first, e.g. tf.cast\(x, tf.float32\)"):
        tf.constant([1.0]) * tf.constant([1, 2])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"tf.tensordot\(a, b, 1\)"):
        tf.matmul(tf.constant([1.0, 2.0]), tf.constant([1.0, 2.0]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="whose product is 6"):
        tf.reshape(tf.zeros([2, 3]), [4, -1])
    assert (tf.constant([1.0]) * 2).dtype == tf.float32      # Python numbers take the tensor's dtype
    assert float(tf.constant(1.0, dtype=tf.float64) * 0.1) == 0.1     # exactly: not through float32
    assert tf.float32 == "float32" and tf.float32 == np.float32 and tf.float64 != None  # noqa: E711


# -- random ----------------------------------------------------------------------------------------------
def test_random_draws_repeat_after_set_seed_and_have_their_moments():
    tf.random.set_seed(3)
    a = tf.random.normal([20000], mean=2.0, stddev=3.0)
    u = tf.random.uniform([20000])
    s1, s2 = tf.random.normal([4], seed=5), tf.random.normal([4], seed=5)
    tf.random.set_seed(3)
    np.testing.assert_array_equal(a.numpy(), tf.random.normal([20000], mean=2.0, stddev=3.0).numpy())
    np.testing.assert_array_equal(u.numpy(), tf.random.uniform([20000]).numpy())
    np.testing.assert_array_equal(s1.numpy(), tf.random.normal([4], seed=5).numpy())
    assert not np.array_equal(s1.numpy(), s2.numpy())      # an op seed gives a stream, not one draw
    assert a.dtype == tf.float32 and a.shape == (20000,)
    # five standard errors: sigma / sqrt(n) for the mean, sigma / sqrt(2n) for the standard deviation
    assert abs(float(tf.reduce_mean(a)) - 2.0) < 5 * 3.0 / np.sqrt(20000)
    assert abs(float(np.std(a.numpy())) - 3.0) < 5 * 3.0 / np.sqrt(2 * 20000)
    assert 0.0 <= float(tf.reduce_min(u)) and float(tf.reduce_max(u)) < 1.0
    with pytest.raises(ValueError, match="maxval"):
        tf.random.uniform([2], dtype=tf.int32)


def test_the_readme_cell_prints_what_the_readme_says(capsys):
    import pathlib
    import re
    readme = (pathlib.Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("`bibun.tf`\n", 1)[1].split("\n## ", 1)[0]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert "import bibun.tf as tf" in code
    expected = [m.strip() for m in re.findall(r"\)\s+# (.*)$", code, re.M)]
    exec(compile(code, "README bibun.tf block", "exec"), {})
    assert capsys.readouterr().out.splitlines() == expected
