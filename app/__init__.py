"""The PySide6 desktop application of LeadSynth (views, dialogs, workers)."""

from __future__ import annotations

import ctypes
import sys


def _pin_none_for_pyside6_6_12() -> None:
    """Work around a fatal reference-count bug of PySide6 6.12.0 on CPython < 3.12.

    Every call of a PySide6 6.12.0 method that returns ``void`` (``QPen.setWidthF``,
    ``QGraphicsItem.setPos``...) drops one reference to ``None`` without taking it, and
    some ``bool`` returns do the same to ``True``/``False``.  On
    CPython 3.12+ ``None`` is immortal and nothing happens; on 3.11 its count reaches zero
    after some minutes of use and the interpreter aborts ("none_dealloc: deallocating
    None").  Raising the count by 2**40 is what CPython 3.12 does for immortal objects
    (None is never freed anyway), and keeps the viewer alive for any realistic session.
    The real fix is a PySide6 other than 6.12.0, or CPython 3.12+; this guard only runs
    where it is needed.
    """
    if sys.version_info >= (3, 12):
        return
    try:
        from PySide6 import __version_info__ as pyside_version
    except ImportError:
        return
    if tuple(pyside_version[:2]) != (6, 12):
        return
    for singleton in (None, True, False):  # bool-returning methods have the same bug
        refcnt = ctypes.c_ssize_t.from_address(id(singleton))
        if refcnt.value < 1 << 40:
            refcnt.value += 1 << 40


_pin_none_for_pyside6_6_12()
