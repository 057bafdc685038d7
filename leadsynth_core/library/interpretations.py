"""A reader's interpretation of a recording, kept in the library: who read it, when, what they
wrote, and what they were shown (which leads were measured, which synthesized and by which
model), so that a statement made on a reconstruction is never mistaken for one made on a
recorded 12-lead.

Interpretations are keyed by the recording's content (the SHA-256 of its files and, in a
multi-record file, its key), so the note follows the recording wherever its file is moved,
whether or not it was added to the library.  They are append-only, as a clinical record is:
a correction is a new interpretation that *amends* the one before it, and the table refuses
UPDATE and DELETE (triggers of schema v3), so the history of a reading is always complete.

:class:`InterpretationVerbs` is a mixin of :class:`~leadsynth_core.library.Library`.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..errors import LibraryError
from ..leads import try_ecg_lead_name
from ..options import MULTI_RECORD_SUFFIXES
from ..progress import CancelToken
from .entries import RecordingEntry, _now
from .files import hash_record_files

__all__ = ["ReadingContext", "Interpretation", "InterpretationVerbs", "RecordIdentity", "identify_record",
           "standard_statements"]

log = logging.getLogger("leadsynth_core.library")

#: Longest interpretation kept (characters): a report's statement, not a document.
MAX_TEXT_CHARS = 4000
#: Longest reader name kept.
MAX_READER_CHARS = 120


#: Statements every reading may use beyond the diagnosis terms, the last for a reconstruction.
GENERAL_STATEMENTS = (
    "Normal ECG", "Otherwise normal ECG", "Borderline ECG", "Abnormal ECG", "No acute ST-T change",
    "Unchanged from the prior ECG",
    "Synthesized leads: findings in them are to be confirmed on a recorded 12-lead ECG",
)
#: Abbreviations written in capitals in a statement ("1st degree av block" -> "1st degree AV block").
_CAPITALS = {"av": "AV", "qrs": "QRS", "qt": "QT", "pr": "PR", "st": "ST", "st-t": "ST-T", "t": "T", "p": "P",
             "u": "U", "r": "R", "q": "Q", "ecg": "ECG"}


def standard_statements() -> tuple[str, ...]:
    """Statements a reader composes an interpretation from: :data:`GENERAL_STATEMENTS`, then the
    diagnosis terms the SNOMED CT table names (:mod:`leadsynth_core.diagnoses`), sentence-cased
    with their abbreviations in capitals, in alphabetical order."""
    from ..diagnoses import snomed_terms

    def sentence(term: str) -> str:
        words = [_CAPITALS.get(w.lower(), w) for w in term.split(" ")]
        text = " ".join(words)
        # "fQRS wave" keeps its lower-case prefix; anything else starts with a capital.
        return text if text[1:2].isupper() else text[:1].upper() + text[1:]

    terms = sorted({sentence(t) for t in snomed_terms().values()}, key=str.lower)
    return (*GENERAL_STATEMENTS, *(t for t in terms if t not in GENERAL_STATEMENTS))


@dataclasses.dataclass(frozen=True)
class RecordIdentity:
    """What an interpretation is filed under: the recording's content hash and record key."""

    sha256: str
    record_key: str = ""


def identify_record(path: str | Path, key: str | None = None, cancel: CancelToken | None = None) -> RecordIdentity:
    """The identity of the recording at ``path`` (``key``: its record in a multi-record file).

    A file holding one record is filed under no key whatever ``key`` says, as the viewer
    opens it, so a reading made in the viewer and one named on the command line meet.

    Raises
    ------
    LibraryError
        A multi-record file without a valid ``key`` (the message lists its records), or a
        file of the recording that cannot be read (naming it).
    """
    from ..io import list_records

    p = Path(path)
    keys = [k for k in list_records(p) if k] if p.suffix.lower() in MULTI_RECORD_SUFFIXES else []
    if len(keys) > 1 and key not in keys:
        shown = ", ".join(keys[:8]) + (f" and {len(keys) - 8} more" if len(keys) > 8 else "")
        what = f"has no record {key!r}" if key else f"holds {len(keys)} records; name one with --key"
        raise LibraryError(f"{p}: {what} (records: {shown})")
    return RecordIdentity(hash_record_files(p, cancel), key if len(keys) > 1 and key else "")


@dataclasses.dataclass(frozen=True)
class ReadingContext:
    """What the reader was shown when they wrote the interpretation.

    ``inputs``: the leads counted as measured; ``synthesized``: the leads a model made
    (empty: every lead as recorded); ``model_id``: that model; ``processing``: steps applied to
    the samples after reading (arm electrodes swapped back).
    """

    inputs: tuple[str, ...]
    synthesized: tuple[str, ...] = ()
    model_id: str = ""
    processing: tuple[str, ...] = ()
    #: The synthesized leads drawn over their recorded truth (the viewer's compare mode on a
    #: file that measured them): a reading that saw the truth is not a blind reading.
    truth_shown: tuple[str, ...] = ()

    @property
    def on_reconstruction(self) -> bool:
        """Whether any lead the reader saw was synthesized."""
        return bool(self.synthesized)

    def describe(self) -> str:
        """What the reader was shown: "a reconstruction: V1, V2 SYNTHESIZED from I, II, V4 by
        model X" or "the leads as recorded", and any processing of the samples."""
        if self.synthesized:
            text = (f"a reconstruction: {', '.join(self.synthesized)} SYNTHESIZED from "
                    f"{', '.join(self.inputs)} by model {self.model_id or 'unnamed'}")
            if self.truth_shown:
                which = "" if set(self.truth_shown) == set(self.synthesized) else f" ({', '.join(self.truth_shown)})"
                text += f", drawn over their recorded truth{which}"
            else:
                text += ", without their recorded truth"
        else:
            text = "the leads as recorded"
        if self.processing:
            text += "; " + "; ".join(self.processing)
        return text

    def as_dict(self) -> dict[str, Any]:
        """The fields as JSON-ready values (stored by :meth:`to_json`, read by :meth:`from_json`)."""
        return {"inputs": list(self.inputs), "synthesized": list(self.synthesized), "model_id": self.model_id,
                "processing": list(self.processing), "truth_shown": list(self.truth_shown)}

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ReadingContext:
        data: Mapping[str, Any] = json.loads(text or "{}")
        return cls(tuple(data.get("inputs", ())), tuple(data.get("synthesized", ())),
                   str(data.get("model_id", "") or ""), tuple(data.get("processing", ())),
                   tuple(data.get("truth_shown", ())))

    @classmethod
    def as_recorded(cls, leads: Iterable[str]) -> ReadingContext:
        """Every lead as the file holds it (a recorded 12-lead read without synthesis)."""
        return cls(tuple(leads))


@dataclasses.dataclass(frozen=True)
class Interpretation:
    """One interpretation row."""

    id: int
    sha256: str
    record_key: str
    reader: str
    text: str
    context: ReadingContext
    created_at: str
    amends: int | None = None

    def local_time(self) -> str:
        """When it was written, in this computer's time zone (``YYYY-MM-DD HH:MM``)."""
        try:
            when = _dt.datetime.fromisoformat(self.created_at)
        except ValueError:
            return self.created_at[:16]
        return when.astimezone().strftime("%Y-%m-%d %H:%M")

    def heading(self) -> str:
        """Reader, time and what they were shown, for a list or a printed page."""
        amended = f", amending #{self.amends}" if self.amends is not None else ""
        return f"{self.reader}, {self.local_time()}{amended}; read on {self.context.describe()}"

    def to_dict(self) -> dict[str, Any]:
        """The row as a JSON-ready document (the CLI's ``--json``, the measurement report)."""
        ctx = self.context
        return {"id": self.id, "reader": self.reader, "created_at": self.created_at, "amends": self.amends,
                "heading": self.heading(),
                "text": self.text, "record": {"sha256": self.sha256, "key": self.record_key},
                "read_on": {**ctx.as_dict(), "description": ctx.describe()}}

    def one_line(self) -> str:
        """The whole interpretation on one line (a page footer wraps it)."""
        return f"Interpretation ({self.heading()}): {' '.join(self.text.split())}"


def _interpretation(row: Any) -> Interpretation:
    return Interpretation(
        id=int(row["id"]), sha256=row["sha256"], record_key=row["record_key"], reader=row["reader"],
        text=row["text"], context=ReadingContext.from_json(row["context_json"]), created_at=row["created_at"],
        amends=None if row["amends"] is None else int(row["amends"]),
    )


def _clean(value: str, what: str, limit: int) -> str:
    text = str(value).strip()
    if not text:
        raise LibraryError(f"the {what} is empty")
    if len(text) > limit:
        raise LibraryError(f"the {what} is {len(text)} characters long; at most {limit} are kept")
    return text


class InterpretationVerbs:
    """Write and read interpretations (mixed into :class:`~leadsynth_core.library.Library`,
    whose ``_conn`` and ``_transaction`` these use)."""

    def add_interpretation(self, record: RecordIdentity, reader: str, text: str, context: ReadingContext, *,
                           amends: int | None = None) -> Interpretation:
        """File ``text`` by ``reader`` as the interpretation of ``record``, read as ``context`` says.

        ``amends``: the id of the interpretation this one corrects; it must be the latest of
        the same recording (an amendment of an amended one would fork the history).

        Raises
        ------
        LibraryError
            An empty or over-long reader or text, an unknown lead, or ``amends`` that is not
            the recording's latest interpretation (the message names the latest).
        """
        who = _clean(reader, "reader's name", MAX_READER_CHARS)
        body = _clean(text, "interpretation", MAX_TEXT_CHARS)
        unknown = [n for n in (*context.inputs, *context.synthesized) if try_ecg_lead_name(n) != n]
        if unknown:
            raise LibraryError(f"unknown lead(s) in the reading context: {', '.join(unknown)}")
        with self._transaction() as cur:  # type: ignore[attr-defined]
            row = cur.execute(
                "SELECT * FROM interpretations WHERE sha256 = ? AND record_key = ? ORDER BY id DESC LIMIT 1",
                (record.sha256, record.record_key)).fetchone()
            current = None if row is None else _interpretation(row)
            if amends != (None if current is None else current.id):
                # The writer says which reading they saw: another reader may have filed one since.
                if current is None:
                    raise LibraryError(f"interpretation #{amends} is not of this recording, which has none yet")
                latest = f"#{current.id} ({current.reader}, {current.local_time()})"
                why = (f"interpretation #{amends} is no longer this recording's latest: {latest} was filed after it"
                       if amends is not None else f"this recording already has interpretation {latest}")
                raise LibraryError(f"{why}; read it, then file yours as an amendment of #{current.id}")
            cur.execute(
                "INSERT INTO interpretations (sha256, record_key, reader, text, context_json, created_at, amends)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (record.sha256, record.record_key, who, body, context.to_json(), _now(), amends))
            new_id = int(cur.lastrowid or 0)
        log.info("library %s: interpretation #%d by %s", getattr(self, "path", "?"), new_id, who)
        return self.get_interpretation(new_id)

    def get_interpretation(self, interpretation_id: int) -> Interpretation:
        row = self._conn.execute(  # type: ignore[attr-defined]
            "SELECT * FROM interpretations WHERE id = ?", (int(interpretation_id),)).fetchone()
        if row is None:
            raise LibraryError(f"no interpretation #{interpretation_id} in the library")
        return _interpretation(row)

    def interpretations_in_force(self, recordings: Iterable[RecordingEntry]) -> dict[int, Interpretation]:
        """The interpretation in force (the latest) of each library recording that has one, by
        recording id.  A recording whose file holds one record is matched under no key too: the
        viewer files it so (:func:`identify_record`), while the library row keeps the file's key."""
        out: dict[int, Interpretation] = {}
        for r in recordings:
            row = self._conn.execute(  # type: ignore[attr-defined]
                "SELECT * FROM interpretations WHERE sha256 = ? AND record_key IN (?, '') ORDER BY id DESC LIMIT 1",
                (r.sha256, r.record_key)).fetchone()
            if row is not None:
                out[r.id] = _interpretation(row)
        return out

    def interpretations(self, record: RecordIdentity) -> list[Interpretation]:
        """Every interpretation of ``record``, oldest first (the last one is the current one)."""
        rows = self._conn.execute(  # type: ignore[attr-defined]
            "SELECT * FROM interpretations WHERE sha256 = ? AND record_key = ? ORDER BY id",
            (record.sha256, record.record_key)).fetchall()
        return [_interpretation(r) for r in rows]
