"""Colours of the two themes.

The light theme is clinical ECG paper (pink paper, red 1 mm / 5 mm grid, black ink).
Provenance is carried by *more than colour* elsewhere (labels, cell tint), so a
grey-scale print or a colour-blind reader still cannot mistake a synthesized lead for a
measured one; the colours here only reinforce it.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication


@dataclasses.dataclass(frozen=True)
class Theme:
    name: str
    paper: QColor
    grid_minor: QColor
    grid_major: QColor
    measured: QColor  # ink of measured leads (and of the truth in compare mode)
    derived: QColor  # ink of leads computed exactly from measured I and II
    synthesized: QColor  # ink of leads produced by a model
    synth_tint: QColor  # wash behind a synthesized cell
    difference: QColor  # fill between truth and synthesis
    prior: QColor  # ink of a prior ECG of the patient drawn under this one (dashed)
    label: QColor
    badge_fill: QColor
    badge_text: QColor
    separator: QColor


LIGHT = Theme(
    name="light",
    paper=QColor("#fff7f5"),
    grid_minor=QColor("#f6c9c4"),
    grid_major=QColor("#e58b84"),
    measured=QColor("#000000"),
    derived=QColor("#3b3b3b"),
    synthesized=QColor("#0047d4"),
    synth_tint=QColor(0, 71, 212, 18),
    difference=QColor(255, 140, 0, 110),
    prior=QColor("#7b3fa0"),
    label=QColor("#1a1a1a"),
    badge_fill=QColor(255, 255, 255, 235),
    badge_text=QColor("#0038a8"),
    separator=QColor("#000000"),
)

DARK = Theme(
    name="dark",
    paper=QColor("#101418"),
    grid_minor=QColor("#1f2a30"),
    grid_major=QColor("#35505a"),
    measured=QColor("#f2f2f2"),
    derived=QColor("#c8c8c8"),
    synthesized=QColor("#5cc8ff"),
    synth_tint=QColor(92, 200, 255, 22),
    difference=QColor(255, 160, 40, 110),
    prior=QColor("#d29bf0"),
    label=QColor("#f0f0f0"),
    badge_fill=QColor(16, 20, 24, 230),
    badge_text=QColor("#8fdcff"),
    separator=QColor("#f2f2f2"),
)

THEMES: dict[str, Theme] = {"light": LIGHT, "dark": DARK}


def theme(name: str) -> Theme:
    return THEMES.get(name, LIGHT)


def apply_palette(app: QApplication, name: str) -> None:
    """Give the widgets (not only the paper) the chosen light or dark look."""
    app.setStyle("Fusion")  # the same look on every platform, and one that honours palettes
    if name != "dark":
        app.setPalette(app.style().standardPalette())
        return
    pal = QPalette()
    base, alt, text = QColor("#1b2126"), QColor("#242b31"), QColor("#e6e6e6")
    pal.setColor(QPalette.ColorRole.Window, base)
    pal.setColor(QPalette.ColorRole.WindowText, text)
    pal.setColor(QPalette.ColorRole.Base, QColor("#12171b"))
    pal.setColor(QPalette.ColorRole.AlternateBase, alt)
    pal.setColor(QPalette.ColorRole.Text, text)
    pal.setColor(QPalette.ColorRole.Button, alt)
    pal.setColor(QPalette.ColorRole.ButtonText, text)
    pal.setColor(QPalette.ColorRole.ToolTipBase, alt)
    pal.setColor(QPalette.ColorRole.ToolTipText, text)
    pal.setColor(QPalette.ColorRole.Highlight, QColor("#2f7fd1"))
    pal.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    pal.setColor(QPalette.ColorRole.PlaceholderText, QColor("#8a9399"))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6d757a"))
    app.setPalette(pal)
