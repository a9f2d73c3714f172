"""Optimizer.load_state_dict checks what it is given before it changes anything."""
import numpy as np
import pytest

import bibun
import bibun.nn as nn
import bibun.optim as optim


def _trained(model, opt_cls, **kw):
    opt = opt_cls(model.parameters(), **kw)
    x = bibun.randn(5, model.in_features)
    model(x).pow(2).sum().backward()
    opt.step()
    return opt


def test_a_models_state_dict_is_refused_with_the_fix():
    model = nn.Linear(3, 2)
    opt = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match=r"model\.load_state_dict"):
        opt.load_state_dict(model.state_dict())


@pytest.mark.parametrize("opt_cls,kw,key", [(optim.SGD, dict(lr=0.1, momentum=0.9), "momentum_buffer"),
                                            (optim.Adam, dict(lr=0.01), "exp_avg")])
def test_state_of_another_shape_is_refused_and_nothing_changes(opt_cls, kw, key):
    bibun.manual_seed(0)
    saved = _trained(nn.Linear(3, 4), opt_cls, **kw).state_dict()
    saved["param_groups"][0]["lr"] = 123.0
    target_model = nn.Linear(4, 3)                     # the same number of parameters, other shapes
    target = _trained(target_model, opt_cls, **kw)
    before = {k: v.copy() for k, v in target.state[target_model.weight].items() if isinstance(v, np.ndarray)}
    with pytest.raises(ValueError, match=rf"'{key}' of parameter 0 has shape \(4, 3\).*shape \(3, 4\)"):
        target.load_state_dict(saved)
    assert target.param_groups[0]["lr"] == kw["lr"]
    after = target.state[target_model.weight]
    assert all(np.array_equal(after[k], v) for k, v in before.items())


def test_the_same_model_loads():
    bibun.manual_seed(0)
    model = nn.Linear(3, 4)
    opt = _trained(model, optim.Adam, lr=0.01)
    other = optim.Adam(model.parameters(), lr=0.5)
    other.load_state_dict(opt.state_dict())
    assert other.param_groups[0]["lr"] == 0.01
    assert np.array_equal(other.state[model.weight]["exp_avg"], opt.state[model.weight]["exp_avg"])
