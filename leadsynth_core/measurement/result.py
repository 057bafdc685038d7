"""Typed results of the measurement engine and their JSON form.

Missing values are ``None`` (JSON ``null``) with a reason, never 0: a clinical number is
measured or it is absent.  An absent wave (no Q wave) is a measurement and reads 0.0 mV.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from .delineate import Fiducials
from .globals import GlobalValues
from .per_lead import LeadValues

__all__ = ["LeadMeasurement", "Measurements", "LEAD_KEYS", "GLOBAL_KEYS"]

LEAD_KEYS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(LeadValues))
GLOBAL_KEYS: tuple[str, ...] = ("heart_rate_bpm", "rr_ms", "rr_sd_ms", "rr_rmssd_ms", "pr_ms", "qrs_ms",
                                "qt_ms", "qtc_bazett_ms", "qtc_fridericia_ms")


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

    def __getitem__(self, key: str) -> Any:
        return self.to_dict()[key]

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
        return out
