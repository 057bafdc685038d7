"""Time and amplitude calipers on an ECG plot: drag the legs on the paper, read ms, bpm and mV.

One :class:`Calipers` belongs to one pyqtgraph ViewBox.  Two vertical legs measure time,
two horizontal legs measure amplitude; the read-out converts the distance between them
with the *current* scale of the view (``seconds_per_unit`` / ``mv_per_unit`` are callables),
so it stays right at every paper speed and gain, on measured and synthesized leads alike.
Marching calipers repeat the time span across the page to check a rhythm's regularity.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QPen

from ..render.measurement_marks import CALIPER_COLOR

__all__ = ["CaliperReading", "Calipers", "CALIPER_COLOR"]

#: Marching legs drawn at most this many spans either way.
MARCH_STEPS = 12


@dataclasses.dataclass(frozen=True)
class CaliperReading:
    """What the calipers span: time (ms), the rate it corresponds to (bpm), amplitude (mV)."""

    dt_ms: float
    dv_mv: float

    @property
    def bpm(self) -> float | None:
        return 60000.0 / self.dt_ms if self.dt_ms >= 1.0 else None

    def text(self) -> str:
        rate = f"{self.bpm:.0f} bpm" if self.bpm is not None else "- bpm"
        return f"{self.dt_ms:.0f} ms  ·  {rate}  ·  {self.dv_mv:.2f} mV"


class Calipers(QObject):
    """A pair of time legs and a pair of amplitude legs on ``view_box`` (hidden until shown)."""

    changed = Signal()

    def __init__(self, view_box: pg.ViewBox, *, seconds_per_unit: Callable[[], float],
                 mv_per_unit: Callable[[], float], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._vb = view_box
        self._sec = seconds_per_unit
        self._mv = mv_per_unit
        self._marching = False
        pen = QPen(CALIPER_COLOR)
        pen.setCosmetic(True)
        pen.setWidthF(1.6)
        hover = QPen(CALIPER_COLOR)
        hover.setCosmetic(True)
        hover.setWidthF(3.0)

        def leg(angle: int, name: str) -> pg.InfiniteLine:
            line = pg.InfiniteLine(angle=angle, movable=True, pen=pen, hoverPen=hover, name=name)
            line.setZValue(40)
            line.setToolTip("Caliper leg: drag it along the paper")
            line.sigPositionChanged.connect(self._update)
            return line

        self.t1, self.t2 = leg(90, "t1"), leg(90, "t2")
        self.a1, self.a2 = leg(0, "a1"), leg(0, "a2")
        self.label = pg.TextItem(anchor=(0, 1), fill=pg.mkBrush(255, 255, 255, 225), border=pg.mkPen(CALIPER_COLOR))
        self.label.setZValue(41)
        self._march: list[pg.InfiniteLine] = []
        self._visible = False
        #: Placed by default and not touched since: follow the view into sight.
        self._auto = False
        for line in (self.t1, self.t2, self.a1, self.a2):
            line.sigDragged.connect(self._touched)
        view_box.sigRangeChanged.connect(self._on_range)

    # ---------------------------------------------------------------- public
    @property
    def visible(self) -> bool:
        return self._visible

    @property
    def marching(self) -> bool:
        return self._marching

    def items(self) -> list[pg.GraphicsObject]:
        return [self.t1, self.t2, self.a1, self.a2, self.label, *self._march]

    def show(self, x1: float | None = None, x2: float | None = None,
             y1: float | None = None, y2: float | None = None) -> None:
        """Show the calipers (by default one second and 1 mV wide, in the visible part)."""
        (vx0, vx1), (vy0, vy1) = self._vb.viewRange()
        sec, mv = max(self._sec(), 1e-12), max(self._mv(), 1e-12)
        self._auto = None in (x1, x2, y1, y2)
        if x1 is None:
            x1 = vx0 + 0.25 * (vx1 - vx0)
        if x2 is None:
            x2 = x1 + min(1.0 / sec, 0.5 * (vx1 - vx0))
        if y1 is None:
            y1 = vy0 + 0.4 * (vy1 - vy0)
        if y2 is None:
            y2 = y1 + min(1.0 / mv, 0.4 * (vy1 - vy0))
        for line, value in ((self.t1, x1), (self.t2, x2), (self.a1, y1), (self.a2, y2)):
            line.blockSignals(True)
            line.setValue(value)
            line.blockSignals(False)
        self._visible = True
        self.attach()
        self._update()

    def hide(self) -> None:
        self._visible = False
        self._remove_items()
        self.changed.emit()

    @property
    def view_box(self) -> pg.ViewBox:
        return self._vb

    def attach(self) -> None:
        """(Re-)add the items to the view box, e.g. after the plot was cleared."""
        if not self._visible:
            return
        for item in (self.t1, self.t2, self.a1, self.a2, self.label):
            if item.scene() is None:
                self._vb.addItem(item, ignoreBounds=True)
        self._update_march()

    def set_marching(self, on: bool) -> None:
        self._marching = bool(on)
        self._update_march()
        self.changed.emit()

    def geometry(self) -> tuple[float, float, float, float] | None:
        """``(x1, x2, y1, y2)`` of the legs in view units, ``None`` when hidden."""
        if not self._visible:
            return None
        return (float(self.t1.value()), float(self.t2.value()), float(self.a1.value()), float(self.a2.value()))

    def march_positions(self) -> list[float]:
        """x of the marching legs (beyond the two legs, every span, inside the view)."""
        g = self.geometry()
        if g is None or not self._marching:
            return []
        x1, x2 = sorted(g[:2])
        span = x2 - x1
        if span <= 0:
            return []
        (vx0, vx1), _ = self._vb.viewRange()
        out = [x2 + k * span for k in range(1, MARCH_STEPS + 1) if x2 + k * span <= vx1]
        out += [x1 - k * span for k in range(1, MARCH_STEPS + 1) if x1 - k * span >= vx0]
        return sorted(out)

    def reading(self) -> CaliperReading | None:
        g = self.geometry()
        if g is None:
            return None
        x1, x2, y1, y2 = g
        return CaliperReading(dt_ms=abs(x2 - x1) * self._sec() * 1000.0, dv_mv=abs(y2 - y1) * self._mv())

    def text(self) -> str:
        r = self.reading()
        return "" if r is None else r.text()

    # --------------------------------------------------------------- private
    def _remove_items(self) -> None:
        for item in self.items():
            if item.scene() is not None:
                self._vb.removeItem(item)

    def _touched(self) -> None:
        self._auto = False

    def _on_range(self) -> None:
        g = self.geometry()
        if g is not None and self._auto:
            # Shown before the view had its range (a page not yet laid out): bring the
            # untouched legs into sight.
            (vx0, vx1), (vy0, vy1) = self._vb.viewRange()
            if not all(vx0 <= x <= vx1 for x in g[:2]) or not all(vy0 <= y <= vy1 for y in g[2:]):
                self.show()
        self._update_march()

    def _update(self) -> None:
        g = self.geometry()
        if g is None:
            return
        x1, x2, y1, y2 = g
        # Stacked (ms / bpm / mV) so that the read-out fits a small median-beat plot.
        stacked = "<br>".join(self.text().split("  ·  "))
        self.label.setHtml(f"<span style='font-size:9pt; font-weight:600; color:{CALIPER_COLOR.name()}'>"
                           f"{stacked}</span>")
        # The read-out sits outside the right leg, or inside it in the right half of the
        # view, so that it is never cut off at the edge of a small plot.
        (vx0, vx1), _ = self._vb.viewRange()
        right = max(x1, x2)
        self.label.setAnchor((1, 1) if right > 0.5 * (vx0 + vx1) else (0, 1))
        self.label.setPos(right, max(y1, y2))
        self._update_march()
        self.changed.emit()

    def _update_march(self) -> None:
        wanted = self.march_positions() if self._visible else []
        while len(self._march) > len(wanted):
            line = self._march.pop()
            if line.scene() is not None:
                self._vb.removeItem(line)
        pen = QPen(CALIPER_COLOR)
        pen.setCosmetic(True)
        pen.setStyle(Qt.PenStyle.DashLine)
        while len(self._march) < len(wanted):
            line = pg.InfiniteLine(angle=90, movable=False, pen=pen)
            line.setZValue(39)
            self._march.append(line)
        for line, x in zip(self._march, wanted, strict=True):
            if math.isfinite(x):
                line.setValue(x)
            if line.scene() is None:
                self._vb.addItem(line, ignoreBounds=True)
