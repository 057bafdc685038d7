"""The plot of a value over the recording's time, shared by the Agreement tab's views.

PCC per segment and band width over time are read the same way: seconds along x and the
value up in its own unit (no SI prefix on either axis: "(x0.001)" beside mV reads as a
thousand-fold error), zoom and pan along time only, a legend beside the data (never over it), a shaded region marking the
12-lead page on screen, the colours of the viewer's theme, and one pen per lead
(:func:`lead_pen`).
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from ..render.theme import Theme
from ..state.document import ViewState
from ..state.paper import DATA_WIDTH_MM

__all__ = ["LEAD_COLOURS", "apply_plot_theme", "lead_pen", "time_plot", "page_span", "clicked_time", "TimePlotPanel"]

#: Colour-blind-safe lead colours (Okabe-Ito), cycled over the leads of a plot.
LEAD_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")
#: Line styles of the successive colour cycles: from lead one, the ninth lead onwards are dashed,
#: so that no two leads of one plot share a pen (eleven leads are synthesized from lead I).
LEAD_STYLES = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine)


def lead_pen(k: int, width: float = 1.2) -> pg.QtGui.QPen:
    """The pen of the ``k``-th lead curve of a plot: its colour, and dashed after the first cycle."""
    n = len(LEAD_COLOURS)
    style = LEAD_STYLES[(k // n) % len(LEAD_STYLES)]
    # A dashed line needs a little more width to read as a line, not as dots.
    return pg.mkPen(LEAD_COLOURS[k % n], width=width if style == Qt.PenStyle.SolidLine else width + 0.6, style=style)


def time_plot(y_label: str, legend_columns: int = 2) -> tuple[pg.PlotWidget, pg.LinearRegionItem]:
    """A time plot and its page region (added, behind the curves, not movable)."""
    plot = pg.PlotWidget()
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.showGrid(x=True, y=True, alpha=0.25)
    plot.setLabel("left", y_label)
    plot.setLabel("bottom", "time", units="s")
    plot.getAxis("bottom").enableAutoSIPrefix(False)
    plot.getAxis("left").enableAutoSIPrefix(False)
    plot.setMouseEnabled(x=True, y=False)
    # The legend sits in the plot item's layout, right of the data, not over it: inside, it
    # covered the lowest curves, the worst leads a reader looks for.  Two columns keep twelve
    # entries within the height of the PCC plot, and the same width in both plots keeps their
    # time axes one above the other.
    item = plot.getPlotItem()
    legend = pg.LegendItem(labelTextSize="8pt", colCount=legend_columns)
    legend.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    item.layout.addItem(legend, 2, 3, Qt.AlignmentFlag.AlignTop)
    item.layout.setColumnStretchFactor(1, 1)  # the data take the width; the legend its own
    item.layout.setColumnStretchFactor(3, 0)
    item.legend = legend
    region = pg.LinearRegionItem(movable=False, brush=pg.mkBrush(255, 170, 0, 50), pen=pg.mkPen(None))
    region.setZValue(-10)
    region.setToolTip("The 12-lead page on screen")
    plot.addItem(region, ignoreBounds=True)
    return plot, region


def apply_plot_theme(plot: pg.PlotWidget, th: Theme) -> None:
    """White (light theme) or the dark paper behind the curves, axes and legend in the label colour."""
    plot.setBackground("#ffffff" if th.name == "light" else th.paper)
    for side in ("left", "bottom"):
        axis = plot.getAxis(side)
        axis.setPen(pg.mkPen(th.label))
        axis.setTextPen(pg.mkPen(th.label))
    legend = plot.getPlotItem().legend
    if legend is not None:
        legend.setLabelTextColor(th.label)


def page_span(state: ViewState) -> tuple[float, float]:
    """The seconds the 12-lead page on screen shows (the plots' shaded region)."""
    start = state.position
    return start, start + DATA_WIDTH_MM / state.speed


def clicked_time(plot: pg.PlotWidget, event: object) -> float | None:
    """The time (s) a left click on the plot's data area points at (None: another click)."""
    if event.button() != Qt.MouseButton.LeftButton:  # type: ignore[attr-defined]
        return None
    vb = plot.getViewBox()
    pos = event.scenePos()  # type: ignore[attr-defined]
    if not vb.sceneBoundingRect().contains(pos):
        return None
    return float(vb.mapSceneToView(pos).x())


class TimePlotPanel(QWidget):
    """A titled time plot below the 12-lead page's time: the page on screen shaded, a click
    asking to show that time (``jump_requested``), redrawn for the theme.  Subclasses lay out
    :attr:`title` and :attr:`plot`, draw in :meth:`redraw` and say in :meth:`has_data`
    whether a click means anything."""

    jump_requested = Signal(float)

    def __init__(self, state: ViewState, y_label: str, legend_columns: int = 2, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = state
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.plot, self.page_region = time_plot(y_label, legend_columns)
        self.plot.scene().sigMouseClicked.connect(self._on_clicked)
        state.position_changed.connect(lambda _s: self._update_page())
        state.changed.connect(self._on_state_changed)

    def redraw(self) -> None:
        raise NotImplementedError

    def has_data(self) -> bool:
        raise NotImplementedError

    def _on_state_changed(self, what: str) -> None:
        if what == "speed":
            self._update_page()
        elif what == "theme":
            self.redraw()

    def _update_page(self) -> None:
        self.page_region.setRegion(page_span(self._state))

    def _on_clicked(self, event: object) -> None:
        seconds = clicked_time(self.plot, event)
        if seconds is not None and self.has_data():
            self.jump_requested.emit(max(0.0, seconds))
