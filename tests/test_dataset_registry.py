"""A data set is one record: registering a new one (here a tiny synthetic one, made in this file) is all it
takes to load it, train on it through bibun.workbench.train and `bibun train`, read its runs back and see
its examples in the report. Also: the built-in records keep the defaults they had, and the record and the
registry refuse mistakes with one clear line."""
import base64
import json
import re
import subprocess
import sys
import zlib

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="matplotlib not installed: the run report draws figures")

from bibun import datasets  # noqa: E402
from bibun.cli import main as cli_main  # noqa: E402
from bibun.datasets import DatasetRecord  # noqa: E402
from bibun.workbench import WorkbenchError, compare, load_run, resolve, train  # noqa: E402
from bibun.workbench.data import prepare  # noqa: E402

CLASSES = ("top", "bottom left", "bottom right")
SIDE = 4
TOP = 3                                     # the largest pixel value: pixel_max


def make_blocks(data_dir=None, download=True, calls=None):
    """4x4 images, stored flat as 16 values 0..3: a bright block in the top half, the bottom left or the
    bottom right quarter, over noise of 0s and 1s. Linearly separable: a single layer learns it."""
    if calls is not None:
        calls.append((data_dir, download))
    rng = np.random.default_rng(7)

    def split(n):
        y = np.arange(n) % 3
        X = rng.integers(0, 2, size=(n, SIDE, SIDE))
        for img, k in zip(X, y):
            rows, cols = (slice(0, 2), slice(0, 4)) if k == 0 else (slice(2, 4), slice(0, 2) if k == 1 else slice(2, 4))
            img[rows, cols] = TOP
        return X.reshape(n, SIDE * SIDE).astype(np.uint8), y.astype(np.int64)

    X_train, y_train = split(60)
    X_test, y_test = split(30)
    return {"X_train": X_train, "y_train": y_train, "X_test": X_test, "y_test": y_test}


@pytest.fixture
def blocks():
    """The data set registered for one test; the loader's calls are recorded."""
    calls = []
    record = DatasetRecord(name="blocks", title="Blocks", loader=lambda **kw: make_blocks(calls=calls, **kw),
                     classes=CLASSES, pixel_max=TOP, image_shape=(SIDE, SIDE), invert=False,
                     about="4x4 blocks made on the spot",
                     train_defaults={"epochs": 3, "batch_size": 8, "lr": {"linear": 0.05}})
    datasets.register(record)
    try:
        yield record, calls
    finally:
        if "blocks" in datasets.names():
            datasets.unregister("blocks")


def _gray_png(png):
    """The 8-bit grayscale pixels of a PNG that _png.gray_png wrote (filter 0 on every row)."""
    width, height = (int.from_bytes(png[i:i + 4], "big") for i in (16, 20))
    assert png[24:26] == bytes([8, 0]), "not 8-bit grayscale"
    start = png.index(b"IDAT") + 4
    length = int.from_bytes(png[start - 8:start - 4], "big")
    raw = zlib.decompress(png[start:start + length])
    rows = np.frombuffer(raw, np.uint8).reshape(height, width + 1)
    assert not rows[:, 0].any()
    return rows[:, 1:]


def test_a_registered_data_set_loads_with_its_class_names(blocks):
    data = datasets.load("Blocks")                   # names compare as keys: case and '_' do not matter
    assert data["classes"] == list(CLASSES)
    assert data["X_train"].shape == (60, 16) and data["y_test"].shape == (30,)
    assert "blocks" in datasets.names() and datasets.names()[:3] == ("digits", "mnist", "fashion-mnist")


def test_its_record_decides_the_defaults_the_scale_and_the_images(blocks):
    cfg = resolve("blocks", "linear")
    assert (cfg.epochs, cfg.batch_size, cfg.lr, cfg.optimizer) == (3, 8, 0.05, "adam")
    assert resolve("blocks", "mlp").lr == 1e-3 and resolve("blocks", "mlp").hidden == (256, 128)
    one_rate = DatasetRecord(name="blocks", loader=make_blocks, classes=CLASSES, train_defaults={"lr": 0.02})
    datasets.register(one_rate, replace=True)
    assert resolve("blocks", "linear").lr == resolve("blocks", "mlp").lr == 0.02
    assert resolve("blocks", "linear", optimizer="sgd").lr == 0.1       # the rate is for the default optimizer
    datasets.register(blocks[0], replace=True)
    d = prepare("blocks")
    raw = make_blocks()
    np.testing.assert_array_equal(d.X_train, raw["X_train"].astype(np.float32) * np.float32(1 / TOP))
    assert d.X_train.max() == 1.0 and d.X_train.dtype == np.float32
    assert d.test_images.shape == (30, SIDE, SIDE) and d.classes == list(CLASSES)


def test_a_registered_data_set_trains_through_the_api_with_its_images_in_the_report(blocks, tmp_path):
    _, calls = blocks
    r = train("blocks", "linear", out=tmp_path / "api", quiet=True)
    assert calls == [(None, True)]
    assert len(r.history) == 3 and r.finished
    assert r.metrics["accuracy"] == 1.0 and r.history[-1]["test_acc"] == 1.0
    assert [c["class"] for c in r.metrics["per_class"]] == list(CLASSES)
    saved = json.loads((tmp_path / "api" / "config.json").read_text())
    assert saved["dataset"] == "blocks" and saved["info"]["image_shape"] == "4×4"
    assert saved["info"]["pixel_max"] == TOP and saved["info"]["invert"] is False

    # each example in the report is the stored row shown as a 4x4 image, 0..3 drawn as 0..255, not inverted
    html = (tmp_path / "api" / "report.html").read_text(encoding="utf-8")
    thumbs = re.findall(r'alt="test example (\d+)" src="data:image/png;base64,([^"]+)"', html)
    assert len(thumbs) == len(r.metrics["easiest"]) + len(r.metrics["hardest"]) > 0
    X_test = make_blocks()["X_test"]
    for index, data in thumbs:
        scale = round(84 / SIDE)
        shown = np.rint(X_test[int(index)].reshape(SIDE, SIDE) / TOP * 255).astype(np.uint8)
        expected = np.repeat(np.repeat(shown, scale, axis=0), scale, axis=1)
        np.testing.assert_array_equal(_gray_png(base64.b64decode(data)), expected)
    assert "bottom right" in html


def test_a_registered_data_set_trains_through_the_command(blocks, tmp_path, monkeypatch, capsys):
    _, calls = blocks
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit):
        cli_main(["train", "--help"])
    assert "blocks: 4x4 blocks made on the spot" in " ".join(capsys.readouterr().out.split())   # help wraps
    assert cli_main(["train", "--dataset", "blocks", "--data-dir", "mine", "--no-download", "--quiet"]) == 0
    assert calls == [("mine", False)]
    assert "blocks linear 16→3: test accuracy 1.0000" in capsys.readouterr().out
    assert cli_main(["train", "--dataset", "blocks", "--model", "mlp", "--hidden", "8", "--quiet"]) == 0
    rec = load_run(tmp_path / "runs" / "blocks-mlp")
    assert rec.config.dataset == "blocks" and rec.config.epochs == 3 and rec.info["model_text"] == "mlp 16-8-3 relu"
    assert cli_main(["train", "--out", "runs/blocks-mlp", "--resume", "--epochs", "4", "--quiet"]) == 0
    assert len(load_run(tmp_path / "runs" / "blocks-mlp").history) == 4
    paths = compare([tmp_path / "runs" / "blocks-linear", tmp_path / "runs" / "blocks-mlp"], tmp_path / "cmp")
    assert "bottom left" in paths["report"].read_text(encoding="utf-8")


def test_a_run_on_a_data_set_no_longer_registered_says_so(blocks, tmp_path, monkeypatch, capsys):
    record, _ = blocks
    train("blocks", out=tmp_path / "run", quiet=True, report=False)
    datasets.unregister("blocks")
    with pytest.raises(WorkbenchError, match=r"run on data set 'blocks', which is not registered now .*register"):
        load_run(tmp_path / "run")
    with pytest.raises(WorkbenchError, match="unknown data set 'blocks'; choose one of digits, mnist, fashion-mnist"):
        train("blocks", quiet=True)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit):
        cli_main(["train", "--dataset", "blocks", "--quiet"])
    assert "invalid choice: 'blocks'" in capsys.readouterr().err
    datasets.register(record)
    assert load_run(tmp_path / "run").config.dataset == "blocks"


def test_labels_a_loader_gets_wrong_are_one_clear_error(blocks):
    record, _ = blocks

    def bad(**kw):
        return dict(make_blocks(), y_test=np.full(30, 3))
    datasets.register(DatasetRecord(name="blocks", loader=bad, classes=CLASSES, pixel_max=TOP), replace=True)
    with pytest.raises(WorkbenchError, match=r"^y_test holds int64 labels from 3 to 3; labels must be whole "
                                             r"numbers 0\.\.2, one per class$"):
        train("blocks", quiet=True)
    datasets.register(DatasetRecord(name="blocks", loader=make_blocks, classes=CLASSES, image_shape=(5, 5)),
                      replace=True)
    with pytest.raises(WorkbenchError, match=r"examples have shape \(16,\), which cannot be shown as images of "
                                             r"shape \(5, 5\)"):
        train("blocks", quiet=True)


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(name="Blocks"), ValueError, "must be lowercase letters"),
    (dict(name="my blocks"), ValueError, "must be lowercase letters"),
    (dict(name="a/b"), ValueError, "must be lowercase letters"),
    (dict(loader="blocks.npz"), TypeError, "not a function"),
    (dict(classes=()), ValueError, "non-empty sequence"),
    (dict(classes="abc"), ValueError, "non-empty sequence"),
    (dict(pixel_max=0), ValueError, "not a positive number"),
    (dict(pixel_max=float("inf")), ValueError, "not a positive number"),
    (dict(image_shape=(4, 0)), ValueError, "positive whole numbers"),
    (dict(train_defaults={"epoch": 3}), ValueError, "names epoch; it may set epochs, batch_size"),
])
def test_a_record_refuses_mistakes_where_it_is_written(kwargs, error, message):
    args = dict(name="blocks", loader=make_blocks, classes=CLASSES) | kwargs
    with pytest.raises(error, match=message):
        DatasetRecord(**args)


def test_the_registry_refuses_a_taken_name_unless_asked_to_replace(blocks):
    record, _ = blocks
    with pytest.raises(ValueError, match="'digits' is registered already; choose another name, or pass replace"):
        datasets.register(DatasetRecord(name="digits", loader=make_blocks, classes=CLASSES))
    with pytest.raises(TypeError, match="takes a bibun.datasets.DatasetRecord, not a dict"):
        datasets.register({"name": "x"})
    with pytest.raises(ValueError, match="unknown data set 'nope'"):
        datasets.unregister("nope")
    assert datasets.unregister("blocks") is record and "blocks" not in datasets.names()


@pytest.mark.parametrize("dataset, model, expected", [
    ("digits", "linear", (40, 32, 5e-3, "adam", ())),
    ("digits", "mlp", (40, 32, 1e-3, "adam", (256, 128))),
    ("mnist", "linear", (10, 64, 1e-3, "adam", ())),
    ("fashion-mnist", "mlp", (10, 64, 1e-3, "adam", (256, 128))),
])
def test_the_built_in_records_keep_their_defaults(dataset, model, expected):
    cfg = resolve(dataset, model)
    assert (cfg.epochs, cfg.batch_size, cfg.lr, cfg.optimizer, cfg.hidden) == expected
    assert resolve(dataset, model, optimizer="sgd").lr == 0.1


def test_the_built_in_records_say_how_to_show_their_images():
    shown = {n: (datasets.get(n).pixel_max, datasets.get(n).invert, len(datasets.get(n).classes))
             for n in datasets.names()}
    assert shown == {"digits": (16.0, True, 10), "mnist": (255.0, True, 10), "fashion-mnist": (255.0, False, 10)}
    assert datasets.get("fashion-mnist").classes[0] == "T-shirt/top"
    assert [n for n in datasets.names() if datasets.get(n).downloads] == ["mnist", "fashion-mnist"]


def test_the_command_lists_the_data_sets_without_loading_heavy_modules():
    code = ("import sys\nfrom bibun.cli import main\ntry:\n    main(['train', '--help'])\nexcept SystemExit:\n"
            "    pass\nprint(sorted(m for m in ('sklearn', 'matplotlib', 'urllib.request', 'http.client')"
            " if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "fashion-mnist: 28x28 images of clothing" in " ".join(out.split()) and out.strip().endswith("[]")
