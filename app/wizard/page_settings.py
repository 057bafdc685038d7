"""Step 3: base model, device, and (behind "Advanced") epochs and learning rate, with an
estimate of the time the fine-tune will take."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from leadsynth_core.errors import LeadSynthError
from leadsynth_core.models import ModelCard, list_models
from leadsynth_core.models.features import independent_lead_set

from .devices import DeviceChoice, describe_seconds, device_choices, estimate
from .state import DEFAULT_EPOCHS, DEFAULT_LR, WizardState

log = logging.getLogger(__name__)


def base_models(inputs: tuple[str, ...]) -> list[ModelCard]:
    """The general (shipped) models that take ``inputs``."""
    try:
        indep = independent_lead_set(inputs)
    except LeadSynthError:
        return []
    return [c for c in list_models(include_personal=False) if c.accepts(indep)]


class SettingsPage(QWizardPage):
    def __init__(self, state: WizardState) -> None:
        super().__init__()
        self._state = state
        self._devices: list[DeviceChoice] = []
        self._cards: dict[str, ModelCard] = {}
        self.setTitle("3. Settings")
        self.setSubTitle(
            "The defaults are those of Malpani et al. (only the last layer is fine-tuned); "
            "most users change nothing here."
        )
        self.inputs_label = QLabel()
        self.base_combo = QComboBox()
        self.base_combo.currentIndexChanged.connect(self._on_base)
        self.device_combo = QComboBox()
        self.device_combo.currentIndexChanged.connect(self._on_device)
        self.advanced_button = QToolButton()
        self.advanced_button.setText("Advanced")
        self.advanced_button.setCheckable(True)
        self.advanced_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.advanced_button.setArrowType(Qt.ArrowType.RightArrow)
        self.advanced_button.toggled.connect(self._toggle_advanced)
        self.epochs_spin = QSpinBox()
        self.epochs_spin.setRange(1, 2000)
        self.epochs_spin.setValue(DEFAULT_EPOCHS)
        self.lr_spin = QDoubleSpinBox()
        self.lr_spin.setDecimals(5)
        self.lr_spin.setRange(0.00001, 10.0)
        self.lr_spin.setSingleStep(0.001)
        self.lr_spin.setValue(DEFAULT_LR)
        self.epochs_spin.valueChanged.connect(lambda v: state.set_training(epochs=v))
        self.lr_spin.valueChanged.connect(lambda v: state.set_training(lr=v))
        self.advanced = QWidget()
        adv = QFormLayout(self.advanced)
        adv.addRow("Epochs:", self.epochs_spin)
        adv.addRow("Learning rate:", self.lr_spin)
        adv.addRow(
            "", QLabel(f"Defaults: {DEFAULT_EPOCHS} epochs, learning rate {DEFAULT_LR:g} (Malpani et al.)")
        )
        self.advanced.setVisible(False)
        self.estimate_label = QLabel()
        self.estimate_label.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Measured leads:", self.inputs_label)
        form.addRow("Base model:", self.base_combo)
        form.addRow("Device:", self.device_combo)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.advanced_button)
        lay.addWidget(self.advanced)
        lay.addSpacing(8)
        lay.addWidget(self.estimate_label)
        lay.addStretch(1)
        state.settings_changed.connect(self.update_estimate)
        state.selection_changed.connect(self.update_estimate)

    # ------------------------------------------------------------- QWizardPage
    def initializePage(self) -> None:  # noqa: N802 (Qt API)
        st = self._state
        self.inputs_label.setText(", ".join(st.inputs) + "  (the viewer's selection)")
        cards = base_models(st.inputs)
        # Default: the general model serving the viewer now (its base, if a personal one serves).
        current = st.current_model
        wanted = (
            (current.base_model or {}).get("id")
            if current is not None and current.is_personal
            else (current.id if current is not None else None)
        )
        self.base_combo.blockSignals(True)
        self.base_combo.clear()
        for card in cards:
            self.base_combo.addItem(f"{card.name or card.id}  ({card.id})", card.id)
        index = max(0, self.base_combo.findData(wanted))
        self.base_combo.setCurrentIndex(index if cards else -1)
        self.base_combo.blockSignals(False)
        st.set_base(cards[index] if cards else None)
        self._cards = {c.id: c for c in cards}
        if not self._devices:
            self._devices = device_choices()
            self.device_combo.blockSignals(True)
            for d in self._devices:
                self.device_combo.addItem(d.text, d.value)
            self.device_combo.blockSignals(False)
        self.device_combo.setCurrentIndex(max(0, self.device_combo.findData(st.device)))
        self.update_estimate()

    def isComplete(self) -> bool:  # noqa: N802 (Qt API)
        return self._state.base is not None

    # ------------------------------------------------------------------ slots
    def _on_base(self, index: int) -> None:
        self._state.set_base(self._cards.get(self.base_combo.itemData(index)))

    def _on_device(self, index: int) -> None:
        value = self.device_combo.itemData(index)
        if value is not None:
            self._state.set_training(device=str(value))

    def _toggle_advanced(self, on: bool) -> None:
        self.advanced.setVisible(on)
        self.advanced_button.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)

    def update_estimate(self) -> None:
        """Say where the fine-tune will run and about how long it takes (also once the
        wizard's warm-up has paid PyTorch's first-optimizer cost)."""
        st = self._state
        if st.base is None:
            self.estimate_label.setText(
                f"<span style='color:#b00000'>No general model takes the leads "
                f"{', '.join(st.inputs)}; choose other measured leads in the viewer.</span>"
            )
            self.completeChanged.emit()
            return
        chosen = st.chosen()
        seconds = sum(c.entry.duration for c in chosen)
        est = estimate(st.base, seconds, len(chosen), st.epochs, st.device)
        where = "the CPU" if est.device == "cpu" else f"the {est.device.upper()} accelerator"
        how = " (chosen automatically as the faster)" if est.passed_over else ""
        self.estimate_label.setText(
            f"Fine-tuning on {len(chosen)} recording(s), {seconds:.0f} s of signal, {st.epochs} epochs, "
            f"on {where}{how}: <b>{describe_seconds(est.seconds)}</b> (estimate)."
        )
        self.completeChanged.emit()
