"""The wizard's state: one object that the pages read, write through setters, and observe.

Pages never talk to each other; each reacts to this object's signals (the same pattern as
the viewer's :class:`~app.document.ViewerDocument`).  Nothing here touches the disk.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from leadsynth_core import options
from leadsynth_core.models import ModelCard
from leadsynth_core.personalize import PersonalizationResult
from leadsynth_core.record import EcgRecord

from .candidates import Candidate, default_selection
from .review import Review, TrainingRequest

log = logging.getLogger(__name__)

#: Malpani et al.'s fine-tuning settings, the defaults behind "Advanced" (one source for the
#: engine, the CLI and the wizard: leadsynth_core.options).
DEFAULT_EPOCHS = options.DEFAULT_EPOCHS
DEFAULT_LR = options.DEFAULT_LR


class WizardState(QObject):
    """Patient, recordings, settings and result of one personalization."""

    patient_changed = Signal(str)
    candidates_changed = Signal()
    selection_changed = Signal()
    settings_changed = Signal()
    review_changed = Signal()

    def __init__(
        self,
        *,
        inputs: tuple[str, ...],
        open_record: EcgRecord | None,
        open_path: Path | None,
        open_key: str | None,
        open_patient: str | None,
        current_model: ModelCard | None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.inputs = inputs
        self.open_record = open_record
        self.open_path = open_path
        self.open_key = open_key
        self.open_patient = open_patient  # from the file header or the library
        self.current_model = current_model
        self.patient_id: str = open_patient or ""
        self.candidates: list[Candidate] = []
        self.selected: set[int] = set()
        self.base: ModelCard | None = None
        self.device = "auto"
        self.epochs = DEFAULT_EPOCHS
        self.lr = DEFAULT_LR
        self.review: Review | None = None

    # ----------------------------------------------------------------- writes
    def set_patient(self, patient_id: str) -> None:
        pid = patient_id.strip()
        if pid == self.patient_id:
            return
        self.patient_id = pid
        self.set_candidates([])
        self.patient_changed.emit(pid)

    def set_candidates(self, candidates: list[Candidate]) -> None:
        """New list (newest first); the default ticks are the five most recent clean ones."""
        self.candidates = list(candidates)
        self.selected = default_selection(self.candidates)
        self.candidates_changed.emit()
        self.selection_changed.emit()

    def set_selected(self, recording_id: int, on: bool) -> None:
        usable = {c.id for c in self.candidates if c.usable}
        if recording_id not in usable or (recording_id in self.selected) == on:
            return
        if on:
            self.selected.add(recording_id)
        else:
            self.selected.discard(recording_id)
        self.selection_changed.emit()

    def set_base(self, card: ModelCard | None) -> None:
        if card is not self.base:
            self.base = card
            self.settings_changed.emit()

    def set_training(
        self, *, device: str | None = None, epochs: int | None = None, lr: float | None = None
    ) -> None:
        self.device = self.device if device is None else device
        self.epochs = self.epochs if epochs is None else int(epochs)
        self.lr = self.lr if lr is None else float(lr)
        self.settings_changed.emit()

    def set_review(self, review: Review | None) -> None:
        self.review = review
        self.review_changed.emit()

    # ------------------------------------------------------------------ reads
    @property
    def result(self) -> PersonalizationResult | None:
        return self.review.result if self.review is not None else None

    def chosen(self) -> list[Candidate]:
        return [c for c in self.candidates if c.id in self.selected]

    @property
    def open_name(self) -> str:
        if self.open_path is None:
            return "(none)"
        return self.open_path.name + (f" [{self.open_key}]" if self.open_key else "")

    def request(self) -> TrainingRequest:
        """The fine-tune as chosen now (the training page checks :attr:`base` first)."""
        if self.base is None:
            raise ValueError("no base model chosen")
        return TrainingRequest(
            base=self.base,
            inputs=self.inputs,
            recordings=tuple(c.entry for c in self.chosen()),
            patient_id=self.patient_id,
            device=self.device,
            epochs=self.epochs,
            lr=self.lr,
            open_record=self.open_record,
            open_name=self.open_name,
        )
