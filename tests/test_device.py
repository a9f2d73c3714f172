"""bibun runs on the CPU: PyTorch's device API exists, says so, and stops clearly on a GPU request."""
import pickle

import pytest

import bibun
from bibun import nn

torch = pytest.importorskip("torch")


def test_device_prints_and_compares_as_pytorchs():
    for spec in ("cpu", "cpu:0"):
        assert repr(bibun.device(spec)) == repr(torch.device(spec))
        assert str(bibun.device(spec)) == str(torch.device(spec))
    d = bibun.device("cpu")
    assert d.type == "cpu" and d.index is None and bibun.device("cpu", 0).index == 0
    assert d == bibun.device(d) and d != bibun.device("cpu:0") and hash(d) == hash(bibun.device("cpu"))
    assert pickle.loads(pickle.dumps(d)) == d


def test_tensor_device_attribute():
    x = bibun.ones(2)
    assert x.device == bibun.device("cpu") and str(x.device) == "cpu" and repr(x.device) == "device(type='cpu')"
    assert x.is_cuda is False and x.get_device() == -1 and x.device.type == "cpu"


def test_the_usual_device_selection_runs_on_the_cpu():
    device = bibun.device("cuda" if bibun.cuda.is_available() else "cpu")
    device2 = "cuda" if bibun.cuda.is_available() else "mps" if bibun.backends.mps.is_available() else "cpu"
    device3 = bibun.accelerator.current_accelerator().type if bibun.accelerator.is_available() else "cpu"
    assert bibun.cuda.device_count() == 0 and not bibun.backends.mps.is_built()
    bibun.cuda.manual_seed_all(0)
    bibun.cuda.manual_seed(0)
    bibun.backends.cudnn.deterministic = True
    for d in (device, device2, device3):
        model = nn.Linear(2, 3, device=d).to(d)
        x = bibun.randn(4, 2, device=d).to(d)
        assert model(x).shape == (4, 3)
        assert x.to(d) is x and x.to(d, bibun.float64).dtype == bibun.float64
        assert x.to(device=d, dtype=bibun.float64).dtype == bibun.float64
        assert x.cpu() is x and model.cpu() is model


@pytest.mark.parametrize("make", [
    lambda: bibun.tensor([1.0], device=bibun.device("cpu")), lambda: bibun.zeros(2, device="cpu"),
    lambda: bibun.ones(2, device="cpu:0"), lambda: bibun.empty(2, device="cpu"),
    lambda: bibun.full((2,), 1.0, device="cpu"),
    lambda: bibun.zeros_like(bibun.ones(2), device="cpu"), lambda: bibun.ones_like(bibun.ones(2), device="cpu"),
    lambda: bibun.full_like(bibun.ones(2), 3.0, device="cpu"), lambda: bibun.eye(2, device="cpu"),
    lambda: bibun.arange(3, device="cpu"), lambda: bibun.linspace(0, 1, 3, device="cpu"),
    lambda: bibun.rand(2, device="cpu"), lambda: bibun.randn(2, device="cpu"),
    lambda: bibun.randint(0, 3, (2,), device="cpu"), lambda: bibun.randperm(3, device="cpu"),
    lambda: bibun.as_tensor([1.0], device="cpu"), lambda: bibun.randn_like(bibun.ones(2), device="cpu")])
def test_creation_functions_take_device(make):
    assert make().device == bibun.device("cpu")


@pytest.mark.parametrize("ask, what", [
    (lambda: bibun.device("cuda"), "device('cuda')"), (lambda: bibun.device("cuda:0"), "device('cuda:0')"),
    (lambda: bibun.device("mps"), "device('mps')"), (lambda: bibun.device(0), "device(0)"),
    (lambda: bibun.ones(2).cuda(), "tensor.cuda()"), (lambda: bibun.ones(2).to("cuda"), "tensor.to('cuda')"),
    (lambda: bibun.ones(2).to(device="cuda"), "device('cuda')"),
    (lambda: nn.Linear(2, 2).cuda(), "model.cuda()"), (lambda: nn.Linear(2, 2).to("cuda"), "model.to('cuda')"),
    (lambda: nn.Linear(2, 2, device="cuda"), "device('cuda')"),
    (lambda: bibun.zeros(3, device="cuda"), "device('cuda')"), (lambda: bibun.randn(3, device="mps"), "device('mps')"),
    (lambda: bibun.set_default_device("cuda"), "device('cuda')"),
    (lambda: bibun.cuda.current_device(), "bibun.cuda.current_device")])
def test_asking_for_a_gpu_says_bibun_runs_on_the_cpu(ask, what):
    with pytest.raises(RuntimeError) as e:
        ask()
    msg = str(e.value)
    assert msg.startswith(what + ": bibun runs on the CPU only") and "bibun.device('cpu')" in msg
    assert "\n" not in msg


def test_misspelt_device_is_not_taken_for_a_gpu():
    with pytest.raises(RuntimeError, match="bibun has one device, 'cpu'"):
        bibun.device("gpu")
    with pytest.raises(TypeError, match="to\\(\\) takes a device"):
        bibun.ones(2).to([1])


def test_default_device():
    bibun.set_default_device("cpu")
    bibun.set_default_device(None)
    assert bibun.get_default_device() == bibun.device("cpu")


def test_hasattr_on_cuda_does_not_raise():
    assert not hasattr(bibun.cuda, "no_such_thing")
