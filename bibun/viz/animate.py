"""Animations: PNG frames, a self-contained HTML player, and GIFs."""

from __future__ import annotations

import base64
import html
import io
import json
import math
import uuid
from urllib.parse import quote

import numpy as np

from .._atomic import write_bytes
from .gif import GifWriter
from .frames import frame_pixels
from .patches import Patch, PatchSheet
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
    """Yield ``(image, boxes)`` per frame: the frame as a palette image over the drawing's fixed colours (one
    image, updated in place) and the boxes outside which it equals the frame before (see :mod:`.frames`)."""
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
        yield q, boxes


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
#{id} .bibun-controls {{ display: flex; align-items: center; gap: 6px; margin-top: 6px; flex-wrap: wrap; }}
#{id} .bibun-controls[hidden] {{ display: none; }}
#{id} .bibun-controls button {{ min-width: 2.4em; padding: 2px 8px; border: 1px solid #bbb; border-radius: 4px;
  background: #f6f6f6; cursor: pointer; font-size: 14px; }}
#{id} .bibun-controls button:hover {{ background: #eaeaea; }}
#{id} .bibun-controls input[type=range] {{ flex: 1 1 160px; }}
#{id} .bibun-counter {{ font-variant-numeric: tabular-nums; color: #444; min-width: 4.5em; text-align: right; font-size: 13px; }}
"""

# The frames are layers of an SVG, frame k the first frame with the patches of frames 1..k over it.  The SVG
# is an image (<img src="data:image/svg+xml,...">, which survives where inline SVG, styles and scripts are
# stripped, as in an untrusted notebook) whose <animate> elements show each layer from its step to the end
# of the loop.  The script, where it runs, puts the same SVG inline without those, shows the controls, and
# shows the layers up to the chosen frame itself.
_JS = """
(function () {{
  var root = document.getElementById("{id}");
  if (!root) return;
  var img = root.querySelector("img.bibun-layers");
  if (!img) return;
  var src = img.getAttribute("src");
  var doc = new DOMParser().parseFromString(decodeURIComponent(src.slice(src.indexOf(",") + 1)), "image/svg+xml");
  Array.prototype.forEach.call(doc.querySelectorAll("animate"), function (a) {{ a.parentNode.removeChild(a); }});
  var stage = document.importNode(doc.documentElement, true);
  stage.setAttribute("style", img.getAttribute("style"));
  stage.setAttribute("role", "img");
  img.parentNode.replaceChild(stage, img);
  var layers = stage.querySelectorAll("g.bibun-frame");
  var n = layers.length, cur = 0, timer = null, interval = {interval};
  var slider = document.getElementById("{id}-slider");
  var counter = document.getElementById("{id}-counter");
  var playBtn = document.getElementById("{id}-play");
  root.querySelector(".bibun-controls").hidden = false;
  function show(i) {{
    if (n === 0) return;
    i = Math.max(0, Math.min(n - 1, i));
    for (var j = 0; j < n; j++) layers[j].setAttribute("visibility", j <= i ? "visible" : "hidden");
    cur = i;
    stage.setAttribute("aria-label", layers[cur].getAttribute("data-caption"));
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
    """A self-contained HTML page playing the animation (works offline, with or without scripts).

    The frames are one PNG of patches (see :mod:`.patches`) shown as the layers of an SVG image, each
    layer a frame's patches: SVG animation steps through them in a loop with no script at all, and an
    ``<img>`` survives the sanitizers that remove inline SVG, styles and scripts.  A small inline
    script, where scripts run, puts the same SVG inline without its animation and gives play/pause,
    previous/next, a slider, a frame counter and the keyboard (left/right arrows, Home/End, space) once
    the player has focus.  Element ids carry a random suffix so several players can share a page.
    ``full_page=False`` returns only the player ``<div>`` (with its ``<style>`` and ``<script>``),
    e.g. for a notebook.  ``compact`` stores the pixels as a palette PNG (about a third of the size).
    """
    frames = list(frames)
    sheet = PatchSheet()
    if compact:
        for q, boxes in _quantized_frames(scene, frames, dpi, style):
            sheet.add(np.asarray(q), boxes)
    else:
        for pixels, boxes in frame_pixels(scene, frames, dpi, style=style):
            sheet.add(pixels[..., :3], boxes)
    return _player(_sheet_png(sheet, _palette(style) if compact else None), frames, title or scene.title,
                   interval_ms, full_page, _least_scale(style, dpi))


# The least height, in CSS pixels, of the values and edge names in a frame (the figure's smallest text that
# matters): a player narrower than that allows keeps the frame at this scale and scrolls it sideways.
READABLE_PX = 10.0


def _least_scale(style: Style | None, dpi: int) -> float:
    st = style or Style()
    return min(1.0, READABLE_PX / (min(st.value_fontsize, st.label_fontsize) * dpi / 72))


def _sheet_png(sheet: PatchSheet, palette: list[int] | None):
    """(the sheet as PNG bytes, each frame's patches), or (None, []) for no frames. *palette*: the sheet
    holds palette indices over it; None: RGB colours."""
    from PIL import Image

    if not sheet:
        return None, []
    pixels, placed = sheet.pack()
    if palette is None:
        return _png(Image.fromarray(pixels)), placed
    im = Image.fromarray(pixels, "P")
    im.putpalette(palette)
    buf = io.BytesIO()
    im.save(buf, format="PNG", optimize=True)  # one picture per animation: worth zlib's best, a tenth of a second
    return buf.getvalue(), placed


def _player(packed: tuple[bytes | None, list], frames: list[Frame], heading: str, interval_ms: int,
            full_page: bool, least_scale: float = 1.0) -> str:
    pid = "bibun-player-" + uuid.uuid4().hex[:12]
    parts = [f'<div id="{pid}" class="bibun-player" tabindex="0">']
    stage = _stage(*packed, frames, pid, interval_ms, least_scale) if frames else ""
    parts.append(f"<style>{_CSS.format(id=pid)}</style>")
    if heading:
        parts.append(f'<div class="bibun-title">{html.escape(heading)}</div>')
    parts.append(f'<div class="bibun-stage">{stage}</div>')
    last = max(0, len(frames) - 1)
    parts.append(
        '<div class="bibun-controls" hidden>'
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


def _stage(png: bytes, placed: list[list[Patch]], frames: list[Frame], pid: str, interval_ms: int,
           least_scale: float) -> str:
    """The frames as an animated SVG image: the sheet once, then one layer per frame whose patches are windows
    onto it; each layer after the first is hidden until its step of the loop."""
    width, height = placed[0][0].w, placed[0][0].h
    sheet_w, sheet_h = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")  # PNG's IHDR
    data = base64.b64encode(png).decode("ascii")
    n = len(frames)
    loop = f"{n * int(interval_ms)}ms"
    out = [f"<svg xmlns='{_SVG_NS}' class='bibun-layers' viewBox='0 0 {width} {height}' width='{width}' "
           f"height='{height}'><defs><image id='{pid}-sheet' width='{sheet_w}' height='{sheet_h}' "
           f"href='data:image/png;base64,{data}'/></defs>"]
    for k, (patches, f) in enumerate(zip(placed, frames)):
        out.append(f"<g class='bibun-frame' data-caption='{html.escape(_caption_alt(f), quote=True)}'>")
        if k:
            out.append(f"<animate attributeName='visibility' values='hidden;visible' keyTimes='0;{k / n:.6f}' "
                       f"calcMode='discrete' dur='{loop}' repeatCount='indefinite'/>")
        for p in patches:
            out.append(f"<svg x='{p.x}' y='{p.y}' width='{p.w}' height='{p.h}' viewBox='{p.sx} {p.sy} {p.w} {p.h}'>"
                       f"<use href='#{pid}-sheet'/></svg>")
        out.append("</g>")
    out.append("</svg>")
    # in a data URL only % and # must be escaped; " and & too, for the HTML attribute it sits in
    src = "data:image/svg+xml," + quote("".join(out), safe=" !$'()*+,/:;<=>?@[]^`{|}")
    size = f"display:block;width:{width}px;max-width:100%;min-width:{math.ceil(width * least_scale)}px;height:auto"
    return (f'<img class="bibun-layers" alt="{html.escape(_caption_alt(frames[0]), quote=True)}" '
            f'style="{size}" src="{src}">')


_SVG_NS = "http://www.w3.org/2000/svg"  # a name, not an address: nothing is fetched from it


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
    sheet = PatchSheet()
    writer = None
    for q, boxes in _quantized_frames(scene, frames, dpi, style):
        if html:
            sheet.add(np.asarray(q), boxes)
        if gif:
            if writer is None:
                writer = GifWriter(q.size, _palette(style), duration_ms)
            writer.add(q)
    page = _player(_sheet_png(sheet, _palette(style)), frames, title or scene.title, interval_ms, full_page,
                   _least_scale(style, dpi)) if html else None
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
