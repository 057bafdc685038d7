"""The personal-model patient rule as every command that takes ``--model`` applies it.

:func:`leadsynth_core.models.check_model_patient` is the rule (ARCHITECTURE rule 8); this
module is how the command line acts on it, in one place for ``synthesize``, ``agreement``,
``evaluate`` and ``measure``: a personal model of another patient than the record's is
refused (exit 2, naming both patients) unless ``--any-patient`` is given, and a record
that names no patient gets a warning on stderr.  Only headers are read here.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..models import ModelCard, PatientMatch

__all__ = ["add_any_patient_argument", "checked_model", "checked_model_for_records"]

#: What the refusal tells the user to do, the same for every command.
CONFIRM_HINT = "give --any-patient to apply it anyway"


def add_any_patient_argument(parser: argparse.ArgumentParser) -> None:
    """``--any-patient`` (``args.any_patient``): the explicit confirmation of the rule."""
    parser.add_argument("--any-patient", action="store_true",
                        help="apply a personal model even to a record of another patient (refused otherwise)")


def _warn(command: str, match: PatientMatch) -> None:
    if match.warning:
        print(f"leadsynth {command}: warning: {match.warning}", file=sys.stderr)
    elif match.needs_confirmation:  # only reached with --any-patient
        print(f"leadsynth {command}: warning: --any-patient given: {match.message}", file=sys.stderr)


def checked_model(
    command: str, model: str | None, record: str | os.PathLike[str], *, key: str | None = None,
    any_patient: bool = False,
) -> ModelCard | None:
    """The card of ``model`` after the patient rule for one record; ``None`` when no model was given.

    Without ``--model`` the automatic choice applies, which only ever picks a personal
    model of the record's own patient, so there is nothing to check.

    Raises
    ------
    PatientMismatchError
        ``model`` is the personal model of another patient than the record's and
        ``any_patient`` is false; the message names both patients and ``--any-patient``.
    """
    from ..io import inspect_record
    from ..models import find_model, require_model_patient

    if model is None:
        return None
    card = find_model(model)
    if card.patient_id is None:
        return card  # a shared model runs on anyone: not even the header is needed
    info = inspect_record(record, key=key)
    match = require_model_patient(card, info.patient_id, any_patient=any_patient, record=str(record),
                                  confirm_hint=CONFIRM_HINT)
    _warn(command, match)
    return card


def checked_model_for_records(
    command: str, model: str | None, records: Iterable[tuple[str, str | os.PathLike[str], str | None]], *,
    any_patient: bool = False,
) -> ModelCard | None:
    """:func:`checked_model` over a data set of ``(name, path, key)`` records.

    Every record of another patient is refused unless ``any_patient`` (the message names
    both patients of the first one and how many there are); the records naming no patient
    get one warning naming the first and their number.  A record whose header cannot be
    read is left to the evaluation, which lists it as skipped with its reason.
    """
    from ..errors import LeadSynthError, PatientMismatchError
    from ..io import inspect_record
    from ..models import PatientMatchStatus, check_model_patient, find_model

    if model is None:
        return None
    card = find_model(model)
    if card.patient_id is None:
        return card
    by_status: dict[PatientMatchStatus, list[PatientMatch]] = {}
    for name, path, key in records:
        try:
            patient = inspect_record(path, key=key).patient_id
        except LeadSynthError:
            continue
        match = check_model_patient(card, patient, record=name)
        by_status.setdefault(match.status, []).append(match)
    for status in (PatientMatchStatus.OTHER, PatientMatchStatus.UNKNOWN):
        found = by_status.get(status, [])
        if not found:
            continue
        more = f" (and {len(found) - 1} more record(s) like it)" if len(found) > 1 else ""
        if status is PatientMatchStatus.OTHER and not any_patient:
            raise PatientMismatchError(f"{found[0].message}{more}; {CONFIRM_HINT}")
        print(f"leadsynth {command}: warning: "
              f"{'--any-patient given: ' if status is PatientMatchStatus.OTHER else ''}{found[0].message}{more}",
              file=sys.stderr)
    return card
