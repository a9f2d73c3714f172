"""Layered (Sugiyama-style) layout of a computation graph.

Coordinates are in inches, y pointing up, so that a figure whose axes span the
layout's extent one data unit per inch shows every label at its true size; all
sizes are measured with matplotlib's own text renderer (:mod:`.measure`).

Steps, one module each:

1. :mod:`.rank`: each node's column is the longest path from a leaf (leaves in
   column 0 on the left, ``"out"`` sinks pushed to the last column).  With
   ``pull_consts=True`` (default) constants (``kind="const"`` leaves) are
   placed the way the chapter draws them: one used by a single operator at
   column 2 or later (the ``-1`` of ``\\times(-1)``, the ``1`` of ``+1``) hangs
   directly below that operator with a vertical arrow (``Layout.attached``);
   any other sits one column before its first consumer.  ``pull_consts=False``
   keeps every leaf in column 0;
2. :mod:`.order`: edges spanning several columns get one virtual point per
   column crossed; the order inside each column comes from barycentre sweeps
   (deterministic, best of a few passes by crossing count);
3. :mod:`.place`: vertical positions: each column in turn is moved towards the
   weighted mean of its neighbours, subject to the order and to a minimal
   separation that leaves room for the value texts above and below edges
   (isotonic regression, a few Gauss-Seidel passes); chains come out
   straight; horizontal gaps wide enough for the widest value text crossing
   them;
4. :mod:`.route`: edges through virtual points are drawn as smooth curves; two
   edges between the same pair of nodes (``x * x``) are curved apart; a box
   with many inputs (grown taller by :mod:`.shapes`) gives each arrow its own
   port; gaps are widened until no edge passes through a node that is not one
   of its ends;
5. :mod:`.slots`: every edge gets a slot above (forward value and the edge's
   static name) and below (backward value) at a spot where it touches no node,
   no other edge and no other slot; if none exists the spacing grows and the
   whole layout is redone (:mod:`.compute`).

Steps 1 and 2 and the measured texts (:mod:`.texts`) make one
:class:`~.state.LayeredGraph`, which steps 3 to 5 read at every spacing tried.
"""

from .compute import compute_layout, layout
from .geometry import Point, Rect
from .measure import measure, safe_text
from .result import Layout, NodeGeom, TextSlot
from .style import Style

__all__ = ["Style", "NodeGeom", "TextSlot", "Layout", "layout", "compute_layout", "measure", "safe_text",
           "Point", "Rect"]
