"""Sizes and colours of a drawing."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Style"]


@dataclass(frozen=True)
class Style:
    """Sizes (points for fonts, inches for lengths) and colours."""

    var_fontsize: float = 14.0
    op_fontsize: float = 13.0
    const_fontsize: float = 13.0
    out_fontsize: float = 14.0
    value_fontsize: float = 11.0
    label_fontsize: float = 11.0
    caption_fontsize: float = 14.0
    caption_display_fractions: bool = True  # draw \frac in captions as \dfrac (full size)
    title_fontsize: float = 13.0
    phase_fontsize: float = 10.0
    node_pad: float = 0.05  # between a label and its outline
    circle_min_r: float = 0.19
    box_min: float = 0.34  # smallest side of an operator box
    text_node_pad: float = 0.03  # clearance around plain-text nodes
    clip_pad: float = 0.02  # gap between an arrow's end and the outline
    text_pad: float = 0.04  # clearance between a value text and anything else
    row_gap: float = 0.015  # between stacked rows of a slot (name above value)
    min_col_gap: float = 0.45
    gap_slack: float = 0.18  # extra width of a gap beyond its widest value text
    min_vgap: float = 0.22  # least room between two nodes of a column
    max_slope: float = 2.5  # steepest edge segment the gaps aim for ...
    max_slope_gap: float = 2.5  # ... unless the gap would exceed this (inches)
    curve_sep: float = 0.34  # distance between parallel edges at their middle
    assoc_margin: float = 0.06  # a value keeps this much further from other edges than from its own
    port_min: int = 3  # from this many inputs, arrows end at distinct ports on the target's side
    port_spacing: float = 0.075
    port_span: float = 0.8  # fraction of the half height the ports spread over
    typical_value: str = r"$-0.0000$"  # sizes the spacing when no frames are given
    margin: float = 0.18
    line_width: float = 1.0
    arrow_size: float = 9.0  # mutation scale of the arrow heads (points)
    edge_color: str = "#303030"
    node_color: str = "#202020"
    forward_color: str = "tab:gray"
    backward_color: str = "tab:blue"
    new_color: str = "tab:red"
    label_color: str = "#505050"
    caption_color: str = "#111111"

    def node_fontsize(self, kind: str) -> float:
        return {
            "var": self.var_fontsize,
            "op": self.op_fontsize,
            "const": self.const_fontsize,
            "out": self.out_fontsize,
        }.get(kind, self.var_fontsize)
