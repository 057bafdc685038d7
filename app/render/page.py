"""One ECG page painted in millimetres: the exports' PDF/PNG page.

The page is painted directly in millimetres (not grabbed from the screen), so a printed
25 mm/s, 10 mm/mV page measures exactly that, whatever the window's zoom.  The geometry,
the samples shown and the provenance styles come from the same modules as the screen
view (:mod:`app.state.paper`, :meth:`ViewerDocument.lead_display`, :mod:`app.render.style`).
"""

from __future__ import annotations

import datetime as _dt

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen

from leadsynth_core import __version__
from leadsynth_core.io import device_line
from leadsynth_core.record import Provenance

from ..state import paper
from ..state.demographics import demographics_text
from ..state.document import LeadDisplay, ViewerDocument, ViewState
from . import band_style, style
from .measurement_marks import ExportExtras, draw_page_calipers
from .paper_grid import draw_paper_grid
from .theme import LIGHT, Theme

A4_LANDSCAPE_MM = (297.0, 210.0)
MARGIN_MM = 8.0
TITLE_MM = 7.0
FOOTER_MM = 19.0
#: Pitch of the footer's lines (mm), and the blank edge kept under the last one.
FOOTER_LINE_MM = 3.8
FOOTER_EDGE_MM = 2.0
#: The footer's largest type (mm); it closes up below that when the lines need the room.
FOOTER_TYPE_MM = 2.5


def wrap_lines(lines: list[str], metrics: QFontMetricsF, width: float) -> list[str]:
    """``lines`` with each one wider than ``width`` (in ``metrics``' units) broken at spaces;
    continuation lines are indented.  A single word wider than ``width`` stays whole."""
    out: list[str] = []
    for line in lines:
        current = ""
        for word in line.split(" "):
            candidate = f"{current} {word}" if current else word
            if current and metrics.horizontalAdvance(candidate) > width:
                out.append(current)
                current = f"    {word}"
            else:
                current = candidate
        out.append(current)
    return out


def footer_lines(doc: ViewerDocument, state: ViewState, span: str | None = None) -> list[str]:
    """Record, inputs, model, provenance and filters: printed under every exported page.

    ``span``: what of the recording the page shows, when it is not the 12-lead page's stretch
    ("Page 0.00-10.00 s"): the median-beat page names its beats and their window.
    """
    rec, res = doc.record, doc.result
    src = str(doc.path) if doc.path else (rec.source if rec else "-")
    if doc.key:
        src += f" [{doc.key}]"
    # A cable fault changes what every lead means: the first line, where the eye lands.
    lines = [c.short_text() for c in doc.cautions] if rec is not None else []
    # Samples changed after reading (arm electrodes swapped back): the page is not the file.
    lines += [f"PROCESSED: {step}" for step in rec.processing] if rec is not None else []
    lines += [f"Record: {src}   Patient: {(rec.patient_id if rec else None) or '-'}   "
             f"Age, sex: {demographics_text(rec) if rec else '-'}   "
             f"Recorded: {rec.recorded_at.isoformat(sep=' ') if rec and rec.recorded_at else '-'}"]
    # What recorded it: a watch's one lead or a device's own filters change what the page means.
    device = device_line(rec.metadata) if rec is not None else ""
    if device:
        lines.append(device)
    inputs = ", ".join(doc.inputs)
    if res is not None:
        groups = {p: ", ".join(res.leads_with(p)) or "none" for p in Provenance}
        card = doc.model_card
        # A personal model is one patient's: the page says whose (issue 13, item 1).
        whose = (f", PERSONAL model of patient {card.patient_id}"
                 if card is not None and getattr(card, "patient_id", None) and card.id == res.model_id else "")
        lines.append(f"Inputs (measured): {inputs}   Model: {doc.model_name or 'none'} ({res.model_id or '-'}{whose})")
        lines.append(f"Provenance - measured: {groups[Provenance.MEASURED]}; derived: {groups[Provenance.DERIVED]}; "
                     f"SYNTHESIZED: {groups[Provenance.SYNTHESIZED]}")
        if doc.scores and state.mode == "compare":
            lines.append(f"PCC badges: synthesized vs. {style.REFERENCE_LABELS[doc.score_reference]}, {doc.score_scope()}")
        if doc.band is not None:
            shown = "shaded around each synthesized trace" if state.band_visible else "not drawn (View > Uncertainty band)"
            lines.append(f"Band: {doc.band.calibration}; {shown}; confidence at the QRS per synthesized lead")
        if doc.is_long:
            lines.append(f"Long recording shown window by window; synthesis and scores of the {doc.score_scope()}")
    else:
        lines.append(f"Inputs (measured): {inputs}   Model: none   Provenance: all leads as read from the file")
    if span is None:
        page_end = state.position + paper.DATA_WIDTH_MM / state.speed
        if 0 < doc.duration < page_end:  # a short exam: the page's last columns are empty
            page_end = doc.duration
        span = f"Page {state.position:.2f}-{page_end:.2f} s"
    order = style.LIMB_ORDER_TEXT[state.limb_order]
    lines.append(f"{state.filters.describe()}   {state.speed:g} mm/s, {state.gain:g} mm/mV"
                 f"{', ' + order if order else ''}   Mode: {state.mode}   {span}   "
                 f"LeadSynth {__version__}, {_dt.datetime.now().strftime('%Y-%m-%d %H:%M')}")
    return lines


def render_page(painter: QPainter, doc: ViewerDocument, state: ViewState, dpmm: float, th: Theme = LIGHT,
                extras: ExportExtras | None = None) -> None:
    """Paint one A4-landscape page (device units: ``dpmm`` per millimetre).

    ``extras``: the calipers shown on the 12-lead page (drawn where they stand, with their
    read-out) and the measurement lines printed under the footer.
    """
    geo = paper.page_geometry(state.layout, doc.rhythm_lead(), doc.supplementary_leads(), state.limb_order)
    k = dpmm
    left = MARGIN_MM + (A4_LANDSCAPE_MM[0] - 2 * MARGIN_MM - geo.width) / 2
    top = MARGIN_MM + TITLE_MM

    def X(x: np.ndarray | float) -> np.ndarray | float:  # noqa: N802 (coordinate transform)
        return (left + np.asarray(x)) * k

    def Y(y: np.ndarray | float) -> np.ndarray | float:  # noqa: N802
        return (top + geo.height - np.asarray(y)) * k

    painter.fillRect(QRectF(0, 0, A4_LANDSCAPE_MM[0] * k, A4_LANDSCAPE_MM[1] * k), QColor("white"))
    # Paper and grid in mm (a scaled painter; line widths in mm).
    painter.save()
    painter.translate(left * k, (top + geo.height) * k)
    painter.scale(k, -k)
    draw_paper_grid(painter, QRectF(0, 0, geo.width, geo.height), th, px_per_mm=k, cosmetic=False,
                    minor_width=0.06, major_width=0.14)
    painter.restore()

    rec = doc.record
    speed, gain, t0 = state.speed, state.gain, state.position
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    # Calibration pulses.
    w = paper.PULSE_DURATION_S * speed
    for base in geo.pulse_bases(gain):  # inside each row: neighbouring pulses never touch
        xs = np.array([2.0, 3.5, 3.5, 3.5 + w, 3.5 + w, 5.0 + w])
        ys = np.array([0, 0, gain, gain, 0, 0]) + base
        painter.setPen(pen_mm(QPen(th.measured), 0.25, k))
        painter.drawPath(pg.arrayToQPath(X(xs), Y(ys)))
    tag_font = page_font(2.0, k)
    for cell in geo.cells:
        disp = doc.lead_display(cell.lead, state.mode)
        if disp.provenance is Provenance.SYNTHESIZED:
            painter.fillRect(QRectF(X(cell.x0), Y(cell.top), cell.width * k, cell.height * k), th.synth_tint)
        if cell.col > 0:
            painter.setPen(pen_mm(QPen(th.separator), 0.25, k))
            painter.drawLine(QPointF(X(cell.x0), Y(cell.baseline - 2.5)), QPointF(X(cell.x0), Y(cell.baseline + 2.5)))
        if rec is not None:
            # Traces stay in their row (as on screen): a tall complex never covers the
            # neighbouring rows or their labels.
            low, high = geo.row_band(cell.row)
            painter.save()
            painter.setClipRect(QRectF(X(cell.x0), Y(high), cell.width * k, (high - low) * k))
            start, stop = cell.segment(t0, speed)
            # Indices into the loaded samples (a long recording holds one window of the file).
            i0, i1 = doc.loaded_range(start, stop)
            x0 = cell.x0 - start * speed
            t_mm = X(x0 + np.arange(doc.offset + i0, doc.offset + i1) / rec.fs * speed)
            shown = {}
            for role, samples in (("truth", disp.truth), ("trace", disp.samples)):
                if samples is not None:
                    y = np.asarray(state.filters.apply_window(samples, i0, i1, rec.fs), np.float64)
                    shown[role] = Y(cell.baseline + y * (gain * cell.sign))  # -aVR: upside down
            band = doc.band
            hw = band.lead_half_width(cell.lead) if band is not None and state.band_visible else None
            if hw is not None and "trace" in shown and disp.provenance is Provenance.SYNTHESIZED and i1 > i0:
                # The calibrated band around the trace as drawn (display filters included).
                h = np.asarray(hw[i0:i1], np.float64) * gain * k
                upper, lower = shown["trace"] - h, shown["trace"] + h  # device y grows downwards
                painter.fillPath(pg.arrayToQPath(np.r_[t_mm, t_mm[::-1]], np.r_[upper, lower[::-1]]),
                                 band_style.band_brush_color(th))
            conf = band.confidence.get(cell.lead) if band is not None else None
            if conf is not None and disp.provenance is Provenance.SYNTHESIZED:
                painter.setFont(tag_font)
                painter.setPen(QPen(band_style.confidence_color(conf.level)))
                painter.drawText(QRectF(X(cell.x0 + 1.0), Y(cell.top - cell.height + 3.5), cell.width * k, 3 * k),
                                 Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                                 band_style.confidence_text(conf.level))
            if len(shown) == 2 and i1 > i0:
                # The difference band: along the truth, back along the synthesis.
                band = pg.arrayToQPath(np.r_[t_mm, t_mm[::-1]], np.r_[shown["truth"], shown["trace"][::-1]])
                painter.fillPath(band, th.difference)
            if "truth" in shown:
                painter.setPen(pen_mm(style.truth_pen(th), 0.22, k))
                painter.drawPath(pg.arrayToQPath(t_mm, shown["truth"]))
            if "trace" in shown:
                # Solid and thin (item 10 of issue 13): the tint and the label carry provenance.
                width = 0.2 if disp.provenance is Provenance.SYNTHESIZED else 0.25
                painter.setPen(pen_mm(style.trace_pen(th, disp.provenance), width, k))
                painter.drawPath(pg.arrayToQPath(t_mm, shown["trace"]))
            painter.restore()
            ended = cell.ended_text(t0, speed, doc.duration)
            if ended is not None:
                painter.setFont(tag_font)
                painter.setPen(QPen(th.label))
                painter.drawText(QRectF(X(cell.x0), Y(cell.baseline + 2.0), cell.width * k, 4 * k),
                                 Qt.AlignmentFlag.AlignCenter, ended)
        # Label and provenance tag.
        draw_label(painter, X(cell.x0 + 1.0), Y(cell.top - 1.0), cell.title, disp, doc.inputs, th, k,
                   cell.width * k)
        if disp.score is not None:
            draw_badge(painter, QRectF(X(cell.x0 + cell.width - 17.0), Y(cell.top - 0.8), 16.0 * k, 4.0 * k),
                       style.badge_text(disp.score), th, k)
    # Title and footer.
    name = doc.path.name if doc.path else "-"
    draw_title_and_footer(painter, f"LeadSynth 12-lead - {name}" + synthesized_note(doc),
                          footer_lines(doc, state) + list(extras.lines if extras is not None else ()),
                          left, top + geo.height + 2.0, geo.width, k)
    if extras is not None:
        draw_page_calipers(painter, extras, geo.width, geo.height, X, Y, k)


def pen_mm(pen: QPen, width_mm: float, k: float) -> QPen:
    """``pen`` ``width_mm`` wide on a page painted at ``k`` device units per mm (not cosmetic:
    a printed trace is as wide at every resolution)."""
    pen = QPen(pen)
    pen.setCosmetic(False)
    pen.setWidthF(width_mm * k)
    return pen


def page_font(size_mm: float, k: float, bold: bool = False) -> QFont:
    """A sans-serif font ``size_mm`` tall on a page painted at ``k`` device units per mm."""
    font = QFont("Sans Serif")
    font.setPixelSize(max(1, int(size_mm * k)))
    font.setBold(bold)
    return font


def synthesized_note(doc: ViewerDocument) -> str:
    """What the title says when the page holds synthesized leads."""
    held = doc.result is not None and doc.result.leads_with(Provenance.SYNTHESIZED)
    return " - contains SYNTHESIZED leads (blue, tinted cells)" if held else ""


def draw_label(painter: QPainter, x: float, y: float, name: str, disp: LeadDisplay, inputs: tuple[str, ...],
               th: Theme, k: float, width: float) -> None:
    """A lead's name and, under it, its provenance tag, on a veil of paper (device units; a
    trace through the label leaves it readable).  Shared by the 12-lead and median pages."""
    label_font, tag_font = page_font(2.6, k), page_font(2.0, k)
    top_left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
    tag = style.provenance_text(disp, inputs)
    name_box = QRectF(x, y, 40 * k, 4 * k)
    tag_box = QRectF(x, y + 3.2 * k, width, 3 * k)
    painter.setFont(label_font)
    veiled = painter.boundingRect(name_box, top_left, name)
    painter.setFont(tag_font)
    veiled = veiled.united(painter.boundingRect(tag_box, top_left, tag))
    veil = QColor(th.paper)
    veil.setAlpha(190)
    painter.fillRect(veiled.adjusted(-0.3 * k, 0, 0.3 * k, 0.2 * k), veil)
    painter.setFont(label_font)
    painter.setPen(QPen(th.label))
    painter.drawText(name_box, top_left, name)
    painter.setFont(tag_font)
    painter.setPen(QPen(style.tag_color(th, disp)))
    painter.drawText(tag_box, top_left, tag)


def draw_badge(painter: QPainter, box: QRectF, text: str, th: Theme, k: float) -> None:
    """A synthesized lead's PCC badge in ``box`` (device units)."""
    painter.setFont(page_font(2.0, k))
    painter.fillRect(box, th.badge_fill)
    painter.setPen(pen_mm(QPen(th.synthesized), 0.15, k))
    painter.drawRect(box)
    painter.setPen(QPen(th.badge_text))
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


def draw_title_and_footer(painter: QPainter, title: str, lines: list[str], left: float, footer_top: float,
                          width: float, k: float) -> None:
    """The page's title above the paper and its footer lines from ``footer_top`` (page mm)."""
    draw_title(painter, title, left, width, k)
    draw_footer(painter, lines, left, footer_top, width, k)


def draw_title(painter: QPainter, title: str, left: float, width: float, k: float) -> None:
    """The page's title in the strip above the paper (page mm)."""
    painter.setFont(page_font(3.6, k, bold=True))
    painter.setPen(QPen(QColor("black")))
    painter.drawText(QRectF(left * k, MARGIN_MM * k, width * k, TITLE_MM * k),
                     Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title)


class BoldLine(str):
    """A footer line printed in bold (the reader's interpretation: what a report is signed for)."""


def draw_footer(painter: QPainter, lines: list[str], left: float, top: float, width: float, k: float) -> None:
    """Text lines in a column ``width`` mm wide from ``top`` down to the sheet's bottom edge
    (a :class:`BoldLine` in bold, every line it wraps to as well)."""
    metrics = {bold: QFontMetricsF(page_font(FOOTER_TYPE_MM, k, bold=bold)) for bold in (False, True)}
    # A line wider than the column is broken at its spaces (eleven synthesized leads' ST
    # levels with their bands are); it is broken at the largest type of its weight, so it fits
    # any smaller one.
    wrapped = [(part, isinstance(line, BoldLine)) for line in lines
               for part in wrap_lines([line], metrics[isinstance(line, BoldLine)], width * k)]
    # Every line stays on the sheet: with a caution and the measurement lines under a tall
    # layout they close up (down to a 2 mm type) instead of running off the bottom edge.
    y = top
    step = min(FOOTER_LINE_MM, (A4_LANDSCAPE_MM[1] - FOOTER_EDGE_MM - y) / max(len(wrapped), 1))
    size = min(FOOTER_TYPE_MM, 0.8 * step)
    painter.setPen(QPen(QColor("black")))
    for line, bold in wrapped:
        painter.setFont(page_font(size, k, bold=bold))
        painter.drawText(QRectF(left * k, y * k, width * k, step * k),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, line)
        y += step
