"""Wrapped notes in the side docks, which must never widen their dock."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

__all__ = ["dock_note", "DOCK_NOTE_MIN_WIDTH"]

#: The narrowest a dock's note may become (px).  A word-wrapped QLabel's own minimum width
#: grows with its text, so a longer note widened the dock and squeezed (and moved) the ECG page.
DOCK_NOTE_MIN_WIDTH = 120


def dock_note(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A word-wrapped label whose minimum width is fixed, not taken from its text."""
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setMinimumWidth(DOCK_NOTE_MIN_WIDTH)
    return label
