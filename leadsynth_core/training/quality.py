"""Whether a record can train a model: the checks of ``leadsynth prepare``.

A record is *dropped* (with the reason) when it lacks one of the 8 independent leads (I and
II may come from any two frontal leads by the lead algebra), has non-finite samples, is
shorter than the minimum, or has a flat or saturated lead; it is *flagged* (kept, the
flags in the index) when a lead is clipped on a small fraction of samples or its amplitude
is implausible for an ECG.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..errors import SynthesisError
from ..models.features import INDEPENDENT_LEADS, MODEL_FS, independent_lead_set, independent_leads
from ..record import EcgRecord
from .data import model_space_leads

__all__ = ["Assessment", "assess", "FLAT_PTP_MV", "SATURATED_FRACTION", "CLIPPED_FRACTION"]

#: Peak-to-peak below this (mV) is a flat lead (as the library's check).
FLAT_PTP_MV = 0.01
#: More samples than this at the lead's minimum or maximum: saturated, dropped.
SATURATED_FRACTION = 0.2
#: More than this (but not saturated): clipped on some beats, flagged.
CLIPPED_FRACTION = 0.01
# Beyond this 99.9th percentile absolute amplitude (mV, model space) a lead is flagged.
_IMPLAUSIBLE_MV = 15.0


@dataclasses.dataclass
class Assessment:
    """The verdict on one record: ``leads`` (8, T) float32 in model space, or ``reason``."""

    leads: np.ndarray | None
    reason: str = ""
    flags: tuple[str, ...] = ()

    @property
    def quality(self) -> str:
        return "dropped" if self.leads is None else ("flagged" if self.flags else "ok")


def assess(record: EcgRecord, min_seconds: float) -> Assessment:
    """Check ``record`` and convert it to the 8 independent leads at the model rate."""
    try:
        available = independent_lead_set(record.lead_names)
    except SynthesisError as exc:
        return Assessment(None, f"missing leads: {exc}")
    missing = [n for n in INDEPENDENT_LEADS if n not in available]
    if missing:
        return Assessment(None, f"missing lead(s) {', '.join(missing)}")
    if record.duration < min_seconds:
        return Assessment(None, f"too short: {record.duration:.2f} s < {min_seconds:g} s")
    measured = [n for n in record.lead_names if n in set(available) | {"III", "aVR", "aVL", "aVF"}]
    signals = independent_leads({n: record.lead(n) for n in measured}, measured)
    flags: list[str] = []
    for name in INDEPENDENT_LEADS:
        x = signals[name]
        finite = np.isfinite(x)
        if not finite.all():
            return Assessment(None, f"lead {name} has {int((~finite).sum())} NaN/inf samples")
        lo, hi = float(x.min()), float(x.max())
        if hi - lo < FLAT_PTP_MV:
            return Assessment(None, f"flat lead {name} (range {hi - lo:.4f} mV)")
        at_rail = max(np.count_nonzero(x == lo), np.count_nonzero(x == hi)) / x.size
        if at_rail > SATURATED_FRACTION:
            return Assessment(None, f"saturated lead {name} ({100 * at_rail:.0f}% of samples at its limit)")
        if at_rail > CLIPPED_FRACTION:
            flags.append(f"clipped {name} {100 * at_rail:.1f}%")
    full = record.replace(signal=np.stack([signals[n] for n in INDEPENDENT_LEADS], axis=1).astype(np.float32),
                          lead_names=INDEPENDENT_LEADS, provenance=())
    leads = model_space_leads(full)
    amp = np.percentile(np.abs(leads), 99.9, axis=1)
    for name, a in zip(INDEPENDENT_LEADS, amp, strict=True):
        if a > _IMPLAUSIBLE_MV:
            flags.append(f"amplitude {name} {a:.0f} mV")
    if leads.shape[1] < int(round(min_seconds * MODEL_FS)):
        return Assessment(None, f"too short at {MODEL_FS:g} Hz: {leads.shape[1]} samples")
    return Assessment(leads, flags=tuple(flags))
