"""The one path by which the viewer tells the user that something went wrong.

Every error a user can provoke (a bad file, an impossible lead choice, a failed export)
arrives here as a :class:`~leadsynth_core.errors.LeadSynthError` (or an ``OSError`` from
the file system).  :class:`Notifier` logs it, emits :attr:`Notifier.error_raised` (other
widgets, e.g. the status bar, listen) and shows a modal message box with the message and
no traceback.  Non-blocking information goes through :meth:`Notifier.info` to the status
bar.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

log = logging.getLogger(__name__)


def describe(exc: BaseException) -> str:
    """User-facing text of an error: its message, never a traceback."""
    text = str(exc).strip()
    if isinstance(exc, OSError) and exc.filename and str(exc.filename) not in text:
        text = f"{exc.filename}: {exc.strerror or text}"
    return text or type(exc).__name__


class Notifier(QObject):
    """Logs errors, broadcasts them and shows them in a dialog parented to ``parent``."""

    error_raised = Signal(str, str)  # title, message
    info_posted = Signal(str)

    def __init__(self, parent_widget: QWidget | None = None, *, interactive: bool = True) -> None:
        super().__init__(parent_widget)
        self._parent_widget = parent_widget
        # Batch runs (--screenshot) log and broadcast errors but open no modal box.
        self.interactive = interactive

    def error(self, title: str, exc: BaseException | str) -> None:
        message = exc if isinstance(exc, str) else describe(exc)
        log.warning("%s: %s", title, message)
        self.error_raised.emit(title, message)
        if self.interactive:
            QMessageBox.critical(self._parent_widget, title, message)

    def info(self, message: str) -> None:
        log.info("%s", message)
        self.info_posted.emit(message)
