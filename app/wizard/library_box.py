"""The wizard's view of the library's recordings on the patient page: the chosen patient's
recordings and those without a patient, with the verbs a user needs (assign the selected
ones to the chosen patient, remove them from the library; the files stay where they are)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from leadsynth_core.errors import LeadSynthError
from leadsynth_core.library import Library, RecordingEntry

from ..controllers.notify import Notifier

log = logging.getLogger(__name__)


def _item_text(r: RecordingEntry) -> str:
    whose = f"patient {r.patient_id}" if r.patient_id else "no patient"
    flag = "12-lead" if r.complete_12_lead else "incomplete"
    return f"#{r.id}  {r.recorded_text()}  {r.file_label}  ({flag}, {whose})"


class LibraryRecordingsBox(QGroupBox):
    """Recordings of the chosen patient and without a patient; assign or remove the selected.

    Library writes here are single small transactions (an assignment reads only the files'
    headers), so they run on the GUI thread.
    """

    #: The library changed (a recording was assigned or removed).
    changed = Signal()

    def __init__(self, notifier: Notifier, parent: QWidget | None = None) -> None:
        super().__init__("Recordings in the library", parent)
        self._notifier = notifier
        self._patient = ""
        self.list = QListWidget()
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.itemSelectionChanged.connect(self._update_buttons)
        self.assign_button = QPushButton("Assign to patient")
        self.assign_button.setToolTip("Make the selected recordings recordings of the chosen patient")
        self.remove_button = QPushButton("Remove from library")
        self.remove_button.setToolTip("Forget the selected recordings (the files are not touched)")
        self.assign_button.clicked.connect(self.assign_selected)
        self.remove_button.clicked.connect(self.remove_selected)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.assign_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.list)
        lay.addLayout(buttons)
        lay.addWidget(self.hint)
        self._update_buttons()

    # ------------------------------------------------------------------ API
    def set_patient(self, patient_id: str) -> None:
        """Show ``patient_id``'s recordings and the recordings without a patient."""
        self._patient = patient_id.strip()
        self.reload()

    def reload(self) -> None:
        """Re-read the library; the selection is cleared (an action never carries over to
        recordings the user did not select again)."""
        try:
            with Library() as lib:
                unassigned = lib.unassigned_recordings()
                own = lib.list_recordings(self._patient) if self._patient else []
        except LeadSynthError as exc:
            self._notifier.error("Cannot read the patient library", exc)
            unassigned, own = [], []
        self.list.blockSignals(True)
        self.list.clear()
        for r in [*own, *unassigned]:
            item = QListWidgetItem(_item_text(r))
            item.setData(Qt.ItemDataRole.UserRole, r.id)
            self.list.addItem(item)
        self.list.blockSignals(False)
        self.hint.setText(
            (f"{len(unassigned)} recording(s) in the library have no patient: select them and press "
             f"“Assign to {self._patient}” to use them for this patient." if self._patient else
             f"{len(unassigned)} recording(s) in the library have no patient: choose the patient above, "
             "then select them and assign them.")
            if unassigned else ""
        )
        self._update_buttons()

    def selected_ids(self) -> list[int]:
        return [int(i.data(Qt.ItemDataRole.UserRole)) for i in self.list.selectedItems()]

    def select_ids(self, ids: Iterable[int]) -> None:
        """Select the recordings with these ids (e.g. the duplicates of an add)."""
        wanted = set(ids)
        for row in range(self.list.count()):
            item = self.list.item(row)
            item.setSelected(int(item.data(Qt.ItemDataRole.UserRole)) in wanted)

    def assign_selected(self) -> None:
        ids = self.selected_ids()
        if not ids or not self._patient:
            return
        try:
            with Library() as lib:
                done = lib.assign_patient(ids, self._patient)
        except LeadSynthError as exc:
            self._notifier.error("Cannot assign the recordings", exc)
            return
        self._notifier.info(f"Library: {len(done)} recording(s) assigned to patient {self._patient}")
        self.reload()
        self.changed.emit()

    def remove_selected(self) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        removed = 0
        try:
            with Library() as lib:
                for rid in ids:
                    lib.remove_recording(rid)
                    removed += 1
        except LeadSynthError as exc:
            self._notifier.error("Cannot remove the recording", exc)
        if removed:
            self._notifier.info(f"Library: {removed} recording(s) removed (the files are not touched)")
        self.reload()
        self.changed.emit()

    # --------------------------------------------------------------- private
    def _update_buttons(self) -> None:
        any_selected = bool(self.list.selectedItems())
        self.assign_button.setEnabled(any_selected and bool(self._patient))
        self.assign_button.setText(f"Assign to {self._patient}" if self._patient else "Assign to patient")
        self.remove_button.setEnabled(any_selected)
