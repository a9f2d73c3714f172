"""Tests for bibun.workbench (exercise 8.5): metrics, easiest/hardest examples, the run folder and its
report, resume, reproducibility and the command line. Digits only, a few epochs each: fast and offline."""
import json
import re
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("sklearn")

import bibun  # noqa: E402
from bibun.cli import main as cli_main  # noqa: E402
from bibun.workbench import WorkbenchError, classification_metrics, easiest_hardest, load_run, train  # noqa: E402
from bibun.workbench import loop as loop_mod  # noqa: E402

FAST = dict(epochs=4, batch_size=64, quiet=True)


@pytest.fixture(scope="module")
def digits():
    return bibun.datasets.load("digits")


def _same_history(a, b):
    """Equal in everything but the time each epoch took."""
    strip = [{k: v for k, v in r.items() if k != "seconds"} for r in a]
    return strip == [{k: v for k, v in r.items() if k != "seconds"} for r in b]


def _same_metrics(a, b):
    drop = lambda m: {k: v for k, v in m.items() if k != "final"}   # noqa: E731  ("final" holds seconds)
    return drop(a) == drop(b) and _same_history([a["final"]], [b["final"]])


def _weights(model):
    return {k: v.numpy().copy() for k, v in model.state_dict().items()}


def _same_weights(a, b):
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


# -- metrics ----------------------------------------------------------------------------------------
def test_metrics_equal_scikit_learns_on_a_fixed_prediction_set():
    from sklearn import metrics as skm
    rng = np.random.default_rng(5)
    y_true = rng.integers(0, 5, 300)
    y_pred = np.where(rng.random(300) < 0.7, y_true, rng.integers(0, 5, 300))
    y_pred[y_pred == 3] = 2                      # class 3 never predicted: its precision is undefined
    classes = ["a", "b", "c", "d", "e"]
    got = classification_metrics(y_true, y_pred, classes)

    p, r, f, s = skm.precision_recall_fscore_support(y_true, y_pred, labels=range(5), zero_division=np.nan)
    for i, c in enumerate(got["per_class"]):
        assert c["class"] == classes[i] and c["support"] == s[i]
        for key, ref in (("precision", p[i]), ("recall", r[i]), ("f1", f[i])):
            assert (c[key] is None) if np.isnan(ref) else c[key] == pytest.approx(ref, abs=0, rel=1e-15)
    assert got["per_class"][3]["precision"] is None
    for avg in ("macro", "weighted"):
        ref = skm.precision_recall_fscore_support(y_true, y_pred, labels=range(5), average=avg, zero_division=np.nan)
        assert [got[avg]["precision"], got[avg]["recall"], got[avg]["f1"]] == pytest.approx(list(ref[:3]))
    # the macro average is the plain mean over the classes where the metric is defined
    assert got["macro"]["recall"] == pytest.approx(np.mean(r))
    assert got["macro"]["precision"] == pytest.approx(np.nanmean(p))
    assert got["accuracy"] == pytest.approx(skm.accuracy_score(y_true, y_pred))
    assert got["confusion_matrix"] == skm.confusion_matrix(y_true, y_pred, labels=range(5)).tolist()
    assert sum(map(sum, got["confusion_matrix"])) == len(y_true)


# -- easiest / hardest ------------------------------------------------------------------------------
def test_easiest_and_hardest_follow_the_exercises_definition():
    # columns: p(class 0), p(class 1), p(class 2)
    probs = np.array([
        [0.90, 0.05, 0.05],   # 0: y=0 correct, p(ŷ|x)=0.90
        [0.10, 0.80, 0.10],   # 1: y=1 correct, 0.80
        [0.02, 0.01, 0.97],   # 2: y=2 correct, 0.97  -> easiest
        [0.40, 0.35, 0.25],   # 3: y=0 correct, 0.40  (correct but unsure: not among the easiest)
        [0.60, 0.39, 0.01],   # 4: y=1 wrong, ŷ=0, p(ŷ|x)=0.60, p(y|x)=0.39
        [0.01, 0.70, 0.29],   # 5: y=0 wrong, ŷ=1, 0.70, p(y|x)=0.01 (lowest p(y|x) is not the criterion)
        [0.05, 0.05, 0.90],   # 6: y=1 wrong, ŷ=2, 0.90 -> hardest (most confidently wrong)
        [0.50, 0.45, 0.05],   # 7: y=1 wrong, 0.50
        [0.90, 0.05, 0.05],   # 8: y=0 correct, 0.90 (ties with 0: the lower index comes first)
    ])
    y = np.array([0, 1, 2, 0, 1, 0, 1, 1, 0])
    got = easiest_hardest(probs, y, k=3, classes=["zero", "one", "two"])
    assert [e["index"] for e in got["easiest"]] == [2, 0, 8]
    assert [e["index"] for e in got["hardest"]] == [6, 5, 4]
    h = got["hardest"][1]
    assert (h["y"], h["y_hat"], h["y_name"], h["y_hat_name"]) == (0, 1, "zero", "one")
    assert h["p_y"] == pytest.approx(0.01) and h["p_y_hat"] == pytest.approx(0.70)
    for e in got["easiest"]:
        assert e["y"] == e["y_hat"] and e["p_y"] == e["p_y_hat"]
    # fewer wrong predictions than k: as many as there are
    few = easiest_hardest(probs[:5], y[:5], k=3)
    assert [e["index"] for e in few["hardest"]] == [4]


# -- a run: files, report, metrics ------------------------------------------------------------------
@pytest.fixture(scope="module")
def finished_run(tmp_path_factory, digits):
    out = tmp_path_factory.mktemp("runs") / "digits-mlp"
    result = train("digits", "mlp", hidden="32,16", out=out, data=digits, **FAST)
    return out, result


def test_run_folder_holds_every_file(finished_run, digits):
    out, result = finished_run
    for name in ("config.json", "history.csv", "metrics.json", "weights.npz", "checkpoint.npz", "report.html",
                 "figures/curves.png", "figures/confusion_matrix.png", "figures/examples.png"):
        assert (out / name).is_file(), name
    assert not list(out.rglob("*.part")) and not list(out.rglob("*.tmp"))
    lines = (out / "history.csv").read_text().splitlines()
    assert lines[0] == "epoch,train_loss,train_acc,test_loss,test_acc,seconds"
    assert len(lines) == 1 + FAST["epochs"]
    metrics = json.loads((out / "metrics.json").read_text())
    n_test = len(digits["X_test"])
    assert sum(map(sum, metrics["confusion_matrix"])) == n_test
    assert metrics["accuracy"] == pytest.approx(result.history[-1]["test_acc"])
    assert len(metrics["easiest"]) == 3 and len(metrics["hardest"]) == 3
    # weights: a plain state_dict, loadable without pickle
    state = bibun.load(out / "weights.npz")
    assert _same_weights({k: v.numpy() for k, v in state.items()}, _weights(result.model))
    with np.load(out / "weights.npz", allow_pickle=False) as z:
        assert z.files
    assert result.paths["report"] == out / "report.html"
    # the saved run reads back, and its model predicts as the trained one
    from bibun.workbench import load_model
    rec = load_run(out)
    assert rec.finished and rec.config == result.config and _same_history(rec.history, result.history)
    X = bibun.from_numpy(digits["X_test"][:50].reshape(50, -1).astype(np.float32) / 16)
    with bibun.no_grad():
        assert np.array_equal(load_model(out)(X).numpy(), result.model(X).numpy())


def test_report_has_every_section_and_embeds_its_images(finished_run):
    out, result = finished_run
    html = (out / "report.html").read_text(encoding="utf-8")
    for sec in ("summary", "curves", "metrics", "confusion", "examples"):
        assert f'<section id="{sec}">' in html
    for text in ("macro average", "weighted average", "accuracy", "p(y|x)", "p(ŷ|x)", "Easiest", "Hardest"):
        assert text in html
    srcs = re.findall(r'src="([^"]*)"', html)
    assert len(srcs) >= 3 + 6                    # three figures and six example thumbnails
    assert all(s.startswith("data:image/png;base64,") for s in srcs)
    assert not re.search(r"https?://", html)
    assert "<link" not in html and "<script" not in html
    # every example's index appears in the examples table
    for item in result.metrics["easiest"] + result.metrics["hardest"]:
        assert f"<td>{item['index']}</td>" in html


def test_measured_loss_and_accuracy_are_over_the_whole_sets(finished_run, digits):
    out, result = finished_run
    model = result.model
    X = digits["X_test"].reshape(len(digits["X_test"]), -1).astype(np.float32) / 16
    with bibun.no_grad():
        logits = model(bibun.from_numpy(X))
        loss = bibun.nn.functional.cross_entropy(logits, bibun.from_numpy(digits["y_test"])).item()
    acc = float(np.mean(logits.argmax(dim=1).numpy() == digits["y_test"]))
    assert result.history[-1]["test_loss"] == pytest.approx(loss, rel=1e-5)
    assert result.history[-1]["test_acc"] == acc
    assert model.training                         # measuring restored training mode


# -- reproducibility and resume ---------------------------------------------------------------------
def test_same_seed_same_numbers_other_seed_other_numbers(digits):
    a = train("digits", "mlp", hidden="32", seed=3, data=digits, **FAST)
    b = train("digits", "mlp", hidden="32", seed=3, data=digits, **FAST)
    c = train("digits", "mlp", hidden="32", seed=4, data=digits, **FAST)
    assert _same_history(a.history, b.history) and _same_metrics(a.metrics, b.metrics)
    assert _same_weights(_weights(a.model), _weights(b.model))
    assert not _same_history(a.history, c.history)


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_resume_after_stopping_gives_the_same_final_weights(tmp_path, digits, optimizer):
    full = train("digits", "mlp", hidden="32,16", optimizer=optimizer, out=tmp_path / "full", data=digits,
                 report=False, **FAST)
    part = train("digits", "mlp", hidden="32,16", optimizer=optimizer, out=tmp_path / "part", data=digits,
                 stop_after=2, report=False, **FAST)
    assert not part.finished and part.metrics is None and len(part.history) == 2
    assert not (tmp_path / "part" / "metrics.json").exists()
    done = train(out=tmp_path / "part", resume=True, data=digits, report=False, quiet=True)
    assert done.finished and done.config == full.config
    assert _same_weights(_weights(done.model), _weights(full.model))
    assert _same_history(done.history, full.history)
    assert _same_metrics(done.metrics, full.metrics)
    assert (tmp_path / "part" / "history.csv").read_text().count("\n") == 1 + FAST["epochs"]


def test_an_interrupted_run_leaves_a_consistent_folder_and_resumes(tmp_path, digits, monkeypatch):
    out = tmp_path / "run"
    calls = {"n": 0}
    real = loop_mod.train_epoch

    def interrupted(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:                      # Ctrl-C in the middle of the third epoch
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    import bibun.workbench.api as api
    monkeypatch.setattr(api, "train_epoch", interrupted)
    with pytest.raises(KeyboardInterrupt):
        train("digits", "linear", out=out, data=digits, **FAST)
    monkeypatch.setattr(api, "train_epoch", real)
    assert bibun.load(out / "checkpoint.npz")["epoch"] == 2
    assert (out / "history.csv").read_text().count("\n") == 1 + 2      # rows for finished epochs only
    assert not (out / "metrics.json").exists() and not (out / "report.html").exists()
    assert not list(out.rglob("*.part")) and not list(out.rglob(".bibun-*"))

    resumed = train(out=out, resume=True, data=digits, report=False, quiet=True)
    full = train("digits", "linear", data=digits, **FAST)
    assert _same_weights(_weights(resumed.model), _weights(full.model))
    assert _same_history(resumed.history, full.history)


def test_resume_refuses_different_settings_and_non_runs(tmp_path, digits):
    train("digits", "linear", out=tmp_path / "r", data=digits, stop_after=1, report=False, **FAST)
    with pytest.raises(WorkbenchError, match="lr"):
        train(out=tmp_path / "r", resume=True, lr=0.5, data=digits, quiet=True)
    with pytest.raises(WorkbenchError, match="not a run|no config"):
        train(out=tmp_path, resume=True, data=digits, quiet=True)
    with pytest.raises(WorkbenchError, match="already holds a run"):
        train("digits", "linear", out=tmp_path / "r", data=digits, **FAST)


@pytest.mark.parametrize("kwargs, message", [
    (dict(model="mlp", hidden="256,x"), "whole numbers"),
    (dict(model="mlp", hidden="0"), "positive"),
    (dict(model="linear", hidden="64"), "mlp"),
    (dict(epochs=0), "epochs"),
    (dict(lr=-1.0), "learning rate"),
    (dict(dataset="cifar"), "unknown data set"),
])
def test_bad_options_are_workbench_errors(kwargs, message, digits):
    with pytest.raises(WorkbenchError, match=message):
        train(data=digits, quiet=True, **kwargs)


# -- command line -----------------------------------------------------------------------------------
def test_cli_train_and_compare(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli_main(["train", "--epochs", "2", "--quiet"]) == 0
    assert cli_main(["train", "--model", "mlp", "--hidden", "16", "--epochs", "2", "--quiet"]) == 0
    assert (tmp_path / "runs" / "digits-linear" / "report.html").is_file()
    assert (tmp_path / "runs" / "digits-mlp" / "report.html").is_file()
    assert cli_main(["train", "--epochs", "2", "--quiet"]) == 0           # default folder taken: a new one
    assert (tmp_path / "runs" / "digits-linear-2" / "report.html").is_file()
    assert cli_main(["compare", "runs/digits-linear", "runs/digits-mlp", "--out", "cmp"]) == 0
    html = (tmp_path / "cmp" / "compare.html").read_text(encoding="utf-8")
    for sec in ("runs", "curves", "per-class", "confusion", "examples"):
        assert f'<section id="{sec}">' in html
    assert "digits-linear" in html and "digits-mlp" in html and not re.search(r"https?://", html)
    assert "test accuracy" in capsys.readouterr().out
    # --resume continues a stopped run, and may ask for more epochs
    train("digits", "linear", epochs=3, out=tmp_path / "stopped", stop_after=1, quiet=True, report=False)
    assert cli_main(["train", "--out", "stopped", "--resume", "--quiet"]) == 0
    assert len(load_run(tmp_path / "stopped").history) == 3
    assert cli_main(["train", "--out", "stopped", "--resume", "--epochs", "4", "--quiet"]) == 0
    assert len(load_run(tmp_path / "stopped").history) == 4
    assert cli_main(["train", "--out", "stopped", "--resume", "--lr", "0.5", "--quiet"]) == 2


def test_cli_user_errors_exit_2_with_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BIBUN_DATA", str(tmp_path / "cache"))
    (tmp_path / "notarun").mkdir()
    cases = [
        ["train", "--model", "mlp", "--hidden", "256,abc", "--quiet"],
        ["train", "--resume", "--quiet"],
        ["train", "--out", "notarun", "--resume", "--quiet"],
        ["train", "--dataset", "mnist", "--data-dir", str(tmp_path / "missing"), "--no-download", "--quiet"],
        ["train", "--dataset", "mnist", "--no-download", "--quiet"],
        ["train", "--epochs", "0", "--quiet"],
        ["compare", "missing-run"],
        ["compare", "notarun"],
    ]
    for argv in cases:
        assert cli_main(argv) == 2, argv
        err = capsys.readouterr().err.strip()
        assert err.startswith("bibun ") and "error:" in err and "Traceback" not in err, (argv, err)
        assert len(err.splitlines()) == 1, (argv, err)


def test_importing_the_workbench_stays_light():
    code = ("import sys, bibun.workbench, bibun.workbench.cli_train, bibun.workbench.cli_compare; "
            "print(sorted(m for m in ('sklearn', 'matplotlib', 'tqdm', 'torch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
