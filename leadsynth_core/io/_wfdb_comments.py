"""The comment lines of a WFDB header: ``key: value`` fields and LeadSynth's provenance line.

The provenance line (``# leadsynth: measured=...; derived=...; synthesized=...; model=ID``,
ending in ``; model_patient=PATIENT`` for a personal model) is written by
:func:`leadsynth_core.io.wfdb_format.write_wfdb` and parsed back here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ..errors import RecordFormatError
from ..record import Provenance
from ._common import canonicalize_lead_names

__all__ = ["PROVENANCE_TAG", "PROCESSING_TAG", "parse_comments", "parse_provenance_line"]

#: The start of LeadSynth's own comment line (after ``#``).
PROVENANCE_TAG = "leadsynth:"

#: The start of each comment line of the record's audit trail (``EcgRecord.processing``),
#: one line per step, read back in order.
PROCESSING_TAG = "processing:"


def parse_comments(comments: Sequence[str]) -> dict[str, Any]:
    """``key: value`` comment lines into a dict (keys lower case, ``<age>`` -> ``age``)."""
    out: dict[str, Any] = {}
    for line in comments:
        if ":" not in line:
            continue
        key, value = line.split(":", 1)
        key = key.strip().strip("<>").strip().lower()
        value = value.strip()
        if key and value and key not in out:
            out[key] = value
    return out


def parse_provenance_line(
    value: str, names: Sequence[str], where: str
) -> tuple[tuple[Provenance, ...], str | None, str | None]:
    """Parse ``measured=...; derived=...; synthesized=...; model=...[; model_patient=...]``.

    Returns the per-lead provenance, the model id and the personal model's patient.
    """
    lists: dict[str, list[str]] = {}
    model: str | None = None
    model_patient: str | None = None
    for part in re.split(r"[;\s]+(?=\w+=)", value.strip()):
        part = part.strip().rstrip(";").strip()
        if not part:
            continue
        if "=" not in part:
            raise RecordFormatError(f"{where}: leadsynth comment field {part!r} is not key=value")
        key, val = (s.strip() for s in part.split("=", 1))
        key = key.lower()
        if key == "model":
            model = val if val and val != "-" else None
        elif key == "model_patient":
            model_patient = val if val and val != "-" else None
        elif key in {p.value for p in Provenance}:
            lists[key] = [v.strip() for v in val.split(",") if v.strip() and v.strip() != "-"]
        else:
            raise RecordFormatError(f"{where}: leadsynth comment has unknown field {key!r}")
    lead_prov: dict[str, Provenance] = {}
    for key, leads in lists.items():
        for raw in leads:
            lead = canonicalize_lead_names([raw], f"{where} (leadsynth comment)")[0]
            if lead in lead_prov:
                raise RecordFormatError(f"{where}: leadsynth comment lists lead {lead} twice")
            lead_prov[lead] = Provenance(key)
    missing = [n for n in names if n not in lead_prov]
    if missing:
        raise RecordFormatError(
            f"{where}: leadsynth comment gives no provenance for lead(s) {', '.join(missing)}"
        )
    extra = [n for n in lead_prov if n not in names]
    if extra:
        raise RecordFormatError(f"{where}: leadsynth comment names lead(s) {', '.join(extra)} not in the record")
    return tuple(lead_prov[n] for n in names), model, model_patient
