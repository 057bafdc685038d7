"""What the 12-lead page draws besides the leads: each row's 1-mV calibration pulse, the
column separators and the header strip above the paper (the scale and the legend).

Kept out of :mod:`app.views.ecg_grid`, which places and refreshes the traces; the printed page
draws the same pieces in :mod:`app.render.page`.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from ..render.theme import Theme
from ..state import paper
from ..state.document import ViewState
from .text_fit import fit_text_width

__all__ = ["HEADER_MM", "PageDecor"]

#: Strip above the page that carries the scale and the legend (mm).
HEADER_MM = 10.0


class PageDecor:
    """The pulses, separators and header of one :class:`~app.views.ecg_grid.EcgGridView`."""

    def __init__(self, view_box: pg.ViewBox) -> None:
        self._view_box = view_box
        self._items: list[pg.GraphicsObject] = []
        #: The header's text item (the scale and the legend), once drawn.
        self.legend: pg.TextItem | None = None

    def draw(self, geo: paper.PageGeometry, legend_html: str, state: ViewState, th: Theme) -> None:
        """Draw them again for ``geo`` at the state's speed and gain, with ``legend_html`` as the header."""
        for item in self._items:
            self._view_box.removeItem(item)
        self._items = []
        speed, gain = state.speed, state.gain
        xs, ys = [], []
        w = paper.PULSE_DURATION_S * speed
        for base in geo.pulse_bases(gain):  # inside each row: neighbouring pulses never touch
            x = 2.0
            xs += [x, x + 1.5, x + 1.5, x + 1.5 + w, x + 1.5 + w, x + 3.0 + w, np.nan]
            ys += [base, base, base + gain, base + gain, base, base, np.nan]
        pulse = pg.PlotDataItem(np.array(xs), np.array(ys), pen=pg.mkPen(th.measured, width=1.3), connect="finite")
        pulse.setToolTip(f"Calibration: 1 mV = {gain:g} mm, {paper.PULSE_DURATION_S:g} s = {w:g} mm")
        sep_x, sep_y = [], []
        for cell in geo.cells:
            if cell.col > 0:
                sep_x += [cell.x0, cell.x0]
                sep_y += [cell.baseline - 2.5, cell.baseline + 2.5]
        self._items.append(pulse)
        if sep_x:
            self._items.append(pg.PlotDataItem(np.array(sep_x), np.array(sep_y),
                                               pen=pg.mkPen(th.separator, width=1.3), connect="pairs"))
        # Anchored at its bottom: a legend wrapped to two lines grows away from the traces.
        header = pg.TextItem(html=legend_html, anchor=(0, 1))
        header.setPos(paper.PULSE_MARGIN_MM, geo.height + 0.5)
        self._items.append(header)
        self.legend = header
        self.fit_legend(geo)
        for item in self._items:
            item.setZValue(15)
            self._view_box.addItem(item, ignoreBounds=True)

    def fit_legend(self, geo: paper.PageGeometry) -> None:
        """Wrap the legend at the page's right edge instead of letting the page clip it.

        The legend is drawn at a fixed font size (it ignores the view's scale), so whether
        it fits depends on the zoom: at the fitted page a long model name would run past
        the paper.
        """
        if self.legend is None:
            return
        size = self._view_box.viewPixelSize()[0]
        if size <= 0:
            return
        fit_text_width(self.legend, (geo.width - paper.PULSE_MARGIN_MM - 1.0) / size, 120.0)

    def legend_text(self) -> str:
        """The header as plain text (speed, gain, what each trace style means)."""
        return self.legend.textItem.toPlainText() if self.legend is not None else ""
