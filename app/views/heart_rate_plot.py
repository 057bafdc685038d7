"""Heart rate over time: the rate of every segment of the recording, its pauses marked.

Drawn from the measured leads' beats (:class:`~app.controllers.rhythm.RhythmController`), so it
needs no truth and no synthesis: on a patch recording it shows where the rhythm slows,
quickens or stops, which is where a reader looks first, and where a synthesis is most often
unsure (the band plot above it shares its time axis).  Behind the segments' rate, every
beat's own (60/RR) as a thin grey line: an irregular rhythm or an ectopic beat with its pause
shows there, and nothing is named.  A pause of 2 s or more is a red line
at its start, labelled with its length.  Clicking turns the 12-lead page to that time.
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QVBoxLayout, QWidget

from leadsynth_core.measurement.rhythm import PAUSE_S

from ..controllers.rhythm import RhythmController
from ..render.theme import theme
from ..state.document import ViewState
from .time_plot import TimePlotPanel, apply_plot_theme

__all__ = ["HeartRatePlot"]

#: A pause's mark (the colour of an error, not of a lead; legible on the light and the dark paper).
PAUSE_COLOUR = "#e03145"
#: The rate axis shows at least this range (bpm), so that a sinus rhythm varying by 2 bpm is not
#: drawn as if it raced and slowed; it widens to hold every segment.
RATE_AXIS_BPM = (40.0, 120.0)
#: ... and at most this high, whatever a noise "beat" says.
MAX_AXIS_BPM = 250.0
#: Each beat's rate: a thin grey line behind the segments' step line.
BEAT_COLOUR = "#9a9a9a"
#: Pauses drawn one by one at most (a recording with more lists them in the summary only).
MAX_PAUSE_MARKS = 200


class HeartRatePlot(TimePlotPanel):
    """The heart-rate plot of the Agreement tab."""

    def __init__(self, controller: RhythmController, state: ViewState, parent: QWidget | None = None) -> None:
        super().__init__(state, "heart rate (bpm)", legend_columns=1, parent=parent)
        self._ctl = controller
        self.find_button = QPushButton("Find the beats of the whole recording")
        self.find_button.setToolTip("Read the whole file again, chunk by chunk, and find its beats on the measured leads")
        self.find_button.clicked.connect(controller.find_whole)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(lambda: controller.cancel())
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setMaximumWidth(220)
        controller.progressed.connect(lambda f, _m: self.progress.setValue(int(1000 * f)))
        self.curve: pg.PlotDataItem | None = None
        #: Every beat's own rate (60/RR), thin, behind the segments: an irregular rhythm, an
        #: ectopic beat and its compensatory pause show in it, none of them named.
        self.beat_curve: pg.PlotDataItem | None = None
        self.marks: list[pg.InfiniteLine] = []
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        for widget in (self.progress, self.find_button, self.cancel_button):
            head.addWidget(widget)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(head)
        lay.addWidget(self.plot, 1)
        controller.changed.connect(self.redraw)
        self.redraw()

    def curve_data(self) -> tuple[np.ndarray, np.ndarray]:
        """The (x, y) drawn: segment edges and rates (a step curve)."""
        if self.curve is None:
            return np.zeros(0), np.zeros(0)
        x, y = self.curve.getData()
        return np.asarray(x), np.asarray(y)

    def beat_data(self) -> tuple[np.ndarray, np.ndarray]:
        """The (x, y) of each beat's rate as given to the plot (before downsampling)."""
        if self.beat_curve is None:
            return np.zeros(0), np.zeros(0)
        return np.asarray(self.beat_curve.xData), np.asarray(self.beat_curve.yData)

    def pause_marks(self) -> list[float]:
        """Where the pause marks stand (s)."""
        return [float(m.value()) for m in self.marks]

    def has_data(self) -> bool:
        return self._ctl.trend is not None

    def redraw(self) -> None:
        ctl = self._ctl
        th = theme(self._state.theme)
        apply_plot_theme(self.plot, th)
        for item in (self.curve, self.beat_curve):
            if item is not None:
                self.plot.removeItem(item)
        self.curve = self.beat_curve = None
        for mark in self.marks:
            self.plot.removeItem(mark)
        self.marks = []
        running = ctl.running
        self.progress.setVisible(running)
        self.cancel_button.setVisible(running)
        self.find_button.setVisible(ctl.can_find_whole() and ctl.trend is None)
        trend = ctl.trend
        if trend is None:
            self.title.setText(f"<b>Heart rate over time</b>: <i>{html.escape(ctl.message)}</i>")
            self._update_page()
            return
        starts, rates = trend.segment_starts(), trend.heart_rate()
        beat_rates = 60.0 / trend.rr_s if trend.n_beats > 1 else np.zeros(0)
        if beat_rates.size:
            self.beat_curve = self.plot.plot(trend.beats_s[1:], beat_rates, pen=pg.mkPen(BEAT_COLOUR, width=0.8),
                                             name="each beat (60/RR)")
            # A day of beats: drawn at the screen's resolution, peaks kept (an ectopic beat shows).
            self.beat_curve.setClipToView(True)
            self.beat_curve.setDownsampling(auto=True, method="peak")
        if starts.size:
            edges = np.r_[starts, min(starts[-1] + trend.segment_s, trend.duration_s)]
            # NaN (no beats) breaks the line instead of joining its neighbours.
            self.curve = self.plot.plot(edges, rates, stepMode="center", connect="finite",
                                        pen=pg.mkPen(th.measured, width=2.0), name=f"{trend.segment_s:g}-s segments")
        shown = np.r_[rates[np.isfinite(rates)], np.minimum(beat_rates, MAX_AXIS_BPM)]
        lo = min(RATE_AXIS_BPM[0], float(shown.min()) - 5) if shown.size else RATE_AXIS_BPM[0]
        hi = max(RATE_AXIS_BPM[1], float(shown.max()) + 5) if shown.size else RATE_AXIS_BPM[1]
        self.plot.setYRange(max(0.0, lo), hi, padding=0)
        pauses = trend.pauses()
        for p in pauses[:MAX_PAUSE_MARKS]:
            mark = pg.InfiniteLine(pos=p.start_s, angle=90, movable=False, pen=pg.mkPen(PAUSE_COLOUR, width=1.5),
                                   label=f"{p.duration_s:.1f} s", labelOpts={"color": PAUSE_COLOUR, "position": 0.9})
            self.plot.addItem(mark)
            self.marks.append(mark)
        more = (f" <span style='color:{PAUSE_COLOUR}'>Pauses of {PAUSE_S:g} s or more: red lines, labelled with "
                "their length.</span>" if pauses else "")
        self.title.setText(f"<b>Heart rate over time</b>: {html.escape(trend.summary())}. "
                           f"Measured leads only; no truth needed. Click to show that time.{more}")
        self._update_page()
