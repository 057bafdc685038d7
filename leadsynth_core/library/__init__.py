"""The patient library: a local SQLite store of patients, recordings, personal models and readings.

One file (``leadsynth_core.paths.library_path()`` unless a path is given) holds

* ``patients``: one row per patient id;
* ``recordings``: every recording the user added (path, SHA-256 of its files, patient,
  recording time, sampling rate, leads, duration, whether it is a usable complete 12-lead
  recording, quality notes, when it was added);
* ``models``: base and personal models (file path and SHA-256, patient, base model id and
  hash, input leads, card JSON, metrics), with ``model_recordings`` linking a personal model
  to the recordings it was fine-tuned on;
* ``interpretations``: readers' interpretations of recordings, keyed by content, with what
  the reader was shown (measured, synthesized, model); append-only, a correction amends.

The schema is versioned with ``PRAGMA user_version`` and upgraded in place by the ordered
:data:`MIGRATIONS`; the database runs in WAL mode with foreign keys on.  Every write is one
transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``), so a crash or a kill mid-write leaves the
library as it was before that write.

The library stores *references* to recordings (the files stay where the user keeps them)
plus their SHA-256, so :meth:`Library.check_recordings` can tell which were moved, deleted or
changed since they were added, and adding a moved file again re-links the existing row.
"""

from __future__ import annotations

from .entries import AddReport, ModelEntry, PatientEntry, RecordingCheck, RecordingEntry
from .files import FLAT_LEAD_PTP_MV, assess_quality, hash_record_files, record_files
from .interpretations import Interpretation, ReadingContext, RecordIdentity, identify_record
from .schema import MIGRATIONS, SCHEMA_VERSION
from .store import Library
from .verbs import PatientSummary, assign_command

__all__ = [
    "Library",
    "RecordingEntry",
    "ModelEntry",
    "PatientEntry",
    "AddReport",
    "RecordingCheck",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "FLAT_LEAD_PTP_MV",
    "hash_record_files",
    "record_files",
    "assess_quality",
    "PatientSummary",
    "assign_command",
    "Interpretation",
    "ReadingContext",
    "RecordIdentity",
    "identify_record",
]
