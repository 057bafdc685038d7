"""Median beats: per lead, the median beat of the synthesis over that of the measured truth.

Beats are aligned on R peaks found in one reference lead (II, else the first measured
lead) so that every lead's median beat shares the same time axis.  Only a window from the
current position is used (:data:`WINDOW_S`): a 24-hour recording is not scanned on every
page turn.  Computed only while the tab is visible.
"""

from __future__ import annotations

import logging

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from leadsynth_core.errors import LeadSynthError
from leadsynth_core.leads import STANDARD_LEADS
from leadsynth_core.record import Provenance

from ..render import style
from ..render.theme import theme
from ..state.document import ViewerDocument, ViewState

log = logging.getLogger(__name__)

WINDOW_S = 60.0
BEFORE_S = 0.35
AFTER_S = 0.55


def beat_matrix(x: np.ndarray, fs: float, peaks: np.ndarray) -> np.ndarray:
    """Median beat of ``x`` around ``peaks`` via the core (mV)."""
    from leadsynth_core import preprocess  # scipy.signal: imported when the tab is first shown

    return np.asarray(preprocess.median_beat(x, fs, peaks, before=BEFORE_S, after=AFTER_S), dtype=np.float64)


class MedianBeatView(QWidget):
    def __init__(self, document: ViewerDocument, state: ViewState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._doc = document
        self._state = state
        self._active = False
        self._dirty = True
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.canvas = pg.GraphicsLayoutWidget()
        self.plots: dict[str, pg.PlotItem] = {}
        self.curves: dict[str, dict[str, pg.PlotDataItem]] = {}
        order = [("I", "aVR", "V1", "V4"), ("II", "aVL", "V2", "V5"), ("III", "aVF", "V3", "V6")]
        for r, row in enumerate(order):
            for c, lead in enumerate(row):
                plot = self.canvas.addPlot(row=r, col=c)
                plot.showGrid(x=True, y=True, alpha=0.25)
                plot.setLabel("bottom", "ms")
                plot.setLabel("left", "mV")
                # Keep the axis in plain mV: an automatic "(x0.001)" would misread as µV.
                plot.getAxis("left").enableAutoSIPrefix(False)
                plot.getAxis("bottom").enableAutoSIPrefix(False)
                plot.setMenuEnabled(False)
                plot.hideButtons()
                self.plots[lead] = plot
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.info)
        lay.addWidget(self.canvas, 1)
        for sig in (document.record_changed, document.result_changed, document.window_changed):
            sig.connect(self._invalidate)
        state.changed.connect(lambda what: self._invalidate() if what in ("theme", "filters", "mode") else None)
        state.position_changed.connect(lambda _s: self._invalidate())

    def set_active(self, active: bool) -> None:
        self._active = active
        if active and self._dirty:
            self.refresh()

    def _invalidate(self) -> None:
        self._dirty = True
        if self._active:
            self.refresh()

    def refresh(self) -> None:
        self._dirty = False
        th = theme(self._state.theme)
        self.canvas.setBackground(th.paper)
        for plot in self.plots.values():
            plot.clear()
        self.curves = {}
        rec = self._doc.record
        if rec is None:
            self.info.setText("No record open.")
            return
        # Indices into the loaded samples (a long recording holds one window of the file).
        i0 = int(self._state.position * rec.fs) - self._doc.offset
        i1 = min(rec.n_samples, i0 + int(WINDOW_S * rec.fs))
        i0 = min(max(0, i0), rec.n_samples)
        i1 = max(i0, i1)
        displays = {lead: self._doc.lead_display(lead, "compare") for lead in STANDARD_LEADS}
        ref_lead = "II" if displays["II"].samples is not None else next(
            (lead for lead, d in displays.items() if d.samples is not None), None)
        if ref_lead is None:
            self.info.setText("No lead to align beats on.")
            return
        from leadsynth_core import preprocess

        filters = self._state.filters
        ref = filters.apply_window(displays[ref_lead].samples, i0, i1, rec.fs)
        try:
            peaks = np.asarray(preprocess.detect_r_peaks(ref, rec.fs))
        except LeadSynthError as exc:
            self.info.setText(f"No beats found: {exc}")
            return
        self.info.setText(
            f"Median of {len(peaks)} beats aligned on R peaks of {ref_lead}, "
            f"{i0 / rec.fs:.1f}-{i1 / rec.fs:.1f} s. Black: measured truth; "
            f"blue dashed: SYNTHESIZED ({self._doc.model_name or 'none'}); PCC badges are for the whole record. "
            f"{filters.describe()}"
        )
        for lead, disp in displays.items():
            plot = self.plots[lead]
            plot.setTitle(f"<b>{lead}</b> · {style.provenance_text(disp, self._doc.inputs)}",
                          color=style.trace_color(th, disp.provenance).name(), size="9pt")
            self.curves[lead] = {}
            for role, samples, pen in (
                ("truth", disp.truth, style.truth_pen(th, 1.6)),
                ("trace", disp.samples, style.trace_pen(th, disp.provenance, 2.0)),
            ):
                if samples is None:
                    continue
                try:
                    beat = beat_matrix(filters.apply_window(samples, i0, i1, rec.fs), rec.fs, peaks)
                except LeadSynthError as exc:
                    log.info("median beat of %s: %s", lead, exc)
                    continue
                t_ms = (np.arange(beat.shape[0]) / rec.fs - BEFORE_S) * 1000.0
                curve = plot.plot(t_ms, beat, pen=pen, skipFiniteCheck=True)
                self.curves[lead][role] = curve
            if disp.score is not None and disp.provenance is Provenance.SYNTHESIZED:
                badge = pg.TextItem(style.badge_text(disp.score), color=th.badge_text, anchor=(1, 0))
                plot.addItem(badge)
                badge.setPos(AFTER_S * 1000.0, float(np.nanmax(self.curves[lead]["trace"].yData))
                             if "trace" in self.curves[lead] else 0.0)
