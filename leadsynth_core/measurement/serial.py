"""Serial comparison: this ECG read against a prior 12-lead of the same patient.

A cardiologist reads a new ECG against the patient's previous one ("compared with the
tracing of 1 October: new ST elevation in V2-V4, new T inversion in III"); a change matters
more than a value.  For a patch or a watch recording it is also the nearest thing to a
truth there is: the prior was recorded with all twelve leads.  But on a synthesized lead a
change is a difference between a synthesized value and a measured one, so it is read
together with the lead's band (:func:`leadsynth_core.uncertainty.confidence.band_at`):

* **ST at J+60 ms**: a change of at least ``ST_FINDING_MV`` (0.1 mV, one small box) is a
  finding.  With the band's half-width ``b`` where the level is read (0 for a measured
  lead): ``"higher"`` when the change minus ``b`` is still at least 0.1 mV, ``"lower"`` the
  same downwards, ``"unchanged"`` when even the change plus ``b`` stays under 0.1 mV, and
  ``"undecided"`` when the band reaches across the threshold (nothing may be claimed either way).
* **T polarity**: positive before and negative now is a ``"new inversion"``; negative
  before and positive now is ``"now upright"`` (in a patient with ischaemia, possibly a
  pseudo-normalisation).  A synthesized T wave whose band at the peak reaches across zero
  (``uncertainty.confidence.t_polarity_uncertain``) gives ``"undecided"``: its polarity is
  uncertain, so no change of it is claimed.  Flat or biphasic waves give no verdict.
* **Global values** (rate, intervals, QTc, axes): the change is given for every value;
  a QRS that widened or narrowed by ``QRS_FLAG_MS`` (20 ms) and a QTc (Fridericia) that
  moved by ``QTC_CHANGE_MS`` (30 ms, the ICH E14 categorical threshold for a change from
  baseline) are flagged when this ECG's value is read on recorded leads only.  A value read
  partly on synthesized leads (:meth:`Measurements.synthesized_basis`; on a synthesized
  12-lead, every global value) has no band, and from one or two leads such changes were
  mostly wrong (``benchmarks/serial_change.py``): the change is said in ``global_open``,
  never claimed.

Only leads the prior holds as recorded are compared (measured, or derived from its
measured I and II); what the prior itself had synthesized is no reference.  Identity
checks come first: two different patient identifiers, different sexes, a prior patient
older than this one, a "prior" recorded after this ECG, or the very same recording are
said before any change (``cautions``).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..record import EcgRecord, Provenance
from .compare import QRS_FLAG_MS, ST_FINDING_MV
from .result import AXIS_KEYS, GLOBAL_KEYS, Measurements

__all__ = ["LeadChange", "SerialComparison", "compare_with_prior", "st_change_verdict", "no_change_sentence",
           "t_change_verdict", "prior_reference_leads", "QTC_CHANGE_MS", "ST_CHANGE_VERDICTS", "T_CHANGE_VERDICTS",
           "PRIOR_REFERENCE"]

#: A QTc change from the prior ECG worth a reader's attention (ms): ICH E14's categorical
#: threshold for a change from baseline (30 ms; 60 ms is its high-risk one).
QTC_CHANGE_MS = 30.0
#: What :func:`st_change_verdict` can say.
ST_CHANGE_VERDICTS = ("higher", "lower", "unchanged", "undecided")
#: What :func:`t_change_verdict` can say (``None``: no verdict, a flat or biphasic wave).
T_CHANGE_VERDICTS = ("new inversion", "now upright", "unchanged", "undecided")
#: Provenances of a prior's leads that are a reference: recorded, or derived from its recorded
#: I and II; what the prior itself had synthesized is not.
PRIOR_REFERENCE = (Provenance.MEASURED, Provenance.DERIVED)
#: The global changes that are flagged: value, threshold (ms) and how a change is said.
_GLOBAL_RULES = (("qrs_ms", QRS_FLAG_MS, ("QRS", "wider", "narrower")),
                 ("qtc_fridericia_ms", QTC_CHANGE_MS, ("QTc (Fridericia)", "longer", "shorter")))


def prior_reference_leads(prior: EcgRecord) -> tuple[str, ...]:
    """The leads of a prior ECG that changes are measured against (``PRIOR_REFERENCE``)."""
    return tuple(n for n, p in zip(prior.lead_names, prior.provenance, strict=True) if p in PRIOR_REFERENCE)


def no_change_sentence(n_leads: int | None = None) -> str:
    """What is said when no change is claimed (the dock, the CLI and the printed page)."""
    where = f"the {n_leads} leads compared" if n_leads is not None else "the leads compared"
    return (f"no change claimed of the ST level by {ST_FINDING_MV:g} mV or more, of T polarity, of the QRS by "
            f"{QRS_FLAG_MS:g} ms or of the QTc by {QTC_CHANGE_MS:g} ms in {where}")


def st_change_verdict(change: float, band: float = 0.0) -> str:
    """What an ST change (now - prior, mV) says, given the band's half-width ``band`` (mV)
    where the current level is read (0 for a measured lead); one of ``ST_CHANGE_VERDICTS``."""
    if change - band >= ST_FINDING_MV - 1e-9:
        return "higher"
    if change + band <= -ST_FINDING_MV + 1e-9:
        return "lower"
    if abs(change) + band < ST_FINDING_MV - 1e-9:
        return "unchanged"
    return "undecided"


def t_change_verdict(prior: str | None, now: str | None, now_uncertain: bool = False) -> str | None:
    """What a change of T polarity says (one of ``T_CHANGE_VERDICTS``), ``None`` when either
    wave is flat, biphasic or unmeasured; ``now_uncertain``: the current polarity is uncertain
    (a synthesized T wave whose band reaches across zero)."""
    if prior not in ("positive", "negative") or now not in ("positive", "negative"):
        return None
    if now_uncertain:
        return "undecided"
    if prior == now:
        return "unchanged"
    return "new inversion" if now == "negative" else "now upright"


@dataclasses.dataclass(frozen=True)
class LeadChange:
    """One lead now against the prior: ST level at J+60 and T polarity, with verdicts."""

    lead: str
    #: Of the lead now (the prior's is measured or derived).
    provenance: str
    st_prior_mv: float | None
    st_now_mv: float | None
    #: The band's half-width at the current ST J+60 (``None``: no band, a measured lead).
    st_band_mv: float | None
    st_verdict: str | None
    t_prior: str | None
    t_now: str | None
    t_now_uncertain: bool
    t_verdict: str | None

    @property
    def st_change_mv(self) -> float | None:
        if self.st_prior_mv is None or self.st_now_mv is None:
            return None
        return round(self.st_now_mv - self.st_prior_mv, 3)

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["st_change_mv"] = self.st_change_mv
        return out


@dataclasses.dataclass(frozen=True)
class SerialComparison:
    """This ECG against a prior one: global changes, per-lead changes and their summary."""

    prior_source: str
    prior_recorded_at: _dt.datetime | None
    #: Per global value (``GLOBAL_KEYS`` and ``AXIS_KEYS``): (prior, now, now - prior).
    global_change: dict[str, tuple[float | None, float | None, float | None]]
    #: Per global value whose change reaches its threshold (``_GLOBAL_RULES``): the sentence
    #: that says it, and whether it is claimed (False: it rests on synthesized leads).
    global_said: dict[str, tuple[str, bool]]
    leads: dict[str, LeadChange]
    #: Leads of this ECG not compared, with the reason.
    not_compared: dict[str, str]
    #: Said before any change: different patients, a prior recorded later, the same recording.
    cautions: list[str]

    @property
    def global_flags(self) -> list[str]:
        """The global changes claimed (read on recorded leads only)."""
        return [text for text, claimed in self.global_said.values() if claimed]

    @property
    def global_open(self) -> list[str]:
        """Global changes of a flag's size that rest on synthesized leads: said, never claimed."""
        return [text for text, claimed in self.global_said.values() if not claimed]

    def findings(self) -> list[str]:
        """Every sentence a reader is told: the changes claimed, then those left open."""
        return self.claimed() + self.left_open()

    def claimed(self) -> list[str]:
        """The changes a reader would write down, one sentence each, grouped by kind
        (synthesized leads say "synthesized"; each of their changes survived the band)."""
        out = list(self.global_flags)

        def name(c: LeadChange) -> str:
            return c.lead + (" (synthesized)" if c.provenance == "synthesized" else "")

        for verdict, what in (("higher", "ST higher"), ("lower", "ST lower")):
            hit = [c for c in self.leads.values() if c.st_verdict == verdict]
            if hit:
                out.append(f"{what} by at least {ST_FINDING_MV:g} mV than on the prior ECG in "
                           + ", ".join(f"{name(c)} {c.st_change_mv:+.2f} mV" for c in hit))
        for verdict, what in (("new inversion", "New T-wave inversion"), ("now upright", "T wave now upright")):
            hit = [c for c in self.leads.values() if c.t_verdict == verdict]
            if hit:
                out.append(f"{what} in " + ", ".join(name(c) for c in hit)
                           + (" (after an inversion: a pseudo-normalisation in ischaemia?)"
                              if verdict == "now upright" else ""))
        return out

    def left_open(self) -> list[str]:
        """What can be neither claimed nor excluded: global changes read on synthesized leads,
        ST changes whose band reaches across 0.1 mV, T polarities that are uncertain."""
        out = list(self.global_open)
        open_st = [c.lead for c in self.leads.values() if c.st_verdict == "undecided"]
        if open_st:
            out.append(f"ST change open in {', '.join(open_st)}: the synthesized level's band reaches across a "
                       f"change of {ST_FINDING_MV:g} mV (neither claimed nor excluded)")
        open_t = [c.lead for c in self.leads.values() if c.t_verdict == "undecided"]
        if open_t:
            out.append(f"T polarity change open in {', '.join(open_t)}: the synthesized T polarity is uncertain")
        return out

    def to_dict(self) -> dict[str, Any]:
        claimed, left_open = self.claimed(), self.left_open()
        return {
            "prior": {"source": self.prior_source,
                      "recorded_at": self.prior_recorded_at.isoformat() if self.prior_recorded_at else None},
            "cautions": self.cautions,
            "global": {k: {"prior": p, "now": n, "change": c} for k, (p, n, c) in self.global_change.items()},
            "flags": self.global_flags,
            "open": self.global_open,
            "leads": {n: c.to_dict() for n, c in self.leads.items()},
            "not_compared": self.not_compared,
            "findings": claimed + left_open,
            "claimed": claimed,
            "left_open": left_open,
        }


def _identity_cautions(now: EcgRecord | None, prior: EcgRecord | None) -> list[str]:
    """What must be said before any change: the two ECGs may not be one patient's, in order."""
    if now is None or prior is None:
        return []
    out = []
    if now.patient_id and prior.patient_id and now.patient_id.strip() != prior.patient_id.strip():
        out.append(f"different patient identifiers: this ECG {now.patient_id!r}, the prior {prior.patient_id!r}; "
                   "a change from another patient's ECG means nothing")
    # Many exports carry no identifier (research files, anonymised ones): sex and age still
    # catch a prior of another person or one given in the wrong order.
    if "unknown" not in (now.sex, prior.sex) and now.sex != prior.sex:
        out.append(f"the files record different sexes: this ECG {now.sex}, the prior {prior.sex}")
    if now.age is not None and prior.age is not None and prior.age > now.age:
        out.append(f"the prior's patient is older ({prior.age} years) than this ECG's ({now.age} years): "
                   "another patient, or the two ECGs in the wrong order")
    if _same_samples(now, prior):
        out.append("the prior is this same recording: there is nothing to compare")
    elif now.recorded_at is not None and prior.recorded_at is not None:
        try:
            later = prior.recorded_at > now.recorded_at
        except TypeError:  # one aware, one naive: cannot be ordered
            later = False
        if later:
            out.append(f"the 'prior' ECG was recorded after this one ({prior.recorded_at:%Y-%m-%d %H:%M} against "
                       f"{now.recorded_at:%Y-%m-%d %H:%M}): the changes below run backwards in time")
    return out


def _same_samples(a: EcgRecord | None, b: EcgRecord | None) -> bool:
    """Both hold the same recording: the same rate and the same samples of a lead both recorded
    (a file opened twice, or copied under another name)."""
    if a is None or b is None:
        return False
    if a.source and b.source and a.metadata.get("key") == b.metadata.get("key"):
        if os.path.realpath(a.source) == os.path.realpath(b.source):
            return True
    if a.fs != b.fs:
        return False
    for name in a.lead_names:
        if name in b.lead_names and a.provenance_of(name) is Provenance.MEASURED is b.provenance_of(name):
            x, y = a.lead(name), b.lead(name)
            n = min(x.size, y.size)
            return n > 0 and bool(np.array_equal(x[:n], y[:n]))
    return False


def compare_with_prior(
    now: Measurements,
    prior: Measurements,
    *,
    st_band: Mapping[str, float] | None = None,
    t_band: Mapping[str, float] | None = None,
    records: tuple[EcgRecord | None, EcgRecord | None] = (None, None),
) -> SerialComparison:
    """Compare the measurements of this ECG (``now``, synthesized leads and all) with those of
    a prior 12-lead ECG of the same patient (``prior``, measured).

    Parameters
    ----------
    st_band, t_band
        Per synthesized lead of ``now``, the band's half-width (mV) at its ST J+60 and at its
        T peak (``uncertainty.confidence.band_at``); without them a synthesized change is
        read as if measured, so pass them where the model has a band.
    records
        (now, prior): the records measured, for the identity cautions (patient identifiers,
        recording times, the same samples).
    """
    from ..uncertainty.confidence import t_polarity_uncertain

    st_band, t_band = dict(st_band or {}), dict(t_band or {})
    now_rec, prior_rec = records
    cautions = _identity_cautions(now_rec, prior_rec)
    if not prior.measurable:
        cautions.append(f"the prior ECG could not be measured: {prior.reason}")
    if not now.measurable:
        cautions.append(f"this ECG could not be measured: {now.reason}")
    global_change: dict[str, tuple[float | None, float | None, float | None]] = {}
    for key in (*GLOBAL_KEYS, *AXIS_KEYS):
        p, n = getattr(prior.values, key), getattr(now.values, key)
        change = None if p is None or n is None else n - p
        if change is not None and key in AXIS_KEYS:
            change = (change + 180.0) % 360.0 - 180.0  # the shorter way round the circle
        global_change[key] = (p, n, None if change is None else round(change, 1))
    said: dict[str, tuple[str, bool]] = {}
    for key, threshold, words in _GLOBAL_RULES:
        change = global_change[key][2]
        if change is None or abs(change) < threshold:
            continue
        text = f"{words[0]} {words[1] if change > 0 else words[2]} by {abs(change):.0f} ms than on the prior ECG"
        basis = now.synthesized_basis(key)
        if basis:
            # No band is known for a global value, and one read on synthesized leads moves with
            # them: from one or two leads such changes were mostly wrong (serial_change.py).
            said[key] = (f"{text}, not claimed: this ECG's value is read partly on synthesized leads "
                         f"({', '.join(basis)}) and has no band; confirm it on a recorded 12-lead", False)
        else:
            said[key] = (text, True)
    leads: dict[str, LeadChange] = {}
    not_compared: dict[str, str] = {}
    for name, lm in now.leads.items():
        pl = prior.leads.get(name)
        if pl is None:
            not_compared[name] = "the prior ECG has no such lead"
            continue
        if pl.provenance not in PRIOR_REFERENCE:
            not_compared[name] = f"the prior ECG's {name} is {pl.provenance}, not recorded"
            continue
        a, b = pl.values, lm.values
        synthesized = lm.provenance == "synthesized"
        band = st_band.get(name) if synthesized else None
        st_verdict = None
        if a.st_j60_mv is not None and b.st_j60_mv is not None:
            st_verdict = st_change_verdict(b.st_j60_mv - a.st_j60_mv, band or 0.0)
        uncertain = synthesized and t_polarity_uncertain(b.t_mv, t_band.get(name))
        leads[name] = LeadChange(
            lead=name, provenance=lm.provenance, st_prior_mv=a.st_j60_mv, st_now_mv=b.st_j60_mv,
            st_band_mv=None if band is None else round(band, 3), st_verdict=st_verdict,
            t_prior=a.t_polarity, t_now=b.t_polarity, t_now_uncertain=uncertain,
            t_verdict=t_change_verdict(a.t_polarity, b.t_polarity, uncertain))
    return SerialComparison(prior_source=prior.source, prior_recorded_at=prior_rec.recorded_at if prior_rec else None,
                            global_change=global_change, global_said=said, leads=leads,
                            not_compared=not_compared, cautions=cautions)
