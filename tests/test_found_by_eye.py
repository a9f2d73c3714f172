"""What a reader notices by eye: compare keeps an earlier comparison unless told, links each run's report;
the progress bar keeps the test metrics on an 80-column terminal; figures have no clipped labels and text
big enough to read; the README's explain command prints what the README says it prints."""
import io
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="matplotlib not installed: the workbench draws figures")
pytest.importorskip("sklearn", reason="scikit-learn not installed: the workbench uses its digits")

from bibun.cli import main  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FASHION = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    from bibun.workbench import train
    out = tmp_path_factory.mktemp("runs")
    for model in ("linear", "mlp"):
        train("digits", model, epochs=1, seed=0, out=out / model, quiet=True)
    return out


def test_compare_refuses_to_replace_a_comparison_unless_told(two_runs, capsys):
    runs = [str(two_runs / "linear"), str(two_runs / "mlp")]
    cmp = two_runs / "cmp"
    assert main(["compare", *runs, "--out", str(cmp)]) == 0
    first = (cmp / "compare.html").read_bytes()
    capsys.readouterr()
    assert main(["compare", runs[0], "--out", str(cmp)]) == 2
    err = capsys.readouterr().err
    assert "already holds a comparison" in err and "--overwrite" in err and len(err.strip().splitlines()) == 1
    assert (cmp / "compare.html").read_bytes() == first
    assert main(["compare", runs[0], "--out", str(cmp), "--overwrite"]) == 0
    assert (cmp / "compare.html").read_bytes() != first


def test_compare_links_each_runs_report(two_runs):
    from bibun.workbench import compare
    paths = compare([two_runs / "linear", two_runs / "mlp"], two_runs / "linked")
    page = paths["report"].read_text(encoding="utf-8")
    links = re.findall(r'<a href="([^"]+)">report</a>', page)
    assert links == ["../linear/report.html", "../mlp/report.html"]
    for link in links:
        assert (paths["report"].parent / link).resolve() == (two_runs / link[3:]).resolve()


def test_epoch_bar_shows_the_test_metrics_whole_on_80_columns():
    from tqdm import tqdm

    from bibun.workbench import progress
    row = dict(epoch=7, train_loss=0.1234, train_acc=0.9876, test_loss=2.3456, test_acc=0.6543, seconds=1.0)
    for done, total in ((3, 40), (100, 100), (1000, 1000)):
        stream = io.StringIO()
        bar = tqdm(total=total, initial=done - 1, desc="epochs", file=stream, ncols=80,
                   bar_format=progress.EPOCH_BAR, mininterval=0)
        bar.set_postfix_str(progress.metrics_text(row))
        bar.update(1)
        bar.close()
        line = stream.getvalue().split("\r")[-1].strip("\n")
        assert len(line) <= 80
        assert "test loss 2.3456 acc 0.6543" in line, line


def png_pixels(png):
    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(png)).convert("L"))


def inked_border(png):
    """How many pixels on the outermost rows and columns are not white: a label cut by the figure's edge."""
    px = png_pixels(png)
    return int(sum((edge < 250).sum() for edge in (px[0], px[-1], px[:, 0], px[:, -1])))


def test_fashion_mnist_labels_are_not_clipped_and_figures_fit_a_page():
    from bibun.workbench import figures
    cm = np.random.default_rng(0).integers(0, 1000, (10, 10))
    items = [dict(index=i, y=i % 10, p_y=0.5, y_hat=9 - i % 10, p_y_hat=0.9) for i in range(3)]
    images = np.random.default_rng(1).random((3, 28, 28))
    history = [dict(epoch=e, train_loss=1 / e, test_loss=1.1 / e, train_acc=1 - 1 / e, test_acc=1 - 1.1 / e)
               for e in (1, 2, 3)]
    drawn = {"confusion": figures.confusion(cm, FASHION), "examples": figures.examples(images, items, items, FASHION),
             "curves": figures.curves(history, "fashion-mnist · linear 784→10"),
             "compare": figures.compare_curves([("fashion-linear", history), ("fashion-mlp", history)])}
    for name, png in drawn.items():
        assert inked_border(png) == 0, name
        # at most 10 inches at 100 dpi: 10-point text stays 10 CSS pixels on a page 800 pixels wide
        assert png_pixels(png).shape[1] <= 1000, name


def test_readme_explain_command_prints_what_the_readme_says():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = next(line for line in readme.splitlines() if line.startswith(".venv/bin/bibun explain"))
    args = re.findall(r'"[^"]*"|\S+', command)[1:]
    args = [a.strip('"') for a in args if not a.startswith("--html") and not a.startswith("--gif")
            and not a.endswith((".html", ".gif"))]
    out = subprocess.run([sys.executable, "-m", "bibun", *args], capture_output=True, text=True, cwd=ROOT,
                         check=True).stdout
    said = readme[readme.index(command):]
    said = said[:said.index("writes the animation")]
    quoted = re.findall(r"((?:∂l̂/∂\w+|l̂|ρ) = [^,()]*?= [−\d.]+|∂l̂/∂\w+ = [−\d.]+|l̂ = [−\d.]+)", said)
    assert len(quoted) >= 6
    printed = out.replace("-", "−").replace(" × (−1)", "")
    for q in quoted:
        value = q.split(" = ")[-1]
        name = q.split(" = ")[0]
        assert re.search(re.escape(name) + r" = .*" + re.escape(value), printed), q
    assert "∂y/" not in said and "∂y/" not in out
