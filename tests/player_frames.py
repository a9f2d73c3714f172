"""The frames an explain player holds, rebuilt from its HTML as a browser composes them: the animated SVG
image decoded from its data URL, its sheet of patches decoded once, then for frame k the first frame with the
patches of layers 1..k laid over it in order."""
import base64
import io
import re
from urllib.parse import unquote

import numpy as np

LAYER = re.compile(r"<g class='bibun-frame'[^>]*>(.*?)</g>", re.S)
PATCH = re.compile(r"<svg x='(\d+)' y='(\d+)' width='(\d+)' height='(\d+)' viewBox='(\d+) (\d+) \d+ \d+'>")
# the SVG's namespace: a name, never fetched
SVG_NS = "xmlns='http://www.w3.org/2000/svg'"


def stage_svg(page):
    """The SVG document of the (first) player in `page`."""
    src = re.search(r'<img class="bibun-layers"[^>]* src="data:image/svg\+xml,([^"]+)"', page).group(1)
    return unquote(src)


def player_frames(page):
    """Each frame of the (first) player in `page` as an RGB array."""
    from PIL import Image
    svg = stage_svg(page)
    sheet = re.search(r"<image id='[^']+-sheet' width='(\d+)' height='(\d+)' href='data:image/png;base64,([^']+)'",
                      svg)
    pixels = np.asarray(Image.open(io.BytesIO(base64.b64decode(sheet.group(3)))).convert("RGB"))
    assert pixels.shape[:2] == (int(sheet.group(2)), int(sheet.group(1)))
    width, height = map(int, re.search(r"class='bibun-layers' viewBox='0 0 (\d+) (\d+)'", svg).groups())
    canvas = np.zeros((height, width, 3), np.uint8)
    frames = []
    for layer in LAYER.findall(svg):
        for x, y, w, h, sx, sy in (map(int, m) for m in PATCH.findall(layer)):
            assert x + w <= width and y + h <= height
            canvas[y:y + h, x:x + w] = pixels[sy:sy + h, sx:sx + w]
        frames.append(canvas.copy())
    return frames
