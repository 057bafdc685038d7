"""How the calibrated band and the per-lead confidence look, on screen and in exports."""

from __future__ import annotations

import re

from PySide6.QtGui import QColor

from .theme import Theme

__all__ = ["band_brush_color", "confidence_color", "confidence_text", "band_legend_html", "BAND_ALPHA"]

#: Opacity of the band's fill (0-255): the trace and the grid stay readable through it.
BAND_ALPHA = 60

_CONFIDENCE_MARK = {"high": "\u25cf", "moderate": "\u25b2", "low": "\u25b2"}


def band_brush_color(th: Theme) -> QColor:
    """The band's fill: the synthesized ink, translucent."""
    c = QColor(th.synthesized)
    c.setAlpha(BAND_ALPHA)
    return c


def confidence_color(level: str) -> QColor:
    """Grey (narrow band: no claim), Okabe-Ito orange (moderate) and vermilion (low)."""
    return QColor({"high": "#6b6b6b", "moderate": "#E69F00"}.get(level, "#D55E00"))


def confidence_text(level: str) -> str:
    """The indicator's words: "▲ LOW confidence", "▲ moderate confidence", or "● narrow band".

    A narrow band is not called "high confidence": the members can agree and all be wrong
    on a hospital unlike the training ones (PTB S0002's V5/V6 are the example in
    ``docs/uncertainty.md``), so the indicator warns where the band is wide and only
    describes it where it is not.
    """
    if level == "high":
        return f"{_CONFIDENCE_MARK['high']} narrow band"
    word = "LOW" if level == "low" else level
    return f"{_CONFIDENCE_MARK.get(level, '')} {word} confidence"


def band_legend_html(th: Theme, calibration: str | None, visible: bool, message: str = "") -> str:
    """The legend entry of the band (empty when there is nothing to say)."""
    if calibration and visible:
        # The legend line must fit the page's header: the record counts stay in the files,
        # the print footer and the tooltips.
        calibration = re.sub(r" \([^()]*never trained on\)", "", calibration)
        swatch = band_brush_color(th).name(QColor.NameFormat.HexArgb)
        return (f"<span style='background-color:{swatch}'>&nbsp;&nbsp;&nbsp;</span> "
                f"<span style='color:{th.synthesized.name()}'>{calibration}</span>")
    if calibration:
        return "<i>band hidden (View &gt; Uncertainty band)</i>"
    return f"<i>{message}</i>" if message else ""
