"""The window's reading: the Interpretation dock and Measure > Interpret this ECG.

Assembles :class:`~app.controllers.interpretation.InterpretationController` with its dock and
dialog, and gives the exports the lines the printed pages carry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDockWidget, QMenu

from ..controllers.interpretation import TASK_KIND, InterpretationController
from ..controllers.workers import process_events_while
from ..views.interpretation_panel import InterpretationDialog, InterpretationPanel

if TYPE_CHECKING:  # pragma: no cover
    from .main_window import MainWindow

__all__ = ["InterpretationUi"]


class InterpretationUi:
    """The Interpretation dock (left, under the Record dock) and its Measure menu entries."""

    def __init__(self, window: MainWindow, menu: QMenu) -> None:
        self.window = window
        self.controller = InterpretationController(window.document, window.view_state, window.tasks, window.notifier,
                                                   window)
        self.panel = InterpretationPanel(self.controller)
        self.panel.write_requested.connect(self.write)
        self.dock: QDockWidget = window._add_dock("Interpretation", self.panel, Qt.DockWidgetArea.LeftDockWidgetArea)
        menu.addSeparator()
        self.action = QAction("Interpret this ECG…", window)
        self.action.setShortcut(QKeySequence("Ctrl+Shift+I"))
        self.action.setStatusTip("Write (or amend) the reader's interpretation of this recording: filed in the "
                                 "library with what the page shows (measured and synthesized leads, model) and "
                                 "printed on the exported pages")
        self.action.triggered.connect(self.write)
        menu.addAction(self.action)
        window.addAction(self.action)
        menu.addAction(self.dock.toggleViewAction())

    def dialog(self) -> InterpretationDialog | None:
        """The dialog for the page as it is now (None, the reason told, when nothing can be filed)."""
        ctl = self.controller
        reason = ctl.why_not_ready()
        if reason is not None:
            self.window.notifier.error("Cannot interpret yet", reason)
            return None
        doc = self.window.document
        cautions = tuple(c.short_text() for c in doc.cautions)
        return InterpretationDialog(ctl.context(), ctl.current, self.window.settings.value("reading/reader"),
                                    cautions, self.window)

    def write(self) -> None:
        dialog = self.dialog()
        if dialog is None or dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.file(*dialog.values())

    def file(self, reader: str, text: str) -> bool:
        """File the interpretation; the reader's name is remembered for the next one."""
        if self.controller.file(reader, text) is None:
            return False
        self.window.settings.set_value("reading/reader", reader)
        self.dock.show()
        self.dock.raise_()
        return True

    def page_lines(self, timeout_ms: int = 30_000) -> tuple[str, ...]:
        """What the exported and printed pages carry of the interpretation; a lookup still
        running (a page printed the moment its file opened, ``leadsynth-gui --report``) is
        waited for: a page must not go out without the interpretation the library holds."""
        process_events_while(lambda: self.window.tasks.is_running(TASK_KIND), timeout_ms)
        return self.controller.page_lines()
