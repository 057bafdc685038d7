"""The calibrated band around each synthesized trace, and each lead's confidence indicator.

The band is drawn from the trace's own drawn data (its decimated samples and position),
so it follows panning, zoom, speed, gain and the display filters exactly: the path runs
along trace + half-width and back along trace - half-width.  The indicator ("▲ LOW
confidence") needs no truth: it compares the band's width at the QRS with the lead's QRS
amplitude (``leadsynth_core.uncertainty.confidence``).  It is shown whenever the result has
a band, the band itself only when ``ViewState.band_visible`` (the View menu's toggle; off
in presentation mode unless chosen for it).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsPathItem

from leadsynth_core.record import Provenance

from ..render import band_style
from ..render.theme import theme
from ..state.document import ViewerDocument, ViewState
from .cell_items import CellItems
from .ecg_grid import EcgGridView

__all__ = ["BandOverlay"]


class BandOverlay:
    """Band fills and confidence indicators on an :class:`EcgGridView` (one per cell)."""

    def __init__(self, grid: EcgGridView, document: ViewerDocument, state: ViewState) -> None:
        self._grid, self._doc, self._state = grid, document, state
        #: lead -> (fill, indicator) of the cells built for the current cells.
        self.fills: dict[int, QGraphicsPathItem] = {}
        self.indicators: dict[int, pg.TextItem] = {}
        self._cells_key: tuple[int, ...] = ()
        grid.data_refreshed.connect(self.refresh)
        document.band_changed.connect(self.refresh)
        state.changed.connect(lambda what: self.refresh() if what in ("band", "band_in_presentation", "presenting")
                              else None)

    # ------------------------------------------------------------------ reads
    def indicator_text(self, lead: str) -> str | None:
        """The indicator shown in ``lead``'s cell (first cell of that lead), or None."""
        for k, ci in enumerate(self._grid.cell_items()):
            if ci.cell.lead == lead and k in self.indicators and self.indicators[k].isVisible():
                return self.indicators[k].textItem.toPlainText()
        return None

    def band_path(self, lead: str) -> QPainterPath | None:
        """The band drawn in ``lead``'s first cell (None: no band item or hidden)."""
        for k, ci in enumerate(self._grid.cell_items()):
            if ci.cell.lead == lead and k in self.fills and self.fills[k].isVisible():
                return self.fills[k].path()
        return None

    # -------------------------------------------------------------- drawing
    def _clear(self) -> None:
        vb = self._grid.view_box
        for item in (*self.fills.values(), *self.indicators.values()):
            vb.removeItem(item)
        self.fills, self.indicators = {}, {}

    def refresh(self) -> None:
        cells = self._grid.cell_items()
        key = tuple(id(ci.cell) for ci in cells) + (hash(self._state.theme),)
        if key != self._cells_key:
            self._clear()
            self._cells_key = key
        band = self._doc.band
        th = theme(self._state.theme)
        for k, ci in enumerate(cells):
            hw = band.lead_half_width(ci.cell.lead) if band is not None else None
            synthesized = ci.display.provenance is Provenance.SYNTHESIZED and ci.trace is not None
            if hw is None or not synthesized:
                for store in (self.fills, self.indicators):
                    if k in store:
                        store[k].setVisible(False)
                continue
            self._draw_fill(k, ci, hw, th)
            conf = band.confidence.get(ci.cell.lead)
            if conf is not None:
                self._draw_indicator(k, ci, conf, band.calibration)

    def _draw_fill(self, k: int, ci: CellItems, hw: np.ndarray, th: object) -> None:
        fill = self.fills.get(k)
        if fill is None:
            fill = QGraphicsPathItem()
            fill.setBrush(QBrush(band_style.band_brush_color(th)))
            fill.setPen(QPen(Qt.PenStyle.NoPen))
            fill.setZValue(4)  # under the difference fill (5) and the traces (10, 11)
            self._grid.view_box.addItem(fill, ignoreBounds=True)
            self.fills[k] = fill
        visible = self._state.band_visible
        fill.setVisible(visible)
        if not visible:
            return
        xs, ys = ci.trace.getData()
        rec = self._doc.record
        if xs is None or len(xs) == 0 or rec is None:
            fill.setPath(QPainterPath())
            return
        speed, gain = self._state.speed, self._state.gain
        idx = np.rint(np.asarray(xs) * rec.fs / speed).astype(np.int64) - self._doc.offset
        idx = np.clip(idx, 0, hw.shape[0] - 1)
        h = np.asarray(hw[idx], dtype=np.float64) * gain
        ys = np.asarray(ys, dtype=np.float64)
        # Kept within the lead's row: a band taller than the row says "do not trust this lead"
        # already (its indicator reads LOW), and spilling over would hide the neighbours' traces.
        pos = ci.trace.pos()
        lo, hi = ci.cell.top - ci.cell.height - pos.y(), ci.cell.top - pos.y()
        upper, lower = np.clip(ys + h, lo, hi), np.clip(ys - h, lo, hi)
        fill.setPath(pg.arrayToQPath(np.r_[xs, xs[::-1]], np.r_[upper, lower[::-1]]))
        fill.setPos(pos)

    def _draw_indicator(self, k: int, ci: CellItems, conf: object, calibration: str) -> None:
        item = self.indicators.get(k)
        if item is None:
            item = pg.TextItem(anchor=(0, 1))
            item.setPos(ci.cell.x0 + 0.8, ci.cell.top - ci.cell.height + 0.6)
            item.setZValue(21)
            self._grid.view_box.addItem(item, ignoreBounds=True)
            self.indicators[k] = item
        color = band_style.confidence_color(conf.level).name()
        item.setHtml(f"<span style='font-size:7.5pt; font-weight:600; color:{color}'>"
                     f"{band_style.confidence_text(conf.level)}</span>")
        item.setToolTip(f"{conf.text(ci.cell.lead)}\n{calibration}\n(no truth needed: the band's width at the "
                        "QRS against the lead's own QRS amplitude)")
        item.setVisible(True)
