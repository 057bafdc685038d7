"""A personal model never runs on another patient's record without the user's word.

Leads > Use a personal model… lets the user choose one personal model for the records
they open (as the CLI's ``--model``).  Whenever that model meets a record (on opening a
record, or on choosing the model for the open one), :class:`PersonalModelGuard` applies
the core's rule, :func:`leadsynth_core.models.check_model_patient` (the one the CLI applies):

* a record of the model's own patient: it serves, nothing to ask;
* a record of another patient: a confirmation that names both patients; until the user
  says yes the record keeps its usual model (the general one, or its own patient's);
* a record that names no patient: it serves with a warning in the status bar and the log.

The model's patient is named wherever it serves: the model indicator ("personalized for
patient P1 ...") and the exported page's footer.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QInputDialog, QMessageBox, QWidget

from ..controllers.model_choice import PatientModelChoice
from ..controllers.notify import Notifier
from ..state.document import ViewerDocument

if TYPE_CHECKING:
    from leadsynth_core.models import ModelCard, PatientMatchStatus

log = logging.getLogger(__name__)


class PersonalModelGuard(QObject):
    def __init__(self, document: ViewerDocument, choice: PatientModelChoice, notifier: Notifier,
                 parent: QWidget) -> None:
        super().__init__(parent)
        self._doc = document
        self._choice = choice
        self._notifier = notifier
        self._parent = parent
        document.record_changed.connect(self.check)

    def select(self, card: ModelCard | None) -> None:
        """Use ``card`` for the records opened from now on (None: the usual choice again)."""
        self._choice.select_personal(card)
        if card is not None:
            self.check()

    def check(self) -> PatientMatchStatus | None:
        """Ask, warn or pass for the open record and the selected model; returns the rule's status."""
        card, rec = self._choice.selected(), self._doc.record
        if card is None or rec is None:
            return None
        # Only now: with no personal model chosen (the usual case) this runs on every opened
        # record, in the GUI thread, while a worker may still be importing torch for the
        # first synthesis; importing the models package here waited on that import's lock
        # (~2 s) before the record's measured leads could be painted.  A chosen personal
        # model was loaded when chosen, so torch is in by now.
        from leadsynth_core.models import check_model_patient

        pid = self._choice.patient_of(rec, self._doc.path, self._doc.key)
        name = self._doc.path.name if self._doc.path else (rec.source or "this record")
        match = check_model_patient(card, pid, record=name)
        if match.needs_confirmation and not self._choice.is_confirmed(rec, card):
            mine, theirs = match.model_patient, match.record_patient
            question = (f"The selected model is the PERSONAL model of patient {mine}, fine-tuned on "
                        f"that patient's recordings.\n\n{name} is a record of patient {theirs}.\n\n"
                        f"Run patient {mine}'s model on patient {theirs}'s record?")
            answer = QMessageBox.StandardButton.No
            if self._notifier.interactive:
                answer = QMessageBox.question(self._parent, "Another patient's personal model", question,
                                              QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                              QMessageBox.StandardButton.No)
            if answer == QMessageBox.StandardButton.Yes:
                self._choice.confirm(rec, card)
            else:
                self._notifier.info(f"{name} (patient {theirs}) is not synthesized with the personal "
                                    f"model of patient {mine}")
        elif match.warning:
            log.warning("%s", match.warning)
            self._notifier.info(f"Warning: {name} names no patient; it is synthesized with the PERSONAL model "
                                f"of patient {match.model_patient}")
        return match.status

    def choose_dialog(self) -> None:
        """Leads > Use a personal model…: pick one of the installed personal models, or none."""
        from leadsynth_core.models import list_models  # imports torch: only when asked for

        cards = [c for c in list_models() if c.is_personal]
        if not cards:
            self._notifier.info("No personal model installed (Leads > Personalize the model for this patient)")
            return
        none = "None: the patient's own or the general model"
        items = [none] + [f"patient {c.patient_id}: {c.name or c.id} ({c.id})" for c in cards]
        item, ok = QInputDialog.getItem(self._parent, "Use a personal model", "Personal model:", items, 0, False)
        if ok:
            self.select(None if item == none else cards[items.index(item) - 1])
