"""The calibrated band of the synthesized leads, as the viewer holds it.

``BandData`` belongs to exactly one synthesis result (``result``): the document drops it
as soon as another result replaces that one, so a band is never drawn around a trace it
was not computed for.  ``half_width`` is (n, 12) float32 in mV, NaN for measured and
derived leads; the band shown is the displayed trace +- ``half_width`` (so display
filters move the band with the trace).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from leadsynth_core.record import EcgRecord
from leadsynth_core.uncertainty.confidence import LeadConfidence

__all__ = ["BandData"]


@dataclasses.dataclass(frozen=True)
class BandData:
    """The band of one synthesis result (see the module docstring)."""

    result: EcgRecord
    half_width: np.ndarray
    level: float
    calibration: str
    confidence: dict[str, LeadConfidence]
    #: The self-check's factor on the band (1: none; above 1: this recording's measured leads
    #: predict each other worse than the calibration records' did).
    probe_factor: float = 1.0
    #: The mean factor of the members' overall disagreement on this stretch (1: none; above 1:
    #: they disagree more than on the calibration records).
    spread_factor: float = 1.0
    #: R-peak sample indices found on the measured leads (empty: none found); the band over
    #: time is read per beat between them.
    beats: np.ndarray = dataclasses.field(default_factory=lambda: np.array([], dtype=int))

    def lead_half_width(self, lead: str) -> np.ndarray | None:
        """The half-width of ``lead`` (mV), or None when it has no band (measured, derived)."""
        if lead not in self.result.lead_names:
            return None
        col = self.half_width[:, self.result.lead_names.index(lead)]
        return col if np.isfinite(col).any() else None

    @property
    def legend(self) -> str:
        """The legend's words for the band, e.g. "90 % band, calibrated on LUDB 161-200 ..."."""
        return self.calibration
