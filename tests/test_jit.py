"""bibun.jit replays a traced step with the same bits as eager execution: the chapter's three code shapes
(a functional gradient, a PyTorch-style training step, the primitive loop of section 8.2.1), compared with
np.array_equal against the same code run eagerly."""
import numpy as np
import pytest

import bibun
from bibun import nn, optim

pytest.importorskip("sklearn", reason="the chapter's toy data come from scikit-learn")
from bibun.datasets import toy  # noqa: E402


def _train(data, build, steps, batch, jitted, perm_seed=1):
    """Run `steps` training steps of the step function build() makes; return (model, optimizer, losses, step)."""
    X, Y = (bibun.tensor(a) for a in data)
    model, loss_fn, opt = build()

    def step(xb, yb):
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        return loss
    if jitted:
        step = bibun.jit(step)
    rng = np.random.default_rng(perm_seed)
    losses, n = [], X.shape[0]
    while len(losses) < steps:
        perm = bibun.tensor(rng.permutation(n))
        for i in range(0, n, batch):
            idx = perm[i:i + batch]
            losses.append(step(X[idx], Y[idx]))
            if len(losses) == steps:
                break
    return model, opt, losses, step


def _same_state(eager, jitted):
    (m1, o1, l1, _), (m2, o2, l2, _) = eager, jitted
    assert len(l1) == len(l2)
    assert all(np.array_equal(a._data, b._data) for a, b in zip(l1, l2))
    for p, q in zip(m1.parameters(), m2.parameters()):
        assert np.array_equal(p._data, q._data)
        assert (p.grad is None) == (q.grad is None)
        if p.grad is not None:
            assert np.array_equal(p.grad._data, q.grad._data)
    for p, q in zip(m1.parameters(), m2.parameters()):
        s1, s2 = o1.state.get(p, {}), o2.state.get(q, {})
        assert s1.keys() == s2.keys()
        for k in s1:
            assert np.array_equal(np.asarray(s1[k]), np.asarray(s2[k])), k


def _blobs_model():
    bibun.manual_seed(0)
    model = nn.Linear(2, 1)
    return model, nn.BCEWithLogitsLoss(), optim.SGD(model.parameters(), lr=0.5)


def _circles_model():
    bibun.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 4), nn.Sigmoid(), nn.Linear(4, 1))
    return model, nn.BCEWithLogitsLoss(), optim.SGD(model.parameters(), lr=0.5)


@pytest.mark.parametrize("data, build", [(toy.blobs, _blobs_model), (toy.circles, _circles_model)],
                         ids=["blobs", "circles"])
def test_thousand_steps_bit_identical(data, build):
    eager = _train(data(), build, 1000, 4, False)
    jitted = _train(data(), build, 1000, 4, True)
    _same_state(eager, jitted)
    n = len(data()[0])                    # blobs: 50 = 12 x 4 + 2, a last, smaller batch traces again
    assert jitted[3].traces == (1 if n % 4 == 0 else 2)
    # the returned losses are new tensors each call, never one buffer a later call overwrites
    assert len({id(t._data) for t in jitted[2]}) == 1000
    assert not np.array_equal(jitted[2][0]._data, jitted[2][-1]._data)


def _mnist_data():
    rng = np.random.default_rng(0)
    X = rng.random((1000, 784), dtype=np.float32)      # 7 batches of 128 and one of 104
    y = rng.integers(0, 10, 1000)
    return X, y


@pytest.mark.parametrize("make_opt", [
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
    lambda ps: optim.Adam(ps, lr=1e-3),
    lambda ps: optim.AdamW(ps, lr=1e-3, weight_decay=0.01),
], ids=["sgd-momentum", "adam", "adamw"])
def test_fashion_mnist_shaped_epoch_bit_identical(make_opt):
    def build():
        bibun.manual_seed(0)
        model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
        return model, nn.CrossEntropyLoss(), make_opt(model.parameters())
    eager = _train(_mnist_data(), build, 8, 128, False)
    jitted = _train(_mnist_data(), build, 8, 128, True)
    _same_state(eager, jitted)
    assert jitted[3].traces == 2


def test_primitive_loop_of_the_chapter_bit_identical():
    X, Y = toy.blobs()
    X, Y = bibun.tensor(X / 10), bibun.tensor(Y)        # scaled so that no sigmoid saturates to log(0)

    def run(jitted):
        bibun.manual_seed(3)
        w = bibun.randn(2, 1, requires_grad=True)
        b = bibun.randn(1, requires_grad=True)
        eta = 0.01

        def step(x, y):
            y_hat = (x.matmul(w) + b).sigmoid()
            l = y * y_hat + (1 - y) * (1 - y_hat)
            loss = -l.log().sum()
            loss.backward()
            with bibun.no_grad():
                w.sub_(eta * w.grad)
                b.sub_(eta * b.grad)
                w.grad.zero_()
                b.grad.zero_()
            return loss
        step = bibun.jit(step) if jitted else step
        losses = [step(X[i:i + 4], Y[i:i + 4]) for _ in range(20) for i in range(0, 50, 4)]
        return w, b, losses
    w1, b1, l1 = run(False)
    w2, b2, l2 = run(True)
    assert np.array_equal(w1._data, w2._data) and np.array_equal(b1._data, b2._data)
    assert np.array_equal(w1.grad._data, w2.grad._data)
    assert all(np.array_equal(a._data, c._data) for a, c in zip(l1, l2))


def _loss(w, x):
    return -bibun.numpy.log(1.0 / (1 + bibun.numpy.exp(-bibun.numpy.dot(x, w))))


def test_jit_of_grad_gives_the_gradient_as_arrays():
    x = np.array([1, -1], dtype=np.float32)
    w = np.array([1.0, 0.5], dtype=np.float32)
    g = bibun.jit(bibun.grad(_loss))
    first, again = g(w, x), g(w, x)
    want = bibun.grad(_loss)(w, x)
    assert type(again) is np.ndarray and np.array_equal(first, want) and np.array_equal(again, want)
    w2 = np.array([-0.5, 2.0], dtype=np.float32)           # same signature, new values: replayed, not frozen
    assert np.array_equal(g(w2, x), bibun.grad(_loss)(w2, x)) and g.traces == 1
    assert again is not g(w, x)


def test_jit_of_value_and_grad_gives_the_number_and_the_gradient():
    x = np.array([1, -1], dtype=np.float32)
    w = np.array([1.0, 0.5], dtype=np.float32)
    vg = bibun.jit(bibun.value_and_grad(_loss))
    vg(w, x)
    v, g = vg(w, x)
    ev, eg = bibun.value_and_grad(_loss)(w, x)
    assert isinstance(v, np.float32) and v == ev and np.array_equal(g, eg)


def test_jit_of_grad_of_an_op_chain_reads_the_closed_over_tensors_live():
    a = bibun.tensor([1.0001, 0.9999, 1.0002, 0.9998])
    b = bibun.tensor([1e-4, -1e-4, 2e-4, -2e-4])

    def chain(x):
        y = x
        for _ in range(5):
            y = bibun.tanh(y * a + b)
        return y.sum()
    x = bibun.tensor([0.1, 0.2, 0.3, 0.4])
    g = bibun.jit(bibun.grad(chain))
    g(x)
    assert np.array_equal(g(x)._data, bibun.grad(chain)(x)._data)
    with bibun.no_grad():
        a.mul_(2.0)                                         # changed in place between calls: seen
    assert np.array_equal(g(x)._data, bibun.grad(chain)(x)._data)
    b.data = bibun.tensor([1.0, 2.0, 3.0, 4.0])             # rebound between calls: followed
    assert np.array_equal(g(x)._data, bibun.grad(chain)(x)._data)
    assert g.traces == 1


def test_compile_is_jit_under_pytorchs_name():
    import bibun.jit as jit_module
    f = bibun.compile(lambda x: (x * 2).sum())
    x = bibun.tensor([1.0, 2.0])
    assert isinstance(f, jit_module.Jitted) and f(x).item() == 6.0 and f(x).item() == 6.0
    assert bibun.compile(mode="max-autotune")(lambda x: x + 1)(x).tolist() == [2.0, 3.0]
    assert issubclass(bibun.jit.TraceError, RuntimeError)
