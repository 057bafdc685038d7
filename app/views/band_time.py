"""Band width over time: where along the recording the synthesis is unsure (no truth needed).

One curve per synthesized lead (the mean full width of its calibrated band per beat, or per
second where no beats are found) and their mean, with the 12-lead page on screen marked.  Clicking the plot turns the page to
that time.  For a long recording the band is the loaded window's.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from leadsynth_core.uncertainty.confidence import PER_BEAT_MIN_BEATS, band_over_time

from ..render.theme import theme
from ..state.document import ViewerDocument, ViewState
from ..state.paper import DATA_WIDTH_MM
from .time_plot import apply_plot_theme, lead_pen, time_plot

__all__ = ["BandTimePlot"]

#: Width of one time step of the plot where no beats are found (s).
STEP_S = 1.0


class BandTimePlot(QWidget):
    """The band-width-over-time plot of the Agreement tab."""

    jump_requested = Signal(float)

    def __init__(self, document: ViewerDocument, state: ViewState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._doc, self._state = document, state
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.plot, self.page_region = time_plot("band width (mV)")
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.plot.scene().sigMouseClicked.connect(self._on_clicked)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.title)
        lay.addWidget(self.plot, 1)
        document.band_changed.connect(self.redraw)
        document.result_changed.connect(self.redraw)
        state.position_changed.connect(lambda _s: self._update_page())
        state.changed.connect(self._on_state_changed)
        self.redraw()

    def curve_data(self, lead: str) -> tuple[np.ndarray, np.ndarray]:
        """The (x, y) drawn for ``lead`` ("mean" for the mean of the leads)."""
        x, y = self.curves[lead].getData()
        return np.asarray(x), np.asarray(y)

    def _on_state_changed(self, what: str) -> None:
        if what == "speed":
            self._update_page()
        elif what == "theme":
            self.redraw()

    def redraw(self) -> None:
        th = theme(self._state.theme)
        apply_plot_theme(self.plot, th)
        for item in self.curves.values():
            self.plot.removeItem(item)
        self.curves = {}
        band = self._doc.band
        if band is None:
            why = self._doc.band_message or "no synthesis yet"
            self.title.setText(f"<b>Band width over time</b>: <i>{why}</i>")
            self._update_page()
            return
        res = band.result
        t, widths = band_over_time(band.half_width, res.fs, STEP_S, band.beats)
        per = "per beat" if len(band.beats) >= PER_BEAT_MIN_BEATS else "per second (no beats found)"
        t = t + self._doc.offset / res.fs
        leads = [n for j, n in enumerate(res.lead_names) if np.isfinite(widths[:, j]).any()]
        for k, lead in enumerate(leads):
            y = widths[:, res.lead_names.index(lead)]
            self.curves[lead] = self.plot.plot(t, y, pen=lead_pen(k, 1.0),
                                               name=lead)
        if leads:
            mean = np.nanmean(widths[:, [res.lead_names.index(n) for n in leads]], axis=1)
            self.curves["mean"] = self.plot.plot(t, mean, pen=pg.mkPen(th.measured, width=2.5),
                                               name="mean")
        scope = " (loaded window)" if self._doc.is_long else ""
        low = [n for n, c in band.confidence.items() if c.level == "low"]
        parts = [f"self-check on the measured leads x{band.probe_factor:.2f}"] if band.probe_factor != 1.0 else []
        if band.spread_factor != 1.0:
            parts.append(f"members' overall disagreement x{band.spread_factor:.2f}")
        check = f" Band factors of this recording: {', '.join(parts)}." if parts else ""
        self.title.setText(
            f"<b>Band width over time</b>{scope}, {per}: {band.calibration}. Wide = the synthesis is unsure there; "
            f"no measured truth needed. Click to show that time.{check}"
            + (f" <span style='color:#D55E00'>Low confidence at the QRS: {', '.join(low)}</span>" if low else ""))
        self._update_page()

    def _update_page(self) -> None:
        start = self._state.position
        self.page_region.setRegion((start, start + DATA_WIDTH_MM / self._state.speed))

    def _on_clicked(self, event: object) -> None:
        if self._doc.band is None or event.button() != Qt.MouseButton.LeftButton:  # type: ignore[attr-defined]
            return
        vb = self.plot.getViewBox()
        pos = event.scenePos()  # type: ignore[attr-defined]
        if vb.sceneBoundingRect().contains(pos):
            self.jump_requested.emit(max(0.0, float(vb.mapSceneToView(pos).x())))
