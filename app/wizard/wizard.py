"""The personalization wizard: patient, recordings, settings, training, review.

The pages share one :class:`~app.wizard.state.WizardState` and one
:class:`~app.wizard.jobs.WizardJobs`; the wizard itself only saves on Accept and stops
and joins every worker when it closes, however it closes.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget, QWizard

from ..controllers.model_choice import PatientModelChoice, personal_summary
from ..controllers.notify import Notifier
from ..state.document import ViewerDocument
from .jobs import WizardJobs
from .page_patient import PatientPage
from .page_recordings import RecordingsPage
from .page_review import ReviewPage
from .page_settings import SettingsPage
from .page_training import TrainingPage
from .state import WizardState

if TYPE_CHECKING:
    from leadsynth_core.models import ModelCard

log = logging.getLogger(__name__)


class PersonalizeWizard(QWizard):
    """Fine-tunes the model for one patient and, on Accept, saves it to the library."""

    model_saved = Signal(object)  # the ModelCard as written

    def __init__(
        self,
        document: ViewerDocument,
        choice: PatientModelChoice,
        notifier: Notifier,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Personalize the model for a patient")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.resize(1000, 780)
        self._notifier = notifier
        self.state = WizardState(
            inputs=tuple(document.inputs),
            open_record=document.record,
            open_path=document.path,
            open_key=document.key,
            open_patient=choice.patient_of(document.record, document.path, document.key),
            current_model=document.model_card,
            parent=self,
        )
        self.jobs = WizardJobs(self)
        self.patient_page = PatientPage(self.state, self.jobs, notifier)
        self.recordings_page = RecordingsPage(self.state, self.jobs)
        self.settings_page = SettingsPage(self.state)
        self.training_page = TrainingPage(self.state, self.jobs)
        self.review_page = ReviewPage(self.state)
        for page in (
            self.patient_page,
            self.recordings_page,
            self.settings_page,
            self.training_page,
            self.review_page,
        ):
            self.addPage(page)
        self.jobs.scan_failed.connect(lambda m: notifier.error("Cannot list the recordings", m))
        self.jobs.train_failed.connect(lambda m: notifier.error("Personalization failed", m))
        self.jobs.saved.connect(self._on_saved)
        self.jobs.save_failed.connect(self._on_save_failed)
        self.jobs.training_prepared.connect(self.settings_page.update_estimate)
        self.jobs.prepare_training()

    def accept(self) -> None:
        """Accept: write the personal model and its library row in a worker, then close."""
        result = self.state.result
        if result is None or self.jobs.is_saving():
            return
        # Until the save ends, neither Accept again nor Discard: the files are being written.
        for which in (QWizard.WizardButton.FinishButton, QWizard.WizardButton.CancelButton):
            self.button(which).setEnabled(False)
        self.jobs.save(result)

    def _on_saved(self, card: ModelCard) -> None:
        log.info("accepted personal model %s for patient %s", card.id, card.patient_id)
        self._notifier.info(f"Saved the model {personal_summary(card)}")
        self.model_saved.emit(card)
        super().accept()

    def _on_save_failed(self, message: str) -> None:
        for which in (QWizard.WizardButton.FinishButton, QWizard.WizardButton.CancelButton):
            self.button(which).setEnabled(True)
        self._notifier.error("Cannot save the personal model", message)

    def done(self, code: int) -> None:  # noqa: D401 (Qt API)
        # Every way out (Accept, Discard, Esc, the close box) passes here: stop and join
        # the workers, and drop an unsaved model (it was never written anywhere).
        self.jobs.shutdown()
        self.state.set_review(None)
        super().done(code)
