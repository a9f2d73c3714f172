"""The pages users look at, opened in headless Chromium (Debian's `chromium`, driven by Playwright): `bibun
tour`'s page, a workbench report, compare.html and explain's HTML. On each: every image loads, nothing is
logged as an error, each animation player steps with its buttons and keys, nothing overflows sideways at
800 CSS pixels, and the text in the figures is at least 10 CSS pixels high there (the chapter is shown on
projectors). Skipped, visibly, where Playwright or the browser is missing (.ci/run installs both)."""
import shutil
import struct

import pytest

pytest.importorskip("matplotlib", reason="matplotlib not installed: the pages hold figures")
pytest.importorskip("sklearn", reason="scikit-learn not installed: the workbench uses its digits")
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright not installed: pip install playwright")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip("no chromium on PATH (apt-get install chromium): the pages are not shown in a browser",
                allow_module_level=True)

from bibun.viz import Style  # noqa: E402

WIDTH = 800          # CSS pixels: a projector, or half a laptop screen
READABLE = 10.0      # CSS pixels: the least em size of text in a figure
# Chromium never reaches the network here and writes its profile to a fresh folder
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CHAPTER_86 = "-log(1/(1+exp(-(w1*x1+w2*x2))))"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM, args=ARGS,
            headless=True, viewport={"width": WIDTH, "height": 900})
        yield context
        context.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """explain's page for eq. (8.6), two short digit runs with their reports, their comparison, the tour."""
    from bibun.explain import explain
    from bibun.workbench import compare, train
    out = tmp_path_factory.mktemp("pages")
    explain(CHAPTER_86, w1=1.0, w2=0.5, x1=1.0, x2=-1.0, expand=True, output="l_hat").save_html(out / "explain.html")
    for model in ("linear", "mlp"):
        train("digits", model, epochs=2, seed=0, out=out / f"digits-{model}", quiet=True)
    compare([out / "digits-linear", out / "digits-mlp"], out / "compare")
    return {"explain": out / "explain.html", "report": out / "digits-mlp" / "report.html",
            "compare": out / "compare" / "compare.html"}


@pytest.fixture
def pages(request, built):
    """The pages by kind; the tour (conftest's, shared with test_tour) is written only when asked for."""
    class Pages(dict):
        def __missing__(self, kind):
            return request.getfixturevalue("tour")[0] / "index.html"
    return Pages(built)


def opened(browser, path):
    """The page at `path` once loaded, and the errors it logged (console errors, uncaught exceptions,
    requests that failed)."""
    page = browser.new_page()
    errors = []
    page.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"exception: {e}"))
    page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url[:80]}"))
    page.clock.install()                     # the players' timers run when the test says so
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, errors


KINDS = ["explain", "report", "compare", "tour"]


@pytest.mark.parametrize("kind", KINDS)
def test_every_image_loads_and_nothing_is_logged_as_an_error(browser, pages, kind):
    page, errors = opened(browser, pages[kind])
    images = page.evaluate("() => Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.alt])")
    # a player's frames are one picture of patches inside an SVG: loaded if the browser decodes its data
    sheets = page.evaluate("""() => Promise.all(Array.from(document.querySelectorAll('svg.bibun-layers image'))
        .map(s => { const i = new Image(); i.src = s.getAttribute('href');
                    return i.decode().then(() => [true, i.naturalWidth, s.id], () => [false, 0, s.id]); }))""")
    assert images or sheets, "the page shows no image"
    broken = [alt for complete, width, alt in images + sheets if not (complete and width > 0)]
    assert broken == []
    assert errors == []
    page.close()


@pytest.mark.parametrize("kind", KINDS)
def test_nothing_overflows_sideways_at_800_pixels(browser, pages, kind):
    page, _ = opened(browser, pages[kind])
    width = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1] == WIDTH
    # nor does anything stick out of its section (a section may scroll a wide table, never the page)
    wide = page.evaluate("""() => Array.from(document.querySelectorAll('section > *, .bibun-player'))
        .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
        .map(e => e.tagName + '.' + e.className)""")
    assert wide == []
    page.close()


def png_size_dpi(data_uri):
    """(width, height, dots per inch) of a base64 PNG data URI, read from its IHDR and pHYs chunks."""
    import base64
    png = base64.b64decode(data_uri.split(",", 1)[1])
    w, h = struct.unpack(">II", png[16:24])
    at = png.find(b"pHYs")
    dpi = struct.unpack(">I", png[at + 4:at + 8])[0] * 0.0254 if at > 0 else None
    return w, h, dpi


@pytest.mark.parametrize("kind", KINDS)
def test_text_in_figures_is_readable_at_800_pixels(browser, pages, kind):
    """Each figure's smallest text, scaled as the page shows it, is READABLE CSS pixels or more.
    explain's frames: the values and edge names (Style's value and label sizes, at 100 dpi); the workbench's
    and the tour's matplotlib figures: 10 points (their smallest text) at the dpi written in the PNG."""
    from bibun.workbench.figures import TEXT_PT
    page, _ = opened(browser, pages[kind])
    shown = page.evaluate("""() => Array.from(document.images).filter(i => i.classList.contains('fig'))
        .map(i => [i.className, i.src, i.getBoundingClientRect().width]).concat(
          Array.from(document.querySelectorAll('svg.bibun-layers'))
          .map(s => ['bibun-layers', s.viewBox.baseVal.width, s.getBoundingClientRect().width]))""")
    assert shown
    st = Style()
    small = []
    for cls, src, css_width in shown:
        if cls == "bibun-layers":                    # a player's frames, drawn at 100 dpi
            width = src
            text_px = min(st.value_fontsize, st.label_fontsize) * 100 / 72
        else:
            width, _, dpi = png_size_dpi(src)
            assert dpi is not None and abs(dpi - 100) < 0.5, "figures are written at 100 dpi"
            text_px = TEXT_PT * dpi / 72
        em = text_px * css_width / width
        if em < READABLE - 0.01:
            small.append((cls, round(em, 1), width, round(css_width)))
    assert small == []
    page.close()


@pytest.mark.parametrize("kind", ["explain", "tour"])
def test_every_player_steps_with_its_buttons_and_keys(browser, pages, kind):
    page, errors = opened(browser, pages[kind])
    ids = page.evaluate("() => Array.from(document.querySelectorAll('.bibun-player')).map(p => p.id)")
    assert len(ids) == (1 if kind == "explain" else 3)

    for pid in ids:
        player = page.locator(f"#{pid}")
        n = player.locator("g.bibun-frame").count()
        assert n >= 7

        def at():
            """The frame shown (0-based) and the counter's text; frame k shows the layers 0..k and no other."""
            visible = page.evaluate(f"""() => Array.from(document.querySelectorAll('#{pid} g.bibun-frame'))
                .map(g => getComputedStyle(g).visibility === 'visible')""")
            k = sum(visible) - 1
            assert visible == [True] * (k + 1) + [False] * (n - k - 1)
            return k, player.locator(".bibun-counter").inner_text()

        assert at() == (0, f"1 / {n}")
        player.locator(f"#{pid}-next").click()
        player.locator(f"#{pid}-next").click()
        assert at() == (2, f"3 / {n}")
        player.locator(f"#{pid}-prev").click()
        assert at() == (1, f"2 / {n}")
        player.focus()
        page.keyboard.press("ArrowRight")
        assert at()[0] == 2
        page.keyboard.press("ArrowLeft")
        page.keyboard.press("ArrowLeft")
        page.keyboard.press("ArrowLeft")             # stops at the first frame
        assert at()[0] == 0
        page.keyboard.press("End")
        assert at() == (n - 1, f"{n} / {n}")
        page.keyboard.press("Home")
        assert at()[0] == 0
        player.locator(f"#{pid}-play").click()       # plays one frame per interval (1.5 s), then stops
        page.clock.run_for(1600)
        assert at()[0] == 1
        page.clock.run_for(1500 * n)
        assert at()[0] == n - 1
        assert player.locator(f"#{pid}-play").get_attribute("title") == "play"
        page.keyboard.press(" ")                      # space plays again, from the start
        page.clock.run_for(1600)
        assert at()[0] == 1
        page.keyboard.press(" ")
        page.clock.run_for(5000)
        assert at()[0] == 1                           # paused
    assert errors == []
    page.close()


def test_the_four_ways_of_8_2_sit_side_by_side_on_a_wide_screen(browser, pages):
    """Each 8.2 card holds a long printed state_dict; it scrolls inside its card instead of widening it
    to a whole row (which left the heatmaps narrow with most of the row empty)."""
    page, _ = opened(browser, pages["tour"])
    page.set_viewport_size({"width": 1280, "height": 900})
    tops = page.evaluate("() => Array.from(document.querySelectorAll('#s82 .row > div'))"
                         ".map(d => Math.round(d.getBoundingClientRect().top))")
    assert len(tops) == 4
    assert len(set(tops)) == 2                       # two rows of two
    page.close()
