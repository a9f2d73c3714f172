"""One test per classic mistake (research/user-needs.md section 3): the exception type PyTorch raises (so
code that catches it keeps working), and a message that names the user's own object and gives the fix."""
import io
import pickle
import warnings

import numpy as np
import pytest

import bibun
import bibun.nn as nn
import bibun.nn.functional as F
from bibun._serialize import LoadError


def _raises(exc, fn):
    with pytest.raises(exc) as e:
        fn()
    return str(e.value)


def _warns(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        fn()
    return [str(x.message) for x in w if issubclass(x.category, UserWarning)]


# -- backward --------------------------------------------------------------------------------------------------------
def test_backward_on_a_vector_loss_names_it_and_says_reduce():
    z = bibun.randn(64, requires_grad=True)
    y = (bibun.rand(64) > 0.5).float()
    loss = F.binary_cross_entropy_with_logits(z, y, reduction="none")
    msg = _raises(RuntimeError, lambda: loss.backward())
    assert "`loss`" in msg and "(64,)" in msg and "scalar" in msg
    assert "loss.mean().backward()" in msg and "reduction='none'" in msg
    assert "gradient=" in msg and "bibun.func.jacobian" in msg


def test_second_backward_through_a_carried_hidden_state():
    W = bibun.randn(3, 3, requires_grad=True)
    h = bibun.zeros(3)
    for step in range(2):
        h = (h @ W + 1.0).tanh()                  # h carried over from the previous iteration
        loss = h.sum()
        if step == 0:
            loss.backward()
        else:
            msg = _raises(RuntimeError, loss.backward)
    # the tensor named is the one computed in the previous iteration, the fix is detach, retain_graph is warned off
    assert "second time" in msg and "tanh" in msg
    assert "h.detach()" in msg and "Do not pass retain_graph=True" in msg


def test_second_backward_of_the_same_loss():
    x = bibun.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward()
    msg = _raises(RuntimeError, loss.backward)
    assert "`loss`" in msg and "already backpropagated" in msg and "retain_graph=True" in msg


def test_loss_computed_inside_no_grad():
    w = bibun.randn(3, requires_grad=True)
    with bibun.no_grad():
        loss = (w * 2).sum()
    msg = _raises(RuntimeError, loss.backward)
    assert "does not require grad" in msg and "`loss`" in msg and "no_grad" in msg
    assert "`loss.requires_grad = True` would silence this error, but nothing would learn" in msg


def test_backward_called_inside_no_grad():
    w = bibun.randn(3, requires_grad=True)
    with bibun.no_grad():
        loss = (w * 2).sum()
        msg = _raises(RuntimeError, loss.backward)
    assert "Grad mode is off here" in msg and "outside" in msg


def test_loss_that_went_through_item():
    w = bibun.randn(3, requires_grad=True)
    value = (w * w).sum().item()
    loss = bibun.tensor(value)
    msg = _raises(RuntimeError, loss.backward)
    assert "`loss`" in msg and ".item()" in msg and "plain numbers" in msg


def test_loss_of_a_detached_tensor():
    w = bibun.randn(3, requires_grad=True)
    loss = (w * w).sum().detach()
    msg = _raises(RuntimeError, loss.backward)
    assert "`loss`" in msg and ".detach()" in msg


def test_loss_of_a_frozen_model():
    model = nn.Linear(2, 1)
    model.requires_grad_(False)
    loss = model(bibun.randn(4, 2)).sum()
    msg = _raises(RuntimeError, loss.backward)
    assert "`model`" in msg and "requires_grad_(False)" in msg


# -- in place --------------------------------------------------------------------------------------------------------
def test_manual_update_of_a_leaf_outside_no_grad():
    w = bibun.randn(3, requires_grad=True)
    (w * w).sum().backward()
    lr = 0.1

    def update():
        nonlocal w
        w -= lr * w.grad
    msg = _raises(RuntimeError, update)
    assert "leaf" in msg and "`w -= ...`" in msg and "with bibun.no_grad():" in msg
    assert "Do not write `w = w - ...`" in msg


def test_assigning_into_a_slice_of_a_leaf():
    W = bibun.randn(3, 3, requires_grad=True)

    def assign():
        W[:, 0] = 0.0
    msg = _raises(RuntimeError, assign)
    assert "`W[:, 0] = ...`" in msg and "slice" in msg and "no_grad" in msg


def test_in_place_change_of_a_model_parameter():
    model = nn.Linear(2, 1)
    msg = _raises(RuntimeError, lambda: model.weight.add_(1.0))
    assert "`model.weight" in msg and "parameter" in msg and "no_grad" in msg


def test_changing_a_tensor_that_backward_needs():
    w = bibun.randn(4, requires_grad=True)
    a = w.relu()
    b = a * a
    a += 1
    msg = _raises(RuntimeError, lambda: b.sum().backward())
    assert "`a`" in msg and "the output of relu" in msg and "differentiate mul" in msg
    assert "`+=`" in msg and "`a = a + ...` instead of `a += ...`" in msg and ".data" in msg


def test_changing_a_saved_tensor_under_no_grad():
    w = bibun.randn(4, requires_grad=True)
    a = w.exp()
    b = a.sin()
    with bibun.no_grad():
        a.mul_(2.0)
    msg = _raises(RuntimeError, lambda: b.sum().backward())
    assert "`a`" in msg and "the output of exp" in msg and "differentiate sin" in msg and "`a = a.mul(...)`" in msg


def test_optimizer_step_between_forward_and_backward():
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    opt = bibun.optim.SGD(model.parameters(), lr=0.1)
    x = bibun.randn(5, 3)
    model(x).sum().backward()
    loss = model(x).sum()                    # forward with the old weights
    opt.step()                               # the weights change before this loss's backward
    msg = _raises(RuntimeError, loss.backward)
    assert "`model.2.weight`" in msg and "optimizer.step()" in msg and "call backward() before optimizer.step()" in msg


def test_optimizer_step_on_weights_backward_does_not_read():
    """As in PyTorch: the gradient of x @ W.T + b with respect to W reads x, not W, so stepping W in between
    is allowed (and the gradient is the one of the forward that ran)."""
    model = nn.Linear(3, 1)
    opt = bibun.optim.SGD(model.parameters(), lr=0.1)
    x = bibun.randn(5, 3)
    model(x).sum().backward()
    loss = model(x).sum()
    opt.step()
    opt.zero_grad()
    loss.backward()
    np.testing.assert_allclose(model.weight.grad.numpy(), x.numpy().sum(0, keepdims=True), rtol=1e-6)


# -- reading .grad ----------------------------------------------------------------------------------------------------
def test_reading_grad_of_an_intermediate_warns():
    x = bibun.randn(3, requires_grad=True)
    h = x * 2
    h.sum().backward()
    got = []
    msgs = _warns(lambda: got.append(h.grad))
    assert got == [None] and len(msgs) == 1
    assert "not a leaf" in msgs[0] and "`h`" in msgs[0] and "h.retain_grad()" in msgs[0]


def test_retain_grad_keeps_it_without_warning():
    x = bibun.randn(3, requires_grad=True)
    h = x * 2
    h.retain_grad()
    h.sum().backward()
    assert _warns(lambda: h.grad) == [] and h.grad.tolist() == [1.0, 1.0, 1.0]
    assert _warns(lambda: x.grad) == []                   # leaves never warn


def test_assigning_a_grad_of_the_wrong_shape():
    x = bibun.randn(3, requires_grad=True)

    def assign():
        x.grad = bibun.zeros(4)
    msg = _raises(RuntimeError, assign)
    assert "(3,)" in msg and "(4,)" in msg


# -- dtypes -----------------------------------------------------------------------------------------------------------
def test_integer_tensor_asked_to_require_grad():
    msg = _raises(RuntimeError, lambda: bibun.tensor([1, 2], requires_grad=True))
    assert "tensor([1, 2])" in msg and "int64" in msg and "bibun.tensor([1.0, 2.0])" in msg \
        and "dtype=bibun.float32" in msg
    msg = _raises(RuntimeError, lambda: bibun.arange(3).requires_grad_())
    assert "tensor([0, 1, 2])" in msg and ".float()" in msg


def test_float64_input_into_a_float32_layer():
    model = nn.Sequential(nn.Linear(3, 2))
    x = bibun.from_numpy(np.random.rand(4, 3))              # NumPy data: float64
    msg = _raises(RuntimeError, lambda: model(x))
    assert "layer (0) of Sequential" in msg and "float64" in msg and "float32" in msg
    assert "x.float()" in msg and "model.double()" in msg


# -- shapes of layers ------------------------------------------------------------------------------------------------
def test_linear_with_the_wrong_number_of_features_names_the_layer_in_sequential():
    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(64, 10))
    msg = _raises(RuntimeError, lambda: model(bibun.randn(2, 784)))
    assert msg.startswith("layer (2) of Sequential")
    assert "in_features=64" in msg and "64 features" in msg and "(2, 128)" in msg
    assert "nn.Linear(128, 10)" in msg


def test_linear_layer_named_by_its_attribute_and_flatten_hint():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(784, 10)

        def forward(self, x):
            return self.fc1(x)
    msg = _raises(RuntimeError, lambda: Net()(bibun.randn(8, 28, 28)))
    assert "`fc1`" in msg and "784 features" in msg and "(8, 28, 28)" in msg and "x.flatten(1)" in msg


def test_linear_with_transposed_input_or_swapped_sizes():
    fc = nn.Linear(5, 3)
    msg = _raises(RuntimeError, lambda: fc(bibun.randn(5, 20)))
    assert "`fc`" in msg and "x.T" in msg
    msg = _raises(RuntimeError, lambda: fc(bibun.randn(7, 3)))
    assert "swapped" in msg and "nn.Linear(3, 5)" in msg


def test_nested_sequential_names_the_path():
    model = nn.Sequential(nn.Flatten(), nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(2, 1)))
    msg = _raises(RuntimeError, lambda: model(bibun.randn(5, 2, 2)))
    assert msg.startswith("layer (1) of Sequential, layer (2) of Sequential")


# -- losses -----------------------------------------------------------------------------------------------------------
def test_cross_entropy_with_float_targets():
    logits = bibun.randn(8, 10, requires_grad=True)
    labels = bibun.tensor([1.0, 3.0, 0.0, 9.0, 2.0, 2.0, 5.0, 7.0])
    msg = _raises(RuntimeError, lambda: nn.CrossEntropyLoss()(logits, labels))
    assert "class indices" in msg and "float32" in msg and "(8,)" in msg and "target.long()" in msg


@pytest.mark.parametrize("dtype", [bibun.float32, bibun.int64])
def test_cross_entropy_with_one_hot_targets(dtype):
    logits = bibun.randn(8, 10, requires_grad=True)
    onehot = F.one_hot(bibun.randint(0, 10, (8,)), 10).type(dtype)
    msg = _raises(RuntimeError, lambda: F.cross_entropy(logits, onehot))
    assert "one-hot" in msg and "(8, 10)" in msg and "target.argmax(dim=1)" in msg


def test_cross_entropy_after_softmax_warns():
    logits = bibun.randn(8, 10, requires_grad=True)
    msgs = _warns(lambda: nn.CrossEntropyLoss()(logits.softmax(1), bibun.randint(0, 10, (8,))))
    assert len(msgs) == 1 and "softmax" in msgs[0] and "raw scores" in msgs[0]


def test_bce_with_logits_after_sigmoid_warns():
    z = bibun.randn(8, 1, requires_grad=True)
    msgs = _warns(lambda: nn.BCEWithLogitsLoss()(z.sigmoid(), bibun.ones(8, 1)))
    assert len(msgs) == 1 and "sigmoid" in msgs[0] and "raw scores" in msgs[0]


def test_mse_with_n1_against_n_is_an_error():
    pred = bibun.randn(64, 1, requires_grad=True)
    target = bibun.randn(64)
    for exc in (RuntimeError, ValueError):                  # both: PyTorch raises either for loss shapes
        msg = _raises(exc, lambda: nn.MSELoss()(pred, target))
    assert "(64, 1)" in msg and "(64,)" in msg and "(64, 64)" in msg
    assert "pred.squeeze(1)" in msg and "target.reshape(-1, 1)" in msg


# -- modules and optimizers ------------------------------------------------------------------------------------------
def test_layers_in_a_plain_list():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = [nn.Linear(2, 3), nn.Linear(3, 1)]

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return x
    net = Net()
    msgs = _warns(lambda: list(net.parameters()))
    assert len(msgs) == 1 and "self.layers" in msgs[0] and "nn.ModuleList" in msgs[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        msg = _raises(ValueError, lambda: bibun.optim.SGD(net.parameters(), lr=0.1))
    assert "empty parameter list" in msg and "Net has 0 registered parameters" in msg
    assert "self.layers" in msg and "nn.ModuleList" in msg and "by hand" in msg


def test_some_layers_in_a_plain_list_warns_too():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.head = nn.Linear(3, 1)
            self.hidden = [nn.Linear(2, 3)]
    msgs = _warns(lambda: Net().parameters())
    assert len(msgs) == 1 and "self.hidden" in msgs[0]


def test_init_spelled_wrong():
    class Net(nn.Module):
        def _init_(self):
            super().__init__()
            self.fc = nn.Linear(2, 1)
    msg = _raises(ValueError, lambda: bibun.optim.Adam(Net().parameters()))
    assert "`_init_`" in msg and "__init__" in msg


def test_layers_in_local_variables():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            fc = nn.Linear(2, 1)                              # noqa: F841  (never registered)
    msg = _raises(ValueError, lambda: bibun.optim.SGD(Net().parameters(), lr=0.1))
    assert "Net has 0 registered parameters" in msg and "self.fc1 = nn.Linear" in msg


def test_a_parameter_never_used_in_the_loss():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(2, 3)
            self.fc2 = nn.Linear(3, 1)

        def forward(self, x):
            return self.fc1(x).sum(1)                         # fc2 forgotten
    model = Net()
    opt = bibun.optim.SGD(model.parameters(), lr=0.1)
    model(bibun.randn(4, 2)).sum().backward()
    msgs = _warns(opt.step)
    assert len(msgs) == 1 and "2 of 4 parameters got no gradient" in msgs[0]
    assert "`model.fc2.weight`" in msgs[0] and "`model.fc2.bias`" in msgs[0] and "forward()" in msgs[0]
    assert _warns(opt.step) == []                              # once per optimizer


def test_step_before_backward_warns():
    model = nn.Linear(2, 1)
    opt = bibun.optim.SGD(model.parameters(), lr=0.1)
    msgs = _warns(opt.step)
    assert len(msgs) == 1 and "no gradient on any parameter" in msgs[0] and "loss.backward()" in msgs[0]


def test_forgotten_zero_grad_warns():
    model = nn.Linear(2, 1)
    opt = bibun.optim.SGD(model.parameters(), lr=0.1)
    x = bibun.randn(4, 2)

    def two_steps():
        for _ in range(2):
            model(x).pow(2).mean().backward()
            opt.step()
    msgs = _warns(two_steps)
    assert msgs and "zero_grad()" in msgs[0] and "`model.weight`" in msgs[0]

    def proper():
        for _ in range(3):
            opt.zero_grad()
            model(x).pow(2).mean().backward()
            opt.step()
    assert _warns(proper) == []


def test_accumulating_over_batches_before_one_step_does_not_warn():
    model = nn.Linear(2, 1)
    opt = bibun.optim.Adam(model.parameters())

    def accumulate():
        for _ in range(2):
            opt.zero_grad(set_to_none=False)
            for _ in range(3):
                model(bibun.randn(4, 2)).pow(2).mean().backward()
            opt.step()
    assert _warns(accumulate) == []


# -- leaving the graph ------------------------------------------------------------------------------------------------
def test_numpy_function_on_a_tracked_tensor():
    w = bibun.randn(3, requires_grad=True)
    msg = _raises(RuntimeError, lambda: np.sin(w))
    assert "`w`" in msg and "bibun.numpy" in msg and "w.detach().numpy()" in msg
    msg = _raises(RuntimeError, w.numpy)
    assert "detach().numpy()" in msg


def test_grad_of_a_vector_function():
    msg = _raises(TypeError, lambda: bibun.func.grad(lambda x: x * 2)(np.ones(3)))
    assert "(3,)" in msg and "sum" in msg and "jacobian" in msg


def test_detect_anomaly_names_the_op():
    x = bibun.tensor([0.0, 1.0], requires_grad=True)
    with bibun.autograd.detect_anomaly(), np.errstate(divide="ignore"):
        msg = _raises(RuntimeError, lambda: x.sqrt().sum().backward())
    assert "SqrtBackward0" in msg and "sqrt" in msg
    with bibun.autograd.detect_anomaly(), np.errstate(divide="ignore"):
        msg = _raises(RuntimeError, lambda: (x.log() * 0).sum())
    assert "'log'" in msg and "log of 0" in msg


# -- files ------------------------------------------------------------------------------------------------------------
def test_state_dict_that_does_not_fit_names_every_entry():
    model = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))
    other = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10), nn.Linear(10, 2))
    state = other.state_dict()
    del state["0.bias"]
    msg = _raises(RuntimeError, lambda: model.load_state_dict(state))
    assert 'Missing key(s) in state_dict: "0.bias"' in msg
    assert 'Unexpected key(s) in state_dict: "3.weight", "3.bias"' in msg
    assert "size mismatch for 0.weight: copying a param with shape [128, 784] from checkpoint, the shape in " \
           "current model is [64, 784]" in msg
    assert "size mismatch for 2.weight" in msg and "strict=False" in msg


def test_state_dict_saved_from_a_wrapped_model():
    model = nn.Linear(2, 1)
    state = {"module." + k: v for k, v in model.state_dict().items()}
    msg = _raises(RuntimeError, lambda: model.load_state_dict(state))
    assert "'module.'" in msg and "removeprefix('module.')" in msg


def test_load_state_dict_given_a_path():
    msg = _raises(TypeError, lambda: nn.Linear(2, 1).load_state_dict("model.pt"))
    assert "str" in msg and "bibun.load(path)" in msg


def test_loading_a_pickle_is_refused_in_one_line(tmp_path):
    path = tmp_path / "model.pt"
    path.write_bytes(pickle.dumps({"w": [1.0]}))
    msg = _raises(LoadError, lambda: bibun.load(path))
    assert str(path) in msg and "pickle" in msg and "\n" not in msg
    assert issubclass(LoadError, RuntimeError)


def test_loading_a_checkpoint_whose_shapes_do_not_fit(tmp_path):
    path = tmp_path / "ckpt.bibun"
    bibun.save(nn.Linear(784, 128).state_dict(), path)
    msg = _raises(RuntimeError, lambda: nn.Linear(784, 64).load_state_dict(bibun.load(path)))
    assert "weight" in msg and "[128, 784]" in msg and "[64, 784]" in msg


def test_backward_with_create_graph_warns_about_the_cycle():
    x = bibun.tensor([1.0, 2.0], requires_grad=True)
    msgs = _warns(lambda: (x * x).sum().backward(create_graph=True))
    assert len(msgs) == 1 and "reference cycle" in msgs[0] and "bibun.autograd.grad" in msgs[0]
    x.grad = None


def test_messages_are_plain_one_paragraph_text():
    """No traceback noise: errors other than the state_dict list are one line."""
    w = bibun.randn(3, requires_grad=True)
    loss = w * 2
    msg = _raises(RuntimeError, loss.backward)
    assert "\n" not in msg
    buf = io.BytesIO(b"not a checkpoint")
    assert "\n" not in _raises(LoadError, lambda: bibun.load(buf))
