"""Arm electrodes swapped: the check a cart prints as "arm leads reversed?".

With the right- and left-arm electrodes swapped (or a watch worn on the other wrist) the
device records -I as lead I and III as lead II; every wave of lead I is upside down.  The
chest leads are unchanged (Wilson's terminal is the mean of the three limb electrodes), so
a synthesis from that lead I draws mirror-image lateral leads, and the measured I and the
derived III, aVR and aVL are wrong.  A reader who is not told may call it dextrocardia, a
lateral infarction or an extreme axis.

The rule is the classic one (Hedén et al.; Batchvarov et al., "Incorrect electrode cable
connection during electrocardiographic recording", Europace 2007): on the median beat of
lead I the P wave and the QRS complex are both net negative.  Without a P wave to measure
(atrial fibrillation, noise) the QRS complex and the T wave both net negative.  A normal
P wave is positive in lead I in almost every heart, which is what makes the first form
specific; the second is weaker (an extreme axis with lateral T inversion reads alike) and
the caution says which form fired.  Measured on PTB-XL fold 9 and CinC 2011, original and
with the swap applied (``scripts/experiments/eval_arm_reversal.py``, docs/measurements.md,
"Arm electrodes swapped").

A wave counts as negative when its net area in lead I is below minus the smallest area the
frontal axes are read from (:data:`MIN_AREA_MV_MS`): a wave that is flat in lead I is
neither.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..record import EcgRecord, Provenance
from .engine import WINDOW_S, measure_record
from .globals import MIN_AREA_MV_MS, wave_area, wave_spans

__all__ = ["ArmReversal", "check_arm_electrodes", "electrode_cautions", "ARM_REVERSAL_LEADS"]

#: What a swap of the arm electrodes makes wrong: the measured lead I and every frontal lead
#: derived from it (lead II, if measured, then holds III).
ARM_REVERSAL_LEADS: tuple[str, ...] = ("I", "II", "III", "aVR", "aVL")


@dataclasses.dataclass(frozen=True)
class ArmReversal:
    """A suspected swap of the arm electrodes: the waves found net negative in lead I."""

    #: E.g. ``("P", "QRS")`` or ``("QRS", "T")`` (no P wave measured).
    negative_waves: tuple[str, ...]
    #: Net area of each wave in lead I (mV ms), ``None`` where the wave was not measured.
    areas_mv_ms: dict[str, float | None]
    #: The stretch measured (s).
    window_s: tuple[float, float]
    #: The measured leads the beats were formed on: ``("I",)`` or ``("I", "II")``.
    leads: tuple[str, ...] = ("I", "II")

    @property
    def p_wave_measured(self) -> bool:
        return self.areas_mv_ms.get("P") is not None

    def short_text(self) -> str:
        """One printed line: ``"CAUTION: arm electrodes possibly swapped (P and QRS negative in lead I) ..."``."""
        waves = " and ".join(self.negative_waves)
        return (f"CAUTION: arm electrodes possibly swapped ({waves} negative in lead I): lead I, III, aVR, aVL "
                "and the leads synthesized from lead I may be wrong")

    def text(self) -> str:
        """The full caution, for the viewer and the command line (the page prints :meth:`short_text`)."""
        waves = " and ".join(self.negative_waves)
        why = "" if self.p_wave_measured else " (no P wave measured; an extreme axis reads alike)"
        # With II measured, II holds the true III and the frontal leads derived from the pair are wrong too.
        wrong = ("lead I as measured, III, aVR and aVL derived from it" if "II" in self.leads
                 else "lead I as measured")
        return (f"Arm electrodes possibly swapped: {waves} negative in lead I{why}. If so, {wrong} and every "
                "lead synthesized from it are wrong; check the right- and left-arm electrodes (or the wrist "
                "the watch is worn on).")


def check_arm_electrodes(record: EcgRecord, *, start_s: float = 0.0,
                         duration_s: float | None = WINDOW_S) -> ArmReversal | None:
    """The suspected arm-electrode swap of ``record``, or ``None``.

    ``None`` also when the record has no measured lead I or no measurable beat (flat,
    noise, paced): the check needs lead I's median beat.  The beats are formed on the
    measured I and, when measured, II (the configuration the rule was measured in).
    """
    names = [n for n in ("I", "II") if n in record.lead_names and record.provenance_of(n) is Provenance.MEASURED]
    if "I" not in names:
        return None
    m = measure_record(record.select(names), start_s=start_s, duration_s=duration_s)
    if not m.measurable or m.fiducials is None or m.median is None:
        return None
    fid, lead_i, fs = m.fiducials, np.asarray(m.median)[:, 0], m.fs
    areas = {w: wave_area(lead_i, lo, hi, fs) for w, (lo, hi) in wave_spans(fid).items()}

    def negative(wave: str) -> bool:
        a = areas[wave]
        return a is not None and a < -MIN_AREA_MV_MS[wave]

    if not negative("QRS"):
        return None
    other = "P" if areas["P"] is not None else "T"
    if not negative(other):
        return None
    waves = ("P", "QRS") if other == "P" else ("QRS", "T")
    rounded = {w: (None if a is None else round(a, 1)) for w, a in areas.items()}
    return ArmReversal(waves, rounded, m.window_s, tuple(names))


def electrode_cautions(record: EcgRecord, *, start_s: float = 0.0,
                       duration_s: float | None = WINDOW_S) -> tuple[ArmReversal, ...]:
    """What the electrode checks found on ``record`` (empty: nothing), each with its
    :meth:`~ArmReversal.text` and printed :meth:`~ArmReversal.short_text`.

    The one list the viewer, the printed page and ``leadsynth synthesize`` show.
    """
    found = check_arm_electrodes(record, start_s=start_s, duration_s=duration_s)
    return () if found is None else (found,)
