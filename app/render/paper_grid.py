"""The ECG paper (background and 1 mm / 5 mm grid), painted in millimetres.

One painter for the screen (:class:`PaperGridItem`, in the ECG grid view) and the exported
pages (:func:`app.render.page.render_page`), so both show the same grid.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QLineF, QRectF
from PySide6.QtGui import QPainter, QPen

from .theme import Theme, theme


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


class PaperGridItem(pg.GraphicsObject):
    """ECG paper: 1 mm minor and 5 mm major lines over the page (drawn in mm).

    The line lists are built once per page size: painting then costs one ``drawLines``
    call per level, which keeps the grid cheap at 30+ frames per second.
    """

    def __init__(self) -> None:
        super().__init__()
        self._rect = QRectF()
        self._theme: Theme = theme("light")
        self._lines: dict[int, list[QLineF]] = {}
        self.setZValue(-100)

    def set_page(self, width: float, height: float, th: Theme) -> None:
        rect = QRectF(0.0, 0.0, width, height)
        if rect != self._rect:
            self.prepareGeometryChange()
            self._rect = rect
            self._lines = grid_lines(rect)
        self._theme = th
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt API)
        return self._rect

    def paint(self, painter: QPainter, *args: object) -> None:
        if not self._lines:
            return  # no page yet (a view with nothing to show)
        draw_paper_grid(painter, self._rect, self._theme, abs(painter.transform().m11()), lines=self._lines)
