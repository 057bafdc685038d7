"""The calibrated ECG paper view (pyqtgraph).

One ViewBox in paper coordinates (millimetres, y up, aspect locked so 1 mm is as wide as
it is tall).  The paper grid is one background item; each lead's trace is ONE
``PlotDataItem`` whose data are ``(t * speed, v * gain)`` and whose item position places
it in its cell (mne-qt-browser style): panning through a long recording moves items and
swaps in the few samples that are visible, min/max-decimated to about five samples per
pixel, so a 24-hour file pans as smoothly as a 10-second one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QHBoxLayout,
    QLabel,
    QScrollBar,
    QVBoxLayout,
    QWidget,
)

from leadsynth_core.record import Provenance

from ..render import style
from ..render.legend import label_html, legend_html
from ..render.paper_grid import PaperGridItem
from ..render.theme import Theme, theme
from ..state import paper
from ..state.document import LeadDisplay, ViewerDocument, ViewState, fmt_hms
from .cell_items import CellItems
from .grid_decor import HEADER_MM, PageDecor
from .screen_scale import physical_px_per_mm

log = logging.getLogger(__name__)

#: Width of the traces on screen (device-independent pixels).  Exactly 1: Qt's raster
#: engine draws antialiased 1-px paths some 30 times faster than 1.3-px ones (0.3 ms vs
#: 10 ms per 1250-point trace), which is what makes 30+ fps panning possible.
SCREEN_PEN_PX = 1.0
#: Time-scroll resolution (scroll bar units per second).
SCROLL_UNITS_PER_S = 100


class EcgGridView(QWidget):
    """The paper view plus its time scroll bar."""

    zoom_changed = Signal(float)  # on-screen mm / physical mm (1.0 = calibrated)
    data_refreshed = Signal()  # the traces show new samples (overlays follow them)

    def __init__(self, document: ViewerDocument, state: ViewState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._doc = document
        self._state = state
        self._theme = theme(state.theme)
        self._geometry = self._page_geometry()
        self._cells: list[CellItems] = []
        self._first_fit = True

        self.plot = pg.PlotWidget()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        self.plot.setMouseEnabled(x=True, y=True)
        self.view_box: pg.ViewBox = self.plot.getViewBox()
        self.view_box.setAspectLocked(True, ratio=1.0)
        self.view_box.enableAutoRange(enable=False)
        self.view_box.setDefaultPadding(0.0)
        self.grid_item = PaperGridItem()
        self.view_box.addItem(self.grid_item, ignoreBounds=True)
        #: Calibration pulses, column separators and the header (scale + legend).
        self.decor = PageDecor(self.view_box)

        self.scroll = QScrollBar(Qt.Orientation.Horizontal)
        self.scroll.setToolTip("Time position in the recording (Left/Right, Page Up/Down)")
        self.scroll.valueChanged.connect(self._on_scroll)
        #: The time navigator's read-out: page start and whole duration, hh:mm:ss.
        self.time_label = QLabel()
        self.time_label.setToolTip("Page start / duration of the whole recording")
        nav = QHBoxLayout()
        nav.setContentsMargins(0, 0, 4, 0)
        nav.addWidget(self.scroll, 1)
        nav.addWidget(self.time_label)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.plot, 1)
        lay.addLayout(nav)

        # Mouse zoom/pan can fire many range changes per frame: coalesce them.
        self._range_timer = QTimer(self)
        self._range_timer.setSingleShot(True)
        self._range_timer.setInterval(0)
        self._range_timer.timeout.connect(self._on_range_settled)
        self.view_box.sigRangeChanged.connect(self._range_timer.start)

        # A synthesis started, failed or cancelled changes which cells are pending; coalesced
        # (on opening, the rebuild that follows the state change already draws them pending).
        self._pending_timer = QTimer(self, singleShot=True, interval=0, timeout=self._on_pending_changed)
        document.synthesis_state_changed.connect(self._pending_timer.start)

        document.record_changed.connect(self._on_record_changed)
        document.result_changed.connect(self._on_result_changed)
        document.window_changed.connect(self._on_result_changed)  # a long recording's next window
        document.model_changed.connect(self._draw_decor)  # only the legend names the model
        document.band_changed.connect(self._draw_decor)  # the legend says what the band means
        state.changed.connect(self._on_state_changed)
        state.position_changed.connect(self._on_position_changed)
        self.rebuild()

    # --------------------------------------------------------------- public
    @property
    def geometry_mm(self) -> paper.PageGeometry:
        return self._geometry

    def cell_items(self) -> list[CellItems]:
        return list(self._cells)

    def page_rect(self) -> QRectF:
        return QRectF(0.0, 0.0, self._geometry.width, self._geometry.height + HEADER_MM)

    def zoom_ratio(self) -> float:
        """Displayed pixels per mm over the screen's physical pixels per mm."""
        size = self.view_box.viewPixelSize()[0]
        return (1.0 / size) / physical_px_per_mm(self) if size > 0 else 1.0

    def fit_page(self) -> None:
        r = self.page_rect().adjusted(-3.0, -3.0, 3.0, 3.0)
        self.view_box.setRange(rect=r, padding=0.0)

    def true_size(self) -> None:
        """1 mm on paper = 1 mm on this screen (the calibrated view)."""
        ppm = physical_px_per_mm(self)
        w_mm = max(1.0, self.view_box.width()) / ppm
        h_mm = max(1.0, self.view_box.height()) / ppm
        page = self.page_rect()
        left = page.left() - 3.0
        top = page.bottom() + 3.0
        self.view_box.setRange(xRange=(left, left + w_mm), yRange=(top - h_mm, top), padding=0.0)

    def zoom(self, factor: float) -> None:
        self.view_box.scaleBy((1.0 / factor, 1.0 / factor))

    def step_time(self, pages: float) -> None:
        if self._doc.record is not None:
            page_s = self._geometry.duration(self._state.speed)
            self._state.set_position(self._state.position + pages * page_s, self._doc.duration)

    # ------------------------------------------------------------ reactions
    def showEvent(self, event: object) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        if self._first_fit:
            self._first_fit = False
            self.fit_page()

    def _on_record_changed(self) -> None:
        self._state.set_position(0.0)
        self._update_scroll()
        height = self._geometry.height
        self.rebuild()
        if self._geometry.height != height:
            self.fit_page()  # rows for supplementary leads came or went

    def _on_state_changed(self, what: str) -> None:
        if what in ("layout", "mode", "theme", "limb_order"):
            self.rebuild()
            if what == "layout":
                self.fit_page()
        elif what in ("speed", "gain"):
            self._update_scroll()
            self._state.set_position(self._state.position, self._doc.duration if self._doc.record else None)
            self._draw_decor()
            self.refresh_data()
        elif what == "filters":
            self.refresh_data()
        elif what in ("band", "band_in_presentation", "presenting"):
            self._draw_decor()

    def _on_position_changed(self, seconds: float) -> None:
        self.scroll.blockSignals(True)
        self.scroll.setValue(int(round(seconds * SCROLL_UNITS_PER_S)))
        self.scroll.blockSignals(False)
        self._update_time_label()
        self.refresh_data()

    def _on_scroll(self, value: int) -> None:
        rec = self._doc.record
        self._state.set_position(value / SCROLL_UNITS_PER_S, self._doc.duration if rec else None)

    def _on_range_settled(self) -> None:
        self.refresh_data()
        self._fit_legend()
        self.zoom_changed.emit(self.zoom_ratio())

    def _fit_legend(self) -> None:
        self.decor.fit_legend(self._geometry)

    def _update_scroll(self) -> None:
        page_s = self._geometry.duration(self._state.speed)
        span = max(0.0, self._doc.duration - page_s)
        self.scroll.blockSignals(True)
        # QScrollBar takes int32: beyond about 248 days the bar stops short (never overflows).
        self.scroll.setRange(0, min(int(np.ceil(span * SCROLL_UNITS_PER_S)), 2**31 - 1))
        self.scroll.setPageStep(int(page_s * SCROLL_UNITS_PER_S))
        self.scroll.setSingleStep(SCROLL_UNITS_PER_S)
        self.scroll.setValue(min(int(round(self._state.position * SCROLL_UNITS_PER_S)), 2**31 - 1))
        self.scroll.setEnabled(span > 0)
        self.scroll.blockSignals(False)
        self._update_time_label()

    def _update_time_label(self) -> None:
        if self._doc.record is None:
            self.time_label.setText("")
            return
        self.time_label.setText(f"{fmt_hms(self._state.position)} / {fmt_hms(self._doc.duration)}")

    # -------------------------------------------------------------- building
    def _page_geometry(self) -> paper.PageGeometry:
        doc, state = self._doc, self._state
        return paper.page_geometry(state.layout, doc.rhythm_lead(), doc.supplementary_leads(), state.limb_order)

    def _clear(self) -> None:
        for ci in self._cells:
            for item in (ci.fill, ci.truth, ci.trace):
                if item is not None:
                    self._drop_clipped(item)
            for item in (ci.label, ci.badge, ci.tint, ci.clip, ci.ended):
                if item is not None:
                    self.view_box.removeItem(item)
        self._cells = []

    def _drop_clipped(self, item: QGraphicsItem) -> None:
        """Remove a trace item that lives under its cell's clipping parent."""
        scene = item.scene()
        item.setParentItem(None)
        if scene is not None:
            scene.removeItem(item)

    def rebuild(self) -> None:
        """Recreate the cells' items (layout, mode or theme changed, or a new record)."""
        self._theme = th = theme(self._state.theme)
        self._geometry = geo = self._page_geometry()
        self._clear()
        self.plot.setBackground(QColor("#c9c9c9") if th.name == "light" else QColor("#05070a"))
        self.grid_item.set_page(geo.width, geo.height + HEADER_MM, th)
        mode = self._state.mode
        for cell in geo.cells:
            self._cells.append(self._sync_cell(None, cell, self._doc.lead_display(cell.lead, mode), th))
        self._draw_decor()
        self._update_scroll()
        self.refresh_data()

    def _on_result_changed(self) -> None:
        """New synthesis (or none): restyle the existing cells in place.

        Adding and removing pyqtgraph items is what makes a full rebuild cost ~100 ms;
        reusing them keeps "open and synthesize" well inside its 1-s budget.
        """
        rhythm = [c for c in self._geometry.cells if c.rhythm]
        if rhythm and rhythm[0].lead != self._doc.rhythm_lead():
            self.rebuild()  # the rhythm strip follows the measured leads
            return
        mode, th = self._state.mode, self._theme
        for i, ci in enumerate(self._cells):
            self._cells[i] = self._sync_cell(ci, ci.cell, self._doc.lead_display(ci.cell.lead, mode), th)
        self._draw_decor()
        self.refresh_data()

    def _on_pending_changed(self) -> None:
        mode = self._state.mode
        if any(ci.display.pending != self._doc.lead_display(ci.cell.lead, mode).pending for ci in self._cells):
            self._on_result_changed()

    def _ensure(self, item: QGraphicsItem | None, wanted: bool, make: Callable[[], QGraphicsItem],
                parent: QGraphicsItem | None = None) -> QGraphicsItem | None:
        """Create (and add, under ``parent`` when given) or remove one optional item of a cell."""
        if wanted and item is None:
            item = make()
            if parent is not None:
                item.setParentItem(parent)
            else:
                self.view_box.addItem(item, ignoreBounds=True)
        elif not wanted and item is not None:
            if parent is not None:
                self._drop_clipped(item)
            else:
                self.view_box.removeItem(item)
            item = None
        return item

    def _sync_cell(self, ci: CellItems | None, cell: paper.Cell, disp: LeadDisplay, th: Theme) -> CellItems:
        """Make the items of ``cell`` show ``disp`` (reusing those of ``ci`` when given)."""
        synthesized = disp.provenance is Provenance.SYNTHESIZED

        def make_tint() -> QGraphicsRectItem:
            # The wash marks the whole cell as synthesized, even where the trace is flat.
            tint = QGraphicsRectItem(QRectF(cell.x0, cell.top - cell.height, cell.width, cell.height))
            tint.setBrush(QBrush(th.synth_tint))
            tint.setPen(QPen(Qt.PenStyle.NoPen))
            tint.setZValue(-50)
            return tint

        def make_clip() -> QGraphicsRectItem:
            # The row band, not only the cell: the whole row is the trace's to use.
            low, top = self._geometry.row_band(cell.row)
            clip = QGraphicsRectItem(QRectF(cell.x0, low, cell.width, top - low))
            clip.setPen(QPen(Qt.PenStyle.NoPen))
            clip.setBrush(QBrush(Qt.BrushStyle.NoBrush))
            clip.setFlag(QGraphicsItem.GraphicsItemFlag.ItemClipsChildrenToShape, True)
            clip.setZValue(5)
            return clip

        def make_curve(z: float) -> pg.PlotDataItem:
            item = pg.PlotDataItem(skipFiniteCheck=True)
            item.setZValue(z)
            return item

        def make_fill() -> QGraphicsPathItem:
            # A plain path item filled from the same arrays as the two curves, once per
            # refresh.  pyqtgraph's FillBetweenItem rebuilds its path from both curves'
            # QPainterPaths through QPolygonF arithmetic on *each* curve's change (twice per
            # frame here), and it was where PySide6 6.12's refcount bug (see app/__init__.py)
            # first brought the viewer down.
            fill = QGraphicsPathItem()
            fill.setBrush(QBrush(th.difference))
            fill.setPen(QPen(Qt.PenStyle.NoPen))
            fill.setZValue(5)
            return fill

        def make_label() -> pg.TextItem:
            # A veil of paper behind the text: a trace through the label leaves it readable.
            veil = QColor(th.paper)
            veil.setAlpha(190)
            label = pg.TextItem(anchor=(0, 0), fill=pg.mkBrush(veil))
            label.setPos(cell.x0 + 0.8, cell.top - 0.6)
            label.setZValue(20)
            return label

        def make_badge() -> pg.TextItem:
            badge = pg.TextItem(anchor=(1, 0), fill=pg.mkBrush(th.badge_fill), border=pg.mkPen(th.synthesized, width=1))
            badge.setPos(cell.x0 + cell.width - 1.0, cell.top - 1.0)
            badge.setZValue(21)
            return badge

        old = ci or CellItems(cell, disp, None, None, None, None, None, None)
        tint = self._ensure(old.tint, synthesized, make_tint)
        clip = old.clip or self._ensure(None, True, make_clip)
        truth = self._ensure(old.truth, disp.truth is not None, lambda: make_curve(10), clip)
        trace = self._ensure(old.trace, disp.samples is not None, lambda: make_curve(11), clip)
        fill = self._ensure(old.fill, truth is not None and trace is not None, make_fill, clip)
        label = self._ensure(old.label, True, make_label)
        badge = self._ensure(old.badge, disp.score is not None, make_badge)
        tip = style.score_tooltip(disp, self._doc.score_scope())
        if truth is not None:
            truth.setPen(style.truth_pen(th, SCREEN_PEN_PX))
        if trace is not None:
            trace.setPen(style.trace_pen(th, disp.provenance, SCREEN_PEN_PX))
            trace.setToolTip(tip)
        label.setHtml(label_html(cell.title, disp, self._doc.inputs, th))
        if badge is not None and disp.score is not None:
            badge.setHtml(f"<span style='font-size:9pt; font-weight:600; color:{th.badge_text.name()}'>"
                          f"{style.badge_text(disp.score)}{' (window)' if self._doc.is_long else ''}</span>")
            badge.setToolTip(tip)
        return CellItems(cell, disp, trace, truth, fill, label, badge, tint, clip, old.ended)

    def _show_ended(self, ci: CellItems, text: str | None) -> None:
        if text is None:
            if ci.ended is not None:
                ci.ended.setVisible(False)
            return
        if ci.ended is None:
            cell = ci.cell
            ci.ended = pg.TextItem(anchor=(0.5, 0.5), color=self._theme.label)
            ci.ended.setPos(cell.x0 + cell.width / 2, cell.baseline)
            ci.ended.setZValue(20)
            self.view_box.addItem(ci.ended, ignoreBounds=True)
        ci.ended.setHtml(f"<span style='font-size:9pt; font-style:italic'>{text}</span>")
        ci.ended.setVisible(True)

    def _draw_decor(self) -> None:
        """Calibration pulses, column separators and the header (scale + legend)."""
        self.decor.draw(self._geometry, legend_html(self._doc, self._state, self._theme), self._state, self._theme)

    def legend_text(self) -> str:
        """The page legend as plain text (speed, gain, what each trace style means)."""
        return self.decor.legend_text()

    @property
    def _legend(self) -> pg.TextItem | None:
        return self.decor.legend

    def _header_html(self) -> str:
        return legend_html(self._doc, self._state, self._theme)

    # ------------------------------------------------------------------ data
    def refresh_data(self) -> None:
        """Put the visible samples of every trace in place (position, speed, gain, zoom)."""
        rec = self._doc.record
        if rec is None:
            for ci in self._cells:
                for item in (ci.trace, ci.truth):
                    if item is not None:
                        item.setData([], [])
            self.data_refreshed.emit()
            return
        fs, offset = rec.fs, self._doc.offset
        speed, gain, t0 = self._state.speed, self._state.gain, self._state.position
        filters = self._state.filters
        (vx0, vx1), _ = self.view_box.viewRange()
        px = self.view_box.viewPixelSize()[0]
        px_per_mm = 1.0 / px if px > 0 else physical_px_per_mm(self)
        for ci in self._cells:
            cell = ci.cell
            start, _ = cell.segment(t0, speed)
            self._show_ended(ci, cell.ended_text(t0, speed, self._doc.duration))
            xa, xb = max(cell.x0, vx0), min(cell.x0 + cell.width, vx1)
            if xb > xa:
                # Indices into the loaded samples: for a long recording only its current
                # window is in memory, and a page still being read shows what is loaded.
                i0, i1 = self._doc.loaded_range(start + (xa - cell.x0) / speed, start + (xb - cell.x0) / speed)
            else:
                i0 = i1 = 0
            factor = paper.decimation_factor(i1 - i0, (xb - xa) * px_per_mm)
            px0, py0 = cell.item_pos(t0, speed)
            drawn: dict[str, tuple[np.ndarray, np.ndarray]] = {}
            for role, item, samples in (("trace", ci.trace, ci.display.samples), ("truth", ci.truth, ci.display.truth)):
                if item is None or samples is None:
                    continue
                y = filters.apply_window(samples, i0, i1, fs)
                idx, yy = paper.minmax_decimate(offset + i0, y, factor)
                # An inverted cell (-aVR) turns its y axis: trace, truth, difference and band alike.
                xs, ys = idx * (speed / fs), np.asarray(yy, dtype=np.float64) * (gain * cell.sign)
                item.setData(xs, ys)
                item.setPos(px0, py0)
                drawn[role] = (xs, ys)
            if ci.fill is not None:
                ci.fill.setPos(px0, py0)
                if len(drawn) == 2 and drawn["trace"][0].size:
                    (xs, ys), (_, yt) = drawn["trace"], drawn["truth"]
                    # Along the truth, back along the synthesis: the band between them.
                    ci.fill.setPath(pg.arrayToQPath(np.r_[xs, xs[::-1]], np.r_[yt, ys[::-1]]))
                else:
                    ci.fill.setPath(QPainterPath())
        self.data_refreshed.emit()
