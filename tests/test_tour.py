"""`bibun tour` runs the whole chapter offline and writes one self-contained page."""
import json
import re

import pytest

pytest.importorskip("matplotlib", reason="matplotlib not installed: the tour draws figures")
pytest.importorskip("sklearn", reason="scikit-learn not installed: the tour uses its digits and toy data")

from bibun.cli import main  # noqa: E402


def test_every_part_of_the_chapter_is_on_the_page(tour):
    _, page = tour
    for key in ("s81", "s82", "s83", "s84", "s85"):
        assert f'<section id="{key}">' in page
    # 8.1: two animations; 8.4 (2): one more; one <img class="bibun-frame"> per frame
    assert page.count("bibun-frame") >= 3 * 7
    # 8.2: the four ways each separate the blobs; 8.3: one layer fails, two layers succeed
    accs = [float(a) for a in re.findall(r"training accuracy (\d\.\d\d)", page)]
    assert accs[:4] == [1.0, 1.0, 1.0, 1.0]
    assert accs[4] <= 0.85 and accs[5] >= 0.95
    assert "Sequential(" in page and "OrderedDict" in page
    # 8.4: the exercise's values
    assert "0.6931" in page and "1.5" in page


def test_page_is_self_contained_and_links_the_run_reports(tour):
    out, page = tour
    assert not re.search(r"(src|href)=\"https?://", page)
    assert page.count("data:image/png;base64,") >= 10
    for link in re.findall(r'href="(runs/[^"]+)"', page):
        assert (out / link).is_file(), link
    assert (out / "runs" / "digits-linear" / "report.html").is_file()
    for model in ("linear", "mlp"):
        metrics = json.loads((out / "runs" / f"digits-{model}" / "metrics.json").read_text())
        assert f"<td>{metrics['accuracy']:.4f}</td>" in page
        history = (out / "runs" / f"digits-{model}" / "history.csv").read_text().splitlines()
        assert len(history) == 1 + 3                 # the shortened runs: the fixture's setting reached them
