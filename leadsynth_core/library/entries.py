"""The rows of the patient library as typed, immutable entries."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..errors import LibraryError

__all__ = ["PatientEntry", "RecordingEntry", "ModelEntry", "AddReport", "RecordingCheck"]


@dataclasses.dataclass(frozen=True)
class PatientEntry:
    """One patient with counts of what the library holds for them."""

    id: str
    created_at: str
    n_recordings: int
    n_complete: int
    n_models: int


@dataclasses.dataclass(frozen=True)
class RecordingEntry:
    """One recording row."""

    id: int
    path: str
    record_key: str
    sha256: str
    patient_id: str | None
    recorded_at: str | None
    fs: float
    leads: tuple[str, ...]
    duration: float
    n_samples: int
    complete_12_lead: bool
    quality_notes: str
    added_at: str
    format: str

    @property
    def key(self) -> str | None:
        """The record key to pass to ``read_record`` in a multi-record file (HDF5, an Apple Health
        export zip); ``None`` for single-record files."""
        return self.record_key or None

    @property
    def location(self) -> str:
        """The path, and in a multi-record file the record: ``export.zip[ecg_2026-03-14.csv]``."""
        return f"{self.path}[{self.record_key}]" if self.record_key else self.path

    @property
    def file_label(self) -> str:
        """:attr:`location` with the file's name only, for lists."""
        return Path(self.path).name + (f"[{self.record_key}]" if self.record_key else "")

    def recorded_text(self, missing: str = "date unknown") -> str:
        """The recording time as ``YYYY-MM-DD HH:MM`` for lists (``missing`` when the file has none)."""
        return (self.recorded_at or missing)[:16].replace("T", " ")


@dataclasses.dataclass(frozen=True)
class ModelEntry:
    """One model row; ``card`` and ``metrics`` are the parsed JSON."""

    id: str
    kind: str
    path: str
    sha256: str
    patient_id: str | None
    base_model_id: str | None
    base_model_sha256: str | None
    inputs: tuple[str, ...]
    created_at: str
    card: dict[str, Any]
    metrics: dict[str, Any]
    recording_ids: tuple[int, ...] = ()


@dataclasses.dataclass
class AddReport:
    """What :meth:`Library.add_recordings` did, file by file.

    ``added`` and ``relocated`` hold the new or re-linked entries, ``duplicates`` the paths
    whose content was already in the library (``duplicate_entries`` the library's entries of
    them, in the same order), ``failed`` ``(path, reason)`` for files that could not be read
    or were refused.
    """

    added: list[RecordingEntry] = dataclasses.field(default_factory=list)
    relocated: list[RecordingEntry] = dataclasses.field(default_factory=list)
    duplicates: list[str] = dataclasses.field(default_factory=list)
    failed: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    duplicate_entries: list[RecordingEntry] = dataclasses.field(default_factory=list)

    def duplicate_notes(self, patient_id: str | None = None) -> list[str]:
        """One line per duplicate: it is already in the library, as which entry and of which
        patient, and, when that is not ``patient_id``, the command that assigns it."""
        from .verbs import assign_command

        out = []
        for label, e in zip(self.duplicates, self.duplicate_entries, strict=True):
            whose = f"patient {e.patient_id}" if e.patient_id else "no patient"
            line = f"{label}: already in the library as #{e.id} ({whose})"
            if patient_id and e.patient_id != patient_id:
                verb = "assign it" if e.patient_id is None else "change its patient"
                line += f"; to {verb}: {assign_command(e.id, patient_id)}"
            out.append(line)
        return out

    def summary(self) -> str:
        """One line for a status bar or the CLI."""
        return (
            f"{len(self.added)} added, {len(self.relocated)} re-linked after a move, "
            f"{len(self.duplicates)} already in the library, {len(self.failed)} failed"
        )


@dataclasses.dataclass(frozen=True)
class RecordingCheck:
    """The state of one recording's files now: ``ok``, ``missing`` or ``changed``."""

    recording: RecordingEntry
    status: str
    detail: str = ""


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _leads_text(leads: Iterable[str]) -> str:
    return ",".join(leads)


def _leads_tuple(text: str | None) -> tuple[str, ...]:
    return tuple(x for x in (text or "").split(",") if x)


def _recording(row: sqlite3.Row) -> RecordingEntry:
    return RecordingEntry(
        id=int(row["id"]), path=row["path"], record_key=row["record_key"], sha256=row["sha256"],
        patient_id=row["patient_id"], recorded_at=row["recorded_at"], fs=float(row["fs"]),
        leads=_leads_tuple(row["leads"]), duration=float(row["duration"]), n_samples=int(row["n_samples"]),
        complete_12_lead=bool(row["complete_12_lead"]), quality_notes=row["quality_notes"],
        added_at=row["added_at"], format=row["format"],
    )


def _check_patient_id(patient_id: str) -> str:
    pid = str(patient_id).strip()
    if not pid:
        raise LibraryError("the patient id is empty")
    return pid
