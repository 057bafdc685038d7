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

When the file also holds a measured lateral chest lead (V6, else V5), the chest decides
between a swap and a heart whose lead I is negative.  A swap leaves the chest leads as they
were, so the recorded lead I is the mirror image of V6 (in nearly every heart the true I
and V6 look alike); an extreme axis or a dextrocardia inverts V6 with I, or leaves them
alike.  So, with the lateral lead: no caution when lead I's median beat resembles it
(r above :data:`ALIKE_R`), whatever the waves; and a caution when the QRS of lead I is
negative and the beat is a clear mirror image (r below :data:`MIRROR_R`), even with an
upright P or T wave, which the limb leads alone cannot tell from an axis.  Between the two
(some hearts' lead I looks like no chest lead) the limb-lead rule decides alone.

The right-arm and left-leg electrodes swapped invert lead II instead (the device records -II
as lead II, -III as lead I and -I as lead III; aVR and aVF trade places, aVL and the chest leads
stay).  The same rule on lead II's median beat, with the same lateral comparison (the true II
looks like V6 in nearly every heart), flags it (:func:`check_arm_leg_electrodes`): the two
checks are one procedure applied to the lead each swap inverts (:data:`INVERTED_LEAD`).
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from ..record import EcgRecord, Provenance
from .engine import WINDOW_S, measure_record
from .globals import MIN_AREA_MV_MS, wave_area, wave_spans

__all__ = ["ElectrodeReversal", "check_arm_electrodes", "check_arm_leg_electrodes", "electrode_cautions",
           "INVERTED_LEAD", "ARMS", "ARM_LEG", "ARM_REVERSAL_LEADS", "LATERAL_LEADS", "MIRROR_R", "ALIKE_R"]

#: What a swap of the arm electrodes makes wrong: the measured lead I and every frontal lead
#: derived from it (lead II, if measured, then holds III).
ARM_REVERSAL_LEADS: tuple[str, ...] = ("I", "II", "III", "aVR", "aVL")

#: The two swaps of limb electrodes checked for (and undone by :mod:`.swap_back`), as carts name
#: the electrodes: the right and left arm, and the right arm and left leg.
ARMS: tuple[str, str] = ("RA", "LA")
ARM_LEG: tuple[str, str] = ("RA", "LL")

#: The swapped pair of electrodes -> the lead the swap turns upside down, which each check reads.
INVERTED_LEAD: dict[tuple[str, str], str] = {ARMS: "I", ARM_LEG: "II"}

#: The measured chest leads the check compares lead I with, first found used: lateral leads
#: look like lead I in nearly every heart and a swap of the arm electrodes leaves them alone.
LATERAL_LEADS: tuple[str, ...] = ("V6", "V5")

#: Correlation of lead I's median beat with the lateral lead's below which lead I is its
#: mirror image (docs/measurements.md: on CinC 2011, thresholds -0.3 to -0.7 catch 75-78 %
#: of simulated swaps at 2.1-2.4 % flagged as recorded; -0.5 chosen between them).
MIRROR_R = -0.5

#: Correlation above which lead I resembles the lateral lead, so that a negative lead I is
#: the heart's (on PTB-XL fold 9 two of the three recordings flagged by the limb leads alone,
#: on CinC 2011 three of fifteen; thresholds 0 to 0.5 measured, 0.3 kept the most swaps).
ALIKE_R = 0.3


@dataclasses.dataclass(frozen=True)
class ElectrodeReversal:
    """A suspected swap of two limb electrodes: the waves found net negative in the lead the
    swap inverts (lead I for the arms, lead II for the right arm and the left leg)."""

    #: E.g. ``("P", "QRS")`` or ``("QRS", "T")`` (no P wave measured).
    negative_waves: tuple[str, ...]
    #: Net area of each wave in the inverted lead (mV ms), ``None`` where the wave was not measured.
    areas_mv_ms: dict[str, float | None]
    #: The stretch measured (s).
    window_s: tuple[float, float]
    #: The measured leads the beats were formed on: ``("I",)``, ``("I", "II")``, with the
    #: lateral chest lead last when one was measured (``("I", "II", "V6")``).
    leads: tuple[str, ...] = ("I", "II")
    #: The measured lateral chest lead the inverted lead was compared with (``None``: none measured).
    lateral: str | None = None
    #: Correlation of the median beats of the inverted lead and :attr:`lateral` (``None`` without one).
    r_lateral: float | None = None
    #: The two electrodes suspected swapped, a key of :data:`INVERTED_LEAD`.
    electrodes: tuple[str, str] = ARMS

    @property
    def lead(self) -> str:
        """The lead the swap turns upside down and the check read: I (arms) or II (right arm, left leg)."""
        return INVERTED_LEAD[self.electrodes]

    @property
    def arms(self) -> bool:
        """Whether the two arm electrodes are the suspected pair (else the right arm and left leg)."""
        return self.electrodes == ARMS

    @property
    def p_wave_measured(self) -> bool:
        return self.areas_mv_ms.get("P") is not None

    @property
    def mirrors_lateral(self) -> bool:
        """Whether the inverted lead was found the mirror image of the measured lateral chest lead."""
        return self.r_lateral is not None and self.r_lateral < MIRROR_R

    def short_text(self) -> str:
        """One printed line: ``"CAUTION: arm electrodes possibly swapped (P and QRS negative in lead I) ..."``."""
        waves = " and ".join(self.negative_waves)
        mirror = f", mirrors {self.lateral}" if self.mirrors_lateral else ""
        if self.arms:
            return (f"CAUTION: arm electrodes possibly swapped ({waves} negative in lead I{mirror}): I, III, aVR, "
                    "aVL and the leads synthesized from I may be wrong")
        # Carts print this pair as "RA/LL"; the page's line has room for no more.
        return (f"CAUTION: RA/LL electrodes possibly swapped ({waves} negative in lead II{mirror}): I, II, III, aVR, "
                "aVF and the synthesized leads may be wrong")

    def text(self) -> str:
        """The full caution, for the viewer and the command line (the page prints :meth:`short_text`)."""
        waves = " and ".join(self.negative_waves)
        lead = self.lead
        if self.mirrors_lateral:
            why = (f"; lead {lead} is the mirror image of the measured {self.lateral} (r = {self.r_lateral:.2f}), "
                   "a chest lead the limb cables do not affect")
        elif not self.p_wave_measured:
            why = " (no P wave measured; an extreme axis reads alike)"
        elif not self.arms:
            why = " (a low atrial rhythm with a left axis reads alike)"
        else:
            why = ""
        if self.arms:
            # With II measured, II holds the true III and the frontal leads derived from the pair are wrong too.
            wrong = ("lead I as measured, III, aVR and aVL derived from it" if "II" in self.leads
                     else "lead I as measured")
            return (f"Arm electrodes possibly swapped: {waves} negative in lead I{why}. If so, {wrong} and every "
                    "lead synthesized from it are wrong; check the right- and left-arm electrodes (or the wrist "
                    "the watch is worn on).")
        # Lead II is always measured here (the check reads it); I only sometimes.
        wrong = ("leads I and II as measured, III, aVR and aVF derived from them" if "I" in self.leads
                 else "lead II as measured")
        return (f"Right-arm and left-leg electrodes possibly swapped: {waves} negative in lead II{why}. If so, "
                f"{wrong} and every lead synthesized from them are wrong (aVL is right); check the right-arm "
                "and left-leg electrodes.")


def check_arm_electrodes(record: EcgRecord, *, start_s: float = 0.0,
                         duration_s: float | None = WINDOW_S) -> ElectrodeReversal | None:
    """The suspected arm-electrode swap of ``record``, or ``None``.

    ``None`` also when the record has no measured lead I or no measurable beat (flat,
    noise, paced): the check needs lead I's median beat.  The beats are formed on the
    measured I and, when measured, II (the configuration the rule was measured in).
    """
    return _check_reversal(_Beats(record, start_s, duration_s), ARMS)


def check_arm_leg_electrodes(record: EcgRecord, *, start_s: float = 0.0,
                             duration_s: float | None = WINDOW_S) -> ElectrodeReversal | None:
    """The suspected swap of the right-arm and left-leg electrodes of ``record``, or ``None``.

    The arm check's rule on lead II (which that swap turns upside down), with the same
    lateral comparison; needs a measured lead II.
    """
    return _check_reversal(_Beats(record, start_s, duration_s), ARM_LEG)


class _Beats:
    """The median beats the checks read, measured once per record and stretch however many
    checks read them: on the measured I and II (the rule as measured), and, only when a check
    gets that far, again with the measured lateral chest lead for its correlation."""

    def __init__(self, record: EcgRecord, start_s: float, duration_s: float | None) -> None:
        def measured(name: str) -> bool:
            return name in record.lead_names and record.provenance_of(name) is Provenance.MEASURED

        self._record, self._start_s, self._duration_s = record, start_s, duration_s
        self.names = [n for n in ("I", "II") if measured(n)]
        self.lateral = next((n for n in LATERAL_LEADS if measured(n)), None)
        m = (measure_record(record.select(self.names), start_s=start_s, duration_s=duration_s)
             if self.names else None)
        self.limb = m if m is not None and m.measurable and m.fiducials is not None and m.median is not None else None

    def areas(self, lead: str) -> dict[str, float | None]:
        """Net area of each wave of ``lead``'s median beat (mV ms; ``None``: wave not measured)."""
        m = self.limb
        assert m is not None and m.fiducials is not None and m.median is not None
        beat = np.asarray(m.median)[:, self.names.index(lead)]
        return {w: wave_area(beat, lo, hi, m.fs) for w, (lo, hi) in wave_spans(m.fiducials).items()}

    @functools.cached_property
    def _with_lateral(self) -> np.ndarray | None:
        m = measure_record(self._record.select([*self.names, self.lateral]), start_s=self._start_s,
                           duration_s=self._duration_s)
        return np.asarray(m.median) if m.measurable and m.median is not None else None

    def r_lateral(self, lead: str) -> float | None:
        """Correlation of the median beats of ``lead`` and the lateral lead (``None``: none
        measured, not measurable, or flat)."""
        if self.lateral is None or (median := self._with_lateral) is None:
            return None
        with np.errstate(invalid="ignore", divide="ignore"):  # a flat lead has no correlation
            r = float(np.corrcoef(median[:, self.names.index(lead)], median[:, -1])[0, 1])
        return round(r, 2) if np.isfinite(r) else None


def _negative(areas: dict[str, float | None], wave: str) -> bool:
    a = areas[wave]
    return a is not None and a < -MIN_AREA_MV_MS[wave]


def _check_reversal(beats: _Beats, electrodes: tuple[str, str]) -> ElectrodeReversal | None:
    lead = INVERTED_LEAD[electrodes]
    if lead not in beats.names or beats.limb is None:
        return None
    areas = beats.areas(lead)
    if not _negative(areas, "QRS"):
        return None
    other = "P" if areas["P"] is not None else "T"
    # The waves are measured on beats formed on the limb leads alone (the rule as measured);
    # the comparison with the chest forms them again with the lateral lead, for its median.
    r_lateral = beats.r_lateral(lead)
    if r_lateral is not None and r_lateral > ALIKE_R:
        return None  # the lead looks like the lateral chest lead: the heart, not the cables
    # Without a P wave, a net negative QRS and T wave in lead II is also a left axis with
    # inferior T inversion (fold 9 as recorded: 9 of 800); the RA/LL swap leaves the true -III
    # as lead I, negative in every heart with an axis beyond 30 degrees, while a left axis
    # keeps lead I upright.  So for that swap the weaker form also needs a negative QRS in I.
    if _negative(areas, other) and (other == "P" or electrodes == ARMS
                                    or ("I" in beats.names and _negative(beats.areas("I"), "QRS"))):
        waves = ("P", "QRS") if other == "P" else ("QRS", "T")
    elif r_lateral is not None and r_lateral < MIRROR_R:
        waves = ("QRS",)
    else:
        return None
    rounded = {w: (None if a is None else round(a, 1)) for w, a in areas.items()}
    compared = beats.lateral if r_lateral is not None else None  # a flat lateral lead compared nothing
    leads = tuple(beats.names) + ((compared,) if compared else ())
    return ElectrodeReversal(waves, rounded, beats.limb.window_s, leads, compared, r_lateral, electrodes)


def electrode_cautions(record: EcgRecord, *, start_s: float = 0.0,
                       duration_s: float | None = WINDOW_S) -> tuple[ElectrodeReversal, ...]:
    """What the electrode checks found on ``record`` (empty: nothing), each with its
    :meth:`~ElectrodeReversal.text` and printed :meth:`~ElectrodeReversal.short_text`.

    The one list the viewer, the printed page and ``leadsynth synthesize`` show.  At most one
    swap is named: see :func:`_likelier`.
    """
    beats = _Beats(record, start_s, duration_s)  # both checks read the same median beats
    found = [c for c in (_check_reversal(beats, pair) for pair in INVERTED_LEAD) if c is not None]
    return (_likelier(*found),) if len(found) == 2 else tuple(found)


def _likelier(arms: ElectrodeReversal, arm_leg: ElectrodeReversal) -> ElectrodeReversal:
    """The one of two cautions that fired on the same record whose inverted lead is the more negative.

    Both fire when leads I and II are both negative.  Each swap, undone, must leave a heart
    whose P wave (axis 0 to 75 degrees) is upright in I and II: undoing the arm swap gives
    II - I as lead II, undoing the other gives I - II as lead I, so exactly one of the two does,
    the one that inverts the lead with the more negative P wave.  The chest says it more
    directly when measured (the lead that mirrors V6 more), and without a P wave the QRS
    areas decide in the same way.
    """
    if arms.r_lateral is not None and arm_leg.r_lateral is not None:
        return arms if arms.r_lateral <= arm_leg.r_lateral else arm_leg
    wave = "P" if arms.p_wave_measured and arm_leg.p_wave_measured else "QRS"
    return arms if (arms.areas_mv_ms[wave] or 0.0) <= (arm_leg.areas_mv_ms[wave] or 0.0) else arm_leg
