"""explain's output formats, one record each: read by `Explanation.save_all` and by `bibun explain`.

A new format is one `Format` in `FORMATS` (and a test): save_all then accepts its name and writes
stem.<suffix>, and the command line gets its option. The order of `FORMATS` is the order of the
command line's options and of what it writes, and save_all's default order.

This module imports nothing heavy: the command line reads it before it knows what it will draw.
"""
from dataclasses import dataclass
from typing import Callable, Optional

from ..i18n import N_

__all__ = ["Format", "FORMATS", "names", "lookup", "Drawing"]


@dataclass(frozen=True)
class Format:
    """One way to show an Explanation.

    `render(ex, drawing)` gives the file's bytes (`drawing`: a `Drawing`, so that the formats asked for
    together draw the animation once). On the command line a format that `prints` is an on/off option
    (--latex: print this instead of the plain-text steps; of several given, the first in FORMATS wins, and
    the printing format without a flag is the default); any other takes a file name (--png FILE).
    """

    name: str                          # save_all's name for it
    suffix: str                        # save_all's file suffix
    render: Callable                   # (explanation, Drawing) -> bytes
    help: str                          # the command-line option's help text
    flag: Optional[str] = None         # the command-line option (--png); None: no option
    prints: bool = False               # the option prints it to the terminal instead of writing a file
    draws: bool = False                # a picture: refused for graphs over bibun.viz.MAX_NODES
    animation: Optional[str] = None    # the part of Explanation.animation() it is ("html", "gif")
    what: str = ""                     # command line: "wrote FILE (what)"; {n} is the number of frames
    as_text: Optional[Callable] = None  # command line with --no-frames: (explanation) -> bytes of the steps
                                        # as text in this format; None: the format is refused there


def _utf8(s):
    return s.encode("utf-8")


FORMATS = (
    Format("txt", "txt", lambda ex, d: _utf8(ex.text()), N_("the steps as plain text (printed by default)"),
           prints=True),
    Format("tex", "tex", lambda ex, d: _utf8(ex.latex()), N_("print the steps as a LaTeX align* block"),
           flag="--latex", prints=True),
    Format("md", "md", lambda ex, d: _utf8(ex.markdown()), N_("print the steps as Markdown with math"),
           flag="--markdown", prints=True),
    Format("html", "html", lambda ex, d: _utf8(d.animation("html")),
           N_("write the animation as a self-contained HTML page"), flag="--html", draws=True, animation="html",
           what=N_("animation, {n} frames"), as_text=lambda ex: _utf8(ex.to_html(frames=False))),
    Format("gif", "gif", lambda ex, d: d.animation("gif"), N_("write the animation as a GIF (one frame per step)"),
           flag="--gif", draws=True, animation="gif", what=N_("animation, {n} frames")),
    Format("png", "png", lambda ex, d: ex.to_png(), N_("write the graph with every value and gradient as a PNG"),
           flag="--png", draws=True, what=N_("figure")),
)


def names():
    """The names of every format, in order."""
    return tuple(f.name for f in FORMATS)


def lookup(wanted):
    """The Format of each name in `wanted`; ValueError naming the unknown ones."""
    by_name = {f.name: f for f in FORMATS}
    unknown = [w for w in wanted if w not in by_name]
    if unknown:
        raise ValueError(f"unknown format {', '.join(unknown)}: choose from {', '.join(by_name)}")
    return [by_name[w] for w in wanted]


class Drawing:
    """What the formats written together share: the animation, drawn once for all its parts."""

    def __init__(self, ex, formats):
        self.ex = ex
        self.parts = {f.animation for f in formats if f.animation}
        self._animation = None

    def animation(self, part):
        if self._animation is None:
            page, gif = self.ex.animation(html="html" in self.parts, gif="gif" in self.parts)
            self._animation = {"html": page, "gif": gif}
        return self._animation[part]
