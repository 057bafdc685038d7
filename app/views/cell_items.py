"""The graphics items of one cell of the ECG paper view (``views.ecg_grid``), which the band
overlay and the tests read too."""

from __future__ import annotations

import dataclasses

import pyqtgraph as pg
from PySide6.QtWidgets import QGraphicsPathItem, QGraphicsRectItem

from ..state import paper
from ..state.document import LeadDisplay


@dataclasses.dataclass
class CellItems:
    """The graphics items of one cell (public: tests and exports read them)."""

    cell: paper.Cell
    display: LeadDisplay
    trace: pg.PlotDataItem | None
    truth: pg.PlotDataItem | None
    fill: QGraphicsPathItem | None
    label: pg.TextItem | None  # None only while the cell is being built
    badge: pg.TextItem | None
    tint: QGraphicsRectItem | None
    #: Parent of trace, truth and fill that clips them to the cell's row, so that a tall
    #: complex never draws over the neighbouring rows and their labels (12x1 layouts).
    clip: QGraphicsRectItem | None = None
    #: "recording ends at ... s", shown while the cell starts after the recording's end
    #: (:meth:`paper.Cell.ended_text`); made the first time it is needed.
    ended: pg.TextItem | None = None
