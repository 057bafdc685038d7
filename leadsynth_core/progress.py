"""Cooperative cancellation and progress reporting for long work.

Long operations (loading, synthesis, training, fine-tuning) accept ``progress`` and
``cancel`` arguments.  They are plain Python objects so that the core stays Qt-free; the
GUI wires them to its worker threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from .errors import CancelledError

__all__ = ["CancelToken", "ProgressCallback", "report"]

#: ``progress(fraction, message)`` with ``0 <= fraction <= 1``.
ProgressCallback = Callable[[float, str], None]


class CancelToken:
    """A thread-safe cancellation flag checked by long work at safe points."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise CancelledError("cancelled by the user")


def report(progress: ProgressCallback | None, fraction: float, message: str = "") -> None:
    """Call ``progress`` if given, clamping ``fraction`` to [0, 1]."""
    if progress is not None:
        progress(min(1.0, max(0.0, float(fraction))), message)


def check(cancel: CancelToken | None) -> None:
    """Raise :class:`CancelledError` if ``cancel`` was triggered."""
    if cancel is not None:
        cancel.raise_if_cancelled()
