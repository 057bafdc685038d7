"""The plot of a value over the recording's time, shared by the Agreement tab's views.

PCC per segment and band width over time are read the same way: seconds along x and the
value up in its own unit (no SI prefix on either axis: "(x0.001)" beside mV reads as a
thousand-fold error), zoom and pan along time only, a legend, a shaded region marking the
12-lead page on screen, and the colours of the viewer's theme.
"""

from __future__ import annotations

import pyqtgraph as pg

from ..render.theme import Theme


def time_plot(y_label: str, legend_offset: tuple[int, int], legend_columns: int) -> tuple[pg.PlotWidget, pg.LinearRegionItem]:
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
    plot.addLegend(offset=legend_offset, labelTextSize="8pt", colCount=legend_columns)
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
