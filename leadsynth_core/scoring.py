"""Scoring synthesized leads against the measured truth: the one implementation.

The viewer's score table and badges (``app.controllers.synthesis``), the agreement over
time (:mod:`leadsynth_core.agreement`) and the data-set evaluation
(:mod:`leadsynth_core.evaluation`) all answer the same question, "how close is each
synthesized lead to what the file measured?", and must answer it the same way:

* **which leads are compared** (:func:`compared_leads`): the leads the output
  *synthesized* whose samples the file holds as *measured*.  Derived leads are exact
  algebra, not a model's estimate; a lead stored as synthesized (a LeadSynth output opened
  again) is no truth.
* **what they are compared with** (:data:`REFERENCES`, :func:`reference_truth`): the
  stored samples (``"raw"``) or the stored samples high-passed at 0.5 Hz
  (``"highpass"``), the filter the models apply to their own output, so that baseline
  wander of the recording does not count against the synthesis.
* **the score record** (:class:`LeadScore`): PCC, RMSE, MAE and SNR per lead, as
  :func:`leadsynth_core.metrics.lead_metrics` defines them.

Personalization scores in the model's own (resampled, high-passed, normalized) space while
it trains; it does not compare leads of records and so does not use this module.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

import numpy as np

from .errors import OptionError

if TYPE_CHECKING:
    from .record import EcgRecord

__all__ = [
    "DEFAULT_REFERENCE",
    "HIGHPASS_HZ",
    "LeadScore",
    "REFERENCES",
    "REFERENCE_MEANS",
    "check_reference",
    "compared_leads",
    "reference_signal",
    "reference_truth",
    "score_leads",
]

#: What synthesized leads can be compared with (``--reference``, setting ``scores/reference``).
REFERENCES: Final[tuple[str, ...]] = ("raw", "highpass")
#: The reference used unless the user chooses another.  The synthesized leads are
#: baseline-free by design (the models high-pass their output at 0.5 Hz); scoring them
#: against a truth full of baseline wander makes a good synthesis look like a failure on
#: recordings of other hospitals (issue 13, item 2), so the default is the
#: baseline-corrected truth; the stored samples stay a choice.
DEFAULT_REFERENCE: Final[str] = "highpass"
#: What each reference means, in words (JSON outputs carry it beside the key).
REFERENCE_MEANS: Final[dict[str, str]] = {
    "raw": "the measured leads as stored",
    "highpass": "the measured leads high-passed at 0.5 Hz like the synthesized leads",
}
#: Cut-off of the ``"highpass"`` reference (Hz): the models' own output high-pass.
HIGHPASS_HZ: Final[float] = 0.5


@dataclasses.dataclass(frozen=True)
class LeadScore:
    """Agreement of one synthesized lead with the measured truth of the file."""

    pcc: float
    rmse_mv: float
    mae_mv: float
    snr_db: float

    def as_metrics(self) -> dict[str, float]:
        """``{"pcc", "rmse", "mae", "snr_db"}``: the keys of :func:`leadsynth_core.metrics.lead_metrics`."""
        return {"pcc": self.pcc, "rmse": self.rmse_mv, "mae": self.mae_mv, "snr_db": self.snr_db}


def check_reference(reference: str) -> str:
    """``reference`` if it is one of :data:`REFERENCES`.

    Raises
    ------
    OptionError
        Naming the valid choices.
    """
    if reference not in REFERENCES:
        raise OptionError(f"reference: unknown value {reference!r}; valid: {', '.join(REFERENCES)}")
    return reference


def compared_leads(truth: EcgRecord, synthesized: EcgRecord) -> tuple[str, ...]:
    """Leads synthesized in ``synthesized`` whose truth ``truth`` holds as *measured* samples.

    Derived leads are exact algebra and are not scored; nor is a lead whose samples in the
    file are themselves synthesized (a LeadSynth output opened again).
    """
    from .record import Provenance

    return tuple(
        lead for lead in synthesized.leads_with(Provenance.SYNTHESIZED)
        if lead in truth.lead_names and truth.provenance_of(lead) is Provenance.MEASURED
    )


def reference_signal(x: np.ndarray, fs: float, reference: str) -> np.ndarray:
    """The truth samples ``x`` (time along axis 0) as compared under ``reference``.

    ``"raw"`` returns ``x`` itself; ``"highpass"`` a new array, filtered zero-phase at
    :data:`HIGHPASS_HZ` (2nd order Butterworth, as the models' output).
    """
    check_reference(reference)
    if reference == "raw":
        return x
    from .preprocess import highpass  # scipy: only when filtering

    return highpass(x, fs, HIGHPASS_HZ, order=2, axis=0)


def reference_truth(truth: EcgRecord, leads: Sequence[str], reference: str = DEFAULT_REFERENCE) -> EcgRecord:
    """``truth`` with ``leads`` as they are compared under ``reference`` (see :data:`REFERENCES`).

    ``"raw"`` returns ``truth`` itself; ``"highpass"`` a copy whose ``leads`` are high-passed
    at 0.5 Hz (the stored record is never changed).
    """
    check_reference(reference)
    if reference == "raw" or not leads:
        return truth
    signal = np.array(truth.signal, dtype=np.float32, copy=True)
    cols = [truth.lead_names.index(ld) for ld in leads]
    signal[:, cols] = reference_signal(signal[:, cols].astype(np.float64), truth.fs, reference)
    return truth.replace(signal=signal)


def score_leads(truth: EcgRecord, synthesized: EcgRecord, reference: str = DEFAULT_REFERENCE) -> dict[str, LeadScore]:
    """Score every lead of :func:`compared_leads` against ``reference``.

    Returns
    -------
    dict
        ``{lead: LeadScore}`` in the output's lead order; empty when the file measures none
        of the synthesized leads.

    Raises
    ------
    OptionError
        For an unknown ``reference``.
    SignalQualityError
        If the records differ in sampling rate or length.
    """
    from .metrics import lead_metrics

    check_reference(reference)
    leads = compared_leads(truth, synthesized)
    if not leads:
        return {}
    table = lead_metrics(reference_truth(truth, leads, reference), synthesized, leads)
    return {
        lead: LeadScore(pcc=table[lead]["pcc"], rmse_mv=table[lead]["rmse"], mae_mv=table[lead]["mae"],
                        snr_db=table[lead]["snr_db"])
        for lead in leads
    }
