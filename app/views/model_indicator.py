"""The status-bar model indicator: which model serves the open record, with a way to switch.

Shows "Model: personalized for patient P1, trained on 5 recordings, 2026-11-22" with a
"Use general model" button while a personal model is in use, "Model: general (a personal
model for patient P1 is available)" with "Use personal model" after switching back, and
the general model's name otherwise.
"""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from ..controllers.model_choice import PatientModelChoice, personal_summary
from ..state.document import ViewerDocument

log = logging.getLogger(__name__)


class ModelIndicator(QWidget):
    def __init__(
        self, document: ViewerDocument, choice: PatientModelChoice, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._doc = document
        self._choice = choice
        self.label = QLabel()
        self.switch_button = QPushButton()
        self.switch_button.setFlat(True)
        self.switch_button.clicked.connect(self._switch)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.label)
        lay.addWidget(self.switch_button)
        document.model_changed.connect(self.refresh)
        document.record_changed.connect(self.refresh)
        choice.changed.connect(self.refresh)
        self.refresh()

    def _patient(self) -> str | None:
        return self._choice.patient_of(self._doc.record, self._doc.path, self._doc.key)

    def refresh(self) -> None:
        card = self._doc.model_card
        pid = self._patient()
        if card is not None and card.is_personal:
            self.label.setText(f"Model: <b>{personal_summary(card)}</b>")
            self.label.setToolTip(f"{card.id}\nbase model {(card.base_model or {}).get('id', '?')}")
            self.switch_button.setText("Use general model")
            self.switch_button.setVisible(True)
            return
        name = (card.name or card.id) if card is not None else "none"
        if pid is not None and self._choice.uses_general(pid) and self._choice.has_personal(pid):
            self.label.setText(f"Model: general, {name} (a personal model for patient {pid} is available)")
            self.switch_button.setText("Use personal model")
            self.switch_button.setVisible(True)
        else:
            self.label.setText(f"Model: general, {name}" if card is not None else "Model: none")
            self.switch_button.setVisible(False)
        self.label.setToolTip(card.id if card is not None else "")

    def _switch(self) -> None:
        pid = self._patient()
        if pid is None:
            return
        card = self._doc.model_card
        self._choice.set_use_general(pid, bool(card is not None and card.is_personal))
