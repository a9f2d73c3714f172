"""A font with Japanese glyphs for figures drawn in Japanese, found on the system.

matplotlib's default font (DejaVu Sans) has no Japanese glyphs: without another font every character
would be drawn as an empty box. In Japanese, figures are drawn with the system's Japanese font added
after the usual one (matplotlib falls back to it glyph by glyph), and where there is none the drawing
stops with an error saying what to install, instead of drawing boxes.
"""
import functools
import inspect
from contextlib import contextmanager

from ..i18n import SOURCE, translate as _, current

# family names, the ones a Debian or Ubuntu package installs first (fonts-noto-cjk, fonts-ipaexfont)
FAMILIES = ("Noto Sans CJK JP", "IPAexGothic", "IPAGothic", "Noto Sans JP", "Hiragino Sans", "Yu Gothic",
            "TakaoGothic", "VL Gothic")
# the files they live in, for a font installed after matplotlib's font cache was written
FILES = ("NotoSansCJK-Regular", "NotoSansCJKjp-Regular", "ipaexg", "ipag", "NotoSansJP", "TakaoGothic",
         "VL-Gothic")


class MissingFontError(RuntimeError):
    """No font with Japanese glyphs is installed."""


@functools.lru_cache(maxsize=None)
def japanese_font():
    """The family name of a Japanese font matplotlib can use; MissingFontError if there is none."""
    from matplotlib import font_manager as fm
    known = {f.name for f in fm.fontManager.ttflist}
    found = next((name for name in FAMILIES if name in known), None)
    if found is None:                 # installed after the cache was built: add its file
        for path in fm.findSystemFonts():
            if any(stem in path.rsplit("/", 1)[-1] for stem in FILES):
                try:
                    fm.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue
        known = {f.name for f in fm.fontManager.ttflist}
        found = next((name for name in FAMILIES if name in known), None)
    if found is None:
        raise MissingFontError(_("no font with Japanese glyphs was found for the figures: install one (Debian and "
                               "Ubuntu: apt-get install fonts-noto-cjk, or fonts-ipaexfont), or draw them in "
                               "English with lang='en' (--lang en)"))
    return found


@contextmanager
def for_language():
    """Inside: text drawn by matplotlib has the glyphs of the language in effect."""
    if current() == SOURCE:
        yield
        return
    import matplotlib
    family = list(matplotlib.rcParams["font.family"])
    with matplotlib.rc_context({"font.family": family + [japanese_font()]}):
        yield


def drawing_in_language(fn):
    """`fn` makes its figures with the glyphs of the language in effect (a generator: while it runs)."""
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def generator(*args, **kwargs):
            with for_language():
                yield from fn(*args, **kwargs)
        return generator

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with for_language():
            return fn(*args, **kwargs)
    return wrapper
