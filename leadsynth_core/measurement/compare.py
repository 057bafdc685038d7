"""Measured beside synthesized: differences and clinically meaningful disagreements.

Flags (what a cardiologist would read differently):

* ST level at J+60 ms off by at least ``ST_FLAG_MV`` (0.05 mV, half a small box);
* T-wave polarity flipped (positive against negative);
* QRS duration off by at least ``QRS_FLAG_MS`` (20 ms) - global, from the two records;
* R/S transition zone moved (the first precordial lead V1..V6 where R >= |S|).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from .result import GLOBAL_KEYS, Measurements

__all__ = ["Comparison", "compare_measurements", "transition_zone", "ST_FLAG_MV", "QRS_FLAG_MS", "ST_FINDING_MV"]

ST_FLAG_MV = 0.05
#: An ST deviation a reader calls a finding: |ST at J+60| of at least 0.1 mV (one small box).
ST_FINDING_MV = 0.1
QRS_FLAG_MS = 20.0
_NUMERIC = ("q_mv", "r_mv", "s_mv", "r_prime_mv", "qrs_area_mvms", "st_j_mv", "st_j60_mv", "st_j80_mv", "t_mv", "p_mv")
PRECORDIAL = ("V1", "V2", "V3", "V4", "V5", "V6")


def transition_zone(m: Measurements) -> str | None:
    """First precordial lead where R >= |S| (``None`` if unmeasured or never)."""
    if not m.measurable:
        return None
    for name in PRECORDIAL:
        lm = m.leads.get(name)
        if lm is None or lm.values.r_mv is None or lm.values.s_mv is None:
            return None
        if lm.values.r_mv >= abs(lm.values.s_mv):
            return name
    return None


def _diff(a: float | None, b: float | None, nd: int = 3) -> float | None:
    return None if a is None or b is None else round(b - a, nd)


@dataclasses.dataclass(frozen=True)
class Comparison:
    """Differences synthesized - measured, per global value and per compared lead, with flags."""

    global_diff: dict[str, float | None]
    lead_diff: dict[str, dict[str, float | None]]
    lead_flags: dict[str, list[str]]
    global_flags: list[str]
    transition_measured: str | None
    transition_synthesized: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"difference": {**self.global_diff, "leads": self.lead_diff},
                "flags": {"global": self.global_flags, "leads": self.lead_flags},
                "transition_zone": {"measured": self.transition_measured,
                                    "synthesized": self.transition_synthesized}}


def compare_measurements(truth: Measurements, synth: Measurements, leads: list[str] | None = None) -> Comparison:
    """Compare the measurements of the synthesized record with those of the measured truth.

    ``leads``: which leads to compare (default: the synthesized leads of ``synth`` that the
    truth has).
    """
    if leads is None:
        leads = [n for n, lm in synth.leads.items() if lm.provenance == "synthesized" and n in truth.leads]
    gv, sv = truth.values, synth.values
    global_diff = {k: _diff(getattr(gv, k), getattr(sv, k), 1) for k in GLOBAL_KEYS}
    global_flags: list[str] = []
    if global_diff["qrs_ms"] is not None and abs(global_diff["qrs_ms"]) >= QRS_FLAG_MS:
        global_flags.append(f"QRS duration off by {global_diff['qrs_ms']:+.0f} ms")
    tz_m, tz_s = transition_zone(truth), transition_zone(synth)
    if tz_m != tz_s and any(n in leads for n in PRECORDIAL):
        global_flags.append(f"R/S transition zone moved: {tz_m or 'none'} measured, {tz_s or 'none'} synthesized")
    lead_diff: dict[str, dict[str, float | None]] = {}
    lead_flags: dict[str, list[str]] = {}
    for n in leads:
        a, b = truth.leads[n].values, synth.leads[n].values
        lead_diff[n] = {k: _diff(getattr(a, k), getattr(b, k), 1 if k == "qrs_area_mvms" else 3) for k in _NUMERIC}
        flags = []
        st = lead_diff[n]["st_j60_mv"]
        if st is not None and abs(st) >= ST_FLAG_MV - 1e-9:
            flags.append(f"ST J+60 off by {st:+.2f} mV")
        pols = {a.t_polarity, b.t_polarity}
        if pols == {"positive", "negative"}:
            flags.append(f"T polarity flipped ({a.t_polarity} measured, {b.t_polarity} synthesized)")
        lead_flags[n] = flags
    return Comparison(global_diff, lead_diff, lead_flags, global_flags, tz_m, tz_s)
