"""Per-lead agreement of the synthesis with the file's measured truth."""

from __future__ import annotations

import numpy as np
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

from ..render.style import SCORE_REFERENCES as REFERENCES
from ..render.style import SCORE_REFERENCES_SHORT as SHORT
from ..state.document import ViewerDocument, ViewState
from .score_reference import ScoreReferenceBox

COLUMNS = ("Lead", "PCC", "RMSE\nmV", "MAE\nmV", "SNR\ndB")


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
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setDefaultSectionSize(19)
        self.note = QLabel()
        self.note.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addWidget(self.title)
        lay.addWidget(self.reference)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.note)
        document.record_changed.connect(self.refresh)
        document.result_changed.connect(self.refresh)
        document.window_changed.connect(self.refresh)
        document.synthesis_state_changed.connect(lambda *_: self.refresh())
        document.agreement_changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        scores = self._doc.scores
        rows = list(scores.items())
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
            self.note.setText("No synthesized lead has a measured truth in this file.")
        else:
            self.note.setText(self._doc.state_message or "No synthesis yet.")
