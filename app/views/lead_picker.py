"""Which leads count as measured: 12 toggles, the device presets, and the serving model."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from leadsynth_core.leads import STANDARD_LEADS, sort_leads
from leadsynth_core.record import Provenance

from ..state.document import ViewerDocument

#: (button text, leads, what kind of device records it)
PRESETS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("I, II, V2, V4", ("I", "II", "V2", "V4"), "patch / 4-lead research set"),
    ("I, II, V4", ("I", "II", "V4"), "3-electrode patch"),
    ("I, II, V3", ("I", "II", "V3"), "3-electrode patch"),
    ("I, II", ("I", "II"), "limb leads only"),
    ("I (watch)", ("I",), "smartwatch, lead I alone"),
)


class LeadPicker(QWidget):
    """Emits :attr:`selection_requested` when the user changes the measured leads."""

    selection_requested = Signal(tuple)

    def __init__(self, document: ViewerDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._doc = document
        self.toggles: dict[str, QToolButton] = {}
        grid = QGridLayout()
        grid.setSpacing(3)
        for i, lead in enumerate(STANDARD_LEADS):
            b = QToolButton()
            b.setText(lead)
            b.setCheckable(True)
            b.setMinimumWidth(38)
            b.setToolTip(f"Count {lead} as measured")
            b.toggled.connect(self._on_toggled)
            self.toggles[lead] = b
            grid.addWidget(b, i // 6, i % 6)
        self.preset_buttons: list[QPushButton] = []
        presets = QGridLayout()
        presets.setSpacing(3)
        for i, (text, leads, device) in enumerate(PRESETS):
            b = QPushButton(text)
            b.setToolTip(f"{device}  (shortcut {i + 1})")
            b.clicked.connect(lambda _=False, leads=leads: self.selection_requested.emit(leads))
            self.preset_buttons.append(b)
            presets.addWidget(b, i // 3, i % 3)
        self.model_label = QLabel()
        self.model_label.setWordWrap(True)
        self.model_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay = QVBoxLayout(self)
        lay.addLayout(grid)
        lay.addWidget(QLabel("Device presets (keys 1-5):"))
        lay.addLayout(presets)
        lay.addWidget(self.model_label)
        lay.addStretch(1)
        document.inputs_changed.connect(self._sync)
        document.model_changed.connect(self._sync)
        document.record_changed.connect(self._sync)
        self._sync()

    def selected(self) -> tuple[str, ...]:
        return sort_leads(lead for lead, b in self.toggles.items() if b.isChecked())

    def _on_toggled(self, _checked: bool) -> None:
        leads = self.selected()
        if not leads:
            # At least one lead must be measured: put back the one just unticked.
            self._sync()
            return
        self.selection_requested.emit(leads)

    def _sync(self) -> None:
        rec = self._doc.record
        for lead, b in self.toggles.items():
            b.blockSignals(True)
            b.setChecked(lead in self._doc.inputs)
            present = rec is None or lead in rec.lead_names
            measured = rec is None or (present and rec.provenance_of(lead) is Provenance.MEASURED)
            b.setEnabled(measured)
            if not present:
                b.setToolTip(f"{lead} is not in this record")
            elif not measured:
                b.setToolTip(f"{lead} is {rec.provenance_of(lead)} in this file, not measured: it cannot be an input")
            else:
                b.setToolTip(f"Count {lead} as measured")
            b.blockSignals(False)
        for (_text, leads, _device), b in zip(PRESETS, self.preset_buttons, strict=True):
            b.setEnabled(rec is None or all(
                lead in rec.lead_names and rec.provenance_of(lead) is Provenance.MEASURED for lead in leads))
            font = b.font()
            font.setBold(tuple(leads) == tuple(self._doc.inputs))
            b.setFont(font)
        card = self._doc.model_card
        if card is not None:
            inputs = ", ".join(getattr(card, "inputs", []) or []) or "any subset"
            # What a reader can expect of these inputs, from the card's own validation: a
            # lead I reconstruction should not look as trustworthy as an I,II,V2,V4 one.
            val = card.validation_pcc(self._doc.inputs)
            expected = (f"<br><span style='color:gray'>validation: mean PCC {val[0]:.2f} "
                        f"with these inputs ({val[1]}, raw leads)</span>") if val else ""
            self.model_label.setText(
                f"<b>Model:</b> {card.name or card.id}<br><span style='color:gray'>id {card.id} · "
                f"inputs {inputs} · {card.fs:g} Hz</span>{expected}"
            )
            self.model_label.setToolTip(card.description or "")
        else:
            self.model_label.setText(f"<b>Model:</b> <span style='color:#b00000'>{self._doc.model_message or 'none'}</span>")
