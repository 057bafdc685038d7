"""Step 2: the patient's past recordings, newest first, with a quality flag for each.

By default the five most recent clean complete 12-lead recordings (other than the open
record) are ticked; recordings that cannot be used are greyed with the reason.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWizardPage,
)

from leadsynth_core.personalization import RECOMMENDED_RECORDINGS

from .candidates import Candidate
from .jobs import WizardJobs
from .review import format_recordings
from .state import WizardState

log = logging.getLogger(__name__)

COLUMNS = ("Use", "Recorded", "Duration", "Rate", "Quality", "File")
_CAUTION = QColor("#9a6700")


class RecordingsPage(QWizardPage):
    def __init__(self, state: WizardState, jobs: WizardJobs) -> None:
        super().__init__()
        self._state = state
        self._jobs = jobs
        self._scanning = False
        self.setTitle("2. Past recordings")
        self.setSubTitle(
            "The patient's recordings in the library, newest first. Tick the complete 12-lead "
            f"recordings to fine-tune on ({RECOMMENDED_RECORDINGS} recommended)."
        )
        self.tree = QTreeWidget()
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.tree.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.tree.itemChanged.connect(self._on_item_changed)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addWidget(self.tree, 1)
        lay.addWidget(self.summary)
        state.candidates_changed.connect(self._fill)
        state.selection_changed.connect(self._on_selection)
        jobs.scanned.connect(self._on_scanned)
        jobs.scan_failed.connect(self._on_scan_failed)

    # ------------------------------------------------------------- QWizardPage
    def initializePage(self) -> None:  # noqa: N802 (Qt API)
        st = self._state
        self._scanning = True
        self.tree.clear()
        self.summary.setText(f"Checking the recordings of patient {st.patient_id}…")
        self.completeChanged.emit()
        self._jobs.scan(st.patient_id, st.open_path, st.open_key)

    def isComplete(self) -> bool:  # noqa: N802 (Qt API)
        return not self._scanning and bool(self._state.selected)

    # ------------------------------------------------------------------ items
    def item_for(self, recording_id: int) -> QTreeWidgetItem | None:
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item.data(0, Qt.ItemDataRole.UserRole) == recording_id:
                return item
        return None

    def _fill(self) -> None:
        self.tree.blockSignals(True)
        self.tree.clear()
        grey = QBrush(self.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text))
        for c in self._state.candidates:
            e = c.entry
            item = QTreeWidgetItem(
                ["", c.date_text, f"{e.duration:.1f} s", f"{e.fs:g} Hz", c.reason or "ok", c.name]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, c.id)
            item.setToolTip(5, e.path)
            item.setToolTip(4, c.reason or "complete 12-lead recording, no quality problem found")
            if c.usable:
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(
                    0, Qt.CheckState.Checked if c.id in self._state.selected else Qt.CheckState.Unchecked
                )
                if c.noisy:
                    item.setForeground(4, QBrush(_CAUTION))
            else:
                # Greyed, no check box: it cannot be used, and the reason says why.
                item.setFlags(Qt.ItemFlag.NoItemFlags)
                for col in range(len(COLUMNS)):
                    item.setForeground(col, grey)
            self.tree.addTopLevelItem(item)
        self.tree.blockSignals(False)

    def _on_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if column == 0:
            rid = int(item.data(0, Qt.ItemDataRole.UserRole))
            self._state.set_selected(rid, item.checkState(0) == Qt.CheckState.Checked)

    def _on_selection(self) -> None:
        st = self._state
        self.tree.blockSignals(True)
        for c in st.candidates:
            item = self.item_for(c.id)
            if item is not None and c.usable:
                item.setCheckState(
                    0, Qt.CheckState.Checked if c.id in st.selected else Qt.CheckState.Unchecked
                )
        self.tree.blockSignals(False)
        usable = sum(c.usable for c in st.candidates)
        chosen = [c.entry for c in st.chosen()]
        text = f"{format_recordings(chosen)} selected; {usable} of {len(st.candidates)} recordings usable."
        if not st.candidates and not self._scanning:
            text = f"Patient {st.patient_id} has no recordings in the library. Go back and add some."
        elif usable == 0 and not self._scanning:
            text += (
                " None can be used: see the reasons in the list; go back to add complete 12-lead recordings."
            )
        elif 0 < len(chosen) < RECOMMENDED_RECORDINGS:
            text += f" Fewer than {RECOMMENDED_RECORDINGS}: the personal model may not generalize."
        self.summary.setText(text)
        self.completeChanged.emit()

    def _on_scanned(self, candidates: list[Candidate]) -> None:
        self._scanning = False
        self._state.set_candidates(candidates)

    def _on_scan_failed(self, message: str) -> None:
        self._scanning = False
        self.summary.setText(f"Cannot list the recordings: {message}")
        self.completeChanged.emit()
