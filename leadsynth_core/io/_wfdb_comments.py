"""The comment lines of a WFDB header: ``key: value`` fields and LeadSynth's provenance line.

The provenance line (``# leadsynth: measured=...; derived=...; synthesized=...; model=ID``,
ending in ``; model_patient=PATIENT`` for a personal model) is written by
:func:`leadsynth_core.io.wfdb_format.write_wfdb` and parsed back here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from .. import __version__
from ..errors import RecordFormatError
from ..record import EcgRecord, Provenance
from ._common import canonicalize_lead_names

__all__ = ["PROVENANCE_TAG", "PROCESSING_TAG", "parse_comments", "parse_provenance_line", "read_comment_lines",
           "comment_lines", "comment_fields"]

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


def comment_fields(comments: Sequence[str]) -> dict[str, Any]:
    """The ``key: value`` fields of comment lines other than LeadSynth's provenance and audit-trail lines."""
    return parse_comments([c for c in comments if not c.lower().startswith((PROVENANCE_TAG, PROCESSING_TAG))])


def read_comment_lines(
    comments: Sequence[str], names: Sequence[str], where: str
) -> tuple[tuple[Provenance, ...] | None, str | None, dict[str, Any], dict[str, Any]]:
    """What LeadSynth's comment lines say (WFDB header, CSV table): the per-lead provenance (None
    without a ``leadsynth:`` line), the model id, the ``key: value`` fields of the other lines,
    and the record metadata they give (``processing``, ``leadsynth`` {model, model_patient},
    ``age`` as a number where it is one, ``sex``, ``dx``)."""
    tagged = [c for c in comments if c.lower().startswith(PROVENANCE_TAG)]
    if len(tagged) > 1:
        raise RecordFormatError(f"{where}: more than one 'leadsynth:' comment line")
    provenance = model_id = model_patient = None
    if tagged:
        provenance, model_id, model_patient = parse_provenance_line(tagged[0][len(PROVENANCE_TAG):], names, where)
    fields = comment_fields(comments)
    meta: dict[str, Any] = {}
    steps = [c[len(PROCESSING_TAG):].strip() for c in comments if c.lower().startswith(PROCESSING_TAG)]
    if steps:
        meta["processing"] = steps
    if model_patient:
        meta["leadsynth"] = {"model": model_id, "model_patient": model_patient}
    for key in ("age", "sex", "dx"):
        if key in fields:
            meta[key] = fields[key]
    if "age" in meta:
        try:
            meta["age"] = int(meta["age"])
        except ValueError:
            pass  # "NaN", "81 years"...: keep the file's text
    return provenance, model_id, fields, meta


def comment_lines(record: EcgRecord, where: object, text: Callable[[object, str], str]) -> list[str]:
    """LeadSynth's comment lines for ``record`` (``# ...``, read back by :func:`read_comment_lines`):
    the provenance line, the software, patient, age/sex/dx and the audit trail.  ``text(value,
    field)`` puts a value on one line in the target format (or refuses it, naming the field)."""
    groups = {p.value: ",".join(n for n, q in zip(record.lead_names, record.provenance, strict=True) if q is p) or "-"
              for p in Provenance}
    # "-" stands for "no model" in the line, so a model may not be called that.
    if record.model_id is not None and record.model_id.strip() in {"", "-"}:
        raise RecordFormatError(f"{where}: model id {record.model_id!r} is not a usable name (header field model)")
    model = record.model_id or "-"
    if ";" in model or "=" in model:
        raise RecordFormatError(f"{where}: model id {model!r} may not contain ';' or '=' (header field model)")
    provenance_line = (
        f"# {PROVENANCE_TAG} measured={groups['measured']}; derived={groups['derived']}; "
        f"synthesized={groups['synthesized']}; model={text(model, 'model_id')}"
    )
    # A personal model's patient is named wherever its output goes (ARCHITECTURE rule 8).
    model_patient = (record.metadata.get("leadsynth") or {}).get("model_patient")
    if model_patient:
        value = text(model_patient, "model_patient")
        if ";" in value or "=" in value or value == "-":
            raise RecordFormatError(f"{where}: model patient {value!r} may not contain ';' or '=' (header field model_patient)")
        provenance_line += f"; model_patient={value}"
    # Which program wrote the file, so a questionable synthesis can be traced to a release.
    lines = [provenance_line, f"# software: LeadSynth {__version__}"]
    if record.patient_id:
        lines.append(f"# patient_id: {text(record.patient_id, 'patient_id')}")
    for key, label in (("age", "Age"), ("sex", "Sex"), ("dx", "Dx")):
        if record.metadata.get(key) not in (None, ""):
            lines.append(f"# {label}: {text(record.metadata[key], key)}")
    # The audit trail (EcgRecord.processing): what changed the samples after they were read.
    lines += [f"# {PROCESSING_TAG} {' '.join(str(step).split())}" for step in record.processing]
    return lines
