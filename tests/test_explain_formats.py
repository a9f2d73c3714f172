"""explain's output formats are one registry (bibun.explain.formats), read by save_all and by `bibun explain`."""
import json
import os

import pytest

import bibun
from bibun.cli import main
from bibun.explain import formats
from bibun.viz import animate


def _linear():
    return bibun.explain("a*x + b", a=-2, x=3, b=4)


def _grads_json(ex, drawing):
    return json.dumps({k: float(v) for k, v in ex.grads.items()}, sort_keys=True).encode("utf-8")


@pytest.fixture
def with_json(monkeypatch):
    """A new format: one record, nothing else."""
    fmt = formats.Format("grads", "json", _grads_json, "write the gradients as JSON", flag="--grads-json",
                         what="gradients")
    shown = formats.Format("gradlist", "txt", lambda ex, d: b"grads: " + _grads_json(ex, d) + b"\n",
                           "print the gradients instead of the steps", flag="--grads", prints=True)
    monkeypatch.setattr(formats, "FORMATS", formats.FORMATS + (fmt, shown))
    return fmt


def test_a_new_format_is_one_record_for_save_all(tmp_path, with_json):
    ex = _linear()
    assert "grads" in formats.names()
    paths = ex.save_all(tmp_path, "y", ["grads", "txt"])
    assert paths == [os.path.join(tmp_path, "y.json"), os.path.join(tmp_path, "y.txt")]
    assert json.loads((tmp_path / "y.json").read_text()) == {"a": 3.0, "b": 1.0, "x": -2.0}
    assert (tmp_path / "y.txt").read_text(encoding="utf-8") == ex.text()
    with pytest.raises(ValueError, match="unknown format svg: choose from txt, tex, md, html, gif, png, grads"):
        ex.save_all(tmp_path, "z", ["svg"])
    assert sorted(os.listdir(tmp_path)) == ["y.json", "y.txt"]


def test_a_new_format_is_one_record_for_the_command_line(tmp_path, capsys, with_json):
    target = tmp_path / "g.json"
    assert main(["explain", "a*x + b", "--at", "a=-2,x=3,b=4", "--grads-json", str(target)]) == 0
    out, err = capsys.readouterr()
    assert out == _linear().text()
    assert err == f"wrote {target} (gradients)\n"
    assert json.loads(target.read_text()) == {"a": 3.0, "b": 1.0, "x": -2.0}
    # a printing format replaces the steps on the terminal; --latex comes first in the registry and wins
    assert main(["explain", "a*x + b", "--at", "a=-2,x=3,b=4", "--grads"]) == 0
    assert capsys.readouterr().out == 'grads: {"a": 3.0, "b": 1.0, "x": -2.0}\n'
    assert main(["explain", "a*x + b", "--at", "a=-2,x=3,b=4", "--grads", "--latex"]) == 0
    assert capsys.readouterr().out.startswith("\\begin{align*}")
    # it draws nothing, so --no-frames leaves it alone
    target.unlink()
    assert main(["explain", "a*x + b", "--at", "a=-2,x=3,b=4", "--no-frames", "--grads-json", str(target)]) == 0
    assert capsys.readouterr().err == f"wrote {target} (gradients)\n" and target.exists()
    with pytest.raises(SystemExit):
        main(["explain", "--help"])
    helptext = " ".join(capsys.readouterr().out.split())
    assert "--grads-json FILE write the gradients as JSON" in helptext
    assert "--grads print the gradients instead of the steps" in helptext


def test_every_registered_format_is_written_by_save_all_and_offered_by_the_command_line(tmp_path, capsys,
                                                                                       monkeypatch):
    calls = [0]
    real = animate.frame_pixels

    def counting(*a, **k):
        calls[0] += 1
        return real(*a, **k)

    monkeypatch.setattr(animate, "frame_pixels", counting)
    ex = _linear()
    paths = ex.save_all(tmp_path, "y")                    # the default: every format
    assert [os.path.basename(p) for p in paths] == [f"y.{f.suffix}" for f in formats.FORMATS]
    assert calls[0] == 1                                  # HTML and GIF: one drawing
    assert (tmp_path / "y.tex").read_text(encoding="utf-8") == ex.latex()
    assert (tmp_path / "y.md").read_text(encoding="utf-8") == ex.markdown()
    assert (tmp_path / "y.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "y.gif").read_bytes()[:6] == b"GIF89a"
    assert (tmp_path / "y.html").read_text(encoding="utf-8").count("<g class='bibun-frame'") == len(ex)
    with pytest.raises(SystemExit):
        main(["explain", "--help"])
    helptext = " ".join(capsys.readouterr().out.split())
    for f in formats.FORMATS:
        if f.flag:
            assert f"{f.flag}{'' if f.prints else ' FILE'} {f.help}" in helptext, f.name
    assert "--no-frames draw nothing: --html writes the steps as text" in helptext
