"""Evaluate a data set from the viewer: every 12-lead record of a folder, worst first.

For researchers looking for failure cases: choose a folder (or a multi-record HDF5 file),
and every record with all 12 leads is synthesized from the viewer's current inputs and
scored (``leadsynth_core.evaluation.evaluate_dataset``, the engine behind ``leadsynth
evaluate``) in a worker by :class:`~app.controllers.dataset.DatasetController`, with
progress and cancel; this module is the view.  The table lists the records by mean
PCC, lowest first; double-clicking one opens it in the viewer, with the dialog left open
so that one can go through the cases one by one.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..controllers.dataset import DatasetController
from ..controllers.notify import Notifier
from ..controllers.workers import TaskRunner
from ..render.style import SCORE_REFERENCES
from ..state.document import ViewerDocument, ViewState

log = logging.getLogger(__name__)

COLUMNS = ("Record", "Duration s", "Mean PCC", "Mean RMSE mV", "Worst lead")


def record_label(path: str | Path, key: str | None) -> str:
    """Short name of a record in the table: the WFDB record name, or the file and its key."""
    p = Path(path)
    name = p.stem if p.suffix.lower() == ".hea" else p.name
    return name + (f" [{key}]" if key else "")


class _SortItem(QTableWidgetItem):
    """A cell that sorts by its number (missing values last), not by its text."""

    def __init__(self, text: str, key: float | None) -> None:
        super().__init__(text)
        self.key = float("inf") if key is None else float(key)

    def __lt__(self, other: QTableWidgetItem) -> bool:
        if isinstance(other, _SortItem):
            return self.key < other.key
        return super().__lt__(other)


class DatasetDialog(QDialog):
    """Non-modal: evaluate a folder with the viewer's inputs; open a record by double-click."""

    open_requested = Signal(str, object)  # path, HDF5 key or None

    def __init__(self, document: ViewerDocument, state: ViewState, tasks: TaskRunner, notifier: Notifier,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Evaluate a data set")
        self.setModal(False)
        self.resize(820, 560)
        self._doc = document
        self._state = state
        self._notifier = notifier
        #: Runs the evaluation and holds its state and result.
        self.controller = DatasetController(tasks, notifier, self)
        self.controller.state_changed.connect(self._on_state)
        self.controller.progressed.connect(self._on_progress)
        self.controller.finished.connect(self._fill)

        self.folder = QLineEdit()
        self.folder.setPlaceholderText("folder of records (searched recursively) or an HDF5 file")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        self.settings_label = QLabel()
        self.settings_label.setWordWrap(True)
        self.run_button = QPushButton("Evaluate")
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(lambda: self.run())
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.save_button = QPushButton("Save JSON…")
        self.save_button.clicked.connect(self._save_dialog)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.status = QLabel()
        self.status.setWordWrap(True)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setToolTip("Lowest mean PCC first; double-click or Enter opens the record in the viewer")
        self.table.cellDoubleClicked.connect(lambda row, _c: self._open_row(row))
        self.table.activated.connect(lambda index: self._open_row(index.row()))

        top = QHBoxLayout()
        top.addWidget(self.folder, 1)
        top.addWidget(browse)
        actions = QHBoxLayout()
        actions.addWidget(self.progress, 1)
        actions.addWidget(self.run_button)
        actions.addWidget(self.cancel_button)
        actions.addWidget(self.save_button)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.settings_label)
        lay.addLayout(actions)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.status)

        document.inputs_changed.connect(self._update_controls)
        document.record_changed.connect(self._update_controls)  # opening may choose the inputs
        state.changed.connect(lambda what: self._update_controls() if what == "score_reference" else None)
        self._update_controls()

    # ------------------------------------------------------------- actions
    @property
    def result(self) -> dict[str, Any] | None:
        """The last finished evaluation (``evaluate_dataset``'s dict), or None."""
        return self.controller.result

    @property
    def state(self) -> str:
        return self.controller.state

    def run(self, data: str | Path | None = None) -> None:
        """Evaluate ``data`` (default: the folder field) with the viewer's inputs and reference."""
        if data is not None:
            self.folder.setText(str(data))
        text = self.folder.text().strip()
        if not text:
            self._notifier.error("Nothing to evaluate", "Choose a folder of records or an HDF5 file first.")
            return
        self.table.setRowCount(0)
        self.controller.run(Path(text), self._doc.inputs, self._state.score_reference)

    def cancel(self) -> None:
        self.controller.cancel()

    def save(self, path: str | Path) -> Path | None:
        """Write the last result as ``leadsynth evaluate`` does (JSON, atomic)."""
        return self.controller.save(path)

    def closeEvent(self, event: Any) -> None:  # noqa: N802 (Qt API)
        self.cancel()
        super().closeEvent(event)

    # ------------------------------------------------------------- helpers
    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder of records", self.folder.text())
        if folder:
            self.folder.setText(folder)

    def _save_dialog(self) -> None:
        if self.result is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save the evaluation", "evaluation.json", "JSON (*.json)")
        if not path:
            return
        try:
            self.save(path)
        except OSError as exc:
            self._notifier.error("Cannot save the evaluation", exc)

    def _open_row(self, row: int) -> None:
        item = self.table.item(row, 0)
        if item is None:
            return
        path, key = item.data(Qt.ItemDataRole.UserRole)
        self.open_requested.emit(path, key)

    def _on_state(self, _state: str, message: str) -> None:
        if message:
            self.status.setText(message)
        self._update_controls()

    def _on_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(1000 * fraction))
        self.status.setText(message)

    def _update_controls(self) -> None:
        running = self.state == ViewerDocument.RUNNING
        self.run_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.progress.setVisible(running)
        self.save_button.setEnabled(self.result is not None and not running)
        self.settings_label.setText(
            f"Inputs: <b>{', '.join(self._doc.inputs)}</b> (the viewer's selection) · model: the best "
            f"shipped model for them · scored vs. {SCORE_REFERENCES[self._state.score_reference]}. "
            "Records without all 12 leads are listed as skipped.")

    def _fill(self, result: dict[str, Any]) -> None:
        records = sorted(result["records"],
                         key=lambda r: float("inf") if r["mean"]["pcc"] is None else r["mean"]["pcc"])
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(records))
        for row, r in enumerate(records):
            pcc, rmse = r["mean"]["pcc"], r["mean"]["rmse"]
            worst = r.get("worst_lead")
            worst_pcc = r["leads"][worst]["pcc"] if worst else None
            name = QTableWidgetItem(record_label(r["path"], r["key"]))
            name.setData(Qt.ItemDataRole.UserRole, (r["path"], r["key"]))
            name.setToolTip(r["record"])
            cells = (
                name,
                _SortItem(f"{r['duration_s']:.1f}", r["duration_s"]),
                _SortItem("n/a" if pcc is None else f"{pcc:.3f}", pcc),
                _SortItem("n/a" if rmse is None else f"{rmse:.3f}", rmse),
                _SortItem(f"{worst} {worst_pcc:.3f}" if worst and worst_pcc is not None else "—", worst_pcc),
            )
            for col, item in enumerate(cells):
                self.table.setItem(row, col, item)
        self.table.setSortingEnabled(True)
        # Enabling sorting re-sorts by the header's indicator (column 0 by default): worst first again.
        self.table.sortItems(2, Qt.SortOrder.AscendingOrder)
        mean = result["mean"]["pcc"]
        text = (f"{result['n_records']} record(s) scored from {', '.join(result['inputs'])} with {result['model']}"
                f" vs. {SCORE_REFERENCES[result['reference']]}"
                + (f", mean PCC {mean:.3f}" if mean is not None else ""))
        if result["skipped"]:
            text += f"; {len(result['skipped'])} skipped (hover for the reasons)"
            self.status.setToolTip("\n".join(f"{s['record']}: {s['reason']}" for s in result["skipped"][:40]))
        else:
            self.status.setToolTip("")
        self.status.setText(text + ".")
