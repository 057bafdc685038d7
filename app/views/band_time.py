"""Band width over time: where along the recording the synthesis is unsure (no truth needed).

One curve per synthesized lead (the mean full width of its calibrated band per beat, or per
second where no beats are found) and their mean, with the 12-lead page on screen marked.  Clicking the plot turns the page to
that time.  For a long recording the band is the loaded window's.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from leadsynth_core.uncertainty.confidence import PER_BEAT_MIN_BEATS, band_over_time

from ..render.theme import theme
from ..state.document import ViewerDocument, ViewState
from .time_plot import TimePlotPanel, apply_plot_theme, lead_pen

__all__ = ["BandTimePlot"]

#: Width of one time step of the plot where no beats are found (s).
STEP_S = 1.0


class BandTimePlot(TimePlotPanel):
    """The band-width-over-time plot of the Agreement tab."""

    def __init__(self, document: ViewerDocument, state: ViewState, parent: QWidget | None = None) -> None:
        super().__init__(state, "band width (mV)", parent=parent)
        self._doc = document
        self.curves: dict[str, pg.PlotDataItem] = {}
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.title)
        lay.addWidget(self.plot, 1)
        document.band_changed.connect(self.redraw)
        document.result_changed.connect(self.redraw)
        self.redraw()

    def curve_data(self, lead: str) -> tuple[np.ndarray, np.ndarray]:
        """The (x, y) drawn for ``lead`` ("mean" for the mean of the leads)."""
        x, y = self.curves[lead].getData()
        return np.asarray(x), np.asarray(y)

    def has_data(self) -> bool:
        return self._doc.band is not None

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
