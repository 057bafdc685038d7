"""The window's library: File > Open from the library (the reading list) and File > Add this
recording to the library.

Filing the open recording under a patient is what makes it a prior for the patient's later
ECGs, puts it on the reading list, and lets a personal model serve it; until now only the
command line and the personalization wizard could.  Adding hashes the files, so it runs in a
worker (kind ``"library-add"``: a Holter file's gigabytes never in the GUI thread).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QInputDialog, QLineEdit

from leadsynth_core.library import AddReport, Library
from leadsynth_core.progress import CancelToken

from ..controllers.synthesis import Progress
from ..views.library_dialog import LibraryDialog

if TYPE_CHECKING:  # pragma: no cover
    from .main_window import MainWindow

__all__ = ["LibraryUi"]

TASK_KIND = "library-add"


class LibraryUi:
    """The library browser (single, non-modal) and adding the open recording to the library."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self._dialog: LibraryDialog | None = None
        window.interpretation_ui.controller.changed.connect(self._refresh)

    def dialog(self) -> LibraryDialog:
        """Show the library browser; its rows follow the interpretations filed."""
        if self._dialog is None:
            self._dialog = LibraryDialog(self.window.notifier, self._opened, self.window)
            self._dialog.open_requested.connect(lambda path, key: self.window.open_path(path, key))
        self._dialog.show()
        self._dialog.raise_()
        return self._dialog

    def _opened(self) -> tuple[str, str | None] | None:
        """The recording open in the viewer, as the library names files (path, key)."""
        doc = self.window.document
        return None if doc.path is None else (str(doc.path), doc.key)

    def close(self) -> None:
        if self._dialog is not None:
            self._dialog.close()

    def _refresh(self) -> None:
        if self._dialog is not None and self._dialog.isVisible():
            self._dialog.refresh()

    def ask_patient(self) -> str | None:
        """The patient to file the open recording under (the file's own identifier offered);
        None when the user cancelled; "" files it without a patient."""
        doc = self.window.document
        offered = (doc.record.patient_id or "") if doc.record is not None else ""
        text, ok = QInputDialog.getText(
            self.window, "Add this recording to the library",
            f"Patient id for {doc.path.name if doc.path else 'this recording'} (empty: no patient yet):",
            QLineEdit.EchoMode.Normal, offered)
        return text.strip() if ok else None

    def add_current(self) -> None:
        """File > Add this recording to the library: ask the patient, then add it in a worker."""
        doc = self.window.document
        if doc.record is None or doc.path is None:
            self.window.notifier.error("Nothing to add", "open a recording from a file first")
            return
        pid = self.ask_patient()
        if pid is not None:
            self.add(doc.path, pid or None)

    def add(self, path: Path, patient_id: str | None) -> None:
        """Add ``path`` (every record of a multi-record file) under ``patient_id``."""
        def work(progress: Progress, cancel: CancelToken) -> AddReport:
            with Library() as lib:
                return lib.add_recordings([path], patient_id=patient_id, progress=progress, cancel=cancel)

        self.window.tasks.start(TASK_KIND, work, on_success=lambda report: self._added(report, patient_id),
                                on_error=lambda exc: self.window.notifier.error("Not added to the library", exc))

    def _added(self, report: AddReport, patient_id: str | None) -> None:
        window = self.window
        if report.failed and not (report.added or report.relocated or report.duplicates):
            window.notifier.error("Not added to the library", "; ".join(f"{p}: {why}" for p, why in report.failed))
            return
        notes = report.duplicate_notes(patient_id)
        if notes:  # already there, perhaps under another patient: say which and how to change it
            window.notifier.info("; ".join(notes))
        else:
            who = f" as a recording of patient {patient_id}" if patient_id else " (no patient yet)"
            window.notifier.info(f"Added to the library{who}: {report.summary()}")
        # The patient a personal model serves is looked up in the library: look again.
        if patient_id:
            window.model_choice.model_added(patient_id)
        self._refresh()
