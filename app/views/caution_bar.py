"""The caution bar above the traces: what the electrode checks found on the open file, and
whether its samples were changed after reading.

A cable fault changes what every lead drawn below means (arm electrodes swapped: lead I
upside down, the lateral leads synthesized from it mirrored; right arm and left leg swapped:
lead II upside down), so it is said where the
reader looks, above the 12 leads, for as long as the file is open; the status bar's
message fades after a few seconds.  The text comes from
``leadsynth_core.measurement.electrode_cautions`` (the same sentence the printed page and
``leadsynth synthesize`` carry).  Beside an arm-electrode caution one button swaps the arm electrodes back
(``RecordController.swap_arms_back``; also Leads > Arm electrodes swapped: swap back).
Once swapped back, the bar stays, in another colour, and says that the limb leads shown
are not as recorded, with the button to show them as recorded again.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from leadsynth_core.measurement.electrodes import SWAP_BACK_PREFIX, swap_back_step_of

from ..controllers.record import RecordController
from ..state.document import ViewerDocument

#: Amber, as a cart's "check electrodes" line: not the red of an error, not ignorable.
_CAUTION_STYLE = ("QFrame#cautionBar { background: #fff0c2; border: 1px solid #d9a400; }"
                  "QFrame#cautionBar QLabel { color: #4a3500; font-weight: bold; }")
#: Blue: the samples shown were changed on purpose; a fact to keep in mind, not a warning.
_PROCESSED_STYLE = ("QFrame#cautionBar { background: #dcebff; border: 1px solid #4a7fc1; }"
                    "QFrame#cautionBar QLabel { color: #0d2c57; font-weight: bold; }")

SWAP_BACK_TEXT = "Swap arm electrodes back"
AS_RECORDED_TEXT = "Show as recorded"


class CautionBar(QFrame):
    """Hidden while the open file has no caution and was not changed; one line per item otherwise."""

    def __init__(self, document: ViewerDocument, records: RecordController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._doc = document
        self._records = records
        self.setObjectName("cautionBar")
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(self.label, 1)
        self.button = QPushButton()
        self.button.clicked.connect(self._toggle)
        row.addWidget(self.button, 0, Qt.AlignmentFlag.AlignVCenter)
        document.record_changed.connect(self.refresh)
        self.refresh()

    def text(self) -> str:
        """What the bar says (the lines shown)."""
        return self.label.text()

    def _toggle(self) -> None:
        self._records.swap_arms_back(not self._doc.arms_swapped_back)

    def refresh(self) -> None:
        doc = self._doc
        rec = doc.record
        cautions = doc.cautions if rec is not None else ()
        # The record's own audit-trail step: what was done to the limb leads this file has.
        step = swap_back_step_of(rec) if rec is not None else None
        swapped_back = step is not None
        lines = [f"\u26a0 {c.text()}" for c in cautions]
        if step is not None:
            which = ("The limb leads shown are not as recorded" if set(rec.lead_names) & {"II", "III", "aVR", "aVL"}
                     else "Lead I shown is not as recorded")
            lines.insert(0, f"\u21c4 Arm electrodes swapped back by software (exact): {step.removeprefix(SWAP_BACK_PREFIX)}. "
                            f"{which}.")
        self.label.setText("\n".join(lines))
        self.setStyleSheet(_CAUTION_STYLE if cautions else _PROCESSED_STYLE)
        self.button.setText(AS_RECORDED_TEXT if swapped_back else SWAP_BACK_TEXT)
        self.button.setToolTip("Invert lead I and exchange II with III and aVR with aVL, or undo that; the "
                               "synthesis runs again from the corrected leads")
        # The button undoes an arm swap only: shown for that caution, or to go back to the recording.
        self.button.setVisible(rec is not None and "I" in rec.lead_names
                               and (swapped_back or any(c.arms for c in cautions)))
        self.setVisible(bool(lines))
