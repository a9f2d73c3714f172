"""Drawing an explanation: each frame redraws only what changed, one drawing serves HTML and GIF, and graphs
too large to draw in reasonable time are refused with a way out (a sub-expression, or the text alone)."""
import io
import os
import re

import numpy as np
import pytest
from matplotlib.text import Text
from PIL import Image, ImageSequence

import bibun.viz.animate as animate
from bibun.explain import explain
from bibun.viz import MAX_NODES, Edge, Node, Scene, TooLargeToDraw, draw, frame_images, render_frames, save_gif, to_html
from bibun.viz.scene import check_size

from player_frames import player_frames

CHAPTER_86 = "-log(1/(1+exp(-(w1*x1+w2*x2))))"
AT_86 = dict(w1=1, w2=0.5, x1=1, x2=-1)


def chain(links, tag="a"):
    """x·w, tanh, x·w, exp, ...: one node per function, two per product (the product and its w)."""
    e = f"x{tag}"
    for i in range(links):
        e = f"{('tanh', 'exp', 'sigmoid')[(i // 2) % 3]}({e})" if i % 2 else f"({e})*w{tag}{i}"
    return e


def explained(expr):
    names = sorted(set(re.findall(r"\b[xw][a-z]\d*\b", expr)))
    return explain(expr, {n: 0.3 + 0.05 * (i % 7) for i, n in enumerate(names)})


def too_large():
    """Sums of chains with MAX_NODES + 1 nodes or a little more."""
    terms, k = [], 0
    while True:
        terms.append(chain(20, "abcdefgh"[k]))
        k += 1
        ex = explained(" + ".join(terms))
        if len(ex.scene()[0].nodes) > MAX_NODES:
            return " + ".join(terms), ex


def full_redraw(scene, frames, dpi):
    """Every frame drawn from scratch, as frames were drawn before they were drawn incrementally."""
    out = []
    for f in frames:
        buf = io.BytesIO()
        draw(scene, f, frames=frames).savefig(buf, format="png", dpi=dpi, facecolor="white")
        out.append(np.asarray(Image.open(buf).convert("RGB")))
    return out


@pytest.mark.parametrize("expr,values,kw", [
    ("a*x + b", dict(a=-2, x=3, b=4), {}),
    (CHAPTER_86, AT_86, dict(expand=True)),                 # texts that change colour next to each other
    ("x*x + exp(x) + x/(1+x**2)", dict(x=0.5), {}),        # curved parallel edges, one leaf feeding four ops
])
def test_incremental_frames_are_the_full_drawing_pixel_for_pixel(expr, values, kw):
    ex = explain(expr, values, **kw)
    scene, frames = ex.scene()
    got = [np.asarray(im) for im in frame_images(scene, frames, dpi=60)]
    want = full_redraw(scene, frames, 60)
    assert len(got) == len(want) == len(frames)
    for i, (g, w) in enumerate(zip(got, want)):
        assert g.shape == w.shape, i
        assert np.array_equal(g, w), f"frame {i}: {(g != w).any(-1).sum()} pixels differ"


def test_each_frame_draws_only_the_texts_it_changes(monkeypatch):
    ex = explained(chain(11))                               # 19 nodes, 28 frames
    scene, frames = ex.scene()
    assert len(scene.nodes) == 19
    drawn = [0]
    real = Text.draw

    def counting(self, renderer):
        drawn[0] += 1
        return real(self, renderer)

    monkeypatch.setattr(Text, "draw", counting)
    for _ in frame_images(scene, frames, dpi=30):
        pass
    # a full redraw draws every node label, edge name and value of every frame (over 40 per frame
    # here); now a frame draws its caption (two lines at most), the phase and about three values
    visible = sum(len(f.above) + len(f.below) for f in frames) + len(frames) * len(scene.nodes)
    assert drawn[0] < 9 * len(frames) < visible / 4


def test_html_and_gif_come_from_one_drawing_with_the_same_pixels(tmp_path, monkeypatch):
    ex = explain("a*x + b", a=-2, x=3, b=4)
    calls = [0]
    real = animate.frame_pixels

    def counting(*a, **k):
        calls[0] += 1
        return real(*a, **k)

    monkeypatch.setattr(animate, "frame_pixels", counting)
    ex.save_animation(html=tmp_path / "y.html", gif=tmp_path / "y.gif", dpi=50)
    assert calls[0] == 1
    page = (tmp_path / "y.html").read_text(encoding="utf-8")
    html_frames = player_frames(page)
    with Image.open(tmp_path / "y.gif") as im:
        assert im.info["loop"] == 0 and im.info["duration"] == 1200
        gif_frames = [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(im)]
    assert len(html_frames) == len(gif_frames) == len(ex) == 7
    for h, g in zip(html_frames, gif_frames):
        assert np.array_equal(h, g)
    assert sorted(os.listdir(tmp_path)) == ["y.gif", "y.html"]


def test_cli_html_and_gif_draw_once(tmp_path, capsys, monkeypatch):
    from bibun.cli import main
    calls = [0]
    real = animate.frame_pixels

    def counting(*a, **k):
        calls[0] += 1
        return real(*a, **k)

    monkeypatch.setattr(animate, "frame_pixels", counting)
    code = main(["explain", "a*x + b", "--at", "a=-2,x=3,b=4", "--html", str(tmp_path / "y.html"),
                 "--gif", str(tmp_path / "y.gif")])
    err = capsys.readouterr().err
    assert code == 0 and calls[0] == 1
    assert "wrote" in err and sorted(os.listdir(tmp_path)) == ["y.gif", "y.html"]


def test_gif_frames_equal_the_drawing_and_repeat_when_nothing_changes(tmp_path):
    ex = explain(CHAPTER_86, **AT_86)
    scene, frames = ex.scene()
    frames = frames[:3] + [frames[2], frames[2]] + frames[3:6]
    save_gif(tmp_path / "a.gif", scene, frames, duration_ms=500, dpi=40)
    pal = animate._palette_image(None)
    want = [np.asarray(animate._quantize(im, pal).convert("RGB")) for im in frame_images(scene, frames, dpi=40)]
    with Image.open(tmp_path / "a.gif") as im:
        assert im.n_frames == len(frames) == 8
        got = [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(im)]
    for g, w in zip(got, want):
        assert np.array_equal(g, w)


# ---- the size limit -------------------------------------------------------------------------------------


def test_too_large_graphs_are_refused_by_the_drawing_layer():
    _, ex = too_large()
    scene, frames = ex.scene()
    for f in (lambda: render_frames(scene, frames[:1]), lambda: to_html(scene, frames[:1]),
              lambda: draw(scene, frames[0])):
        with pytest.raises(TooLargeToDraw, match=f"more than the {MAX_NODES}"):
            f()


def test_too_large_explanations_say_what_to_do_and_still_give_the_text(tmp_path):
    _, ex = too_large()
    n = len(ex.scene()[0].nodes)
    for draw_it in (lambda: ex.save_html(tmp_path / "y.html"), lambda: ex.save_gif(tmp_path / "y.gif"),
                    lambda: ex.save_png(tmp_path / "y.png"), lambda: ex.figure(),
                    lambda: ex.save_all(tmp_path, "y")):
        with pytest.raises(ValueError, match=rf"{n} nodes, more than the {MAX_NODES}.*sub-expression.*frames=False"):
            draw_it()
    assert os.listdir(tmp_path) == []
    ex.save_html(tmp_path / "steps.html", frames=False)
    page = (tmp_path / "steps.html").read_text(encoding="utf-8")
    assert "<img" not in page and page.startswith("<!DOCTYPE html>")
    assert "Backward pass" in page and "∂y/∂wa0" in page
    assert "sub-expression" in ex._repr_html_() and "<img" not in ex._repr_html_()


def test_cli_refuses_too_large_graphs_with_one_line(tmp_path, capsys):
    from bibun.cli import main
    expr, ex = too_large()
    at = ",".join(f"{v.name.text}={float(v.value)}" for v in ex.inputs)
    for out in (["--html", str(tmp_path / "y.html")], ["--gif", str(tmp_path / "y.gif")],
                ["--png", str(tmp_path / "y.png")]):
        code = main(["explain", expr, "--at", at, *out])
        o, err = capsys.readouterr()
        assert code == 2 and o == "" and err.count("\n") == 1
        assert err.startswith("bibun explain: error: the graph has") and "sub-expression" in err and "--no-frames" in err
    assert os.listdir(tmp_path) == []
    # --no-frames: the steps as text, on the terminal and in the page
    code = main(["explain", expr, "--at", at, "--no-frames", "--html", str(tmp_path / "y.html")])
    o, err = capsys.readouterr()
    assert code == 0 and "Backward pass" in o and "the steps as text" in err
    page = (tmp_path / "y.html").read_text(encoding="utf-8")
    assert "<img" not in page and "Backward pass" in page
    code = main(["explain", expr, "--at", at, "--no-frames", "--gif", str(tmp_path / "z.gif")])
    o, err = capsys.readouterr()
    assert code == 2 and "--no-frames draws nothing" in err and not (tmp_path / "z.gif").exists()


def test_the_limit_is_on_nodes_and_inclusive():
    def path(n):
        return Scene([Node(i, "op", "$+$") for i in range(n)], [Edge(i, i + 1) for i in range(n - 1)])
    check_size(path(MAX_NODES))
    with pytest.raises(TooLargeToDraw) as e:
        check_size(path(MAX_NODES + 1))
    assert e.value.nodes == MAX_NODES + 1
    assert 40 <= MAX_NODES < 200                             # 40 nodes draw; the parser's 200 do not
