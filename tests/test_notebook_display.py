"""A training result in a notebook shows what its report holds, inline, with a link to the report."""
import base64
import io
import re

import pytest

pytest.importorskip("matplotlib", reason="matplotlib not installed: the display holds figures")
pytest.importorskip("sklearn", reason="scikit-learn not installed: the workbench uses its digits")


def images(html):
    from PIL import Image
    return [Image.open(io.BytesIO(base64.b64decode(d))) for d in re.findall(r'base64,([^"]+)"', html)]


def test_a_training_result_displays_the_report_inline(tmp_path, monkeypatch):
    from bibun.workbench import train
    monkeypatch.chdir(tmp_path)
    r = train("digits", "mlp", epochs=2, seed=0, out="runs/mlp", quiet=True)
    html = r._repr_html_()
    assert f"test accuracy <b>{r.metrics['accuracy']:.4f}</b>" in html
    assert '<a href="runs/mlp/report.html" target="_blank">report.html</a>' in html
    # curves, confusion matrix, easiest and hardest: the run's own figures
    figs = images(html)
    assert len(figs) == 3
    from PIL import Image
    assert [f.size for f in figs] == [Image.open(r.paths[f"figure_{k}"]).size
                                      for k in ("curves", "confusion", "examples")]
    # the per-class table with its averages, and the per-epoch numbers
    for c in r.metrics["per_class"]:
        assert f"<td>{c['precision']:.4f}</td>" in html or c["precision"] is None
    assert "macro average" in html and "weighted average" in html
    assert html.count("<tr>") >= 10 + 2 + 2


def test_a_run_kept_in_memory_draws_its_curves_and_confusion_matrix(tmp_path):
    from bibun.workbench import train
    r = train("digits", "linear", epochs=1, seed=0, quiet=True)
    html = r._repr_html_()
    assert len(images(html)) == 2 and "report.html" not in html


def test_the_inline_display_speaks_the_current_language(tmp_path, monkeypatch):
    from bibun.i18n import language
    from bibun.workbench import train
    monkeypatch.chdir(tmp_path)
    r = train("digits", "linear", epochs=1, seed=0, out="runs/lin", quiet=True)
    with language("ja"):
        html = r._repr_html_()
    assert f"評価データの正解率 <b>{r.metrics['accuracy']:.4f}</b>" in html and "レポート全体" in html
    assert "エポックごと" in html and "test accuracy" not in html
