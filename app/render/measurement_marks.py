"""Measurement graphics shared by the screen and the export: calipers' colour, their page
drawing, and the measurement marks on the median beats.

* Calipers are magenta and measurement marks green: no lead's provenance uses either.
* :class:`ExportExtras` is what an exported page adds: the 12-lead page's calipers (paper mm)
  with their read-out, and the measurement lines under the footer.
* :func:`draw_marks` puts the global fiducial points of :mod:`leadsynth_core.measurement`
  (relative to the R peak, where the median-beat page puts 0 ms) on a median-beat plot:
  P onset / offset, QRS onset, J, T end as dotted lines, and the ST point (J+60 ms) as a dot.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen

from leadsynth_core.measurement import Measurements

__all__ = ["CALIPER_COLOR", "MARK_COLOR", "MARK_LABELS", "ExportExtras", "draw_page_calipers", "draw_marks"]

CALIPER_COLOR = QColor("#c2185b")
MARK_COLOR = QColor("#2e7d32")
MARK_LABELS: tuple[tuple[str, str], ...] = (
    ("p_on", "P"), ("p_off", "P'"), ("qrs_on", "Q"), ("qrs_off", "J"), ("t_end", "T'"))
ST_OFFSET_MS = 60.0


@dataclasses.dataclass(frozen=True)
class ExportExtras:
    """What the exported page adds: calipers (page mm) with their read-out, measurement lines."""

    calipers: tuple[float, float, float, float] | None = None
    caliper_text: str = ""
    march: tuple[float, ...] = ()
    lines: tuple[str, ...] = ()


def draw_page_calipers(painter: QPainter, extras: ExportExtras, width: float, height: float,
                       X: Callable, Y: Callable, k: float) -> None:  # noqa: N803 (the page's transforms)
    """The calipers of the 12-lead page at their paper position (clipped to the grid)."""
    if extras.calipers is None:
        return
    x1, x2, y1, y2 = extras.calipers
    pen = QPen(CALIPER_COLOR)
    pen.setWidthF(0.25 * k)
    painter.setPen(pen)
    for x in (x1, x2):
        if 0 <= x <= width:
            painter.drawLine(QPointF(X(x), Y(0.0)), QPointF(X(x), Y(height)))
    for y in (y1, y2):
        if 0 <= y <= height:
            painter.drawLine(QPointF(X(0.0), Y(y)), QPointF(X(width), Y(y)))
    dash = QPen(pen)
    dash.setStyle(Qt.PenStyle.DashLine)
    painter.setPen(dash)
    for x in extras.march:
        if 0 <= x <= width:
            painter.drawLine(QPointF(X(x), Y(0.0)), QPointF(X(x), Y(height)))
    font = QFont("Sans Serif")
    font.setPixelSize(max(1, int(2.8 * k)))
    font.setBold(True)
    painter.setFont(font)
    text_w = QFontMetricsF(font).horizontalAdvance(extras.caliper_text) + 2.0 * k
    box = QRectF(min(X(max(x1, x2)), X(width) - text_w), Y(min(max(y1, y2), height)) - 5.0 * k, text_w, 4.4 * k)
    painter.fillRect(box, QColor(255, 255, 255, 230))
    painter.setPen(QPen(CALIPER_COLOR))
    painter.drawRect(box)
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, extras.caliper_text)


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
        line = pg.InfiniteLine(pos=x, angle=90, movable=False, pen=pen, label=text if labels else None,
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
