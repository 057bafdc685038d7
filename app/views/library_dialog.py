"""File > Open from the library: the library's patients and their recordings, as a reading list.

Left, all patients together (a worklist across them), each patient, and the recordings filed
without one; right, the chosen entry's
recordings, most recent first, with their leads, length, whether their file is still there
and who interpreted them (:mod:`app.controllers.library_browser`).  "Only not interpreted"
turns it into the list of what is left to read.  Double-click (or Open) opens a recording in
the viewer and leaves the dialog open, so that one can go through them one by one; the rows
follow the interpretations filed meanwhile.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from leadsynth_core.errors import LeadSynthError
from leadsynth_core.library import Library

from ..controllers.library_browser import ALL_PATIENTS, NO_PATIENT, LibraryRow, library_patients, library_rows
from ..controllers.model_choice import same_recording
from ..controllers.notify import Notifier
from .plain_dialog import PlainEnterDialog

log = logging.getLogger(__name__)

COLUMNS = ("Patient", "Recorded", "Leads", "Length", "Format", "Interpretation", "File")
#: A recording whose file is gone: listed (it is the library's), not openable.
MISSING_BRUSH = QBrush(QColor("#b00020"))
#: The hint shown while the library holds no recording.
EMPTY_HINT = ("The library holds no recordings yet. Add them with 'leadsynth library add PATH --patient ID' "
              "or in the personalization wizard (Leads > Personalize the model for this patient).")


class LibraryDialog(PlainEnterDialog):
    """The library as a reading list; emits ``open_requested(path, key)`` for the viewer.
    Enter on a row opens it and presses no button besides."""

    open_requested = Signal(str, object)

    def __init__(self, notifier: Notifier, opened: Callable[[], tuple[str, str | None] | None] = lambda: None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        #: The recording open in the viewer (path, key), for "Open the next not interpreted".
        self._opened = opened
        self.setWindowTitle("Open from the library")
        self.resize(1000, 560)
        self._notifier = notifier
        self._rows: list[LibraryRow] = []
        self.patients = QListWidget()
        self.patients.currentItemChanged.connect(lambda *_: self.refresh_rows())
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.cellDoubleClicked.connect(lambda row, _col: self.open_row(row))
        self.table.activated.connect(lambda index: self.open_row(index.row()))  # Enter on a row
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.unread_only = QCheckBox("Only not interpreted")
        self.unread_only.setToolTip("List only the recordings nobody has interpreted yet: what is left to read")
        self.unread_only.toggled.connect(lambda _on: self.refresh_rows())
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.open_button = QPushButton("Open")
        self.open_button.clicked.connect(lambda: self.open_row(self.table.currentRow()))
        self.next_button = QPushButton("Open the next not interpreted")
        self.next_button.setToolTip("The next recording of this list that nobody has interpreted, after the one "
                                    "open in the viewer: read, interpret, next")
        self.next_button.clicked.connect(self.open_next_unread)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        side = QWidget()
        column = QVBoxLayout(side)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(QLabel("Patients (recordings):"))
        column.addWidget(self.patients, 1)
        splitter = QSplitter()
        splitter.addWidget(side)
        splitter.addWidget(self.table)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([200, 800])
        buttons = QHBoxLayout()
        buttons.addWidget(self.unread_only)
        buttons.addStretch(1)
        buttons.addWidget(self.next_button)
        buttons.addWidget(self.open_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.hint)
        layout.addLayout(buttons)

    # ------------------------------------------------------------------ data
    def refresh(self) -> None:
        """Read the patients again (keeping the chosen one) and their recordings."""
        chosen = self._chosen_patient()
        try:
            with Library() as lib:
                patients = library_patients(lib)
                orphans = len(lib.unassigned_recordings())
        except (LeadSynthError, OSError) as exc:
            self._notifier.error("Cannot read the library", exc)
            return
        self.patients.blockSignals(True)
        self.patients.clear()
        if patients or orphans:
            total = sum(p.n_recordings for p in patients) + orphans
            item = QListWidgetItem(f"{ALL_PATIENTS}  ({total})")
            item.setData(Qt.ItemDataRole.UserRole, ALL_PATIENTS)
            self.patients.addItem(item)
        for p in patients:
            item = QListWidgetItem(f"{p.id}  ({p.n_recordings})")
            item.setData(Qt.ItemDataRole.UserRole, p.id)
            self.patients.addItem(item)
        if orphans:
            item = QListWidgetItem(f"{NO_PATIENT}  ({orphans})")
            item.setData(Qt.ItemDataRole.UserRole, NO_PATIENT)
            self.patients.addItem(item)
        ids = [self.patients.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.patients.count())]
        if ids:  # the patient chosen before, else the first patient (not all of them)
            self.patients.setCurrentRow(ids.index(chosen) if chosen in ids else min(1, len(ids) - 1))
        self.patients.blockSignals(False)
        self.refresh_rows()

    def _chosen_patient(self) -> str | None:
        """The chosen entry's patient id, or :data:`NO_PATIENT` (None: nothing chosen)."""
        item = self.patients.currentItem()
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)

    def refresh_rows(self) -> None:
        """List the chosen patient's recordings (only those not interpreted, if asked)."""
        rows: list[LibraryRow] = []
        if self.patients.count():
            try:
                with Library() as lib:
                    chosen = self._chosen_patient()
                    rows = library_rows(lib, None if chosen == NO_PATIENT else chosen)
            except (LeadSynthError, OSError) as exc:
                self._notifier.error("Cannot read the library", exc)
        unread = sum(r.interpretation is None for r in rows)
        if self.unread_only.isChecked():
            rows = [r for r in rows if r.interpretation is None]
        self._rows = rows
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            cells = (r.entry.patient_id or "-", r.recorded, r.leads, r.length, r.entry.format or "-", r.read_text,
                     r.file_text)
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if not r.exists:
                    item.setForeground(MISSING_BRUSH)
                if j == len(COLUMNS) - 1:
                    item.setToolTip(r.entry.location)
                self.table.setItem(i, j, item)
        if not self.patients.count():
            self.hint.setText(EMPTY_HINT)
        else:
            whose = "in the library" if self._chosen_patient() == ALL_PATIENTS else "of this patient"
            self.hint.setText(f"{unread} recording(s) {whose} not interpreted yet. "
                              "Double-click a recording (or Enter) to open it; the list stays open.")
        if rows:
            self.table.selectRow(0)
        self._update_buttons()

    def rows(self) -> list[LibraryRow]:
        """The recordings listed now, in table order."""
        return list(self._rows)

    # --------------------------------------------------------------- actions
    def open_row(self, row: int) -> None:
        if not 0 <= row < len(self._rows):
            return
        r = self._rows[row]
        if not r.exists:
            self._notifier.error("Recording missing", f"{r.entry.location}: the file is no longer there "
                                                      "('leadsynth library check' lists what moved)")
            return
        self.open_requested.emit(r.entry.path, r.entry.key)

    def next_unread_row(self) -> int | None:
        """The row of the next recording not interpreted (its file there) after the one open in
        the viewer, from the top again at the end; never the open one itself."""
        opened = self._opened()
        rows = self._rows
        here = next((i for i, r in enumerate(rows)
                     if opened is not None and same_recording(r.entry, opened[0], opened[1])), -1)
        order = [*range(here + 1, len(rows)), *range(0, max(here, 0))]
        return next((i for i in order if rows[i].interpretation is None and rows[i].exists), None)

    def open_next_unread(self) -> None:
        row = self.next_unread_row()
        if row is None:
            self._notifier.info("Every recording of this list is interpreted")
            return
        self.table.selectRow(row)
        self.open_row(row)

    def _update_buttons(self) -> None:
        row = self.table.currentRow()
        self.open_button.setEnabled(0 <= row < len(self._rows) and self._rows[row].exists)
        self.next_button.setEnabled(any(r.interpretation is None and r.exists for r in self._rows))

    def showEvent(self, event: object) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        self.refresh()
