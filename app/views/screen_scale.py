"""The physical size of a screen's pixels (the calibrated paper views need it)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget


def physical_px_per_mm(widget: QWidget) -> float:
    """Device-independent pixels per physical millimetre of the widget's screen.

    Qt 6 reports ``physicalDotsPerInch`` in device-independent pixels, the unit the
    scene is painted in.  Some virtual or misconfigured displays report nonsense; then
    the logical DPI (96 on most desktops) is the honest fallback.
    """
    screen = widget.screen()
    dpi = screen.physicalDotsPerInchX() if screen is not None else 96.0
    if not 50.0 <= dpi <= 700.0:
        dpi = screen.logicalDotsPerInchX() if screen is not None else 96.0
    return dpi / 25.4
