"""A dialog on which Enter presses no button.

QDialog presses its default button on Enter, and a QDialogButtonBox makes its accept button the
default when the dialog is shown, whatever was set before.  Where Enter already means something
in the dialog (open the table's row, insert a statement) or where a button files a clinical
record, that second action must not happen: the keys are taken here and go nowhere else.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDialog

__all__ = ["PlainEnterDialog"]


class PlainEnterDialog(QDialog):
    """A QDialog whose Enter and Return press no default button (the focused widget's own
    meaning of the key, if any, still happens first)."""

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt API)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            return
        super().keyPressEvent(event)
