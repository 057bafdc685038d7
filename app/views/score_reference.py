"""The one control for what synthesized leads are scored against, wherever it is shown.

Bound to :attr:`app.document.ViewState.score_reference` (setting ``scores/reference``): a
choice in any copy (the Scores dock, the Agreement over time tab) is the view state's, and
every copy follows it.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QWidget

from ..state.document import ViewState


class ScoreReferenceBox(QComboBox):
    """``vs. <reference>`` choices; ``labels`` maps each reference key to its wording."""

    def __init__(self, state: ViewState, labels: dict[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = state
        for key, text in labels.items():
            self.addItem(f"vs. {text}", key)
        self._sync()
        self.currentIndexChanged.connect(lambda _i: state.set_score_reference(self.currentData()))
        state.changed.connect(lambda what: self._sync() if what == "score_reference" else None)

    def _sync(self) -> None:
        index = self.findData(self._state.score_reference)
        if index >= 0 and index != self.currentIndex():
            self.blockSignals(True)
            self.setCurrentIndex(index)
            self.blockSignals(False)
