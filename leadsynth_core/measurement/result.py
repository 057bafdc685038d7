"""Typed results of the measurement engine and their JSON form.

Missing values are ``None`` (JSON ``null``) with a reason, never 0: a clinical number is
measured or it is absent.  An absent wave (no Q wave) is a measurement and reads 0.0 mV.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from .delineate import Fiducials
from .globals import GlobalValues
from .per_lead import LeadValues

__all__ = ["LeadMeasurement", "Measurements", "LEAD_KEYS", "GLOBAL_KEYS", "AXIS_KEYS", "basis_notes"]

LEAD_KEYS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(LeadValues))
GLOBAL_KEYS: tuple[str, ...] = ("heart_rate_bpm", "rr_ms", "rr_sd_ms", "rr_rmssd_ms", "pr_ms", "qrs_ms",
                                "qt_ms", "qtc_bazett_ms", "qtc_fridericia_ms")
#: Global values read in leads I and aVF (aVF = II - I/2 where the record lacks it), between
#: the global fiducial points of all leads.
AXIS_KEYS: tuple[str, ...] = ("axis_p_deg", "axis_qrs_deg", "axis_t_deg")


def basis_notes(synthesized: Sequence[str], axis_leads_synthesized: Sequence[str] = ()) -> list[str]:
    """What a reader must be told of global values that rest on synthesized leads
    (:meth:`Measurements.synthesized_basis`); empty when they rest on measured leads only."""
    if not synthesized:
        return []
    out = [f"read on the beats of all leads, {len(synthesized)} of them synthesized "
           f"({', '.join(synthesized)}): the synthesis can shift these values; confirm them on the measured leads"]
    if axis_leads_synthesized:
        out.append(f"the axes' own lead(s) {', '.join(axis_leads_synthesized)} are synthesized here")
    return out


@dataclasses.dataclass(frozen=True)
class LeadMeasurement:
    """One lead: its provenance, its values, and why it has none (``reason``)."""

    name: str
    provenance: str
    values: LeadValues
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"provenance": self.provenance}
        out.update(dataclasses.asdict(self.values))
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclasses.dataclass(frozen=True)
class Measurements:
    """Everything measured on one record (or the reason nothing could be).

    Attributes
    ----------
    source, model_id
        The record's source and the model of its synthesized leads, if any.
    measurable, reason
        ``False`` with the reason when no beat could be delineated.
    values
        The global values (all ``None`` when not measurable).
    leads
        Per lead, in the record's order.
    fiducials, fs, median, lead_names, n_beats, window_s
        The median beats (mV, baseline-corrected, ``(n, leads)``) with their global
        fiducial points, for drawing measurement marks; ``None`` when not measurable.
    r_peaks
        The R peaks found (sample indices from the start of ``window_s``; empty when not
        measurable): where each beat's fiducial points lie in the recording.
    """

    source: str
    measurable: bool
    reason: str | None
    values: GlobalValues
    leads: dict[str, LeadMeasurement]
    fs: float
    model_id: str | None = None
    fiducials: Fiducials | None = None
    median: np.ndarray | None = None
    lead_names: tuple[str, ...] = ()
    n_beats: int = 0
    window_s: tuple[float, float] = (0.0, 0.0)
    r_peaks: np.ndarray = dataclasses.field(default_factory=lambda: np.array([], dtype=int))

    def __getitem__(self, key: str) -> Any:
        return self.to_dict()[key]

    def synthesized_basis(self, key: str) -> tuple[str, ...]:
        """The synthesized leads global value ``key`` rests on (empty: measured leads only).

        A cardiologist reads a QRS of 130 ms as a bundle branch block: on a synthesized
        12-lead that number comes partly from leads no electrode recorded (LUDB 21 from
        lead I alone: QRS 130 ms against 104 ms on its own 12 leads), so a reader must be
        told which values rest on synthesized leads.  Every global value is read on the
        beats of all leads together: the R peaks are found on every lead, the intervals
        run from the earliest onset to the latest offset over the leads,
        and the axes (``AXIS_KEYS``) are taken in I and aVF between those same fiducial
        points (LUDB 21 from I, II, V4: T axis 124 degrees against 102, with I and aVF
        measured).  On LUDB's 193 measurable records synthesized from lead I alone the
        heart rate differs from the record's own in 20 (by up to 28 bpm) and the QRS
        duration in 164 (median 4 ms, up to 78 ms).
        """
        if key not in GLOBAL_KEYS and key not in AXIS_KEYS:
            raise KeyError(f"{key!r} is not a global value; valid: {', '.join(GLOBAL_KEYS + AXIS_KEYS)}")
        return tuple(n for n, lm in self.leads.items() if lm.provenance == "synthesized")

    @property
    def axis_leads_synthesized(self) -> tuple[str, ...]:
        """Which of the two leads the axes' areas are taken in (I and aVF; II where the record
        lacks aVF) are synthesized."""
        own = ("I", "aVF") if "aVF" in self.leads else ("I", "II")
        return tuple(n for n in own if n in self.leads and self.leads[n].provenance == "synthesized")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with the keys of the measurement issue (``null`` where absent)."""
        g = self.values
        out: dict[str, Any] = {"source": self.source, "measurable": self.measurable}
        if self.reason:
            out["reason"] = self.reason
        if self.model_id:
            out["model"] = self.model_id
        out.update({k: getattr(g, k) for k in GLOBAL_KEYS})
        out["axis_deg"] = {"p": g.axis_p_deg, "qrs": g.axis_qrs_deg, "t": g.axis_t_deg}
        out["beats"] = self.n_beats
        out["window_s"] = [round(self.window_s[0], 3), round(self.window_s[1], 3)]
        out["fiducials_ms"] = self.fiducials.to_ms(self.fs) if self.fiducials is not None else None
        out["leads"] = {name: lm.to_dict() for name, lm in self.leads.items()}
        # Which global values rest on synthesized leads (only those that do), and whether the
        # axes' own two leads are synthesized.
        basis = {k: list(self.synthesized_basis(k)) for k in (*GLOBAL_KEYS, *AXIS_KEYS)}
        out["synthesized_basis"] = {k: v for k, v in basis.items() if v}
        out["axis_leads_synthesized"] = list(self.axis_leads_synthesized)
        return out
