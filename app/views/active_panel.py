"""A dock's panel whose controller computes only while the panel is on screen."""

from __future__ import annotations

from typing import Protocol

from PySide6.QtWidgets import QWidget

__all__ = ["ActivePanel"]


class _Activatable(Protocol):
    def set_active(self, user_active: bool) -> None: ...


class ActivePanel(QWidget):
    """Tells its controller when it is shown or hidden (``set_active``), so that measuring, or
    comparing with a prior ECG, runs only while someone can see the result: a closed or tabbed-away
    dock costs nothing on every page turn."""

    def __init__(self, controller: _Activatable, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctl = controller

    def showEvent(self, event: object) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        self._ctl.set_active(True)

    def hideEvent(self, event: object) -> None:  # noqa: N802 (Qt API)
        super().hideEvent(event)
        self._ctl.set_active(False)
