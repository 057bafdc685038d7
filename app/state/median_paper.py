"""The median-beat page's data and geometry, in millimetres: plain Python and numpy.

:class:`MedianBeats` is what :mod:`app.controllers.median` computes in a worker; the screen
(:mod:`app.views.median_view`) and the printed page (:mod:`app.render.median_page`) place it
with :func:`median_layout`, so a beat lies at the same millimetre on both: 3 rows of 4 beats
(I aVR V1 V4 / II aVL V2 V5 / III aVF V3 V6, or the Cabrera order), the recording's
supplementary leads in rows of their own under the 12, one vertical scale for every lead.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from leadsynth_core.leads import STANDARD_LEADS, display_lead_name

from .paper import layout_columns

#: Each median beat runs from this long before its R peak to :data:`AFTER_S` after it (s).
BEFORE_S = 0.35
AFTER_S = 0.55
#: Left margin holding each row's calibration pulse (mm).
PULSE_MARGIN_MM = 10.0
#: Gap between two columns' beats (mm).
GAP_MM = 8.0
#: Strip at the top of each row for the lead's label (mm).
LABEL_MM = 5.0
#: Least amplitude a row has room for above and below the baseline (mV): the 1-mV pulse.
MIN_ABOVE_MV, MIN_BELOW_MV = 1.0, 0.3


@dataclasses.dataclass(frozen=True)
class MedianBeats:
    """The median beats of one window: ``beats[lead][role]`` in mV, baseline at 0.

    ``role`` is "trace" (what the cell shows), "truth" (the file's measured samples of a
    synthesized lead) or "prior" (the lead of a prior ECG of the patient, resampled to ``fs``,
    aligned on its own R peaks; see :func:`app.controllers.median.prior_median_beats`).  ``error`` says why there
    are none; ``prior_source`` names the prior ECG drawn, if any.
    """

    ref_lead: str | None
    n_beats: int
    start_s: float
    stop_s: float
    fs: float
    beats: dict[str, dict[str, np.ndarray]]
    error: str | None = None
    prior_source: str | None = None

    @property
    def t0_s(self) -> float:
        """Time of each beat's first sample relative to its R peak."""
        return -BEFORE_S


#: Beats per row: the limb leads fill two columns, the chest leads two (as on a 3x4 page).
COLUMNS = 4


@dataclasses.dataclass(frozen=True)
class MedianCell:
    lead: str
    x0: float  # left edge of the beat (mm)
    width: float
    baseline: float  # y of the isoelectric level (mm)
    low: float  # lower edge of the row (mm)
    high: float  # upper edge of the row (mm)
    #: -1: drawn upside down (-aVR of the Cabrera order); see :class:`app.state.paper.Cell`.
    sign: int = 1

    @property
    def title(self) -> str:
        return display_lead_name(self.lead, self.sign)


def median_rows(limb_order: str = "standard", supplementary: tuple[str, ...] = ()) -> list[tuple[tuple[str, int], ...]]:
    """Rows of (lead, sign): limb leads in two columns in ``limb_order``, V1-V3 and V4-V6, then
    the ``supplementary`` leads (V4R, V7...) in rows of their own under the 12."""
    # The 3x4 page's columns read across: the median page has the 12-lead page's arrangement.
    rows = [tuple(row) for row in zip(*layout_columns("3x4", limb_order), strict=True)]
    extra = tuple((lead, 1) for lead in supplementary)
    return rows + [extra[i:i + COLUMNS] for i in range(0, len(extra), COLUMNS)]


def median_layout(beats: MedianBeats, speed: float, gain: float,
                  limb_order: str = "standard") -> tuple[float, float, dict[str, MedianCell]]:
    """Page width, height (mm) and the cell of every lead; one scale for all rows."""
    rows = median_rows(limb_order, tuple(lead for lead in beats.beats if lead not in STANDARD_LEADS))
    signs = {lead: sign for row in rows for lead, sign in row}
    # The room above and below the baseline as drawn: an inverted lead's trough is a peak.
    values = [sign * b for lead, roles in beats.beats.items() for b in roles.values() if b.size
              for sign in (signs.get(lead, 1),)]
    above = max([MIN_ABOVE_MV] + [float(np.nanmax(b)) for b in values])
    below = max([MIN_BELOW_MV] + [float(-np.nanmin(b)) for b in values])
    beat_mm = (BEFORE_S + AFTER_S) * speed
    row_h = LABEL_MM + (above + below) * gain + 2.0
    height = row_h * len(rows)
    cells: dict[str, MedianCell] = {}
    for r, row in enumerate(rows):
        high = height - r * row_h
        for c, (lead, sign) in enumerate(row):
            x0 = PULSE_MARGIN_MM + c * (beat_mm + GAP_MM)
            cells[lead] = MedianCell(lead, x0, beat_mm, high - LABEL_MM - above * gain, high - row_h, high, sign)
    width = PULSE_MARGIN_MM + COLUMNS * (beat_mm + GAP_MM)
    return width, height, cells
