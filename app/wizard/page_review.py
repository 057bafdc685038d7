"""Step 5: before/after per lead, an overlay of general vs personal synthesis on the
truth, and a plain-language verdict.  Accept saves; Discard leaves no trace."""

from __future__ import annotations

import logging

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)

from leadsynth_core.options import VERDICT_PCC_TOLERANCE, VERDICT_RMSE_TOLERANCE
from leadsynth_core.personalization import LeadScores
from leadsynth_core.record import Provenance

from ..render.style import second_synthesis_pen, trace_pen, truth_pen
from ..render.theme import LIGHT
from .review import verdict_of
from .state import WizardState

log = logging.getLogger(__name__)

# The project's trace style (app/render/style.py): measured truth in the measured ink,
# every synthesis a solid thin line in the synthesized colour (a dashed line smears narrow
# QRS complexes); the personal model under review in full colour, the general model washed
# out behind it.  The legend names each line's model.
TRUTH_PEN = truth_pen(LIGHT, width=1.3)
GENERAL_PEN = second_synthesis_pen(LIGHT)
PERSONAL_PEN = trace_pen(LIGHT, Provenance.SYNTHESIZED)
_BETTER = QColor("#1a7f37")
_WORSE = QColor("#b00000")


def _score_table(title: str) -> QTableWidget:
    table = QTableWidget(0, 5)
    table.setHorizontalHeaderLabels(
        ["Lead", "PCC\ngeneral", "PCC\npersonal", "RMSE (mV)\ngeneral", "RMSE (mV)\npersonal"]
    )
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    table.verticalHeader().setDefaultSectionSize(20)
    table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    table.setToolTip(title)
    return table


def _fill_scores(table: QTableWidget, leads: tuple[str, ...], before: LeadScores, after: LeadScores) -> None:
    rows = [(lead, before.pcc[lead], after.pcc[lead], before.rmse[lead], after.rmse[lead]) for lead in leads]
    rows.append(("mean", before.mean_pcc, after.mean_pcc, before.mean_rmse, after.mean_rmse))
    table.setRowCount(len(rows))
    bold = QFont()
    bold.setBold(True)
    for r, (lead, p0, p1, e0, e1) in enumerate(rows):
        cells = [lead, f"{p0:.3f}", f"{p1:.3f}", f"{e0:.4f}", f"{e1:.4f}"]
        for col, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            if lead == "mean":
                item.setFont(bold)
            if col == 2 and abs(p1 - p0) > VERDICT_PCC_TOLERANCE:
                item.setForeground(QBrush(_BETTER if p1 > p0 else _WORSE))
            if col == 4 and abs(e1 - e0) > VERDICT_RMSE_TOLERANCE * max(e0, 1e-9):
                item.setForeground(QBrush(_BETTER if e1 < e0 else _WORSE))
            table.setItem(r, col, item)
    table.setFixedHeight(table.horizontalHeader().height() + 20 * len(rows) + 4)


class ReviewPage(QWizardPage):
    def __init__(self, state: WizardState) -> None:
        super().__init__()
        self._state = state
        self.setTitle("5. Review")
        self.setSubTitle(
            "Scores on data the fine-tune never saw. Accept saves the personal model for this "
            "patient; Discard leaves no trace."
        )
        self.setButtonText(QWizard.WizardButton.FinishButton, "Accept")
        self.setButtonText(QWizard.WizardButton.CancelButton, "Discard")
        self.verdict_label = QLabel()
        self.verdict_label.setWordWrap(True)
        self.detail_label = QLabel()
        self.detail_label.setWordWrap(True)
        self.holdout_title = QLabel()
        self.holdout_table = _score_table("held-out part of the chosen recordings")
        self.open_title = QLabel()
        self.open_table = _score_table("the open record")
        self.lead_combo = QComboBox()
        self.lead_combo.currentTextChanged.connect(self.show_lead)
        self.plot = pg.PlotWidget(background=LIGHT.paper)
        self.plot.setMinimumHeight(230)
        self.plot.setLabel("bottom", "time", units="s")
        self.plot.setLabel("left", "amplitude (mV)")
        self.plot.getAxis("left").enableAutoSIPrefix(False)  # always mV, never "x0.001"
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        self.legend = self.plot.addLegend(
            offset=(10, 5), brush=pg.mkBrush(255, 255, 255, 210), labelTextColor="#111111"
        )
        self.keep_anyway = QCheckBox("Save the personal model anyway (not recommended)")
        self.keep_anyway.toggled.connect(lambda _on: self.completeChanged.emit())
        tables = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(self.holdout_title)
        left.addWidget(self.holdout_table)
        right = QVBoxLayout()
        right.addWidget(self.open_title)
        right.addWidget(self.open_table)
        tables.addLayout(left)
        tables.addLayout(right)
        lead_row = QHBoxLayout()
        lead_row.addWidget(QLabel("Lead:"))
        lead_row.addWidget(self.lead_combo)
        self.overlay_label = QLabel()
        lead_row.addWidget(self.overlay_label, 1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.verdict_label)
        lay.addWidget(self.detail_label)
        lay.addLayout(tables)
        lay.addLayout(lead_row)
        lay.addWidget(self.plot, 1)
        lay.addWidget(self.keep_anyway)

    # ------------------------------------------------------------- QWizardPage
    def initializePage(self) -> None:  # noqa: N802 (Qt API)
        review = self._state.review
        if review is None:
            return
        res = review.result
        self.setSubTitle(
            f"Patient {res.patient_id}, measured leads {', '.join(res.inputs)}: scores on data the "
            "fine-tune never saw. Accept saves the personal model for this patient; Discard leaves "
            "no trace."
        )
        verdict = verdict_of(review)
        color = _BETTER.name() if verdict.helped else _WORSE.name()
        self.verdict_label.setText(
            f"<span style='font-size:13pt; color:{color}'><b>{verdict.headline}</b></span>"
        )
        self.detail_label.setText(verdict.detail)
        self.keep_anyway.setChecked(False)
        self.keep_anyway.setVisible(not verdict.helped)
        held = sum(r.holdout_seconds for r in res.recordings)
        if res.before is not None and res.after is not None:
            self.holdout_title.setText(
                f"<b>Held-out</b>: the last {100 * res.settings['holdout']:.0f} % of each of the "
                f"{len(res.recordings)} chosen recordings ({held:.0f} s), never trained on"
            )
            _fill_scores(self.holdout_table, res.leads, res.before, res.after)
        else:
            self.holdout_title.setText("<b>Held-out</b>: nothing could be held out")
            self.holdout_table.setRowCount(0)
        if review.open_scores is not None:
            self.open_title.setText(f"<b>Open record</b> {review.open_name} (all 12 leads, never trained on)")
            _fill_scores(self.open_table, res.leads, *review.open_scores)
            self.open_table.setVisible(True)
        else:
            self.open_title.setText(
                "<b>Open record</b>: not scored (it lacks measured leads to compare with)"
            )
            self.open_table.setVisible(False)
        self.lead_combo.blockSignals(True)
        self.lead_combo.clear()
        self.lead_combo.addItems(list(review.overlay.truth))
        self.lead_combo.blockSignals(False)
        self.overlay_label.setText(f"on {review.overlay.label}")
        # The general model's weakest lead first: where personalization matters most.
        general = review.open_scores[0] if review.open_scores is not None else res.before
        if general is not None:
            self.lead_combo.setCurrentText(min(review.overlay.truth, key=lambda n: general.pcc.get(n, 1.0)))
        self.show_lead(self.lead_combo.currentText())

    def isComplete(self) -> bool:  # noqa: N802 (Qt API)
        review = self._state.review
        return review is not None and (review.result.improved or self.keep_anyway.isChecked())

    # ------------------------------------------------------------------ slots
    def show_lead(self, lead: str) -> None:
        review = self._state.review
        self.plot.clear()
        self.legend.clear()
        if review is None or lead not in review.overlay.truth:
            return
        ov = review.overlay
        t = np.arange(ov.truth[lead].size) / ov.fs
        self.plot.plot(t, ov.truth[lead], pen=TRUTH_PEN, name=f"{lead} measured (truth)")
        self.plot.plot(t, ov.general[lead], pen=GENERAL_PEN, name=f"{lead} SYNTHESIZED, general model")
        self.plot.plot(t, ov.personal[lead], pen=PERSONAL_PEN, name=f"{lead} SYNTHESIZED, personal model")
        self.plot.setTitle(f"{lead}: measured truth (black); SYNTHESIZED: personal model (blue), "
                           "general model (light blue)")
