"""The one rule for personal models: may this model run on this record?

A personal model is fine-tuned on one patient's recordings (ARCHITECTURE rule 8).  It is
never applied to another patient's record without the user's explicit confirmation, and
when the record names no patient nobody can tell, so the user is warned.  The CLI (every
command taking ``--model``: ``synthesize``, ``agreement``, ``evaluate``, ``measure``, via
``leadsynth_core.cli.model_patient``) and the viewer (``app.shell.model_guard``,
``app.controllers.model_choice``) all ask :func:`check_model_patient` and act on its
:class:`PatientMatch`: the CLI refuses ``"other"`` unless ``--any-patient`` is given and
prints the warning of ``"unknown"``; the viewer asks for a confirmation that names both
patients.
"""

from __future__ import annotations

import dataclasses
import enum

from ..errors import PatientMismatchError
from .card import ModelCard

__all__ = ["PatientMatchStatus", "PatientMatch", "check_model_patient", "require_model_patient"]


class PatientMatchStatus(str, enum.Enum):
    """How a model's patient relates to a record's patient."""

    SHARED = "shared"  # not a personal model: runs on anyone
    SAME = "same"  # personal model of the record's own patient
    UNKNOWN = "unknown"  # personal model, record names no patient: warn
    OTHER = "other"  # personal model of another patient: refuse unless confirmed

    def __str__(self) -> str:
        return self.value


@dataclasses.dataclass(frozen=True)
class PatientMatch:
    """The answer of :func:`check_model_patient`.

    Attributes
    ----------
    status
        See :class:`PatientMatchStatus`.
    model_id, model_patient, record_patient
        The model, the patient it was personalized for (``None`` for a shared model) and
        the patient the record names (``None`` when it names none).
    message
        What to tell the user: the refusal (``OTHER``), the warning (``UNKNOWN``), or ``""``.
    """

    status: PatientMatchStatus
    model_id: str
    model_patient: str | None
    record_patient: str | None
    message: str = ""

    @property
    def needs_confirmation(self) -> bool:
        """True when the model may only run after the user explicitly confirms."""
        return self.status is PatientMatchStatus.OTHER

    @property
    def warning(self) -> str | None:
        """The warning to show when the model runs (``UNKNOWN`` only)."""
        return self.message if self.status is PatientMatchStatus.UNKNOWN else None


def _clean(patient_id: str | None) -> str | None:
    text = str(patient_id).strip() if patient_id is not None else ""
    return text or None


def check_model_patient(card: ModelCard, record_patient: str | None, *, record: str | None = None) -> PatientMatch:
    """May the model of ``card`` run on a record of ``record_patient``?

    Parameters
    ----------
    card
        The model's card (its ``patient_id`` is set for a personal model).
    record_patient
        The patient the record names (``EcgRecord.patient_id`` / ``RecordInfo.patient_id``),
        ``None`` when it names none.
    record
        The record's name, used in the messages.

    Returns
    -------
    PatientMatch
        ``SHARED`` or ``SAME``: run.  ``UNKNOWN``: run, but show ``message`` as a warning.
        ``OTHER``: run only after the user explicitly confirms (CLI: ``--any-patient``);
        ``message`` names both patients.
    """
    model_patient = _clean(card.patient_id)
    theirs = _clean(record_patient)
    where = record or "the record"
    if model_patient is None:
        return PatientMatch(PatientMatchStatus.SHARED, card.id, None, theirs)
    if theirs is None:
        return PatientMatch(
            PatientMatchStatus.UNKNOWN, card.id, model_patient, None,
            f"{where} names no patient, so it cannot be checked that it is patient {model_patient}'s: "
            f"the personal model {card.id!r} of patient {model_patient} is applied on the user's word",
        )
    if theirs == model_patient:
        return PatientMatch(PatientMatchStatus.SAME, card.id, model_patient, theirs)
    return PatientMatch(
        PatientMatchStatus.OTHER, card.id, model_patient, theirs,
        f"{where} is a record of patient {theirs}, but the model {card.id!r} is the personal model of "
        f"patient {model_patient}; a personal model is only for its own patient",
    )


def require_model_patient(
    card: ModelCard, record_patient: str | None, *, any_patient: bool = False, record: str | None = None,
    confirm_hint: str = "confirm explicitly to apply it anyway",
) -> PatientMatch:
    """:func:`check_model_patient`, raising for ``OTHER`` unless ``any_patient`` is true.

    Raises
    ------
    PatientMismatchError
        The model is the personal model of another patient than the record's and the user
        has not confirmed (``any_patient``); the message names both patients and
        ``confirm_hint`` (e.g. ``"give --any-patient to apply it anyway"``).
    """
    match = check_model_patient(card, record_patient, record=record)
    if match.needs_confirmation and not any_patient:
        raise PatientMismatchError(f"{match.message}; {confirm_hint}")
    return match
