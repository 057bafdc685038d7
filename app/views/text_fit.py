"""Wrapping a text item drawn at a fixed type size to the paper it labels.

pyqtgraph's ``TextItem`` ignores the view's scale, so whether a legend or a lead label fits
the millimetres it belongs to depends on the zoom; the views measure it at each range change.
"""

from __future__ import annotations

import pyqtgraph as pg

__all__ = ["fit_text_width"]


def fit_text_width(label: pg.TextItem, room_px: float, least_px: float) -> None:
    """Let ``label`` run unwrapped when it fits ``room_px`` pixels, else wrap it at that width
    (never narrower than ``least_px``); a change under half a pixel is left alone (no relayout)."""
    item = label.textItem
    before = item.textWidth()
    item.setTextWidth(-1)  # unwrapped, to measure the natural width
    want = -1.0 if item.document().idealWidth() <= room_px else max(least_px, room_px)
    item.setTextWidth(before)
    if abs(before - want) > 0.5:
        label.setTextWidth(want)
