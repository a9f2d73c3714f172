"""explain's animation where scripts do not run (a saved notebook on a static viewer, an untrusted notebook):
it still plays, as SVG animation over layers of patches, and stays small; where scripts run, the buttons and
keys step the same layers. Every frame, rebuilt from the page's patches or photographed in Chromium, is
pixel for pixel the GIF's frame for that step."""
import io
import shutil
import time

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="matplotlib not installed: the frames are drawn with it")
from PIL import Image, ImageSequence  # noqa: E402

from bibun.cli import main  # noqa: E402
from bibun.explain import explain  # noqa: E402
from player_frames import player_frames, stage_svg  # noqa: E402

CHAPTER_86 = "-log(1/(1+exp(-(w1*x1+w2*x2))))"
AT_86 = dict(w1=1.0, w2=0.5, x1=1.0, x2=-1.0)
MAX_BYTES = 150_000     # the notebook cell of eq. (8.6), all frames included
FAST_MS = 200           # a frame's time in the browser tests, so that a loop takes seconds


@pytest.fixture(scope="module")
def chapter_86(tmp_path_factory):
    """`bibun explain` on eq. (8.6) as the README runs it: the HTML page, and the GIF's frames as RGB arrays."""
    out = tmp_path_factory.mktemp("explain")
    code = main(["explain", CHAPTER_86, "--at", "w1=1,w2=0.5,x1=1,x2=-1", "--expand", "--name", "l_hat",
                 "--html", str(out / "out.html"), "--gif", str(out / "out.gif")])
    assert code == 0
    with Image.open(out / "out.gif") as im:
        gif = [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(im)]
    return (out / "out.html").read_text(encoding="utf-8"), gif


def test_the_page_of_eq_8_6_is_under_150_kb(chapter_86):
    page, gif = chapter_86
    assert len(gif) == 22
    assert len(page.encode("utf-8")) < MAX_BYTES
    assert page.count("data:image/png;base64,") == 1       # one picture of patches, not one per frame


def test_each_frame_rebuilt_from_the_patches_is_the_gifs_frame(chapter_86):
    page, gif = chapter_86
    frames = player_frames(page)
    assert len(frames) == len(gif)
    for k, (h, g) in enumerate(zip(frames, gif)):
        assert np.array_equal(h, g), f"frame {k}"


def test_without_scripts_each_layer_appears_at_its_step_of_one_loop(chapter_86):
    """Layer k (k >= 1) is hidden for the first k of the loop's n steps, then shown to the end of the loop."""
    import re
    page, gif = chapter_86
    n = len(gif)
    animations = re.findall(r"<animate attributeName='visibility' values='hidden;visible' keyTimes='0;([\d.]+)' "
                            r"calcMode='discrete' dur='(\d+)ms' repeatCount='indefinite'/>", stage_svg(page))
    assert [float(t) for t, _ in animations] == pytest.approx([k / n for k in range(1, n)], abs=1e-6)
    assert {int(d) for _, d in animations} == {1500 * n}
    assert "<script" in page                               # the player, which stops these, is there too


# ---- in Chromium --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fast_page(tmp_path_factory):
    """Eq. (8.6)'s player with FAST_MS per frame (the same drawing, a shorter loop) and its frames; and the
    same page with its <script> and <style> removed, as an untrusted notebook shows it."""
    import re
    page = explain(CHAPTER_86, expand=True, output="l_hat", **AT_86).to_html(interval_ms=FAST_MS)
    out = tmp_path_factory.mktemp("fast")
    (out / "fast.html").write_text(page, encoding="utf-8")
    stripped = re.sub(r"<(script|style)>.*?</\1>", "", page, flags=re.S)
    assert "<script" not in stripped and "<style" not in stripped
    (out / "stripped.html").write_text(stripped, encoding="utf-8")
    return out, player_frames(page)


@pytest.fixture(scope="module")
def chromium():
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright not installed: pip install playwright")
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.skip("no chromium on PATH (apt-get install chromium): the player is not shown in a browser")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
        yield browser
        browser.close()


def opened(chromium, path, scripts):
    # wide enough that the frames are shown at their own size, one CSS pixel per pixel
    context = chromium.new_context(java_script_enabled=scripts, viewport={"width": 1400, "height": 700},
                                   device_scale_factor=1)
    page = context.new_page()
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return context, page


def photo(page):
    return np.asarray(Image.open(io.BytesIO(page.locator(".bibun-layers").screenshot())).convert("RGB"))


def which(shot, frames):
    """The frame the photograph shows (its index), or None if it matches none pixel for pixel."""
    return next((k for k, f in enumerate(frames) if f.shape == shot.shape and np.array_equal(f, shot)), None)


def painted(page, frames, until, seconds):
    """The frames Chromium paints (its screencast: one picture per change on screen), each as the index of
    the frame it shows pixel for pixel (None if none), until `until(indices)` holds or `seconds` pass."""
    import base64
    box = page.locator(".bibun-layers").bounding_box()
    x, y, w, h = (round(box[k]) for k in ("x", "y", "width", "height"))
    cdp = page.context.new_cdp_session(page)
    shown = []

    def on_frame(event):
        cdp.send("Page.screencastFrameAck", {"sessionId": event["sessionId"]})
        shot = np.asarray(Image.open(io.BytesIO(base64.b64decode(event["data"]))).convert("RGB"))
        shown.append(which(shot[y:y + h, x:x + w], frames))

    cdp.on("Page.screencastFrame", on_frame)
    cdp.send("Page.startScreencast", {"format": "png", "everyNthFrame": 1})
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not until(shown):
        page.wait_for_timeout(FAST_MS / 2)
    cdp.send("Page.stopScreencast")
    return shown


@pytest.mark.parametrize("name", ["fast.html", "stripped.html"])
def test_without_scripts_the_animation_plays_through_to_the_last_frame(chromium, fast_page, name):
    folder, frames = fast_page
    n = len(frames)
    context, page = opened(chromium, folder / name, scripts=False)
    assert page.locator("img.bibun-layers").is_visible()      # an image: kept where inline SVG is stripped
    assert not page.locator(".bibun-controls").is_visible()   # no buttons that would do nothing
    shown = painted(page, frames, lambda shown: n - 1 in shown, seconds=3 * n * FAST_MS / 1000)
    context.close()
    assert None not in shown                    # every picture painted is one of the frames, exactly
    steps = [k for i, k in enumerate(shown) if i == 0 or k != shown[i - 1]]
    assert len(steps) >= 3                      # it moves
    assert all(b > a or b == 0 for a, b in zip(steps, steps[1:])), steps   # in order, then from the start
    assert steps[-1] == n - 1                   # and reaches the end


def test_with_scripts_the_animation_waits_and_the_keys_and_buttons_step_it(chromium, fast_page):
    folder, frames = fast_page
    context, page = opened(chromium, folder / "fast.html", scripts=True)
    n = len(frames)
    assert page.locator("svg.bibun-layers").count() == 1       # the script puts the same SVG inline
    assert which(photo(page), frames) == 0
    time.sleep(3 * FAST_MS / 1000)              # the animation without scripts is stopped
    assert which(photo(page), frames) == 0
    player = page.locator(".bibun-player")
    player.locator("button[title=next]").click()
    player.locator("button[title=next]").click()
    assert which(photo(page), frames) == 2
    player.focus()
    page.keyboard.press("End")
    assert which(photo(page), frames) == n - 1
    assert player.locator(".bibun-counter").inner_text() == f"{n} / {n}"
    page.keyboard.press("ArrowLeft")
    assert which(photo(page), frames) == n - 2
    player.locator("button[title=previous]").click()
    assert which(photo(page), frames) == n - 3
    page.keyboard.press("Home")
    assert which(photo(page), frames) == 0
    context.close()


def test_full_colour_frames_rebuilt_from_the_patches_are_the_renderers_even_when_a_step_repeats():
    from bibun.viz import frame_images, to_html
    scene, frames = explain("a*x + b", a=-2, x=3, b=4).scene()
    frames = frames[:3] + [frames[2]] + frames[3:]          # a step that changes nothing: a layer of no patches
    drawn = [np.asarray(im) for im in frame_images(scene, frames, dpi=50)]
    page = to_html(scene, frames, dpi=50, compact=False)
    assert stage_svg(page).count("<g class='bibun-frame'") == len(frames)
    rebuilt = player_frames(page)
    assert len(rebuilt) == len(drawn)
    for k, (h, d) in enumerate(zip(rebuilt, drawn)):
        assert np.array_equal(h, d), f"frame {k}"
