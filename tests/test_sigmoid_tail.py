"""sigmoid far below zero: e^a to the last bit, down through the subnormals, never a floor.

There 1 + e^a rounds to 1, so sigma(a) = e^a / (1 + e^a) is e^a in floating point; NumPy's exp is within
one unit in the last place, which is the tolerance (absolute, in units of the smallest subnormal, below the
normal range)."""
import math

import numpy as np
import pytest

import bibun


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sigmoid_is_exp_below_the_overflow_floor(dtype):
    info = np.finfo(dtype)
    a = np.array([-60, -87.5, -88.5, -100, -103, -200, -700, -708.5, -720, -744, -746, -1e4], dtype)
    got = bibun.tensor(a).sigmoid().numpy()
    want = np.array([math.exp(v) for v in a.astype(np.float64)]).astype(dtype)   # the float64 value, rounded
    ulp = np.maximum(np.abs(want) * info.eps, info.smallest_subnormal)
    assert np.all(np.abs(got.astype(np.float64) - want) <= ulp), (got, want)
    assert got.dtype == dtype


def test_log_of_sigmoid_follows_the_input_down_to_the_subnormals():
    a = np.array([-709.0, -720.0, -740.0])
    got = bibun.tensor(a).sigmoid().log().numpy()
    # e^a is subnormal there, carrying fewer bits: log of it is a to within log(1 + 2^-k) for k bits left
    bits = np.log2(np.exp(a) / np.finfo(np.float64).smallest_subnormal)
    assert np.all(np.abs(got - a) <= 2.0 ** -np.floor(bits) * 2), got


def test_nan_stays_nan_and_does_not_hide_the_tail():
    got = bibun.tensor([np.nan, -720.0, 0.0], dtype=bibun.float64).sigmoid().numpy()
    assert np.isnan(got[0]) and got[1] == math.exp(-720.0) and got[2] == 0.5
