"""Animations: PNG frames, a self-contained HTML player, and GIFs."""

from __future__ import annotations

import base64
import html
import io
import json
import math
import uuid

from .._atomic import write_bytes
from .gif import GifWriter
from .frames import frame_pixels
from ._layout import Style
from .scene import Frame, Scene
from .fonts import drawing_in_language
from ..i18n import translate as _, current

__all__ = ["frame_images", "render_frames", "to_html", "save_html", "save_gif", "render_animation", "save_animation"]


@drawing_in_language
def frame_images(scene: Scene, frames: list[Frame], dpi: int = 100, *, style: Style | None = None):
    """Yield each frame as an RGB ``PIL.Image``, all of the same pixel size (see :mod:`.frames`)."""
    from PIL import Image

    for pixels, _boxes in frame_pixels(scene, frames, dpi, style=style):
        yield Image.fromarray(pixels[..., :3])


@drawing_in_language
def _quantized_frames(scene: Scene, frames: list[Frame], dpi: int, style: Style | None):
    """Yield each frame as a palette image over the drawing's fixed colours (one image, updated in place)."""
    from PIL import Image

    pal = _palette_image(style)
    q = None
    for pixels, boxes in frame_pixels(scene, frames, dpi, style=style):
        for x0, y0, x1, y1 in boxes:  # a pixel's colour index depends on that pixel alone
            part = _quantize(Image.fromarray(pixels[y0:y1, x0:x1, :3]), pal)
            if q is None or part.size == q.size:
                q = part
            else:
                q.paste(part, (x0, y0))
        yield q


def _png(im) -> bytes:
    buf = io.BytesIO()
    # zlib's run-length strategy: a frame is mostly long runs of white, and this is three
    # times as fast as the default for a fifth more bytes
    im.save(buf, format="PNG", compress_type=3)
    return buf.getvalue()


@drawing_in_language
def render_frames(scene: Scene, frames: list[Frame], dpi: int = 100, *, style: Style | None = None) -> list[bytes]:
    """One PNG (bytes) per frame, all of the same pixel size (see :func:`frame_images`)."""
    return [_png(im) for im in frame_images(scene, frames, dpi, style=style)]


# --------------------------------------------------------------------------------------
# HTML player
# --------------------------------------------------------------------------------------

_CSS = """
#{id} {{ font-family: system-ui, -apple-system, "Segoe UI", sans-serif; display: inline-block;
  max-width: 100%; box-sizing: border-box; outline: none; border: 1px solid #ddd; border-radius: 6px; padding: 8px; background: #fff; }}
#{id}:focus {{ border-color: #8ab4f8; }}
#{id} .bibun-title {{ font-weight: 600; margin: 0 0 6px 0; color: #222; }}
#{id} .bibun-stage {{ line-height: 0; overflow-x: auto; }}
#{id} img.bibun-frame {{ max-width: 100%; min-width: {min_width}px; height: auto; display: none; }}
#{id} img.bibun-frame.bibun-on {{ display: block; }}
#{id} .bibun-controls {{ display: flex; align-items: center; gap: 6px; margin-top: 6px; flex-wrap: wrap; }}
#{id} .bibun-controls button {{ min-width: 2.4em; padding: 2px 8px; border: 1px solid #bbb; border-radius: 4px;
  background: #f6f6f6; cursor: pointer; font-size: 14px; }}
#{id} .bibun-controls button:hover {{ background: #eaeaea; }}
#{id} .bibun-controls input[type=range] {{ flex: 1 1 160px; }}
#{id} .bibun-counter {{ font-variant-numeric: tabular-nums; color: #444; min-width: 4.5em; text-align: right; font-size: 13px; }}
"""

_JS = """
(function () {{
  var root = document.getElementById("{id}");
  if (!root) return;
  var imgs = root.querySelectorAll("img.bibun-frame");
  var n = imgs.length, cur = 0, timer = null, interval = {interval};
  var slider = document.getElementById("{id}-slider");
  var counter = document.getElementById("{id}-counter");
  var playBtn = document.getElementById("{id}-play");
  function show(i) {{
    if (n === 0) return;
    i = Math.max(0, Math.min(n - 1, i));
    imgs[cur].classList.remove("bibun-on");
    cur = i;
    imgs[cur].classList.add("bibun-on");
    slider.value = cur;
    counter.textContent = (cur + 1) + " / " + n;
  }}
  function stop() {{
    if (timer !== null) {{ clearInterval(timer); timer = null; }}
    playBtn.textContent = "\\u25B6"; playBtn.title = {play};
  }}
  function play() {{
    if (n < 2) return;
    if (cur >= n - 1) show(0);
    playBtn.textContent = "\\u275A\\u275A"; playBtn.title = {pause};
    timer = setInterval(function () {{
      if (cur >= n - 1) {{ stop(); return; }}
      show(cur + 1);
    }}, interval);
  }}
  function toggle() {{ if (timer === null) play(); else stop(); }}
  document.getElementById("{id}-prev").addEventListener("click", function () {{ stop(); show(cur - 1); root.focus(); }});
  document.getElementById("{id}-next").addEventListener("click", function () {{ stop(); show(cur + 1); root.focus(); }});
  playBtn.addEventListener("click", function () {{ toggle(); root.focus(); }});
  slider.addEventListener("input", function () {{ stop(); show(parseInt(slider.value, 10)); }});
  root.addEventListener("keydown", function (ev) {{
    var k = ev.key;
    if (k === "ArrowRight") {{ stop(); show(cur + 1); }}
    else if (k === "ArrowLeft") {{ stop(); show(cur - 1); }}
    else if (k === "Home") {{ stop(); show(0); }}
    else if (k === "End") {{ stop(); show(n - 1); }}
    else if (k === " " || k === "Spacebar") {{ toggle(); }}
    else return;
    ev.preventDefault(); ev.stopPropagation();
  }});
  show(0);
}})();
"""


def _attr(s: str) -> str:
    return html.escape(s, quote=True)


def _caption_alt(f: Frame) -> str:
    return " / ".join(ln.strip() for ln in str(f.caption).split("\n") if ln.strip())


def to_html(
    scene: Scene,
    frames: list[Frame],
    title: str = "",
    *,
    interval_ms: int = 1500,
    dpi: int = 100,
    full_page: bool = True,
    compact: bool = True,
    style: Style | None = None,
) -> str:
    """A self-contained HTML page playing the animation (works offline).

    Frames are base64-embedded PNGs (``<img class="bibun-frame">``, one per
    frame); a small inline script gives play/pause, previous/next, a slider,
    a frame counter and the keyboard (left/right arrows, Home/End, space)
    once the player has focus.  Element ids carry a random suffix so several
    players can share a page.  ``full_page=False`` returns only the player
    ``<div>`` (with its ``<style>`` and ``<script>``), e.g. for a notebook.
    ``compact`` stores the frames as palette PNGs (about a third of the size).
    """
    frames = list(frames)
    images = _quantized_frames(scene, frames, dpi, style) if compact else frame_images(scene, frames, dpi, style=style)
    pngs = [_png(im) for im in images]
    return _player(pngs, frames, title or scene.title, interval_ms, full_page, _least_scale(style, dpi))


# The least height, in CSS pixels, of the values and edge names in a frame (the figure's smallest text that
# matters): a player narrower than that allows keeps the frame at this scale and scrolls it sideways.
READABLE_PX = 10.0


def _least_scale(style: Style | None, dpi: int) -> float:
    st = style or Style()
    return min(1.0, READABLE_PX / (min(st.value_fontsize, st.label_fontsize) * dpi / 72))


def _png_width(png: bytes) -> int:
    return int.from_bytes(png[16:20], "big")  # the IHDR chunk, right after the signature


def _player(pngs: list[bytes], frames: list[Frame], heading: str, interval_ms: int, full_page: bool,
            least_scale: float = 1.0) -> str:
    pid = "bibun-player-" + uuid.uuid4().hex[:12]
    parts = [f'<div id="{pid}" class="bibun-player" tabindex="0">']
    min_width = math.ceil(_png_width(pngs[0]) * least_scale) if pngs else 0
    parts.append(f"<style>{_CSS.format(id=pid, min_width=min_width)}</style>")
    if heading:
        parts.append(f'<div class="bibun-title">{html.escape(heading)}</div>')
    parts.append('<div class="bibun-stage">')
    for i, (png, f) in enumerate(zip(pngs, frames)):
        on = " bibun-on" if i == 0 else ""
        data = base64.b64encode(png).decode("ascii")
        parts.append(
            f'<img class="bibun-frame{on}" id="{pid}-f{i}" alt="{html.escape(_caption_alt(f), quote=True)}" '
            f'src="data:image/png;base64,{data}">'
        )
    parts.append("</div>")
    last = max(0, len(frames) - 1)
    parts.append(
        '<div class="bibun-controls">'
        f'<button type="button" id="{pid}-prev" title="{_attr(_("previous"))}">&#8249;</button>'
        f'<button type="button" id="{pid}-play" title="{_attr(_("play"))}">&#9654;</button>'
        f'<button type="button" id="{pid}-next" title="{_attr(_("next"))}">&#8250;</button>'
        f'<input type="range" id="{pid}-slider" min="0" max="{last}" value="0" step="1" '
        f'aria-label="{_attr(_("frame"))}">'
        f'<span class="bibun-counter" id="{pid}-counter">{1 if frames else 0} / {len(frames)}</span>'
        "</div>"
    )
    script = _JS.format(id=pid, interval=int(interval_ms), play=json.dumps(_("play")), pause=json.dumps(_("pause")))
    parts.append(f"<script>{script}</script>")
    parts.append("</div>")
    player = "\n".join(parts)
    if not full_page:
        return player
    page_title = html.escape(heading or _("bibun animation"))
    return (
        f"<!DOCTYPE html>\n<html lang=\"{current()}\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{page_title}</title>\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "</head>\n<body style=\"margin:16px;background:#fafafa\">\n"
        f"{player}\n</body>\n</html>\n"
    )


# --------------------------------------------------------------------------------------
# files
# --------------------------------------------------------------------------------------


def save_html(path, scene: Scene, frames: list[Frame], title: str = "", **kwargs) -> None:
    """Write :func:`to_html`'s page to *path* atomically."""
    write_bytes(path, to_html(scene, frames, title, **kwargs).encode("utf-8"))


def _palette(style: Style | None = None) -> list[int]:
    """A fixed palette: white, and ramps from white to each drawing colour."""
    from matplotlib.colors import to_rgb

    st = style or Style()
    inks = [st.node_color, st.edge_color, st.forward_color, st.backward_color, st.new_color,
            st.label_color, st.caption_color, "#000000"]
    cols = [(255, 255, 255), (254, 254, 254)]
    per = (254 - len(cols) + 2) // len(inks)
    for ink in inks:
        r, g, b = (int(round(c * 255)) for c in to_rgb(ink))
        for k in range(1, per + 1):
            t = k / per
            cols.append(tuple(int(round(255 + (c - 255) * t)) for c in (r, g, b)))
    cols = cols[:256]
    while len(cols) < 256:
        cols.append((0, 0, 0))
    flat = [v for c in cols for v in c]
    return flat


def _palette_image(style: Style | None):
    from PIL import Image

    pal = Image.new("P", (1, 1))
    pal.putpalette(_palette(style))
    return pal


def _quantize(im, pal):
    """*im* as a palette image over the drawing's fixed colours (no dithering: flat areas stay flat)."""
    from PIL import Image

    return im.quantize(palette=pal, dither=Image.Dither.NONE)


def save_gif(path, scene: Scene, frames: list[Frame], duration_ms: int = 900, *, dpi: int = 100,
             style: Style | None = None) -> None:
    """Write an animated GIF (one GIF frame per Frame, looping forever) atomically."""
    save_animation(scene, frames, gif=path, duration_ms=duration_ms, dpi=dpi, style=style)


@drawing_in_language
def render_animation(scene: Scene, frames: list[Frame], *, html: bool = True, gif: bool = True, title: str = "",
                     interval_ms: int = 1500, duration_ms: int = 900, dpi: int = 100, full_page: bool = True,
                     style: Style | None = None) -> tuple[str | None, bytes | None]:
    """Draw the frames once; return the HTML player's page (if *html*) and the GIF's bytes (if *gif*).

    The same as :func:`to_html` and the contents of :func:`save_gif`, for
    half the drawing.
    """
    frames = list(frames)
    if gif and not frames:
        raise ValueError("save_gif needs at least one frame")
    pngs: list[bytes] = []
    writer = None
    for q in _quantized_frames(scene, frames, dpi, style):
        if html:
            pngs.append(_png(q))
        if gif:
            if writer is None:
                writer = GifWriter(q.size, _palette(style), duration_ms)
            writer.add(q)
    page = _player(pngs, frames, title or scene.title, interval_ms, full_page, _least_scale(style, dpi)) if html else None
    return page, (bytes(writer) if writer is not None else None)


def save_animation(scene: Scene, frames: list[Frame], *, html=None, gif=None, **kwargs) -> None:
    """Draw the frames once and write the HTML player to *html* and/or the GIF to *gif*, atomically.

    Takes :func:`render_animation`'s options; nothing is written unless every frame was drawn.
    """
    page, data = render_animation(scene, frames, html=html is not None, gif=gif is not None, **kwargs)
    if html is not None:
        write_bytes(html, page.encode("utf-8"))
    if gif is not None:
        write_bytes(gif, data)
