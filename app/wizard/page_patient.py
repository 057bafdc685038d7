"""Step 1: whose model.  The open record's patient by default, or another from the library;
recordings can be added to the library here (in a worker), and recordings already in it
assigned to the patient or removed (:class:`~app.wizard.library_box.LibraryRecordingsBox`)."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWizardPage,
)

from leadsynth_core import io as lsio
from leadsynth_core.errors import LeadSynthError
from leadsynth_core.library import AddReport, Library, PatientEntry

from ..controllers.notify import Notifier
from .jobs import WizardJobs
from .library_box import LibraryRecordingsBox
from .state import WizardState

log = logging.getLogger(__name__)

#: Files the "Add files" dialog offers (what leadsynth_core.io reads).
RECORD_FILTER = lsio.dialog_filter()


class PatientPage(QWizardPage):
    def __init__(self, state: WizardState, jobs: WizardJobs, notifier: Notifier) -> None:
        super().__init__()
        self._state = state
        self._jobs = jobs
        self._notifier = notifier
        self.setTitle("1. Patient")
        self.setSubTitle(
            "Whose model is personalized. Pick a patient from the library or type a new id; "
            "add the patient's past 12-lead recordings if they are not in the library yet."
        )
        self.open_label = QLabel()
        self.open_label.setWordWrap(True)
        self.patient_combo = QComboBox()
        self.patient_combo.setEditable(True)
        self.patient_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.patient_combo.lineEdit().setPlaceholderText("patient id")
        self.patient_combo.setCompleter(None)  # typed text is the id as typed, never auto-completed
        self.patient_info = QLabel()
        self.patient_combo.currentIndexChanged.connect(self._on_index)
        self.patient_combo.lineEdit().textEdited.connect(self._state.set_patient)
        self.add_files_button = QPushButton("Add recordings from files…")
        self.add_folder_button = QPushButton("Add a folder…")
        self.add_files_button.clicked.connect(self._ask_files)
        self.add_folder_button.clicked.connect(self._ask_folder)
        self.add_progress = QProgressBar()
        self.add_progress.setRange(0, 1000)
        self.add_progress.setVisible(False)
        self.add_cancel = QPushButton("Stop adding")
        self.add_cancel.setVisible(False)
        self.add_cancel.clicked.connect(self._jobs.cancel_add)
        self.add_label = QLabel()
        self.add_label.setWordWrap(True)
        self._adding = False
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_files_button)
        buttons.addWidget(self.add_folder_button)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.open_label)
        lay.addWidget(QLabel("Patient:"))
        lay.addWidget(self.patient_combo)
        lay.addWidget(self.patient_info)
        lay.addSpacing(12)
        lay.addLayout(buttons)
        row = QHBoxLayout()
        row.addWidget(self.add_progress, 1)
        row.addWidget(self.add_cancel)
        lay.addLayout(row)
        lay.addWidget(self.add_label)
        self.library_box = LibraryRecordingsBox(notifier)
        self.library_box.changed.connect(self.reload_patients)
        lay.addWidget(self.library_box, 1)
        self._patients: dict[str, PatientEntry] = {}
        state.patient_changed.connect(self._on_patient_changed)
        jobs.add_progress.connect(self._on_add_progress)
        jobs.added.connect(self._on_added)
        jobs.add_failed.connect(self._on_add_failed)
        jobs.add_cancelled.connect(self._on_add_cancelled)

    # ------------------------------------------------------------- QWizardPage
    def initializePage(self) -> None:  # noqa: N802 (Qt API)
        st = self._state
        if st.open_record is None:
            self.open_label.setText("No record is open in the viewer.")
        else:
            who = (
                f"patient <b>{st.open_patient}</b>"
                if st.open_patient
                else "no patient id (neither in the file nor in the library)"
            )
            self.open_label.setText(f"Open record: <b>{st.open_name}</b>, {who}.")
        self.reload_patients()

    def isComplete(self) -> bool:  # noqa: N802 (Qt API)
        return bool(self._state.patient_id) and not self._adding

    # ------------------------------------------------------------------ slots
    def reload_patients(self) -> None:
        """Fill the list from the library, keeping the chosen patient."""
        try:
            with Library() as lib:
                patients = lib.list_patients()
        except LeadSynthError as exc:
            self._notifier.error("Cannot read the patient library", exc)
            patients = []
        self._patients = {p.id: p for p in patients}
        current = self._state.patient_id
        self.patient_combo.blockSignals(True)
        self.patient_combo.clear()
        for p in patients:
            self.patient_combo.addItem(p.id, p.id)
        self.patient_combo.setCurrentIndex(self.patient_combo.findData(current))
        self.patient_combo.setEditText(current)
        self.patient_combo.blockSignals(False)
        self._on_patient_changed(current)

    def choose_patient(self, patient_id: str) -> None:
        """Select ``patient_id`` (from the library list, or a new id)."""
        index = self.patient_combo.findData(patient_id)
        if index >= 0:
            self.patient_combo.setCurrentIndex(index)
        else:
            self.patient_combo.setEditText(patient_id)
        self._state.set_patient(patient_id)

    def add_paths(self, paths: list[str]) -> None:
        """Add files or folders to the library as recordings of the chosen patient (worker)."""
        pid = self._state.patient_id
        if not pid:
            self._notifier.error(
                "No patient chosen", "type or choose the patient id before adding recordings"
            )
            return
        if not paths:
            return
        self.add_label.setText(f"Adding {len(paths)} item(s) for patient {pid}…")
        self.add_progress.setValue(0)
        self._set_adding(True)
        self._jobs.add_recordings(paths, pid)

    def _on_patient_changed(self, patient_id: str) -> None:
        self.library_box.set_patient(patient_id)
        entry = self._patients.get(patient_id)
        if not patient_id:
            self.patient_info.setText("Choose a patient, or type a new id and add recordings.")
        elif entry is None:
            self.patient_info.setText(
                f"{patient_id} is not in the library yet: add the patient's recordings below."
            )
        else:
            self.patient_info.setText(
                f"In the library: {entry.n_complete} complete 12-lead of {entry.n_recordings} recordings, "
                f"{entry.n_models} personal model{'s' if entry.n_models != 1 else ''}."
            )
        self.completeChanged.emit()

    def _on_index(self, index: int) -> None:
        pid = self.patient_combo.itemData(index)
        if pid is not None:
            self._state.set_patient(str(pid))

    def _ask_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Add recordings to the library", "", RECORD_FILTER)
        self.add_paths(files)

    def _ask_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add every recording in a folder")
        if folder:
            self.add_paths([folder])

    def _set_adding(self, on: bool) -> None:
        self.add_progress.setVisible(on)
        self.add_cancel.setVisible(on)
        self.add_files_button.setEnabled(not on)
        self.add_folder_button.setEnabled(not on)
        self.patient_combo.setEnabled(not on)
        self._adding = on
        self.completeChanged.emit()

    def _on_add_progress(self, fraction: float, message: str) -> None:
        self.add_progress.setValue(int(fraction * 1000))
        self.add_progress.setFormat(f"{message} %p%")

    def _on_added(self, report: AddReport) -> None:
        self._set_adding(False)
        lines = [report.summary()]
        lines += [f"failed: {path}: {why}" for path, why in report.failed[:5]]
        # A recording already in the library is not added again: say which entry it is, and
        # how to make it this patient's (select it in the list, press Assign).
        pid = self._state.patient_id
        others = [e for e in report.duplicate_entries if e.patient_id != pid]
        lines += [f"duplicate: {note}" for note in report.duplicate_notes()[:5]]
        if others:
            lines.append(f"To use them for {pid}: they are selected in the list below; press “Assign to {pid}”.")
        self.add_label.setText("\n".join(lines))
        self._notifier.info(f"Library: {report.summary()}")
        self.reload_patients()
        self.library_box.select_ids(e.id for e in others)

    def _on_add_failed(self, message: str) -> None:
        self._set_adding(False)
        self.add_label.setText(message)
        self._notifier.error("Adding recordings failed", message)
        self.reload_patients()

    def _on_add_cancelled(self) -> None:
        self._set_adding(False)
        self.add_label.setText("Adding stopped; the recordings added so far stay in the library.")
        self.reload_patients()
