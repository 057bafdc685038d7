"""The median-beat page painted in millimetres: what File > Export view and Print give while the
Median beats tab is shown.

A cart prints its median complexes as the 12-lead report's second page; here it is the same
page the tab shows, at the same speed and gain (true scale), with the same provenance styling
(tinted cell, SYNTHESIZED tag, the truth under a synthesized beat with the difference shaded,
the prior ECG dashed), the measurement marks (P on/off, QRS onset, J, T end; the ST point of
every lead) and the 12-lead page's footer, which here names the beats and their window.  The
geometry is :func:`app.state.median_paper.median_layout`, as on screen.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen

from leadsynth_core.measurement import Measurements
from leadsynth_core.record import Provenance

from ..state.document import ViewerDocument, ViewState
from ..state.median_paper import BEFORE_S, LABEL_MM, MedianBeats, MedianCell, median_layout
from . import style
from .measurement_marks import MARK_COLOR, ST_OFFSET_MS, lettered_leads, mark_positions
from .page import (
    A4_LANDSCAPE_MM,
    FOOTER_MM,
    MARGIN_MM,
    TITLE_MM,
    draw_badge,
    draw_footer,
    draw_label,
    draw_title,
    footer_lines,
    page_font,
    pen_mm,
    synthesized_note,
)
from .paper_grid import draw_paper_grid
from .theme import LIGHT, Theme

__all__ = ["render_median_page", "median_page_fits", "median_span_text"]

#: The sheet's room under the title (mm).
SHEET_MM = (A4_LANDSCAPE_MM[0] - 2 * MARGIN_MM, A4_LANDSCAPE_MM[1] - 2 * MARGIN_MM - TITLE_MM)
#: Least width of the text column beside the beats (mm): below it the text goes under them.
TEXT_COLUMN_MM = 100.0
#: Gap between the beats and the text column beside them (mm).
COLUMN_GAP_MM = 6.0


def _placement(width: float, height: float) -> str | None:
    """"beside" (the text in a column right of the beats: they are narrow at 25 mm/s),
    "under" (the text under them, as on the 12-lead page), or None: they do not fit."""
    if SHEET_MM[0] - width - COLUMN_GAP_MM >= TEXT_COLUMN_MM and height <= SHEET_MM[1]:
        return "beside"
    if width <= SHEET_MM[0] and height <= SHEET_MM[1] - FOOTER_MM:
        return "under"
    return None


def median_page_fits(beats: MedianBeats, state: ViewState) -> str | None:
    """None when the beats fit the sheet at the page's speed and gain, else why not (a tall
    QRS at 20 mm/mV): the page is printed at true scale or not at all."""
    width, height, _ = median_layout(beats, state.speed, state.gain, state.limb_order)
    if _placement(width, height) is not None:
        return None
    return (f"the median beats at {state.speed:g} mm/s and {state.gain:g} mm/mV need {width:.0f} x {height:.0f} mm, "
            f"more than an A4 page holds with its text; choose a smaller gain or speed")


def median_span_text(beats: MedianBeats) -> str:
    """What of the recording the median page shows (its footer's span)."""
    return (f"Median of {beats.n_beats} beats aligned on R peaks of {beats.ref_lead}, "
            f"{beats.start_s:.1f}-{beats.stop_s:.1f} s, isoelectric level before the QRS")


def render_median_page(painter: QPainter, doc: ViewerDocument, state: ViewState, beats: MedianBeats, dpmm: float,
                       th: Theme = LIGHT, marks: Measurements | None = None, lines: tuple[str, ...] = ()) -> None:
    """Paint the median beats on one A4-landscape page (device units: ``dpmm`` per millimetre).

    ``marks``: the measurement whose fiducial points are drawn across every beat; ``lines``:
    more footer lines (the measurement lines of the 12-lead page's export).
    """
    speed, gain = state.speed, state.gain
    width, height, cells = median_layout(beats, speed, gain, state.limb_order)
    k = dpmm
    beside = _placement(width, height) != "under"
    left = MARGIN_MM if beside else MARGIN_MM + (SHEET_MM[0] - width) / 2
    top = MARGIN_MM + TITLE_MM

    def X(x: np.ndarray | float) -> np.ndarray | float:  # noqa: N802 (coordinate transform)
        return (left + np.asarray(x)) * k

    def Y(y: np.ndarray | float) -> np.ndarray | float:  # noqa: N802
        return (top + height - np.asarray(y)) * k

    painter.fillRect(QRectF(0, 0, A4_LANDSCAPE_MM[0] * k, A4_LANDSCAPE_MM[1] * k), QColor("white"))
    painter.save()
    painter.translate(left * k, (top + height) * k)
    painter.scale(k, -k)
    draw_paper_grid(painter, QRectF(0, 0, width, height), th, px_per_mm=k, cosmetic=False,
                    minor_width=0.06, major_width=0.14)
    painter.restore()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    w = 0.2 * speed
    for base in sorted({c.baseline for c in cells.values()}, reverse=True):  # one pulse per row
        xs = np.array([1.5, 2.5, 2.5, 2.5 + w, 2.5 + w, 3.5 + w])
        painter.setPen(pen_mm(QPen(th.measured), 0.25, k))
        painter.drawPath(pg.arrayToQPath(X(xs), Y(np.array([0, 0, gain, gain, 0, 0]) + base)))
    fid = marks.fiducials.to_ms(marks.fs) if marks is not None and marks.measurable and marks.fiducials else {}
    lettered = lettered_leads(state.limb_order, badged_leads(doc, cells))
    for lead, cell in cells.items():
        disp = doc.lead_display(lead, "compare")
        roles = beats.beats.get(lead, {})
        if disp.provenance is Provenance.SYNTHESIZED:
            painter.fillRect(QRectF(X(cell.x0 - 1.0), Y(cell.high), (cell.width + 2.0) * k, (cell.high - cell.low) * k),
                             th.synth_tint)
        drawn = {role: _beat_path(beat, beats.fs, cell, speed, gain, X, Y) for role, beat in roles.items()}
        if "truth" in drawn and "trace" in drawn:
            (xs, yt), (_, ys) = drawn["truth"], drawn["trace"]
            painter.fillPath(pg.arrayToQPath(np.r_[xs, xs[::-1]], np.r_[yt, ys[::-1]]), QBrush(th.difference))
        for role, style_pen, width_mm in (("prior", style.prior_pen(th), 0.2), ("truth", style.truth_pen(th), 0.22),
                                          ("trace", style.trace_pen(th, disp.provenance), 0.25)):
            if role in drawn:
                xs, ys = drawn[role]
                painter.setPen(pen_mm(style_pen, width_mm, k))
                painter.drawPath(pg.arrayToQPath(xs, ys, connect="finite"))
        _draw_marks(painter, fid, lead in lettered, cell, drawn.get("trace"), speed, X, Y, k)
        draw_label(painter, X(cell.x0), Y(cell.high - 0.3), cell.title, disp, doc.inputs, th, k,
                   (cell.width + 6.0) * k)
        if disp.score is not None and disp.provenance is Provenance.SYNTHESIZED:
            draw_badge(painter, QRectF(X(cell.x0 + cell.width - 14.0), Y(cell.low + 4.5), 14.0 * k, 4.0 * k),
                       style.badge_text(disp.score), th, k)
    name = doc.path.name if doc.path else "-"
    title = f"LeadSynth median beats - {name}" + synthesized_note(doc)
    footer = footer_lines(doc, state, span=median_span_text(beats))
    if beats.prior_source:
        footer.append(f"Dashed: the prior ECG {beats.prior_source} (its first 10 s, aligned on its own R peaks; "
                      "not part of this recording)")
    draw_title(painter, title, MARGIN_MM, SHEET_MM[0], k)
    if beside:  # the text in a column right of the beats, from their top
        text_left = left + width + COLUMN_GAP_MM
        draw_footer(painter, footer + list(lines), text_left, top, MARGIN_MM + SHEET_MM[0] - text_left, k)
    else:
        draw_footer(painter, footer + list(lines), MARGIN_MM, top + height + 2.0, SHEET_MM[0], k)


def badged_leads(doc: ViewerDocument, leads: Iterable[str]) -> set[str]:
    """The leads whose median cell carries a PCC badge: synthesized and scored against a truth."""
    out = set()
    for lead in leads:
        disp = doc.lead_display(lead, "compare")
        if disp.provenance is Provenance.SYNTHESIZED and disp.score is not None:
            out.add(lead)
    return out


def _beat_path(beat: np.ndarray, fs: float, cell: MedianCell, speed: float, gain: float, X, Y):  # noqa: ANN001, ANN202, N803
    """Device x, y of a beat in its cell (an inverted cell, -aVR, upside down)."""
    xs = X(cell.x0 + np.arange(beat.shape[0]) / fs * speed)
    return np.asarray(xs, np.float64), np.asarray(Y(cell.baseline + np.asarray(beat, np.float64) * gain * cell.sign),
                                                  np.float64)


def _draw_marks(painter: QPainter, fid: dict[str, float | None], lettered: bool, cell: MedianCell,
                trace: tuple[np.ndarray, np.ndarray] | None, speed: float, X, Y, k: float) -> None:  # noqa: ANN001, N803
    """The measurement's fiducial points across the cell (green, dotted) and the ST point on
    the beat (J + 60 ms), as on screen; with ``lettered`` the points' letters too."""
    if not fid:
        return
    painter.setFont(page_font(1.8, k))
    mark = QPen(MARK_COLOR)
    mark.setWidthF(0.12 * k)
    mark.setStyle(Qt.PenStyle.DotLine)
    for x, text in mark_positions(fid, cell, BEFORE_S, speed):
        painter.setPen(mark)
        painter.drawLine(QPointF(X(x), Y(cell.low)), QPointF(X(x), Y(cell.high - LABEL_MM)))
        if lettered:
            painter.drawText(QRectF(X(x) - 2 * k, Y(cell.low) - 3 * k, 4 * k, 3 * k), Qt.AlignmentFlag.AlignCenter,
                             text)
    j = fid.get("qrs_off")
    if j is None or trace is None:
        return
    x = X(cell.x0 + (BEFORE_S + (j + ST_OFFSET_MS) / 1000.0) * speed)
    xs, ys = trace
    if xs[0] <= x <= xs[-1]:
        painter.setPen(QPen(Qt.PenStyle.NoPen))
        painter.setBrush(QBrush(MARK_COLOR))
        painter.drawEllipse(QPointF(x, float(np.interp(x, xs, ys))), 0.8 * k, 0.8 * k)
        painter.setBrush(QBrush(Qt.BrushStyle.NoBrush))
