"""Measurement marks on the median beats: onsets and offsets, the J point and the ST point.

The marks are the global fiducial points of :mod:`leadsynth_core.measurement` (relative to
the R peak, which is where the median-beat page puts 0 ms): P onset / offset, QRS onset, J,
T end as thin dotted lines, and the ST measurement point (J+60 ms) as a dot on each trace.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPen

from leadsynth_core.measurement import Measurements

__all__ = ["MARK_LABELS", "draw_marks"]

MARK_COLOR = QColor("#2e7d32")  # green: no provenance uses it
MARK_LABELS: tuple[tuple[str, str], ...] = (
    ("p_on", "P"), ("p_off", "P'"), ("qrs_on", "Q"), ("qrs_off", "J"), ("t_end", "T'"))
ST_OFFSET_MS = 60.0


def draw_marks(plot: pg.PlotItem, m: Measurements | None, curve: pg.PlotDataItem | None,
               *, labels: bool = False) -> list[pg.GraphicsObject]:
    """Add the marks of ``m`` to ``plot``; returns the items (to remove them later)."""
    if m is None or not m.measurable or m.fiducials is None:
        return []
    fid = m.fiducials.to_ms(m.fs)
    pen = QPen(MARK_COLOR)
    pen.setCosmetic(True)
    pen.setStyle(Qt.PenStyle.DotLine)
    items: list[pg.GraphicsObject] = []
    for key, text in MARK_LABELS:
        x = fid.get(key)
        if x is None:
            continue
        line = pg.InfiniteLine(pos=x, angle=90, movable=False, pen=pen,
                               label=text if labels else None,
                               labelOpts={"position": 0.95, "color": MARK_COLOR, "anchors": [(0.5, 0), (0.5, 0)]})
        line.setZValue(30)
        line.setToolTip(f"{text}: {x:+.0f} ms from R (measured over all leads)")
        plot.addItem(line, ignoreBounds=True)
        items.append(line)
    j = fid.get("qrs_off")
    if j is not None and curve is not None and curve.xData is not None and len(curve.xData):
        x = j + ST_OFFSET_MS
        y = float(np.interp(x, curve.xData, curve.yData))
        dot = pg.ScatterPlotItem([x], [y], size=7, brush=pg.mkBrush(MARK_COLOR), pen=pg.mkPen("w"))
        dot.setZValue(31)
        dot.setToolTip(f"ST measured here: J+{ST_OFFSET_MS:.0f} ms")
        plot.addItem(dot, ignoreBounds=True)
        items.append(dot)
    return items
