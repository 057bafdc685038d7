"""The ECG paper (background and 1 mm / 5 mm grid), painted in millimetres.

One painter for the screen (:class:`app.views.ecg_grid.PaperGridItem`) and the exported
pages (:func:`app.render.page.render_page`), so both show the same grid.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QLineF, QRectF
from PySide6.QtGui import QPainter, QPen

from .theme import Theme


def grid_lines(rect: QRectF) -> dict[int, list[QLineF]]:
    """The 1 mm (minor, skipping every fifth) and 5 mm (major) lines covering ``rect``."""
    x0, y0, x1, y1 = rect.left(), rect.top(), rect.right(), rect.bottom()
    out: dict[int, list[QLineF]] = {1: [], 5: []}
    for x in range(int(np.ceil(x0)), int(np.floor(x1)) + 1):
        out[5 if x % 5 == 0 else 1].append(QLineF(x, y0, x, y1))
    for y in range(int(np.ceil(y0)), int(np.floor(y1)) + 1):
        out[5 if y % 5 == 0 else 1].append(QLineF(x0, y, x1, y))
    return out


def draw_paper_grid(painter: QPainter, rect: QRectF, th: Theme, px_per_mm: float, cosmetic: bool = True,
                    minor_width: float = 0.0, major_width: float = 0.0,
                    lines: dict[int, list[QLineF]] | None = None) -> None:
    """Paint paper and grid into ``rect`` (mm); shared by the screen and the exports."""
    painter.fillRect(rect, th.paper)
    lines = lines if lines is not None else grid_lines(rect)
    # Below ~2.5 px per mm the 1 mm lines would turn the paper into a pink blur.
    levels = [(5, th.grid_major, major_width)]
    if px_per_mm >= 2.5:
        levels.insert(0, (1, th.grid_minor, minor_width))
    for step, color, width in levels:
        pen = QPen(color)
        pen.setCosmetic(cosmetic)
        pen.setWidthF(width)
        painter.setPen(pen)
        painter.drawLines(lines[step])
