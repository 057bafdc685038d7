"""Median beats on ECG paper: every lead at the page's mm/mV and mm/s, on one baseline.

One ViewBox in paper millimetres (the 12-lead page's paper grid painter, aspect locked),
3 rows x 4 columns (I aVR V1 V4 / II aVL V2 V5 / III aVF V3 V6; in the Cabrera order
aVL II V1 V4 / I aVF V2 V5 / -aVR III V3 V6, -aVR drawn upside down).  One vertical scale
for all leads (the chosen gain: no panel scales its own axis), a 1-mV calibration pulse
per row, each beat drawn against its isoelectric level, and the 12-lead page's
provenance styling: tinted cell, SYNTHESIZED label, solid thin trace in the synthesized
colour over the measured truth, difference band, PCC badge.

The beats are found by :class:`app.controllers.median.MedianController` in a worker, only
while the tab is visible.  The page also carries the measurement marks of
:class:`app.controllers.measurements.MeasurementController` (green: P on/off, QRS onset, J,
T end across each cell, the ST point as a dot) and calipers in paper mm, read through the
page's speed and gain like the 12-lead page's.  The calipers sit on one lead's beat (the
"Calipers on" box, or a click on a lead's cell, moves them there; a magenta frame marks that
cell) and stay on it when the speed, the gain or the layout changes.
"""

from __future__ import annotations

import html
import logging

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from leadsynth_core.leads import STANDARD_LEADS, display_lead_name
from leadsynth_core.record import Provenance

from ..controllers.measurements import MeasurementController
from ..controllers.median import MedianController
from ..controllers.workers import process_events_while
from ..render import style
from ..render.legend import label_html
from ..render.measurement_marks import CALIPER_COLOR, lettered_leads, paper_marks
from ..render.median_page import badged_leads
from ..render.paper_grid import PaperGridItem
from ..render.theme import theme
from ..state.document import ViewerDocument, ViewState
from ..state.median_paper import BEFORE_S, GAP_MM, LABEL_MM, MedianBeats, MedianCell, median_layout
from ..state.paper import layout_columns
from .calipers import Calipers
from .text_fit import fit_text_width

log = logging.getLogger(__name__)

class MedianBeatView(QWidget):
    def __init__(self, document: ViewerDocument, state: ViewState, controller: MedianController,
                 parent: QWidget | None = None, *, measurements: MeasurementController | None = None) -> None:
        super().__init__(parent)
        self._doc = document
        self._state = state
        self._controller = controller
        self._measurements = measurements
        self._marks: list[object] = []
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
        #: Which lead's beat carries the calipers: this box, or a click on a lead's cell.
        self.caliper_lead = "II"
        self.caliper_lead_box = QComboBox()
        self._sync_caliper_box()
        self.caliper_lead_box.setToolTip("The lead whose median beat carries the calipers (or click that lead's beat)")
        caliper_label = QLabel("Calipers on")
        caliper_label.setBuddy(self.caliper_lead_box)
        top = QHBoxLayout()
        top.addWidget(self.info, 1)
        top.addWidget(caliper_label, 0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        top.addWidget(self.caliper_lead_box, 0, Qt.AlignmentFlag.AlignVCenter)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addWidget(self.plot, 1)
        #: Calipers on the paper (mm), read through the page's speed and gain.
        self.calipers = Calipers(self.view_box, seconds_per_unit=lambda: 1.0 / state.speed,
                                 mv_per_unit=lambda: 1.0 / state.gain, parent=self)
        #: The cell, speed and gain the calipers were last placed against (to keep them on their beat).
        self._caliper_anchor: tuple[MedianCell, float, float] | None = None
        self._caliper_frame: QGraphicsRectItem | None = None
        self.calipers.changed.connect(self._update_caliper_frame)
        self.caliper_lead_box.currentIndexChanged.connect(
            lambda i: self.set_caliper_lead(self.caliper_lead_box.itemData(i)) if i >= 0 else None)
        self.plot.scene().sigMouseClicked.connect(self._on_click)
        self.view_box.sigRangeChanged.connect(lambda *_: self._fit_labels())
        controller.ready.connect(self._on_ready)
        controller.prior_changed.connect(self._invalidate)
        if measurements is not None:
            measurements.changed.connect(self._draw_marks)
        for sig in (document.record_changed, document.result_changed, document.window_changed):
            sig.connect(self._invalidate)
        # A synthesis that ends without a result: the leads drawn pending get the file's samples.
        document.synthesis_state_changed.connect(
            lambda state, _m: self._invalidate() if state in (ViewerDocument.FAILED, ViewerDocument.CANCELLED) else None)
        state.changed.connect(self._on_state_changed)
        state.position_changed.connect(lambda _s: self._invalidate())

    # --------------------------------------------------------------- public
    def set_active(self, active: bool) -> None:
        if self._measurements is not None and active != self._active:
            self._measurements.set_active(active)  # the page shows measurement marks
        self._active = active
        if active and self._dirty:
            self.refresh()

    def show_calipers(self) -> None:
        """Show the calipers on the beat of :attr:`caliper_lead` (QRS onset to about the T end, 0.5 mV)."""
        cell = self.cells.get(self.caliper_lead)
        if cell is None:
            self.calipers.show()  # no beats yet: placed on the beat once it is drawn
            self._caliper_anchor = None
            return
        speed, gain = self._state.speed, self._state.gain
        r = cell.x0 + BEFORE_S * speed
        self.calipers.show(r - 0.04 * speed, r + 0.36 * speed, cell.baseline, cell.baseline + 0.5 * gain)
        self._caliper_anchor = (cell, speed, gain)
        self._update_caliper_frame()

    def set_caliper_lead(self, lead: str) -> None:
        """Move the calipers to the median beat of ``lead``: same place on the beat, same span.

        Any lead with a beat on the page: the 12 and the supplementary leads (V4R, V7...).
        """
        index = self.caliper_lead_box.findData(lead)
        if index < 0:
            return
        self.caliper_lead = lead
        if self.caliper_lead_box.currentIndex() != index:
            self.caliper_lead_box.blockSignals(True)
            self.caliper_lead_box.setCurrentIndex(index)
            self.caliper_lead_box.blockSignals(False)
        self._follow_caliper_lead()
        self._update_caliper_frame()

    @property
    def beats(self) -> MedianBeats | None:
        """The median beats drawn (None before the first are computed)."""
        return self._beats

    def is_busy(self) -> bool:
        """True while the beats of the shown window are still being computed."""
        return self._controller.is_running()

    def wait_idle(self, timeout_ms: int = 60_000) -> bool:
        """Process events until the beats are drawn (batch screenshots); False on time-out."""
        return process_events_while(self.is_busy, timeout_ms)

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
        elif what in ("theme", "speed", "gain", "limb_order"):
            self._draw()  # the same beats, painted again

    def _on_ready(self, beats: MedianBeats) -> None:
        self._beats = beats
        self._draw()

    def _on_click(self, event: object) -> None:
        """A left click on a lead's cell puts the calipers on that lead."""
        if event.button() != Qt.MouseButton.LeftButton or event.double():
            return
        p = self.view_box.mapSceneToView(event.scenePos())
        lead = next((name for name, c in self.cells.items()
                     if c.x0 <= p.x() <= c.x0 + c.width and c.low <= p.y() <= c.high), None)
        if lead is not None and lead != self.caliper_lead:
            self.set_caliper_lead(lead)

    def _follow_caliper_lead(self) -> None:
        """Keep the calipers on their lead's beat after a move, a new layout, speed or gain.

        Each leg keeps its time from the R peak and its amplitude from the baseline, so the
        read-out (ms, mV) is unchanged; legs the user has not placed yet go onto the beat.
        """
        cell = self.cells.get(self.caliper_lead)
        if not self.calipers.visible or cell is None:
            return
        if self._caliper_anchor is None:
            self.show_calipers()
            return
        old, old_speed, old_gain = self._caliper_anchor
        speed, gain = self._state.speed, self._state.gain
        x1, x2, y1, y2 = self.calipers.geometry()

        def fx(x: float) -> float:
            return cell.x0 + (x - old.x0) * speed / old_speed

        def fy(y: float) -> float:
            return cell.baseline + (y - old.baseline) * gain / old_gain

        self.calipers.show(fx(x1), fx(x2), fy(y1), fy(y2))
        self._caliper_anchor = (cell, speed, gain)

    def _sync_caliper_box(self) -> None:
        """The leads the calipers can sit on, as the page names them, in its reading order.

        The 12 (limb leads in the page's order, "\u2212aVR" for Cabrera's inverted aVR) and
        the supplementary leads the recording holds.  A lead that left the page (another
        record) gives the calipers back to II.
        """
        (twelve,) = layout_columns("12x1", self._state.limb_order)  # the 12 in the page's reading order
        shown = [(display_lead_name(lead, sign), lead) for lead, sign in twelve]
        shown += [(lead, lead) for lead in self.cells if lead not in STANDARD_LEADS]
        box = self.caliper_lead_box
        if [(box.itemText(i), box.itemData(i)) for i in range(box.count())] == shown:
            return
        if self.caliper_lead not in {lead for _, lead in shown}:
            self.caliper_lead = "II"
        box.blockSignals(True)
        box.clear()
        for title, lead in shown:
            box.addItem(title, lead)
        box.setCurrentIndex(box.findData(self.caliper_lead))
        box.blockSignals(False)

    def _update_caliper_frame(self) -> None:
        """A magenta frame around the cell that carries the calipers, while they are shown."""
        cell = self.cells.get(self.caliper_lead) if self.calipers.visible else None
        frame = self._caliper_frame
        if cell is None:
            if frame is not None:
                frame.setVisible(False)
            return
        if frame is None or frame.scene() is None:
            frame = QGraphicsRectItem()
            pen = QPen(CALIPER_COLOR)
            pen.setCosmetic(True)
            pen.setWidthF(1.5)
            frame.setPen(pen)
            frame.setBrush(QBrush(Qt.BrushStyle.NoBrush))
            frame.setZValue(38)
            self.view_box.addItem(frame, ignoreBounds=True)
            self._caliper_frame = frame
        frame.setRect(QRectF(cell.x0 - 1.0, cell.low, cell.width + 2.0, cell.high - cell.low))
        frame.setVisible(True)

    def _draw_marks(self) -> None:
        for item in self._marks:
            self.view_box.removeItem(item)
        self._marks = []
        m = self._measurements.shown if self._measurements is not None else None
        lettered = lettered_leads(self._state.limb_order, badged_leads(self._doc, self.cells))
        for item in paper_marks(m, self.cells, self.curves, before_s=BEFORE_S, speed=self._state.speed,
                                label_mm=LABEL_MM, label_leads=lettered):
            item.setZValue(30)
            self.view_box.addItem(item, ignoreBounds=True)
            self._marks.append(item)

    def resizeEvent(self, event: object) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        self._fit()

    # -------------------------------------------------------------- drawing
    def _fit(self) -> None:
        rect = self.grid_item.boundingRect()
        if rect.width() > 0:
            self.view_box.setRange(rect=rect.adjusted(-2.0, -2.0, 2.0, 2.0), padding=0.0)
        self._fit_labels()

    def _fit_labels(self) -> None:
        """Wrap a label that would run into the next column's ("V3R measured, right-sided").

        Labels are drawn at a fixed type size (they ignore the view's scale), so whether one
        fits its column depends on the zoom: measured at each range change, like the 12-lead
        page's legend.
        """
        size = self.view_box.viewPixelSize()[0]
        if size <= 0:
            return
        for lead, label in self.labels.items():
            cell = self.cells.get(lead)
            if cell is None:
                continue
            fit_text_width(label, (cell.width + GAP_MM - 1.0) / size, 40.0)

    def _clear(self) -> None:
        for item in self._items + self._marks:
            self.view_box.removeItem(item)
        self._items, self._marks = [], []
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
            self._sync_caliper_box()
            self._update_caliper_frame()
            return
        speed, gain = self._state.speed, self._state.gain
        width, height, self.cells = median_layout(beats, speed, gain, self._state.limb_order)
        self._sync_caliper_box()
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
            for role, pen, z in (("prior", style.prior_pen(th, 1.1), 9), ("truth", style.truth_pen(th, 1.3), 10),
                                 ("trace", style.trace_pen(th, disp.provenance, 1.3), 11)):
                beat = roles.get(role)
                if beat is None:
                    continue
                xs, ys = np.arange(beat.shape[0]) / beats.fs * speed, beat * (gain * cell.sign)
                curve = pg.PlotDataItem(xs, ys, pen=pen, connect="finite")
                curve.setPos(cell.x0, cell.baseline)
                self._add(curve, z)
                self.curves[lead][role] = curve
                drawn[role] = ys
            if "truth" in drawn and "trace" in drawn:
                xs = np.arange(drawn["trace"].shape[0]) / beats.fs * speed
                band = QGraphicsPathItem(pg.arrayToQPath(np.r_[xs, xs[::-1]],
                                                         np.r_[drawn["truth"], drawn["trace"][::-1]]))
                band.setBrush(QBrush(th.difference))
                band.setPen(QPen(Qt.PenStyle.NoPen))
                band.setPos(cell.x0, cell.baseline)
                self._add(band, 5)
            label = pg.TextItem(html=label_html(cell.title, disp, self._doc.inputs, th), anchor=(0, 0))
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
        self._draw_marks()
        self._follow_caliper_lead()
        self._update_caliper_frame()
        if self._doc.scores:
            truth = (f", over the measured truth; PCC badges are for the {self._doc.score_scope()}, "
                     f"vs. {style.REFERENCE_LABELS[self._doc.score_reference]}.")
        else:  # a patch or a watch: there is no truth drawn under them, nor any PCC
            truth = "; this file holds no measured truth for them, so no PCC."
        prior = (f" <span style='color:{th.prior.name()}'>Dashed: the prior ECG {html.escape(beats.prior_source)}"
                 "</span> (its first 10 s, aligned on its own R peaks; not part of this recording)."
                 if beats.prior_source else "")
        order = f"; {style.LIMB_ORDER_TEXT[self._state.limb_order]}" if style.LIMB_ORDER_TEXT[self._state.limb_order] else ""
        self.info.setText(
            f"Median of {beats.n_beats} beats aligned on R peaks of {beats.ref_lead}, "
            f"{beats.start_s:.1f}-{beats.stop_s:.1f} s, on one baseline (isoelectric level before the QRS). "
            f"{speed:g} mm/s, {gain:g} mm/mV for every lead{order}. Black: measured; grey: derived; "
            f"blue on a tinted cell: SYNTHESIZED ({self._doc.model_name or 'none'}){truth}{prior} "
            f"{self._state.filters.describe()}")
        self._fit()

    def _draw_pulses(self, th: object, gain: float) -> None:
        xs, ys = [], []
        w = 0.2 * self._state.speed
        for base in sorted({cell.baseline for cell in self.cells.values()}, reverse=True):  # one per row
            x = 1.5
            xs += [x, x + 1.0, x + 1.0, x + 1.0 + w, x + 1.0 + w, x + 2.0 + w, np.nan]
            ys += [base, base, base + gain, base + gain, base, base, np.nan]
            self.pulses.append((base, base + gain))
        pulse = pg.PlotDataItem(np.array(xs), np.array(ys), pen=pg.mkPen(th.measured, width=1.3), connect="finite")
        pulse.setToolTip(f"Calibration: 1 mV = {gain:g} mm")
        self._add(pulse, 15)
