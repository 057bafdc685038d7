"""Median beats on ECG paper: every lead at the page's mm/mV and mm/s, on one baseline.

One ViewBox in paper millimetres (the 12-lead page's paper grid painter, aspect locked),
3 rows x 4 columns (I aVR V1 V4 / II aVL V2 V5 / III aVF V3 V6).  One vertical scale
for all leads (the chosen gain: no panel scales its own axis), a 1-mV calibration pulse
per row, each beat drawn against its isoelectric level, and the 12-lead page's
provenance styling: tinted cell, SYNTHESIZED label, solid thin trace in the synthesized
colour over the measured truth, difference band, PCC badge.

The beats are found by :class:`app.controllers.median.MedianController` in a worker, only
while the tab is visible.
"""

from __future__ import annotations

import dataclasses
import logging

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QPen
from PySide6.QtWidgets import QGraphicsPathItem, QGraphicsRectItem, QLabel, QVBoxLayout, QWidget

from leadsynth_core.record import Provenance

from ..controllers.median import AFTER_S, BEFORE_S, MedianBeats, MedianController
from ..render import style
from ..render.legend import label_html
from ..render.paper_grid import PaperGridItem
from ..render.theme import theme
from ..state.document import ViewerDocument, ViewState

log = logging.getLogger(__name__)

ORDER = (("I", "aVR", "V1", "V4"), ("II", "aVL", "V2", "V5"), ("III", "aVF", "V3", "V6"))
#: Left margin holding each row's calibration pulse (mm).
PULSE_MARGIN_MM = 10.0
#: Gap between two columns' beats (mm).
GAP_MM = 8.0
#: Strip at the top of each row for the lead's label (mm).
LABEL_MM = 5.0
#: Least amplitude a row has room for above and below the baseline (mV): the 1-mV pulse.
MIN_ABOVE_MV, MIN_BELOW_MV = 1.0, 0.3


@dataclasses.dataclass(frozen=True)
class MedianCell:
    lead: str
    x0: float  # left edge of the beat (mm)
    width: float
    baseline: float  # y of the isoelectric level (mm)
    low: float  # lower edge of the row (mm)
    high: float  # upper edge of the row (mm)


def median_layout(beats: MedianBeats, speed: float, gain: float) -> tuple[float, float, dict[str, MedianCell]]:
    """Page width, height (mm) and the cell of every lead; one scale for all rows."""
    values = [b for roles in beats.beats.values() for b in roles.values() if b.size]
    above = max([MIN_ABOVE_MV] + [float(np.nanmax(b)) for b in values])
    below = max([MIN_BELOW_MV] + [float(-np.nanmin(b)) for b in values])
    beat_mm = (BEFORE_S + AFTER_S) * speed
    row_h = LABEL_MM + (above + below) * gain + 2.0
    height = row_h * len(ORDER)
    cells: dict[str, MedianCell] = {}
    for r, row in enumerate(ORDER):
        high = height - r * row_h
        for c, lead in enumerate(row):
            x0 = PULSE_MARGIN_MM + c * (beat_mm + GAP_MM)
            cells[lead] = MedianCell(lead, x0, beat_mm, high - LABEL_MM - above * gain, high - row_h, high)
    width = PULSE_MARGIN_MM + len(ORDER[0]) * (beat_mm + GAP_MM)
    return width, height, cells


class MedianBeatView(QWidget):
    def __init__(self, document: ViewerDocument, state: ViewState, controller: MedianController,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._doc = document
        self._state = state
        self._controller = controller
        self._active = False
        self._dirty = True
        self._beats: MedianBeats | None = None
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.plot = pg.PlotWidget()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        self.view_box: pg.ViewBox = self.plot.getViewBox()
        self.view_box.setAspectLocked(True, ratio=1.0)  # 1 mm as tall as it is wide
        self.view_box.enableAutoRange(enable=False)
        self.grid_item = PaperGridItem()
        self.view_box.addItem(self.grid_item, ignoreBounds=True)
        self._items: list[object] = []
        #: ``curves[lead][role]`` ("trace", "truth") of the beats drawn; ``cells`` their places.
        self.curves: dict[str, dict[str, pg.PlotDataItem]] = {}
        self.cells: dict[str, MedianCell] = {}
        self.labels: dict[str, pg.TextItem] = {}
        self.tints: dict[str, QGraphicsRectItem] = {}
        self.pulses: list[tuple[float, float]] = []  # (bottom, top) of each row's pulse, mm
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.info)
        lay.addWidget(self.plot, 1)
        controller.ready.connect(self._on_ready)
        for sig in (document.record_changed, document.result_changed, document.window_changed):
            sig.connect(self._invalidate)
        state.changed.connect(self._on_state_changed)
        state.position_changed.connect(lambda _s: self._invalidate())

    # --------------------------------------------------------------- public
    def set_active(self, active: bool) -> None:
        self._active = active
        if active and self._dirty:
            self.refresh()

    def is_busy(self) -> bool:
        """True while the beats of the shown window are still being computed."""
        return self._controller.is_running()

    def wait_idle(self, timeout_ms: int = 60_000) -> bool:
        """Process events until the beats are drawn (batch screenshots); False on time-out."""
        from PySide6.QtCore import QDeadlineTimer, QThread
        from PySide6.QtWidgets import QApplication

        deadline = QDeadlineTimer(timeout_ms)
        while self.is_busy() and not deadline.hasExpired():
            QApplication.processEvents()
            QThread.msleep(5)
        QApplication.processEvents()
        return not self.is_busy()

    def refresh(self) -> None:
        self._dirty = False
        if self._doc.record is None:
            self._beats = None
            self._draw()
            self.info.setText("No record open.")
            return
        self.info.setText("Finding beats…")
        self._controller.request()

    # ------------------------------------------------------------ reactions
    def _invalidate(self) -> None:
        self._dirty = True
        if self._active:
            self.refresh()

    def _on_state_changed(self, what: str) -> None:
        if what in ("filters", "mode"):
            self._invalidate()
        elif what in ("theme", "speed", "gain"):
            self._draw()  # the same beats, painted again

    def _on_ready(self, beats: MedianBeats) -> None:
        self._beats = beats
        self._draw()

    def resizeEvent(self, event: object) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        self._fit()

    # -------------------------------------------------------------- drawing
    def _fit(self) -> None:
        rect = self.grid_item.boundingRect()
        if rect.width() > 0:
            self.view_box.setRange(rect=rect.adjusted(-2.0, -2.0, 2.0, 2.0), padding=0.0)

    def _clear(self) -> None:
        for item in self._items:
            self.view_box.removeItem(item)
        self._items = []
        self.curves, self.cells, self.labels, self.tints, self.pulses = {}, {}, {}, {}, []

    def _add(self, item: object, z: float) -> None:
        item.setZValue(z)
        self.view_box.addItem(item, ignoreBounds=True)
        self._items.append(item)

    def _draw(self) -> None:
        self._clear()
        th = theme(self._state.theme)
        self.plot.setBackground(th.paper)
        beats = self._beats
        if beats is None or beats.error or not beats.beats:
            if beats is not None:
                self.info.setText(f"No median beats: {beats.error or 'no beats found'}.")
            self.grid_item.set_page(0.0, 0.0, th)
            return
        speed, gain = self._state.speed, self._state.gain
        width, height, self.cells = median_layout(beats, speed, gain)
        self.grid_item.set_page(width, height, th)
        displays = {lead: self._doc.lead_display(lead, "compare") for lead in self.cells}
        for lead, cell in self.cells.items():
            disp = displays[lead]
            roles = beats.beats.get(lead, {})
            if disp.provenance is Provenance.SYNTHESIZED:
                tint = QGraphicsRectItem(QRectF(cell.x0 - 1.0, cell.low, cell.width + 2.0, cell.high - cell.low))
                tint.setBrush(QBrush(th.synth_tint))
                tint.setPen(QPen(Qt.PenStyle.NoPen))
                self._add(tint, -50)
                self.tints[lead] = tint
            self.curves[lead] = {}
            drawn: dict[str, np.ndarray] = {}
            for role, pen in (("truth", style.truth_pen(th, 1.3)), ("trace", style.trace_pen(th, disp.provenance, 1.3))):
                beat = roles.get(role)
                if beat is None:
                    continue
                xs, ys = np.arange(beat.shape[0]) / beats.fs * speed, beat * gain
                curve = pg.PlotDataItem(xs, ys, pen=pen, skipFiniteCheck=True)
                curve.setPos(cell.x0, cell.baseline)
                self._add(curve, 10 if role == "truth" else 11)
                self.curves[lead][role] = curve
                drawn[role] = ys
            if len(drawn) == 2:
                xs = np.arange(drawn["trace"].shape[0]) / beats.fs * speed
                band = QGraphicsPathItem(pg.arrayToQPath(np.r_[xs, xs[::-1]],
                                                         np.r_[drawn["truth"], drawn["trace"][::-1]]))
                band.setBrush(QBrush(th.difference))
                band.setPen(QPen(Qt.PenStyle.NoPen))
                band.setPos(cell.x0, cell.baseline)
                self._add(band, 5)
            label = pg.TextItem(html=label_html(lead, disp, self._doc.inputs, th), anchor=(0, 0))
            label.setPos(cell.x0, cell.high - 0.3)
            self._add(label, 20)
            self.labels[lead] = label
            if disp.score is not None and disp.provenance is Provenance.SYNTHESIZED:
                badge = pg.TextItem(html=f"<span style='font-size:8pt; font-weight:600; color:{th.badge_text.name()}'>"
                                         f"{style.badge_text(disp.score)}</span>",
                                    anchor=(1, 1), fill=pg.mkBrush(th.badge_fill), border=pg.mkPen(th.synthesized, width=1))
                badge.setPos(cell.x0 + cell.width, cell.low + 0.5)
                badge.setToolTip(style.score_tooltip(disp, self._doc.score_scope()))
                self._add(badge, 21)
        self._draw_pulses(th, gain)
        self.info.setText(
            f"Median of {beats.n_beats} beats aligned on R peaks of {beats.ref_lead}, "
            f"{beats.start_s:.1f}-{beats.stop_s:.1f} s, on one baseline (isoelectric level before the QRS). "
            f"{speed:g} mm/s, {gain:g} mm/mV for every lead. Black: measured; grey: derived; "
            f"blue on a tinted cell: SYNTHESIZED ({self._doc.model_name or 'none'}), over the measured truth; "
            f"PCC badges are for the {self._doc.score_scope()}. {self._state.filters.describe()}")
        self._fit()

    def _draw_pulses(self, th: object, gain: float) -> None:
        xs, ys = [], []
        w = 0.2 * self._state.speed
        for row in ORDER:
            base = self.cells[row[0]].baseline
            x = 1.5
            xs += [x, x + 1.0, x + 1.0, x + 1.0 + w, x + 1.0 + w, x + 2.0 + w, np.nan]
            ys += [base, base, base + gain, base + gain, base, base, np.nan]
            self.pulses.append((base, base + gain))
        pulse = pg.PlotDataItem(np.array(xs), np.array(ys), pen=pg.mkPen(th.measured, width=1.3), connect="finite")
        pulse.setToolTip(f"Calibration: 1 mV = {gain:g} mm")
        self._add(pulse, 15)
