"""Drawing layer: computation graphs and their forward/backward animations.

Works from plain data (:mod:`bibun.viz.scene`) and imports nothing else from
bibun; needs matplotlib (Agg, no pyplot) and Pillow (which matplotlib needs anyway).

>>> from bibun.viz import Scene, Node, Edge, Frame, draw, to_html
"""

from .animate import frame_images, render_animation, render_frames, save_animation, save_gif, save_html, to_html
from .graph import draw
from ._layout import Layout, Style, compute_layout, layout
from .scene import MAX_NODES, Edge, Frame, Node, Scene, TooLargeToDraw, validate

__all__ = [
    "Node",
    "Edge",
    "Frame",
    "Scene",
    "validate",
    "MAX_NODES",
    "TooLargeToDraw",
    "layout",
    "compute_layout",
    "Layout",
    "Style",
    "draw",
    "frame_images",
    "render_frames",
    "to_html",
    "save_html",
    "save_gif",
    "render_animation",
    "save_animation",
]
