"""Per-lead agreement of the synthesis with the file's measured truth, and, for the
synthesized leads the file holds no truth for (a patch, a watch), what to expect of them.

Without a measured lead to compare with, a PCC cannot be shown; an empty table would tell
the reader nothing about which synthesized lead to believe.  The second table answers that
per lead from what *is* known: this recording's calibrated band at the QRS (its width and
the confidence level drawn on the page, ``leadsynth_core.uncertainty.confidence``) and the
model's own validation PCC for that lead with these inputs (its card), a population figure.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from leadsynth_core.record import Provenance

from ..controllers.prior import PriorController
from ..render.band_style import confidence_color
from ..render.style import REFERENCE_LABELS as REFERENCES
from ..render.style import REFERENCE_LABELS_SHORT as SHORT
from ..state.document import ViewerDocument, ViewState
from .dock_label import dock_note
from .score_reference import ScoreReferenceBox

COLUMNS = ("Lead", "PCC", "RMSE\nmV", "MAE\nmV", "SNR\ndB")
#: The table of synthesized leads without a truth: the band's full width at the QRS, that
#: width against the lead's QRS amplitude, the level drawn on the page, the card's PCC.
EXPECT_COLUMNS = ("Lead", "Band\nmV", "of\nQRS", "Conf.", "Valid.\nPCC", "Prior\nPCC")
#: The column of this model's PCC on the patient's prior ECG (shown once one is checked).
PRIOR_COLUMN = 5
#: The level's word in the table (the page's indicator says the same, longer).
LEVEL_WORDS = {"high": "narrow", "moderate": "moderate", "low": "LOW"}


def _table(columns: tuple[str, ...]) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(list(columns))
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    table.verticalHeader().setDefaultSectionSize(19)
    return table


class MetricsTable(QWidget):
    def __init__(self, document: ViewerDocument, state: ViewState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._doc = document
        self.title = QLabel("<b>Synthesized vs. measured truth</b>")
        # Short labels and a small minimum: the dock must not squeeze the ECG page.
        self.reference = ScoreReferenceBox(state, SHORT)
        self.reference.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.reference.setMinimumContentsLength(12)
        self.reference.setToolTip(
            "Stored samples: the file's leads as recorded, baseline wander included. Baseline-corrected: "
            "those leads high-passed at 0.5 Hz, like the synthesized leads, so that wander in the "
            "recording does not count against the model. Applies to this table, the PCC badges and "
            "the Agreement over time tab.")
        self.table = _table(COLUMNS)
        self.note = dock_note()
        self.expect_title = dock_note("<b>Synthesized leads without a measured truth</b>")
        self.expect_table = _table(EXPECT_COLUMNS)
        # "moderate" must not be cut to "mode…": that column takes the width it needs.
        self.expect_table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.expect_table.setToolTip(
            "Band mV: the full width of the calibrated band over the QRS complexes of this "
            "recording (median over beats). Of QRS: that width against the lead's own QRS "
            "amplitude; the confidence level (Conf.) is read from it (under a third: narrow band; up to two "
            "thirds: moderate; more: LOW). Valid. PCC: the model's mean PCC for this lead with these "
            "inputs on records it never trained on (its card), not this recording's.")
        self.expect_table.setColumnHidden(PRIOR_COLUMN, True)
        self.expect_note = dock_note()
        #: The Prior ECG dock's controller (``set_prior_source``): this model on the patient's prior.
        self._prior: PriorController | None = None
        lay = QVBoxLayout(self)
        lay.addWidget(self.title)
        lay.addWidget(self.reference)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.note)
        lay.addWidget(self.expect_title)
        lay.addWidget(self.expect_table, 1)
        lay.addWidget(self.expect_note)
        document.record_changed.connect(self.refresh)
        document.result_changed.connect(self.refresh)
        document.window_changed.connect(self.refresh)
        document.synthesis_state_changed.connect(lambda *_: self.refresh())
        document.agreement_changed.connect(self.refresh)
        document.band_changed.connect(self.refresh)
        document.model_changed.connect(self.refresh)
        self.refresh()

    def set_prior_source(self, prior: PriorController) -> None:
        """Show, per lead without a truth, the PCC this model reached on the patient's prior ECG
        (the Prior ECG dock's check): this patient's figure beside the population's."""
        self._prior = prior
        prior.changed.connect(self.refresh)
        self.refresh()

    def _prior_pcc(self) -> dict[str, float]:
        check = self._prior.model_check if self._prior is not None else None
        return {lead: s.pcc for lead, s in (check or {}).items() if s.pcc == s.pcc}

    def untruthed_leads(self) -> list[str]:
        """The synthesized leads of the result that the file holds no measured truth for."""
        result = self._doc.result
        if result is None:
            return []
        return [n for n, p in zip(result.lead_names, result.provenance, strict=True)
                if p is Provenance.SYNTHESIZED and n not in self._doc.scores]

    def refresh(self) -> None:
        self._refresh_scores()
        self._refresh_expectations()

    def _refresh_scores(self) -> None:
        scores = self._doc.scores
        rows = list(scores.items())
        # With nothing scored and a result shown, the scores half says nothing: the leads
        # are in the table below, with what can be said of them without a truth.
        empty = not rows and self._doc.result is not None
        for widget in (self.title, self.reference, self.table):
            widget.setVisible(not empty)
        self.table.setRowCount(len(rows) + (1 if rows else 0))
        for r, (lead, s) in enumerate(rows):
            for c, text in enumerate((lead, f"{s.pcc:.3f}", f"{s.rmse_mv:.3f}", f"{s.mae_mv:.3f}", f"{s.snr_db:.1f}")):
                self.table.setItem(r, c, QTableWidgetItem(text))
        if rows:
            mean = [np.mean([getattr(s, f) for _, s in rows]) for f in ("pcc", "rmse_mv", "mae_mv", "snr_db")]
            texts = ("mean", f"{mean[0]:.3f}", f"{mean[1]:.3f}", f"{mean[2]:.3f}", f"{mean[3]:.1f}")
            for c, text in enumerate(texts):
                item = QTableWidgetItem(text)
                font = item.font()
                font.setBold(True)
                item.setFont(font)
                self.table.setItem(len(rows), c, item)
            scope = self._doc.score_scope()
            note = (f"{scope[:1].upper()}{scope[1:]}, vs. {REFERENCES[self._doc.score_reference]} "
                    "(display filters do not apply).")
            ag = self._doc.agreement
            if self._doc.is_long and ag is not None:
                # The window's figures above; the whole file's, once scored in full, here.
                note += (f" Whole recording (scored in full, Agreement over time tab): mean PCC "
                         f"{ag.whole['mean']['pcc']:.3f}, RMSE {ag.whole['mean']['rmse']:.3f} mV.")
            self.note.setText(note)
        elif self._doc.state == ViewerDocument.RUNNING:
            self.note.setText("Synthesizing…")
        elif self._doc.result is not None:
            self.note.setText("No synthesized lead has a measured truth in this file, so no PCC can be shown.")
        else:
            self.note.setText(self._doc.state_message or "No synthesis yet.")

    def _validation(self) -> tuple[dict[str, float], str]:
        """The card's per-lead validation PCC for the result's inputs, and its data's name."""
        doc, result = self._doc, self._doc.result
        card = doc.model_card
        if result is None or card is None or card.id != result.model_id:
            return {}, ""
        inputs = (result.metadata.get("leadsynth") or {}).get("model_inputs") or list(doc.inputs)
        per_lead = card.validation_lead_pcc(inputs)
        val = card.validation_pcc(inputs)
        return per_lead, (val[1] if val else "")

    def _refresh_expectations(self) -> None:
        leads = self.untruthed_leads()
        for widget in (self.expect_title, self.expect_table, self.expect_note):
            widget.setVisible(bool(leads))
        self.expect_table.setRowCount(len(leads))
        if not leads:
            return
        band = self._doc.band
        confidence = band.confidence if band is not None else {}
        per_lead, data = self._validation()
        on_prior = self._prior_pcc()
        self.expect_table.setColumnHidden(PRIOR_COLUMN, not on_prior)
        for r, lead in enumerate(leads):
            conf = confidence.get(lead)
            pcc = per_lead.get(lead)
            texts = (lead,
                     f"{conf.qrs_width_mv:.2f}" if conf is not None else "—",
                     f"{100 * conf.ratio:.0f} %" if conf is not None else "—",
                     LEVEL_WORDS.get(conf.level, conf.level) if conf is not None else "—",
                     f"{pcc:.2f}" if pcc is not None else "—",
                     f"{on_prior[lead]:.2f}" if lead in on_prior else "—")
            for c, text in enumerate(texts):
                item = QTableWidgetItem(text)
                if c == 3 and conf is not None:
                    item.setForeground(QBrush(confidence_color(conf.level)))
                    if conf.level == "low":
                        font = item.font()
                        font.setBold(True)
                        item.setFont(font)
                if conf is not None:
                    item.setToolTip(conf.text(lead) + (f"; validation PCC {pcc:.2f}" if pcc is not None else ""))
                self.expect_table.setItem(r, c, item)
        parts = []
        if band is None:
            parts.append(f"No band for this synthesis ({self._doc.band_message or 'none computed'}), "
                         "so no confidence on this recording.")
        else:
            scope = " in the loaded window" if self._doc.is_long else ""
            parts.append(f"Band and confidence{scope} on this recording: {band.calibration}.")
        if per_lead:
            parts.append(f"Valid. PCC: the model's mean for each lead with these inputs on {data}, "
                         "raw leads; a population figure, not this recording's, and lower on "
                         "hospitals and devices unlike the training ones.")
        else:
            parts.append("Valid. PCC: the model's card has no per-lead figure for these inputs.")
        if on_prior:
            parts.append("Prior PCC: this model on the patient's prior 12-lead ECG (Prior ECG dock), synthesized "
                         "there from the same inputs and scored against its recorded leads: this patient's figure.")
        self.expect_note.setText(" ".join(parts))
