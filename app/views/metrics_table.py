"""Per-lead agreement of the synthesis with the file's measured truth."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..document import ViewerDocument

COLUMNS = ("Lead", "PCC", "RMSE\nmV", "MAE\nmV", "SNR\ndB")


class MetricsTable(QWidget):
    def __init__(self, document: ViewerDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._doc = document
        self.title = QLabel("<b>Synthesized vs. measured truth</b>")
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
        lay.addWidget(self.table, 1)
        lay.addWidget(self.note)
        document.record_changed.connect(self.refresh)
        document.result_changed.connect(self.refresh)
        document.window_changed.connect(self.refresh)
        document.synthesis_state_changed.connect(lambda *_: self.refresh())
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
            self.note.setText(f"{scope[:1].upper()}{scope[1:]}, stored samples (display filters do not apply).")
        elif self._doc.state == ViewerDocument.RUNNING:
            self.note.setText("Synthesizing…")
        elif self._doc.result is not None:
            self.note.setText("No synthesized lead has a measured truth in this file.")
        else:
            self.note.setText(self._doc.state_message or "No synthesis yet.")
