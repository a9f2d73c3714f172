"""bibun.tf against TensorFlow: the programs of tf_programs.py give what TensorFlow 2.21 gave when
tests/data/record_tf_reference.py recorded them (tests/data/tf_reference.json), and what TensorFlow itself
gives now when it can be imported."""
import importlib
import json
import os
import warnings

import numpy as np
import pytest

import bibun.tf
import tf_programs

REFERENCE = os.path.join(os.path.dirname(__file__), "data", "tf_reference.json")
with open(REFERENCE, encoding="utf-8") as f:
    RECORDED = json.load(f)

# Each compared number went through at most ~16 float operations, each within 2 ulp in NumPy and in
# TensorFlow's kernels (their exp/log/tanh differ in the last bits), on well-conditioned values: the two
# agree within 16 * 2 * eps of the result's magnitude; 64 eps leaves a factor 2 for the 5 training steps.
ULPS = 64

# Where TensorFlow's message is its internals (a NodeDef, a stray space), only the exception type is compared.
TYPE_ONLY = {"log of int", "assign shape"}


def run_bibun(program):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # the hints bibun.tf adds to TensorFlow's silent Nones
        return tf_programs.run(bibun.tf, program)


def _is_tensor(v):
    return isinstance(v, dict) and set(v) == {"dtype", "shape", "value"}


def assert_same(got, want, where):
    if _is_tensor(want):
        assert _is_tensor(got), f"{where}: got {got!r}, TensorFlow gave a tensor {want!r}"
        assert (got["dtype"], got["shape"]) == (want["dtype"], want["shape"]), where
        g, w = np.asarray(got["value"], dtype=np.float64), np.asarray(want["value"], dtype=np.float64)
        if want["dtype"].startswith("float"):
            eps = float(np.finfo(want["dtype"]).eps)
            scale = max(1.0, float(np.max(np.abs(w), initial=0.0)))
            np.testing.assert_allclose(g, w, rtol=0, atol=ULPS * eps * scale, err_msg=where)
        else:
            np.testing.assert_array_equal(g, w, err_msg=where)
    elif isinstance(want, dict):
        assert isinstance(got, dict) and list(got) == list(want), f"{where}: keys {got!r} vs {want!r}"
        for k in want:
            assert_same(got[k], want[k], f"{where}[{k!r}]")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), f"{where}: {got!r} vs {want!r}"
        for i, (g, w) in enumerate(zip(got, want)):
            assert_same(g, w, f"{where}[{i}]")
    else:
        assert got == want, f"{where}: bibun.tf gave {got!r}, TensorFlow {want!r}"


def assert_same_error(got, want, where):
    """Same exception type; bibun's message is TensorFlow's (without its op-internal prefix and trailing
    'name: ') followed by the fix."""
    kind, _, text = want.partition(": ")
    assert got.startswith(kind + ": "), f"{where}: bibun.tf raised {got!r}, TensorFlow {want!r}"
    if where.split("/")[-1] in TYPE_ONLY:
        return
    core = text.split(" name: ")[0].strip()
    if core.startswith("{{function_node"):
        core = core.split("}} ", 1)[1]
    assert got[len(kind) + 2:].startswith(core), f"{where}: {got!r} does not begin with TensorFlow's {core!r}"


def compare_program(got, want, program):
    assert list(got) == list(want), f"{program}: results {list(got)} vs TensorFlow's {list(want)}"
    for key in want:
        where = f"{program}/{key}"
        if program == "errors":
            assert_same_error(got[key], want[key], where)
        else:
            assert_same(got[key], want[key], where)


def test_the_reference_says_how_it_was_made():
    made = RECORDED["made_with"]
    assert made["tensorflow"].startswith("2.21") and "record_tf_reference.py" in made["command"]
    assert set(RECORDED["results"]) == {p.__name__ for p in tf_programs.PROGRAMS}


@pytest.mark.parametrize("program", tf_programs.PROGRAMS, ids=lambda p: p.__name__)
def test_matches_recorded_tensorflow(program):
    compare_program(run_bibun(program), RECORDED["results"][program.__name__], program.__name__)


def _real_tensorflow():
    try:
        return importlib.import_module("tensorflow")
    except ImportError:
        pytest.skip("TensorFlow is not installed here: bibun.tf was compared with the recorded values only")


@pytest.mark.parametrize("program", tf_programs.PROGRAMS, ids=lambda p: p.__name__)
def test_matches_live_tensorflow(program):
    tf = _real_tensorflow()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = tf_programs.run(tf, program)
    compare_program(run_bibun(program), want, program.__name__)
