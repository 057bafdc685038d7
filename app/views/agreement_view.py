"""Agreement over time: per-segment PCC of every synthesized lead, and the worst segments;
under them the band width and the heart rate over the same time.

Where a whole-record PCC hides the ten seconds in which a model fails (ectopy, noise, a
loose electrode), this tab shows the PCC of each segment along the recording, one curve
per synthesized lead and their mean, with the page on screen marked.  Clicking the plot
or a row of the worst-segments table turns the 12-lead page to that time.  A long
recording is scored in full on request (it is read and synthesized again chunk by chunk).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..controllers import AgreementController
from ..controllers.notify import Notifier
from ..controllers.rhythm import RhythmController
from ..render import style
from ..render.theme import theme
from ..state.document import ViewerDocument, ViewState, fmt_hms
from .band_time import BandTimePlot
from .heart_rate_plot import HeartRatePlot
from .score_reference import ScoreReferenceBox
from .time_plot import apply_plot_theme, clicked_time, lead_pen, page_span, time_plot

if TYPE_CHECKING:
    from leadsynth_core.agreement import Agreement

log = logging.getLogger(__name__)

SEGMENTS_S = (2.0, 5.0, 10.0, 30.0, 60.0)
LABELS = style.REFERENCE_LABELS  # keyed by leadsynth_core.scoring.REFERENCES
WORST_ROWS = 10


class AgreementView(QWidget):
    """The "Agreement over time" tab."""

    jump_requested = Signal(float)  # seconds: show the 12-lead page from there

    def __init__(self, document: ViewerDocument, state: ViewState, controller: AgreementController,
                 notifier: Notifier, rhythm: RhythmController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._doc = document
        self._state = state
        self._ctl = controller
        self._notifier = notifier
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)

        self.segment = QComboBox()
        for s in SEGMENTS_S:
            self.segment.addItem(f"{s:g} s segments", s)
        self.segment.setCurrentIndex(max(0, self.segment.findData(controller.segment_s)))
        self.segment.setToolTip("Length of the segments scored one by one")
        # One setting for the Scores table, the badges and this tab: the view state's.
        self.reference = ScoreReferenceBox(state, LABELS)
        self.reference.setToolTip(
            "What the synthesized leads are compared with: the file's samples as stored (like the "
            "Scores table), or those samples high-passed at 0.5 Hz like the synthesized leads, so "
            "that baseline wander does not count against the model")
        self.score_button = QPushButton("Score the whole recording")
        self.score_button.setToolTip("Read and synthesize the whole file again, chunk by chunk, and score it")
        self.cancel_button = QPushButton("Cancel")
        self.save_button = QPushButton("Save…")
        self.save_button.setToolTip("Save every segment's scores as CSV or JSON")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setMaximumWidth(220)
        bar = QHBoxLayout()
        bar.addWidget(self.segment)
        bar.addWidget(self.reference)
        bar.addStretch(1)
        bar.addWidget(self.progress)
        bar.addWidget(self.score_button)
        bar.addWidget(self.cancel_button)
        bar.addWidget(self.save_button)

        self.plot, self.page_region = time_plot("PCC")
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.plot.scene().sigMouseClicked.connect(self._on_plot_clicked)

        self.worst = QTableWidget(0, 4)
        self.worst.setHorizontalHeaderLabels(["Start", "Stop", "Mean PCC", "Worst lead"])
        self.worst.verticalHeader().setVisible(False)
        self.worst.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.worst.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.worst.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.worst.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.worst.setToolTip("The segments where the synthesis agrees least; double-click or Enter shows one")
        self.worst.setMinimumWidth(330)
        self.worst.setMaximumWidth(420)
        self.worst.activated.connect(lambda index: self._jump_to_row(index.row()))
        self.worst.cellDoubleClicked.connect(lambda row, _col: self._jump_to_row(row))

        body = QHBoxLayout()
        body.addWidget(self.plot, 1)
        right = QVBoxLayout()
        right.addWidget(QLabel("<b>Worst segments</b>"))
        right.addWidget(self.worst, 1)
        body.addLayout(right)
        # The segment scores need a measured truth: on a file without one (a patch, a watch)
        # this part is hidden, not left as an empty plot and table with controls that do
        # nothing, and the band over time below takes the tab.
        self.pcc_area = QWidget()
        pcc_lay = QVBoxLayout(self.pcc_area)
        pcc_lay.setContentsMargins(0, 0, 0, 0)
        pcc_lay.addLayout(bar)
        pcc_lay.addLayout(body, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.summary)
        # The three plots share the tab's height in a splitter the reader can move; with a
        # truth the segment scores come first and get the most room.
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.pcc_area)
        lay.addWidget(self.splitter, 1)
        # The band needs no truth: it shows where the synthesis is unsure on any file.
        self.band_plot = BandTimePlot(document, state)
        self.band_plot.jump_requested.connect(self.jump_requested)
        self.splitter.addWidget(self.band_plot)
        # The heart rate needs neither truth nor synthesis: the measured leads' beats.
        self.heart_rate = HeartRatePlot(rhythm, state)
        self.heart_rate.jump_requested.connect(self.jump_requested)
        self.splitter.addWidget(self.heart_rate)
        for i, stretch in enumerate((2, 1, 1)):
            self.splitter.setStretchFactor(i, stretch)

        self.segment.currentIndexChanged.connect(lambda _i: controller.set_options(segment_s=self.segment.currentData()))
        self.score_button.clicked.connect(controller.score_whole)
        self.cancel_button.clicked.connect(controller.cancel)
        self.save_button.clicked.connect(self.save_dialog)
        controller.state_changed.connect(lambda *_: self.refresh())
        controller.options_changed.connect(self._sync_segment)
        controller.progressed.connect(lambda f, _m: self.progress.setValue(int(1000 * f)))
        # The plot and the table are redrawn only when the scores change (a long recording
        # pages through windows with many result/model/state signals and the same scores);
        # everything else only updates the summary and the buttons.
        document.agreement_changed.connect(self.redraw)
        for sig in (document.record_changed, document.result_changed, document.model_changed,
                    document.inputs_changed):
            sig.connect(self.refresh)
        document.synthesis_state_changed.connect(lambda *_: self.refresh())
        state.position_changed.connect(lambda _s: self._update_page())
        state.changed.connect(self._on_state_changed)
        self.redraw()

    # ----------------------------------------------------------------- reads
    def curve_data(self, lead: str) -> tuple[np.ndarray, np.ndarray]:
        """The (x, y) drawn for ``lead`` ("mean" for the mean curve)."""
        item = self.curves[lead]
        x, y = item.getData()
        return np.asarray(x), np.asarray(y)

    def without_truth(self) -> bool:
        """True when a synthesis is shown and none of its leads has a measured truth in the file."""
        doc = self._doc
        return (doc.result is not None and not doc.scores and doc.agreement is None
                and doc.state != ViewerDocument.RUNNING)

    # --------------------------------------------------------------- actions
    def save(self, path: str | Path) -> Path | None:
        """Write the agreement shown as CSV or JSON (by suffix); errors go to the notifier path."""
        from leadsynth_core.agreement import write_agreement

        ag = self._doc.agreement
        if ag is None:
            return None
        return write_agreement(ag, path)

    def save_dialog(self) -> None:
        ag = self._doc.agreement
        if ag is None:
            return
        stem = Path(self._doc.path).stem if self._doc.path else "record"
        path, _ = QFileDialog.getSaveFileName(self, "Save segment scores", f"{stem}_agreement.csv",
                                              "CSV (*.csv);;JSON (*.json)")
        if not path:
            return
        try:
            self.save(path)
        except (OSError, ValueError) as exc:
            self._notifier.error("Cannot save the segment scores", exc)

    def _sync_segment(self) -> None:
        """Show the controller's segment length when it is set from elsewhere (settings, scripts)."""
        index = self.segment.findData(self._ctl.segment_s)
        if index >= 0 and index != self.segment.currentIndex():
            self.segment.blockSignals(True)
            self.segment.setCurrentIndex(index)
            self.segment.blockSignals(False)

    def _jump_to_row(self, row: int) -> None:
        item = self.worst.item(row, 0)
        if item is not None:
            self.jump_requested.emit(float(item.data(Qt.ItemDataRole.UserRole)))

    def _on_plot_clicked(self, event: object) -> None:
        ag = self._doc.agreement
        seconds = clicked_time(self.plot, event)
        if ag is None or seconds is None:
            return
        i = ag.segment_at(seconds)
        if i is not None:
            self.jump_requested.emit(float(ag.starts_s[i]))

    # -------------------------------------------------------------- drawing
    def _on_state_changed(self, what: str) -> None:
        if what == "speed":
            self._update_page()
        elif what == "theme":
            self.redraw()

    def _update_page(self) -> None:
        self.page_region.setRegion(page_span(self._state))

    def redraw(self) -> None:
        """Plot and worst-segments table of the document's scores, then :meth:`refresh`."""
        self._draw(self._doc.agreement)
        self._fill_worst(self._doc.agreement)
        self.refresh()

    def refresh(self) -> None:
        """Summary, buttons and page marker (cheap: no redrawing of the plot)."""
        doc, ctl = self._doc, self._ctl
        running = ctl.state == ViewerDocument.RUNNING
        self.progress.setVisible(running)
        self.cancel_button.setVisible(running)
        self.score_button.setVisible(doc.is_long)
        self.score_button.setEnabled(doc.is_long and ctl.can_score_whole() and not running)
        self.save_button.setEnabled(doc.agreement is not None)
        self.pcc_area.setVisible(not self.without_truth())
        self.summary.setText(self._summary_html(running))
        self._update_page()

    def _summary_html(self, running: bool) -> str:
        doc, ag = self._doc, self._doc.agreement
        if doc.record is None:
            return "Open a recording with all 12 leads to see where the synthesis agrees with the truth."
        if ag is not None:
            worst = ag.worst(1)
            w = worst[0] if worst else None
            scope = "whole recording" if not doc.is_long else "whole recording (scored in full)"
            text = (f"<b>{scope}</b>: mean PCC {ag.whole['mean']['pcc']:.3f} over {', '.join(ag.leads)}, "
                    f"{ag.n_segments} segment(s) of {ag.segment_s:g} s, vs. {LABELS[ag.reference]}, "
                    f"model {ag.model_id}.")
            if w is not None and np.isfinite(w.mean_pcc):
                text += (f" Lowest: {fmt_hms(w.start_s)}-{fmt_hms(w.stop_s)}, mean PCC {w.mean_pcc:.3f} "
                         f"({w.worst_lead} {w.worst_pcc:.3f}).")
            mean = ag.mean_pcc()
            seg_median = float(np.nanmedian(mean)) if np.isfinite(mean).any() else np.nan
            if ag.reference == "raw" and seg_median - ag.whole["mean"]["pcc"] > 0.15:
                # Slow baseline wander in the stored truth weighs on the whole-record PCC
                # far more than on any one segment (each segment's mean is removed).
                text += (" <i>The whole-recording PCC is far below the segments': the stored truth "
                         "carries slow baseline wander; compare with the baseline-corrected truth.</i>")
            return text
        if running:
            return f"{self._ctl.message[:1].upper()}{self._ctl.message[1:]}…"
        if not doc.needs_synthesis():
            return "All 12 leads are chosen as measured: nothing is synthesized, so there is nothing to compare."
        if doc.state in (ViewerDocument.FAILED, ViewerDocument.CANCELLED) and doc.result is None:
            return f"No synthesis to score: {doc.state_message or doc.state}."
        if doc.result is not None and not doc.scores:
            return ("No synthesized lead has a measured truth in this file: nothing to compare, so no PCC "
                    "over time. The band width below needs no truth: it shows where the synthesis is unsure.")
        if doc.is_long:
            return ("Long recording: the Scores table covers the loaded window only. "
                    "<b>Score the whole recording</b> reads and synthesizes the file again, chunk by chunk, "
                    "and scores every segment.")
        return "Waiting for the synthesis…"

    def _apply_theme(self) -> None:
        apply_plot_theme(self.plot, theme(self._state.theme))

    def _draw(self, ag: Agreement | None) -> None:
        th = theme(self._state.theme)
        self._apply_theme()
        legend = self.plot.getPlotItem().legend
        for item in self.curves.values():
            self.plot.removeItem(item)
        self.curves = {}
        if legend is not None:
            legend.clear()
        if ag is None:
            return
        edges = np.append(ag.starts_s, ag.stops_s[-1])
        for j, lead in enumerate(ag.leads):
            self.curves[lead] = self.plot.plot(edges, ag.pcc[:, j], stepMode="center", name=lead,
                                               pen=lead_pen(j))
        self.curves["mean"] = self.plot.plot(edges, ag.mean_pcc(), stepMode="center", name="mean",
                                             pen=pg.mkPen(th.measured, width=2.5))
        finite = ag.pcc[np.isfinite(ag.pcc)]
        # From 0.5 at most (small differences near 1 are not blown up), lower when needed.
        low = min(0.5, float(np.floor((finite.min() - 0.05) * 10.0) / 10.0)) if finite.size else 0.0
        low = max(-1.0, low)
        self.plot.setYRange(low, 1.02, padding=0.0)
        self.plot.setXRange(0.0, float(ag.stops_s[-1]), padding=0.01)

    def _fill_worst(self, ag: Agreement | None) -> None:
        rows = ag.worst(WORST_ROWS) if ag is not None else []
        self.worst.setRowCount(len(rows))
        for r, w in enumerate(rows):
            texts = (fmt_hms(w.start_s), fmt_hms(w.stop_s),
                     f"{w.mean_pcc:.3f}" if np.isfinite(w.mean_pcc) else "flat",
                     f"{w.worst_lead} {w.worst_pcc:.3f}" if np.isfinite(w.worst_pcc) else "—")
            for c, text in enumerate(texts):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, w.start_s)
                self.worst.setItem(r, c, item)
