"""The caution bar above the traces: what the electrode checks found on the open file, and
whether its samples were changed after reading.

A cable fault changes what every lead drawn below means (arm electrodes swapped: lead I
upside down, the lateral leads synthesized from it mirrored; right arm and left leg swapped:
lead II upside down), so it is said where the
reader looks, above the 12 leads, for as long as the file is open; the status bar's
message fades after a few seconds.  The text comes from
``leadsynth_core.measurement.electrode_cautions`` (the same sentence the printed page and
``leadsynth synthesize`` carry).  Beside a caution one button swaps the electrodes it names
back (``RecordController.swap_back``; also Leads > ... electrodes swapped: swap back).
Once swapped back, the bar stays, in another colour, and says that the limb leads shown
are not as recorded, with the button to show them as recorded again.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from leadsynth_core.measurement.electrodes import ARMS, INVERTED_LEAD
from leadsynth_core.measurement.swap_back import (
    SWAP_BACK_NOTES,
    SWAP_BACK_PREFIXES,
    electrode_words,
    electrodes_swapped_back,
    leads_changed,
    swap_back_step_of,
)

from ..controllers.record import RecordController
from ..state.document import ViewerDocument

#: Amber, as a cart's "check electrodes" line: not the red of an error, not ignorable
#: (fill, edge, ink; the Interpretation dock's cautions use it too).
CAUTION_COLORS = ("#fff0c2", "#d9a400", "#4a3500")
_CAUTION_STYLE = (f"QFrame#cautionBar {{ background: {CAUTION_COLORS[0]}; border: 1px solid {CAUTION_COLORS[1]}; }}"
                  f"QFrame#cautionBar QLabel {{ color: {CAUTION_COLORS[2]}; font-weight: bold; }}")
#: Blue: the samples shown were changed on purpose; a fact to keep in mind, not a warning.
_PROCESSED_STYLE = ("QFrame#cautionBar { background: #dcebff; border: 1px solid #4a7fc1; }"
                    "QFrame#cautionBar QLabel { color: #0d2c57; font-weight: bold; }")

AS_RECORDED_TEXT = "Show as recorded"


def swap_back_text(electrodes: tuple[str, str]) -> str:
    """The button's words beside a caution: "Swap arm electrodes back", "Swap RA/LL electrodes back"."""
    # The button has room for the carts' short name of the second pair only.
    return "Swap arm electrodes back" if electrodes == ARMS else f"Swap {'/'.join(electrodes)} electrodes back"


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
        self._records.swap_back(None if self._doc.electrodes_swapped_back is not None else self._offered())

    def _offered(self) -> tuple[str, str] | None:
        """The pair the button swaps back: the one the caution names (at most one is named)."""
        return next((c.electrodes for c in self._doc.cautions), None) if self._doc.record is not None else None

    def refresh(self) -> None:
        doc = self._doc
        rec = doc.record
        cautions = doc.cautions if rec is not None else ()
        # The record's own audit-trail step: what was done to the limb leads this file has.
        step = swap_back_step_of(rec) if rec is not None else None
        done = electrodes_swapped_back(rec) if rec is not None else None
        lines = [f"\u26a0 {c.text()}" for c in cautions]
        if step is not None and done is not None:
            changed = [n for n in rec.lead_names if n in leads_changed(done)]
            which = ("The limb leads shown are not as recorded" if len(changed) > 1
                     else f"Lead {changed[0]} shown is not as recorded")
            words = electrode_words(done)
            lines.insert(0, f"\u21c4 {words[0].upper()}{words[1:]} swapped back by software (exact): "
                            f"{step.removeprefix(SWAP_BACK_PREFIXES[done])}. {which}.")
        self.label.setText("\n".join(lines))
        self.setStyleSheet(_CAUTION_STYLE if cautions else _PROCESSED_STYLE)
        offered = done or self._offered()
        if offered is not None:
            self.button.setText(AS_RECORDED_TEXT if done is not None else swap_back_text(offered))
            rule = SWAP_BACK_NOTES[offered].removeprefix(SWAP_BACK_PREFIXES[offered])
            self.button.setToolTip(f"Swap the {electrode_words(offered)} back ({rule}), or undo that; the "
                                   "synthesis runs again from the corrected leads")
        # Shown beside a caution the file can be corrected for (it has the lead the swap
        # inverts), and to go back to the recording once swapped back.
        self.button.setVisible(offered is not None and rec is not None and INVERTED_LEAD[offered] in rec.lead_names)
        self.setVisible(bool(lines))
