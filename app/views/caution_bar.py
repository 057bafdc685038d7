"""The caution bar above the traces: what the electrode checks found on the open file.

A cable fault changes what every lead drawn below means (arm electrodes swapped: lead I
upside down, the lateral leads synthesized from it mirrored), so it is said where the
reader looks, above the 12 leads, for as long as the file is open; the status bar's
message fades after a few seconds.  The text comes from
``leadsynth_core.measurement.electrode_cautions`` (the same sentence the printed page and
``leadsynth synthesize`` carry).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from ..state.document import ViewerDocument

#: Amber, as a cart's "check electrodes" line: not the red of an error, not ignorable.
_STYLE = ("QLabel { background: #fff0c2; color: #4a3500; border: 1px solid #d9a400; "
          "padding: 4px 8px; font-weight: bold; }")


class CautionBar(QLabel):
    """Hidden while the open file has no caution; one line per caution otherwise."""

    def __init__(self, document: ViewerDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._doc = document
        self.setWordWrap(True)
        self.setStyleSheet(_STYLE)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        document.record_changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        cautions = self._doc.cautions if self._doc.record is not None else ()
        self.setText("\n".join(f"\u26a0 {c.text()}" for c in cautions))
        self.setVisible(bool(cautions))
