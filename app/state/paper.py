"""Geometry of the ECG paper, in millimetres, shared by the screen view and the exports.

Everything here is plain Python/numpy so that the on-screen grid (pyqtgraph) and the
printed page (QPainter on a PDF or an image) place every trace at the same millimetre:
one source of truth for calibration.

Coordinates: x grows to the right, y grows upwards, the page's lower-left corner is
(0, 0).  A sample of lead value ``v`` mV at time ``t`` s is drawn at
``x = cell.x0 + (t - segment_start) * speed``, ``y = cell.baseline + v * gain``.  The
on-screen traces keep ``(t * speed, v * gain)`` as their data and carry the offset
``(cell.x0 - segment_start * speed, cell.baseline)`` as their item position, as
mne-qt-browser does, so panning only moves items and refreshes the visible samples.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np

from leadsynth_core.leads import CHEST_LEADS, display_lead_name, limb_lead_sequence

from .settings import GAINS_MM_MV

#: Left margin that holds the 1 mV calibration pulse of each row (wide enough for a
#: 0.2-s pulse at 50 mm/s).
PULSE_MARGIN_MM = 15.0
#: Width of the traces' area: 10 s at 25 mm/s, as on a standard 12-lead print.
DATA_WIDTH_MM = 250.0
#: Duration of the calibration pulse (the standard 5 mm at 25 mm/s).
PULSE_DURATION_S = 0.2
#: Samples per screen pixel above which traces are min/max-decimated.
SAMPLES_PER_PIXEL = 5.0

#: The rhythm strip's lead when it is measured (else the first measured lead: see
#: :meth:`app.state.document.ViewerDocument.rhythm_lead`).
RHYTHM_LEAD = "II"
#: Room kept between a calibration pulse and the edges of its row (mm).
PULSE_CLEARANCE_MM = 0.5
#: The gain (mm/mV) a cart prints a 12x1 page at: its 13.75-mm rows hold a 1-mV pulse
#: and most QRS complexes without crossing the neighbouring rows.
CART_GAIN_12X1 = 5.0

#: Layout -> how many columns the six limb leads and the six chest leads each fill.
_LIMB_COLUMNS: dict[str, int] = {"3x4": 2, "6x2": 1, "12x1": 1}


def layout_columns(layout: str, limb_order: str = "standard") -> tuple[tuple[tuple[str, int], ...], ...]:
    """Columns of ``layout`` as (lead, sign) pairs: the limb leads in ``limb_order``, then V1-V6.

    3x4 standard: (I, II, III), (aVR, aVL, aVF), (V1-V3), (V4-V6); 3x4 Cabrera: (aVL, I,
    -aVR), (II, aVF, III), ...; 12x1 is one column of all twelve.
    """
    limb = limb_lead_sequence(limb_order)
    chest = tuple((lead, 1) for lead in CHEST_LEADS)
    n = _LIMB_COLUMNS[layout]
    if layout == "12x1":
        return (limb + chest,)
    k = len(limb) // n
    return tuple(limb[i * k:(i + 1) * k] for i in range(n)) + tuple(chest[i * k:(i + 1) * k] for i in range(n))


_ROW_HEIGHT_MM: dict[str, float] = {"3x4": 40.0, "6x2": 27.5, "12x1": 13.75}


@dataclasses.dataclass(frozen=True)
class Cell:
    """One lead's place on the page."""

    lead: str
    row: int
    col: int
    x0: float  # left edge (mm)
    width: float  # mm
    baseline: float  # y of 0 mV (mm)
    top: float  # upper edge of the row (mm)
    height: float  # mm
    rhythm: bool = False
    #: -1: the lead is drawn upside down (-aVR of the Cabrera order); its samples, truth,
    #: band and scores stay those of ``lead``, only the page's y axis turns for this cell.
    sign: int = 1

    @property
    def title(self) -> str:
        """The cell's label: "\u2212aVR" for an inverted cell, "II rhythm" for the rhythm strip."""
        name = display_lead_name(self.lead, self.sign)
        return f"{name} rhythm" if self.rhythm else name

    def t_offset(self, speed: float) -> float:
        """Seconds from the page's start time to this cell's first sample."""
        return (self.x0 - PULSE_MARGIN_MM) / speed

    def segment(self, t0: float, speed: float) -> tuple[float, float]:
        """Time span (s) shown in this cell when the page starts at ``t0``."""
        start = t0 + self.t_offset(speed)
        return start, start + self.width / speed

    def ended_text(self, t0: float, speed: float, duration_s: float) -> str | None:
        """What the cell says instead of a trace when the recording ends before it starts
        (``None``: it shows samples).

        A page is 10 s at 25 mm/s; a 7-s exam (CODE-15%) or a 6-s one (CPSC) leaves the last
        column empty.  An empty cell under a lead's label, tint and score reads as a lead
        that was flat or missing; the text says that the recording simply ended.
        """
        start, _ = self.segment(t0, speed)
        if duration_s <= 0 or start < duration_s - 1e-9:
            return None
        return f"recording ends at {duration_s:.2f} s"

    def item_pos(self, t0: float, speed: float) -> tuple[float, float]:
        """Position of a trace item whose data are ``(t * speed, v * gain)``."""
        start, _ = self.segment(t0, speed)
        return self.x0 - start * speed, self.baseline


@dataclasses.dataclass(frozen=True)
class PageGeometry:
    layout: str
    limb_order: str
    width: float
    height: float
    rows: int
    row_height: float
    cells: tuple[Cell, ...]

    def cell(self, lead: str, rhythm: bool = False) -> Cell:
        """The cell that draws ``lead`` (inverted or not); ``rhythm``: the rhythm strip's."""
        for c in self.cells:
            if c.lead == lead and c.rhythm == rhythm:
                return c
        raise KeyError(lead)

    def row_baselines(self) -> list[float]:
        return [self.height - (r + 0.55) * self.row_height for r in range(self.rows)]

    def row_band(self, row: int) -> tuple[float, float]:
        """Lower and upper edge (mm) of ``row``: traces are clipped to it."""
        top = self.height - row * self.row_height
        return top - self.row_height, top

    def pulse_bases(self, gain: float) -> list[float]:
        """Where each row's 1-mV calibration pulse starts (mm), kept inside its row.

        At the row's baseline when the pulse fits above it; otherwise lowered just enough
        that its top stays :data:`PULSE_CLEARANCE_MM` under the row's upper edge, so the
        pulses of neighbouring rows never touch (12x1 at 10 mm/mV).  A pulse taller than
        the row cannot be drawn honestly: see :func:`gain_fits`.
        """
        out = []
        for r, base in enumerate(self.row_baselines()):
            low, top = self.row_band(r)
            limit = top - PULSE_CLEARANCE_MM - gain
            out.append(max(low + PULSE_CLEARANCE_MM, min(base, limit)))
        return out

    def duration(self, speed: float) -> float:
        """Seconds of signal one page shows at ``speed``."""
        return DATA_WIDTH_MM / speed


def gain_fits(layout: str, gain: float) -> bool:
    """True when a 1-mV pulse at ``gain`` mm/mV fits in one row of ``layout``."""
    return gain + 2 * PULSE_CLEARANCE_MM <= _ROW_HEIGHT_MM[layout]


def page_geometry(layout: str, rhythm_lead: str = RHYTHM_LEAD, supplementary: Sequence[str] = (),
                  limb_order: str = "standard") -> PageGeometry:
    """Cells of ``layout`` ("3x4" with a ``rhythm_lead`` rhythm strip, "6x2" or "12x1"), the
    limb leads in ``limb_order`` ("standard" or "cabrera", :data:`leadsynth_core.leads.LIMB_LEAD_ORDERS`).

    ``supplementary`` leads (V4R, V7... that the file recorded) get rows of their own under
    the 12, as many to a row as the layout has columns, and above the rhythm strip: a
    15-lead print keeps the 12 where every reader expects them.
    """
    if layout not in _LIMB_COLUMNS:
        raise ValueError(f"unknown layout {layout!r}; expected one of {', '.join(_LIMB_COLUMNS)}")
    columns = layout_columns(layout, limb_order)
    n_cols = len(columns)
    n_std = len(columns[0])
    n_sup = math.ceil(len(supplementary) / n_cols)
    base_rows = n_std + (1 if layout == "3x4" else 0)
    n_rows = base_rows + n_sup
    # The page keeps its height (it must still fit A4 with its title and footer): the rows
    # close up, never below what the layout's largest gain needs for its calibration pulse.
    row_h = max(_ROW_HEIGHT_MM[layout] * base_rows / n_rows,
                max(g for g in GAINS_MM_MV if gain_fits(layout, g)) + 2 * PULSE_CLEARANCE_MM)
    height = n_rows * row_h
    col_w = DATA_WIDTH_MM / n_cols
    cells: list[Cell] = []

    def baseline(r: int) -> float:
        # Slightly below the row's middle: QRS complexes are mostly upright.
        return height - (r + 0.55) * row_h

    def place(lead: str, r: int, c: int, sign: int = 1) -> None:
        cells.append(Cell(lead, r, c, PULSE_MARGIN_MM + c * col_w, col_w, baseline(r), height - r * row_h, row_h,
                          sign=sign))

    for c, leads in enumerate(columns):
        for r, (lead, sign) in enumerate(leads):
            place(lead, r, c, sign)
    for i, lead in enumerate(supplementary):
        place(lead, n_std + i // n_cols, i % n_cols)
    if layout == "3x4":
        r = n_rows - 1
        cells.append(
            Cell(rhythm_lead, r, 0, PULSE_MARGIN_MM, DATA_WIDTH_MM, baseline(r), height - r * row_h, row_h, rhythm=True)
        )
    return PageGeometry(layout, limb_order, PULSE_MARGIN_MM + DATA_WIDTH_MM, height, n_rows, row_h, tuple(cells))


def sample_range(start_s: float, stop_s: float, fs: float, n_samples: int) -> tuple[int, int]:
    """Indices ``[i0, i1)`` of the samples whose times fall in ``[start_s, stop_s)``."""
    i0 = min(max(0, math.ceil(start_s * fs - 1e-9)), n_samples)
    i1 = min(max(0, math.ceil(stop_s * fs - 1e-9)), n_samples)
    return i0, max(i0, i1)


def decimation_factor(n_samples: int, pixels: float) -> int:
    """How many samples one output point stands for (1 = draw every sample)."""
    if pixels <= 0:
        return 1
    return max(1, int(n_samples / pixels / SAMPLES_PER_PIXEL))


def minmax_decimate(i0: int, y: np.ndarray, factor: int) -> tuple[np.ndarray, np.ndarray]:
    """Sample indices and values to draw ``y`` (starting at sample ``i0``).

    With ``factor`` < 2 every sample is returned.  Otherwise each bin of ``2 * factor``
    samples is drawn as its minimum and its maximum (in their order of occurrence), which
    keeps every QRS peak and pacing spike visible however far the view is zoomed out,
    with about :data:`SAMPLES_PER_PIXEL` points per pixel.
    """
    y = np.asarray(y)
    n = y.shape[0]
    if factor < 2 or n < 4 * factor:
        return np.arange(i0, i0 + n, dtype=np.float64), y
    b = 2 * factor
    nb = n // b
    core = y[: nb * b].reshape(nb, b)
    imin = core.argmin(axis=1)
    imax = core.argmax(axis=1)
    first = np.minimum(imin, imax)
    second = np.maximum(imin, imax)
    rows = np.arange(nb)
    base = i0 + rows * b
    xs = np.empty(2 * nb, dtype=np.float64)
    ys = np.empty(2 * nb, dtype=y.dtype)
    xs[0::2] = base + first
    xs[1::2] = base + second
    ys[0::2] = core[rows, first]
    ys[1::2] = core[rows, second]
    rest = y[nb * b:]
    if rest.size:
        xs = np.concatenate([xs, np.arange(i0 + nb * b, i0 + n, dtype=np.float64)])
        ys = np.concatenate([ys, rest])
    return xs, ys
