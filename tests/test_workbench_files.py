"""The workbench's own files, damaged or hostile, never crash it: every such case is one line on stderr, exit
code 2 and the run folder byte for byte as it was. Also: a diverged run finishes with a report; the run
folder is locked against a second training process; every value from a file is escaped in the reports; a
wrong --data-dir is refused. Digits only, tiny runs: fast and offline."""
import json
import os
import shutil
import subprocess
import sys
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

import bibun  # noqa: E402
from bibun.cli import main as cli_main  # noqa: E402
from bibun.workbench import WorkbenchError, load_model, load_run, train  # noqa: E402

FAST = dict(epochs=3, batch_size=256, quiet=True)
HOSTILE = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def digits():
    return bibun.datasets.load("digits")


@pytest.fixture(scope="module")
def runs(tmp_path_factory, digits):
    """A finished run and a stopped (resumable) one, both Adam: copied by each test before it damages them."""
    root = tmp_path_factory.mktemp("runs")
    train("digits", "linear", out=root / "finished", data=digits, **FAST)
    train("digits", "linear", out=root / "stopped", data=digits, stop_after=1, **FAST)
    return root


@pytest.fixture
def copy(runs, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    def make(name):
        shutil.copytree(runs / name, tmp_path / name)
        return tmp_path / name
    return make


def snapshot(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def fails_cleanly(argv, folders, capsys, *fragments):
    """`bibun argv` exits 2 with one line on stderr containing `fragments`, leaving `folders` as they were."""
    before = [snapshot(f) for f in folders]
    assert cli_main(argv) == 2, argv
    err = capsys.readouterr().err.strip()
    assert err.startswith("bibun ") and "error:" in err and "Traceback" not in err, (argv, err)
    assert len(err.splitlines()) == 1, (argv, err)
    for fragment in fragments:
        assert fragment in err, (fragment, err)
    assert [snapshot(f) for f in folders] == before, argv
    return err


def _edit_checkpoint(run, change):
    ck = bibun.load(run / "checkpoint.npz")
    change(ck)
    bibun.save(ck, run / "checkpoint.npz")


def _edit_json(path, change):
    d = json.loads(path.read_text())
    out = change(d)
    path.write_text(json.dumps(d if out is None else out))


def _adam(ck):
    return ck["optimizer"]["state"][0]


CHECKPOINTS = {
    "epoch a string": lambda ck: ck.update(epoch="1"),
    "epoch -1": lambda ck: ck.update(epoch=-1),
    "epoch true": lambda ck: ck.update(epoch=True),
    "a key missing": lambda ck: ck.pop("rng"),
    "a key extra": lambda ck: ck.update(extra=1),
    "weights of the wrong shape": lambda ck: ck["model"].update({"1.weight": bibun.zeros(3, 3)}),
    "weights missing": lambda ck: ck["model"].pop("1.bias"),
    "weights not tensors": lambda ck: ck["model"].update({"1.bias": "zeros"}),
    "adam step -1": lambda ck: _adam(ck).update(step=-1),
    "adam step wrong": lambda ck: _adam(ck).update(step=_adam(ck)["step"] + 1),
    "adam moment of the wrong shape": lambda ck: _adam(ck).update(exp_avg=bibun.zeros(2)),
    "adam state missing": lambda ck: ck["optimizer"]["state"].pop(1),
    "optimizer lr changed": lambda ck: ck["optimizer"]["param_groups"][0].update(lr=1e9),
    "rng damaged": lambda ck: ck["rng"].update(default={"bit_generator": "PCG64", "state": "x"}),
    "history epoch a string": lambda ck: ck["history"][0].update(epoch="1"),
    "history shorter": lambda ck: ck["history"].clear(),
}


@pytest.mark.parametrize("case", list(CHECKPOINTS))
def test_resume_with_a_readable_but_wrong_checkpoint(case, copy, capsys):
    run = copy("stopped")
    _edit_checkpoint(run, CHECKPOINTS[case])
    fails_cleanly(["train", "--out", str(run), "--resume", "--quiet"], [run], capsys, "checkpoint.npz")


def test_resume_with_a_checkpoint_that_is_not_a_dict(copy, capsys):
    run = copy("stopped")
    bibun.save([1, 2], run / "checkpoint.npz")
    fails_cleanly(["train", "--out", str(run), "--resume", "--quiet"], [run], capsys, "checkpoint.npz")


CONFIGS = {
    "a list": lambda d: [1],
    "empty": lambda d: {},
    "not json": None,
    "batch size a string": lambda d: d.update(batch_size=HOSTILE),
    "epochs 0": lambda d: d.update(epochs=0),
    "lr negative": lambda d: d.update(lr=-1),
    "lr a string": lambda d: d.update(lr="0.1"),
    "unknown model": lambda d: d.update(model="cnn"),
    "hidden on a linear model": lambda d: d.update(hidden=[0]),
    "seed a float": lambda d: d.update(seed=1.5),
    "info a string": lambda d: d.update(info="x"),
    "num_params a string": lambda d: d["info"].update(num_params="many"),
}


def _damage_config(run, case):
    if CONFIGS[case] is None:
        (run / "config.json").write_text('{"dataset": ')
    else:
        _edit_json(run / "config.json", CONFIGS[case])


@pytest.mark.parametrize("case", list(CONFIGS))
def test_a_damaged_config_in_resume_compare_and_load_model(case, copy, capsys):
    stopped, finished = copy("stopped"), copy("finished")
    for run in (stopped, finished):
        _damage_config(run, case)
    fails_cleanly(["train", "--out", str(stopped), "--resume", "--quiet"], [stopped], capsys, "config.json")
    fails_cleanly(["compare", str(finished), "--out", "cmp"], [finished], capsys, "config.json")
    assert not os.path.exists("cmp")
    with pytest.raises(WorkbenchError, match="config.json"):
        load_model(finished)


METRICS = {
    "a list": lambda d: [1],
    "not json": None,
    "accuracy a string": lambda d: d.update(accuracy="high"),
    "accuracy NaN": lambda d: d.update(accuracy=float("nan")),
    "no classes": lambda d: d.update(per_class=[]),
    "confusion matrix too small": lambda d: d.update(confusion_matrix=[[1]]),
    "confusion matrix of strings": lambda d: d["confusion_matrix"][0].__setitem__(0, "9"),
    "macro missing": lambda d: d.pop("macro"),
    "class label wrong": lambda d: d["per_class"][0].update(label=5),
    "f1 a string": lambda d: d["weighted"].update(f1="0.9"),
    "hardest class out of range": lambda d: d["hardest"][0].update(y=99),
    "support negative": lambda d: d["macro"].update(support=-1),
}

HISTORIES = {
    "wrong columns": "epoch,loss\n1,0.5\n",
    "a value missing": "epoch,train_loss,train_acc,test_loss,test_acc,seconds\n1,0.5,0.9,0.5,0.9\n",
    "a value not a number": "epoch,train_loss,train_acc,test_loss,test_acc,seconds\n1,abc,0.9,0.5,0.9,1\n",
    "epochs out of order": "epoch,train_loss,train_acc,test_loss,test_acc,seconds\n2,0.5,0.9,0.5,0.9,1\n",
    "no epochs": "epoch,train_loss,train_acc,test_loss,test_acc,seconds\n",
    "more epochs than configured": "epoch,train_loss,train_acc,test_loss,test_acc,seconds\n"
                                   + "".join(f"{i},0.5,0.9,0.5,0.9,1\n" for i in range(1, 5)),
}


@pytest.mark.parametrize("case", [f"metrics: {k}" for k in METRICS] + [f"history: {k}" for k in HISTORIES])
def test_compare_and_load_model_on_damaged_metrics_or_history(case, copy, capsys):
    run = copy("finished")
    kind, name = case.split(": ")
    if kind == "history":
        (run / "history.csv").write_text(HISTORIES[name])
    elif METRICS[name] is None:
        (run / "metrics.json").write_text("{")
    else:
        _edit_json(run / "metrics.json", METRICS[name])
    fails_cleanly(["compare", str(run), "--out", "cmp"], [run], capsys, f"{kind}.")
    with pytest.raises(WorkbenchError):
        load_model(run)


@pytest.mark.parametrize("weights", ["garbage", "not a dict", "wrong keys", "wrong shapes"])
def test_load_model_on_damaged_weights(weights, copy):
    run = copy("finished")
    path = run / "weights.npz"
    if weights == "garbage":
        path.write_bytes(b"PK\x03\x04 broken")
    elif weights == "not a dict":
        bibun.save([bibun.zeros(3)], path)
    elif weights == "wrong keys":
        bibun.save({"0.weight": bibun.zeros(10, 64), "0.bias": bibun.zeros(10)}, path)
    else:
        bibun.save({"1.weight": bibun.zeros(10, 64), "1.bias": bibun.zeros(10, 2)}, path)
    with pytest.raises(WorkbenchError, match="weights.npz"):
        load_model(run)


def test_an_unwritable_out_is_one_line(copy, tmp_path, capsys):
    finished = copy("finished")
    (tmp_path / "a-file").write_text("not a folder")
    fails_cleanly(["train", "--epochs", "1", "--out", "a-file/run", "--quiet"], [tmp_path / "finished"], capsys,
                  "a-file")
    fails_cleanly(["compare", str(finished), "--out", "a-file/cmp"], [finished], capsys, "a-file")
    assert (tmp_path / "a-file").read_text() == "not a folder"
    if os.geteuid() != 0:                   # root writes anywhere: a read-only folder stops only others
        (tmp_path / "ro").mkdir(mode=0o555)
        fails_cleanly(["train", "--epochs", "1", "--out", "ro/run", "--quiet"], [tmp_path / "ro"], capsys, "ro")


def test_a_failed_new_run_leaves_no_folder_behind(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BIBUN_DATA", str(tmp_path / "cache"))
    fails_cleanly(["train", "--dataset", "mnist", "--no-download", "--out", "runs/new", "--quiet"], [tmp_path],
                  capsys, "MNIST")
    assert not (tmp_path / "runs").exists()


_FILL_DISK = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)       # a write past the limit fails with EFBIG, as on a full disk
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
from bibun.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="needs resource limits")
def test_a_disk_that_fills_mid_run(tmp_path, digits):
    run = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run([sys.executable, "-c", _FILL_DISK, "train", "--epochs", "2", "--batch-size", "256",
                          "--out", str(run), "--quiet"], capture_output=True, text=True, timeout=300, cwd=tmp_path,
                         env=env)
    assert out.returncode == 2, out.stderr[-2000:]
    err = out.stderr.strip()
    assert len(err.splitlines()) == 1 and "checkpoint.npz" in err and "--resume" in err, err
    assert sorted(p.name for p in run.iterdir()) == ["config.json", "figures", "history.csv"]   # no .part, no lock
    assert load_run(run).history == []
    assert cli_main(["train", "--out", str(run), "--resume", "--quiet"]) == 0
    assert len(load_run(run).history) == 2


def _strict(text):
    def refuse(name):
        raise AssertionError(f"{name} in JSON")
    return json.loads(text, parse_constant=refuse)


def test_a_diverged_run_finishes_with_a_report(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    argv = ["train", "--optimizer", "sgd", "--lr", "1e38", "--epochs", "5", "--batch-size", "256", "--out", "run",
            "--quiet"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # NumPy's overflow warnings would bury the one line that matters
        assert cli_main(argv) == 0
    err = capsys.readouterr().err
    assert "diverged at epoch" in err and "--lr 1e+37" in err and "Warning" not in err, err
    metrics = _strict((tmp_path / "run" / "metrics.json").read_text())
    epoch = metrics["diverged"]["epoch"]
    assert 1 <= epoch < 5 and metrics["final"]["epoch"] == epoch
    assert metrics["final"]["train_loss"] is None or metrics["final"]["test_loss"] is None
    history = (tmp_path / "run" / "history.csv").read_text().splitlines()
    assert len(history) == 1 + epoch and "nan" in history[-1]
    html = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    assert f"This run diverged at epoch {epoch}</b>" in html and "smaller learning rate" in html
    rec = load_run(tmp_path / "run")
    assert rec.finished and len(rec.history) == epoch
    # --resume finds nothing left to train, and rewrites the same report
    before = snapshot(tmp_path / "run")
    assert cli_main(["train", "--out", "run", "--resume", "--quiet"]) == 0
    after = snapshot(tmp_path / "run")
    assert _strict(after["metrics.json"].decode())["diverged"] == {"epoch": epoch}
    assert after["checkpoint.npz"] == before["checkpoint.npz"] and after["history.csv"] == before["history.csv"]
    assert cli_main(["compare", "run", "--out", "cmp"]) == 0
    assert f"(diverged at {epoch})" in (tmp_path / "cmp" / "compare.html").read_text(encoding="utf-8")


# -- the run folder's lock ----------------------------------------------------------------------------------
def _dead_pid():
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_a_stale_lock_is_taken_over(copy, capsys):
    run = copy("stopped")
    (run / "run.lock").write_text(f"{_dead_pid()}\n")
    assert cli_main(["train", "--out", str(run), "--resume", "--quiet"]) == 0
    assert len(load_run(run).history) == FAST["epochs"] and not (run / "run.lock").exists()


_HOLD_LOCK = """
import sys
from bibun.workbench.lock import RunLock
with RunLock(sys.argv[1]):
    print("locked", flush=True)
    sys.stdin.read()
"""


def test_a_live_lock_refuses_a_second_process(copy, capsys):
    run = copy("finished")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen([sys.executable, "-c", _HOLD_LOCK, str(run)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, env=env, cwd=run.parent)
    try:
        assert child.stdout.readline().strip() == "locked"
        assert (run / "run.lock").read_text().strip() == str(child.pid)
        for argv in (["train", "--epochs", "1", "--out", str(run), "--overwrite", "--quiet"],
                     ["train", "--out", str(run), "--resume", "--quiet"]):
            fails_cleanly(argv, [run], capsys, f"pid {child.pid}", "another bibun process")
    finally:
        child.stdin.close()
        child.wait(timeout=30)
    assert not (run / "run.lock").exists()
    assert cli_main(["train", "--epochs", "1", "--out", str(run), "--overwrite", "--quiet"]) == 0


# -- escaping -----------------------------------------------------------------------------------------------
FIELDS = ["dataset", "model", "hidden", "activation", "epochs", "batch_size", "lr", "optimizer", "seed",
          "info.model_text", "info.command", "info.num_params", "info.image_shape", "info.classes",
          "metrics.class", "folder"]


@pytest.mark.parametrize("field", FIELDS)
def test_every_value_from_a_file_is_escaped_in_compare(field, copy, capsys):
    run = copy("finished")
    if field == "folder":
        run = run.rename(run.parent / HOSTILE.replace("/", "_"))
    elif field == "metrics.class":
        _edit_json(run / "metrics.json", lambda d: d["per_class"][0].update({"class": HOSTILE}))
    elif field.startswith("info."):
        key = field[5:]
        _edit_json(run / "config.json", lambda d: d["info"].update({key: [HOSTILE] if key == "classes" else HOSTILE}))
    else:
        _edit_json(run / "config.json", lambda d: d.update({field: HOSTILE}))
    before = snapshot(run)
    code = cli_main(["compare", str(run), "--out", "cmp"])
    err = capsys.readouterr().err
    assert snapshot(run) == before
    if code == 2:                           # refused by the schema: one line
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
        return
    assert code == 0, err
    html = (run.parent / "cmp" / "compare.html").read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    if field in ("info.model_text", "metrics.class", "folder"):    # strings: shown, escaped
        assert "&lt;script&gt;" in html


def test_class_names_are_escaped_in_the_run_report(tmp_path, digits):
    data = dict(digits, classes=[HOSTILE] + [str(d) for d in range(1, 10)])
    train(data=data, out=tmp_path / "run", **FAST)
    html = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    assert "<script" not in html.lower() and "&lt;script&gt;" in html


# -- --data-dir ---------------------------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore:.*not the official")
def test_a_wrong_data_dir_is_refused_not_replaced(tmp_path, monkeypatch, capsys):
    from bibun.datasets import mnist as mnist_mod
    from bibun.datasets import write_idx
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BIBUN_DATA", str(tmp_path / "cache"))
    monkeypatch.setattr(mnist_mod, "SPLIT_SIZES", {"train": 40, "test": 20})
    rng = np.random.default_rng(0)
    for folder in (tmp_path / "cache" / "mnist", tmp_path / "mine"):     # a usable copy in the cache
        folder.mkdir(parents=True)
        for stem, n in (("train", 40), ("t10k", 20)):
            write_idx(folder / f"{stem}-images-idx3-ubyte", rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
            write_idx(folder / f"{stem}-labels-idx1-ubyte", rng.integers(0, 10, n, dtype=np.uint8))
    (tmp_path / "mine" / "t10k-labels-idx1-ubyte").unlink()
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.filterwarnings("ignore", ".*not the official")
        err = fails_cleanly(["train", "--dataset", "mnist", "--data-dir", "mine", "--epochs", "1", "--out", "run",
                             "--quiet"], [tmp_path / "mine"], capsys, "mine", "t10k-labels-idx1-ubyte")
    assert "train-images-idx3-ubyte" in err and not (tmp_path / "run").exists()
