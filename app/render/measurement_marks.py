"""Measurement graphics shared by the screen and the export: calipers' colour, their page
drawing, and the measurement marks on the median beats.

* Calipers are magenta and measurement marks green: no lead's provenance uses either.
* :class:`ExportExtras` is what an exported page adds: the 12-lead page's calipers (paper mm)
  with their read-out, and the measurement lines under the footer.
* :func:`paper_marks` puts the global fiducial points of :mod:`leadsynth_core.measurement`
  (relative to the R peak) on the median-beat page's paper: P onset / offset, QRS onset, J,
  T end as dotted lines across each lead's cell, and the ST point (J+60 ms) as a dot.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Mapping
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen

from leadsynth_core.measurement import Measurements

from ..state.median_paper import median_rows

__all__ = ["CALIPER_COLOR", "MARK_COLOR", "MARK_LABELS", "ExportExtras", "draw_page_calipers", "paper_marks"]

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


def lettered_leads(limb_order: str, badged: Collection[str]) -> tuple[str, ...]:
    """The median-page cells that carry the fiducial points' letters: the first row's first limb
    and first chest cells (I and V1; aVL and V1 in the Cabrera order), except one whose lower
    corner holds a PCC badge (a synthesized lead scored against its truth), which would hide them."""
    first_row = median_rows(limb_order)[0]
    return tuple(lead for lead in (first_row[0][0], first_row[2][0]) if lead not in badged)


def mark_positions(fid: Mapping[str, float | None], cell: Any, before_s: float,
                   speed: float) -> list[tuple[float, str]]:
    """Paper x (mm) and letter of each fiducial point of ``fid`` (ms from the R peak) that falls
    on ``cell``'s beat (its first sample ``before_s`` before the R peak), at ``speed`` mm/s."""
    out = []
    for key, text in MARK_LABELS:
        t_ms = fid.get(key)
        if t_ms is None:
            continue
        x = cell.x0 + (before_s + t_ms / 1000.0) * speed
        if cell.x0 <= x <= cell.x0 + cell.width:
            out.append((x, text))
    return out


def paper_marks(m: Measurements | None, cells: Mapping[str, Any], curves: Mapping[str, Mapping[str, pg.PlotDataItem]],
                *, before_s: float, speed: float, label_mm: float = 5.0,
                label_leads: Collection[str] = ("I", "V1")) -> list[pg.GraphicsObject]:
    """Marks of ``m`` on the median-beat page (ECG paper in mm, one cell per lead).

    ``cells[lead]`` has ``x0``, ``width``, ``baseline``, ``low``, ``high`` (mm); a beat's
    first sample is ``before_s`` before its R peak, where the measurement's fiducial points
    are counted from, and ``speed`` is mm/s.  ``curves[lead]["trace"]`` is the drawn beat
    (x, y in mm relative to the cell's ``x0`` and ``baseline``): the ST dot sits on it.
    Returns the items, for the caller to add to (and later remove from) its view box.
    """
    if m is None or not m.measurable or m.fiducials is None:
        return []
    fid = m.fiducials.to_ms(m.fs)
    pen = QPen(MARK_COLOR)
    pen.setCosmetic(True)
    pen.setStyle(Qt.PenStyle.DotLine)
    pen.setWidthF(1.0)
    items: list[pg.GraphicsObject] = []
    for lead, cell in cells.items():
        xs: list[float] = []
        ys: list[float] = []
        for x, text in mark_positions(fid, cell, before_s, speed):
            xs += [x, x, np.nan]
            ys += [cell.low, cell.high - label_mm, np.nan]
            if lead in label_leads:
                label = pg.TextItem(html=f"<span style='font-size:7pt; color:{MARK_COLOR.name()}'>{text}</span>",
                                    anchor=(0.5, 1))
                label.setPos(x, cell.low + 0.2)
                items.append(label)
        if xs:
            lines = pg.PlotDataItem(np.array(xs), np.array(ys), pen=pen, connect="finite")
            lines.setToolTip("P on/off, QRS onset, J, T end: measured over all leads (green)")
            items.append(lines)
        j = fid.get("qrs_off")
        curve = curves.get(lead, {}).get("trace")
        if j is not None and curve is not None and curve.xData is not None and len(curve.xData):
            x_rel = (before_s + (j + ST_OFFSET_MS) / 1000.0) * speed
            if 0.0 <= x_rel <= cell.width:
                y = cell.baseline + float(np.interp(x_rel, curve.xData, curve.yData))
                dot = pg.ScatterPlotItem([cell.x0 + x_rel], [y], size=6, brush=pg.mkBrush(MARK_COLOR), pen=pg.mkPen("w"))
                dot.setToolTip(f"ST measured here: J+{ST_OFFSET_MS:.0f} ms")
                items.append(dot)
    return items
