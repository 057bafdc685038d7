"""The patient library: a local SQLite store of patients, recordings and personal models.

One file (``leadsynth_core.paths.library_path()`` unless a path is given) holds

* ``patients``: one row per patient id;
* ``recordings``: every recording the user added (path, SHA-256 of its files, patient,
  recording time, sampling rate, leads, duration, whether it is a usable complete 12-lead
  recording, quality notes, when it was added);
* ``models``: base and personal models (file path and SHA-256, patient, base model id and
  hash, input leads, card JSON, metrics), with ``model_recordings`` linking a personal model
  to the recordings it was fine-tuned on.

The schema is versioned with ``PRAGMA user_version`` and upgraded in place by the ordered
:data:`MIGRATIONS`; the database runs in WAL mode with foreign keys on.  Every write is one
transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``), so a crash or a kill mid-write leaves the
library as it was before that write.

The library stores *references* to recordings (the files stay where the user keeps them)
plus their SHA-256, so :meth:`Library.check_recordings` can tell which were moved, deleted or
changed since they were added, and adding a moved file again re-links the existing row.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import json
import logging
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from .errors import LeadSynthError, LibraryError
from .leads import STANDARD_LEADS
from .paths import library_path
from .progress import CancelToken, ProgressCallback, check, report

__all__ = [
    "Library",
    "RecordingEntry",
    "ModelEntry",
    "PatientEntry",
    "AddReport",
    "RecordingCheck",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "hash_record_files",
    "record_files",
    "assess_quality",
]

log = logging.getLogger(__name__)

#: A lead whose peak-to-peak range is below this (mV) is flat (a disconnected electrode);
#: the same threshold as synthesis' input check.
FLAT_LEAD_PTP_MV = 0.01
_HDF5_SUFFIXES = (".h5", ".hdf5", ".hdf")

# Ordered schema migrations: MIGRATIONS[i] upgrades user_version i to i + 1.  Append only;
# never edit a migration that has shipped.
MIGRATIONS: tuple[str, ...] = (
    # v1: patients, recordings, models.
    """
    CREATE TABLE patients (
        id          TEXT PRIMARY KEY NOT NULL CHECK (length(id) > 0),
        created_at  TEXT NOT NULL,
        notes       TEXT
    );
    CREATE TABLE recordings (
        id                INTEGER PRIMARY KEY,
        path              TEXT NOT NULL,
        record_key        TEXT NOT NULL DEFAULT '',
        sha256            TEXT NOT NULL CHECK (length(sha256) = 64),
        patient_id        TEXT REFERENCES patients(id) ON DELETE RESTRICT,
        recorded_at       TEXT,
        fs                REAL NOT NULL CHECK (fs > 0),
        leads             TEXT NOT NULL,
        duration          REAL NOT NULL CHECK (duration >= 0),
        n_samples         INTEGER NOT NULL CHECK (n_samples >= 0),
        complete_12_lead  INTEGER NOT NULL CHECK (complete_12_lead IN (0, 1)),
        quality_notes     TEXT NOT NULL DEFAULT '',
        added_at          TEXT NOT NULL,
        format            TEXT NOT NULL DEFAULT '',
        UNIQUE (sha256, record_key)
    );
    CREATE TABLE models (
        id                 TEXT PRIMARY KEY NOT NULL,
        kind               TEXT NOT NULL CHECK (kind IN ('base', 'personal')),
        path               TEXT NOT NULL,
        sha256             TEXT NOT NULL,
        patient_id         TEXT REFERENCES patients(id) ON DELETE RESTRICT,
        base_model_id      TEXT,
        base_model_sha256  TEXT,
        inputs             TEXT NOT NULL,
        created_at         TEXT NOT NULL,
        card_json          TEXT NOT NULL,
        metrics_json       TEXT NOT NULL DEFAULT '{}',
        CHECK (kind = 'base' OR patient_id IS NOT NULL)
    );
    """,
    # v2: which recordings a personal model was fine-tuned on, and the lookup indexes.
    """
    CREATE TABLE model_recordings (
        model_id      TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        recording_id  INTEGER NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
        PRIMARY KEY (model_id, recording_id)
    );
    CREATE INDEX recordings_by_patient ON recordings (patient_id, recorded_at, added_at);
    CREATE INDEX models_by_patient ON models (patient_id, created_at);
    """,
)
#: The schema version this program writes.
SCHEMA_VERSION = len(MIGRATIONS)


# ------------------------------------------------------------------------ entries
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
        """The HDF5 key to pass to ``read_record`` (``None`` for single-record files)."""
        return self.record_key or None


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
    whose content was already in the library, ``failed`` ``(path, reason)`` for files that
    could not be read or were refused.
    """

    added: list[RecordingEntry] = dataclasses.field(default_factory=list)
    relocated: list[RecordingEntry] = dataclasses.field(default_factory=list)
    duplicates: list[str] = dataclasses.field(default_factory=list)
    failed: list[tuple[str, str]] = dataclasses.field(default_factory=list)

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


# ------------------------------------------------------------------------ helpers
def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def record_files(path: str | Path) -> list[Path]:
    """The files that make up one recording: a WFDB header and its data files, or one file.

    Parameters
    ----------
    path
        What :func:`leadsynth_core.io.read_record` accepts (WFDB record with or without
        ``.hea``, a Challenge ``.hea`` + ``.mat``, a CPSC ``.mat``, an HDF5 file).
    """
    from .io import wfdb_files, wfdb_header_path

    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in _HDF5_SUFFIXES:
        return [p]
    # Mirror io.read_record: a Challenge .mat has a .hea beside it, a CPSC .mat stands alone.
    hea = p.with_suffix(".hea") if suffix in (".mat", ".hea", ".dat") else wfdb_header_path(p)
    if hea.exists():
        return wfdb_files(hea)
    return [p]


def hash_record_files(path: str | Path) -> str:
    """SHA-256 over every file of one recording (header first, then data files).

    Each file contributes its base name and its bytes, so the same recording has the same
    hash wherever it is moved, and any change to header or data changes it.

    Raises
    ------
    LibraryError
        If a file of the recording cannot be read (naming it).
    """
    digest = hashlib.sha256()
    for f in record_files(path):
        try:
            with open(f, "rb") as fh:
                digest.update(f.name.encode("utf-8") + b"\0")
                for chunk in iter(lambda fh=fh: fh.read(1 << 20), b""):
                    digest.update(chunk)
        except OSError as exc:
            raise LibraryError(f"{f}: cannot read ({exc.strerror or exc})") from exc
    return digest.hexdigest()


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    except OSError as exc:
        raise LibraryError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    return digest.hexdigest()


def assess_quality(record: Any) -> tuple[bool, list[str]]:
    """Whether ``record`` is a usable complete 12-lead recording, and why not.

    Parameters
    ----------
    record
        An :class:`~leadsynth_core.record.EcgRecord`.

    Returns
    -------
    (complete, notes)
        ``complete`` is true when all 12 standard leads are present, finite and not flat;
        ``notes`` lists each problem found (missing, flat or non-finite leads).
    """
    notes: list[str] = []
    missing = [n for n in STANDARD_LEADS if n not in record.lead_names]
    if missing:
        notes.append("missing lead(s) " + ",".join(missing))
    for name in STANDARD_LEADS:
        if name not in record.lead_names:
            continue
        x = np.asarray(record.lead(name), dtype=np.float64)
        if not np.isfinite(x).all():
            notes.append(f"lead {name} has non-finite samples")
        elif x.size == 0 or float(np.ptp(x)) < FLAT_LEAD_PTP_MV:
            notes.append(f"lead {name} is flat (peak-to-peak < {FLAT_LEAD_PTP_MV:g} mV)")
    return (not notes), notes


def _card_to_dict(card: Any) -> dict[str, Any]:
    if isinstance(card, Mapping):
        return dict(card)
    to_dict = getattr(card, "to_dict", None)
    if callable(to_dict):
        return dict(to_dict())
    if dataclasses.is_dataclass(card) and not isinstance(card, type):
        return dataclasses.asdict(card)
    raise LibraryError(f"model card of type {type(card).__name__} cannot be stored (expected a ModelCard or a mapping)")


def _leads_text(leads: Iterable[str]) -> str:
    return ",".join(leads)


def _leads_tuple(text: str | None) -> tuple[str, ...]:
    return tuple(x for x in (text or "").split(",") if x)


# ------------------------------------------------------------------------ library
class Library:
    """The patient library (use as a context manager, or call :meth:`close`).

    Parameters
    ----------
    path
        The SQLite file; default :func:`leadsynth_core.paths.library_path`.  Created (with
        its folder) if absent; an older schema is migrated, a newer one refused.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else library_path()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: we issue BEGIN/COMMIT ourselves so each write is one
            # explicit transaction.
            self._conn = sqlite3.connect(str(self.path), isolation_level=None, timeout=30.0)
        except (OSError, sqlite3.Error) as exc:
            raise LibraryError(f"{self.path}: cannot open the library ({exc})") from exc
        self._conn.row_factory = sqlite3.Row
        try:
            self._conn.execute("PRAGMA foreign_keys = ON")
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = NORMAL")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            raise LibraryError(f"{self.path}: not a usable LeadSynth library ({exc})") from exc
        except LibraryError:
            self._conn.close()
            raise

    # -------------------------------------------------------------- plumbing
    def __enter__(self) -> Library:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (idempotent)."""
        conn = getattr(self, "_conn", None)
        if conn is not None:
            conn.close()
            self._conn = None  # type: ignore[assignment]

    @property
    def schema_version(self) -> int:
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def _transaction(self) -> _Transaction:
        if self._conn is None:
            raise LibraryError(f"{self.path}: the library is closed")
        return _Transaction(self._conn, self.path)

    def _migrate(self) -> None:
        version = self.schema_version
        if version > SCHEMA_VERSION:
            raise LibraryError(
                f"{self.path}: library schema version {version} is newer than this program "
                f"understands ({SCHEMA_VERSION}); update LeadSynth"
            )
        for target in range(version + 1, SCHEMA_VERSION + 1):
            log.info("%s: migrating library schema %d -> %d", self.path, target - 1, target)
            with self._transaction() as cur:
                # executescript would COMMIT our transaction; run the statements one by one
                # so the migration and the version bump are one atomic step.
                for statement in _split_sql(MIGRATIONS[target - 1]):
                    cur.execute(statement)
                cur.execute(f"PRAGMA user_version = {int(target)}")

    def integrity_check(self) -> list[str]:
        """Problems found by SQLite's integrity and foreign-key checks (empty when sound)."""
        rows = [r[0] for r in self._conn.execute("PRAGMA integrity_check")]
        problems = [r for r in rows if r != "ok"]
        for r in self._conn.execute("PRAGMA foreign_key_check"):
            problems.append(f"foreign key violation in {r[0]} row {r[1]} -> {r[2]}")
        return problems

    # -------------------------------------------------------------- patients
    def add_patient(self, patient_id: str, notes: str | None = None) -> None:
        """Create a patient row if it does not exist yet."""
        pid = _check_patient_id(patient_id)
        with self._transaction() as cur:
            cur.execute(
                "INSERT OR IGNORE INTO patients (id, created_at, notes) VALUES (?, ?, ?)",
                (pid, _now(), notes),
            )

    def list_patients(self) -> list[PatientEntry]:
        """Every patient with their numbers of recordings, complete 12-leads and models."""
        rows = self._conn.execute(
            """
            SELECT p.id, p.created_at,
                   (SELECT count(*) FROM recordings r WHERE r.patient_id = p.id),
                   (SELECT count(*) FROM recordings r WHERE r.patient_id = p.id AND r.complete_12_lead),
                   (SELECT count(*) FROM models m WHERE m.patient_id = p.id)
            FROM patients p ORDER BY p.id
            """
        ).fetchall()
        return [PatientEntry(r[0], r[1], int(r[2]), int(r[3]), int(r[4])) for r in rows]

    # ------------------------------------------------------------ recordings
    def add_recordings(
        self,
        paths: str | Path | Sequence[str | Path],
        *,
        patient_id: str | None = None,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> AddReport:
        """Add recording files and/or folders (searched recursively) to the library.

        Parameters
        ----------
        paths
            Files or folders.  Each recording is inspected and read once (for its hash and
            quality notes); a multi-record HDF5 file adds one row per record.
        patient_id
            The patient for recordings whose file does not name one.  A file that names a
            *different* patient is refused (reported in ``failed``), never relabelled.
        progress, cancel
            Progress per file; cancelling stops between files (every file already added
            stays added, each in its own transaction).

        Returns
        -------
        AddReport
            Added, re-linked (same content at a new path), duplicate and failed files.
            Unreadable files are reported there, not raised.
        """
        from . import io as ecg_io

        if isinstance(paths, (str, Path)):
            paths = [paths]
        pid_default = _check_patient_id(patient_id) if patient_id is not None else None
        out = AddReport()
        targets: list[Path] = []
        for p in paths:
            p = Path(p)
            if p.is_dir():
                found = list(ecg_io.find_records(p))
                if not found:
                    out.failed.append((str(p), "no recordings found in this folder"))
                targets.extend(Path(f) for f in found)
            elif p.exists() or Path(str(p) + ".hea").exists():
                targets.append(p)
            else:
                out.failed.append((str(p), "no such file or folder"))
        for i, target in enumerate(targets):
            check(cancel)
            report(progress, i / max(1, len(targets)), f"adding {target.name}")
            try:
                keys = _record_keys(ecg_io, target)
            except LeadSynthError as exc:
                out.failed.append((str(target), str(exc)))
                continue
            for key in keys:
                self._add_one(ecg_io, target, key, pid_default, out)
        report(progress, 1.0, out.summary())
        log.info("library %s: %s", self.path, out.summary())
        return out

    def _add_one(self, ecg_io: Any, target: Path, key: str | None, pid_default: str | None, out: AddReport) -> None:
        label = f"{target}[{key}]" if key else str(target)
        try:
            record = ecg_io.read_record(target, key=key) if key else ecg_io.read_record(target)
            sha = hash_record_files(target)
        except (LeadSynthError, OSError) as exc:
            out.failed.append((label, str(exc)))
            return
        source = Path(record.source) if record.source else target
        path_text = str(source.resolve())
        file_pid = record.patient_id
        if file_pid and pid_default and file_pid != pid_default:
            out.failed.append((label, f"the file names patient {file_pid!r}, not {pid_default!r}; not relabelled"))
            return
        pid = file_pid or pid_default
        complete, notes = assess_quality(record)
        recorded_at = record.recorded_at.isoformat() if record.recorded_at else None
        with self._transaction() as cur:
            existing = cur.execute(
                "SELECT * FROM recordings WHERE sha256 = ? AND record_key = ?", (sha, key or "")
            ).fetchone()
            if existing is not None:
                entry = _recording(existing)
                if entry.path != path_text and not Path(entry.path).exists():
                    cur.execute("UPDATE recordings SET path = ? WHERE id = ?", (path_text, entry.id))
                    out.relocated.append(dataclasses.replace(entry, path=path_text))
                else:
                    out.duplicates.append(label)
                return
            if pid:
                cur.execute(
                    "INSERT OR IGNORE INTO patients (id, created_at) VALUES (?, ?)", (pid, _now())
                )
            cur.execute(
                """INSERT INTO recordings (path, record_key, sha256, patient_id, recorded_at, fs, leads,
                       duration, n_samples, complete_12_lead, quality_notes, added_at, format)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    path_text, key or "", sha, pid, recorded_at, float(record.fs),
                    _leads_text(record.lead_names), float(record.duration), int(record.n_samples),
                    int(complete), "; ".join(notes), _now(), str(record.metadata.get("format", "")),
                ),
            )
            row = cur.execute("SELECT * FROM recordings WHERE id = ?", (cur.lastrowid,)).fetchone()
        out.added.append(_recording(row))

    def list_recordings(self, patient_id: str | None = None) -> list[RecordingEntry]:
        """Recordings (of one patient if given), most recent first."""
        sql = "SELECT * FROM recordings"
        args: tuple[Any, ...] = ()
        if patient_id is not None:
            sql += " WHERE patient_id = ?"
            args = (patient_id,)
        sql += " ORDER BY patient_id, recorded_at IS NULL, recorded_at DESC, added_at DESC, id DESC"
        return [_recording(r) for r in self._conn.execute(sql, args)]

    def get_recording(self, recording_id: int) -> RecordingEntry:
        """One recording by id (:class:`LibraryError` if absent)."""
        row = self._conn.execute("SELECT * FROM recordings WHERE id = ?", (int(recording_id),)).fetchone()
        if row is None:
            raise LibraryError(f"{self.path}: no recording with id {recording_id}")
        return _recording(row)

    def find_recording(self, sha256: str, key: str | None = None) -> RecordingEntry | None:
        """The recording with this content hash (and HDF5 key), or ``None``."""
        row = self._conn.execute(
            "SELECT * FROM recordings WHERE sha256 = ? AND record_key = ?", (sha256, key or "")
        ).fetchone()
        return _recording(row) if row is not None else None

    def latest_complete_recordings(
        self, patient_id: str, n: int = 5, exclude: Iterable[int | str] = ()
    ) -> list[RecordingEntry]:
        """The ``n`` most recent usable complete 12-lead recordings of a patient.

        Most recent by recording time (recordings without one come after those with one, by
        the time they were added).  ``exclude`` takes recording ids or paths (for example
        the recording being reviewed, which must not be trained on).  Recordings whose
        files are now missing are skipped.
        """
        if n < 1:
            raise LibraryError(f"n must be at least 1, got {n}")
        excluded_ids = {int(x) for x in exclude if isinstance(x, int)}
        excluded_paths = {str(Path(x).resolve()) for x in exclude if not isinstance(x, int)}
        out: list[RecordingEntry] = []
        for entry in self.list_recordings(patient_id):
            if not entry.complete_12_lead or entry.id in excluded_ids:
                continue
            if entry.path in excluded_paths or str(Path(entry.path).with_suffix("")) in {
                str(Path(p).with_suffix("")) for p in excluded_paths
            }:
                continue
            if not all(f.exists() for f in record_files(entry.path)):
                log.warning("library: recording %d (%s) is missing on disk; skipped", entry.id, entry.path)
                continue
            out.append(entry)
            if len(out) == n:
                break
        return out

    def check_recordings(self, patient_id: str | None = None) -> list[RecordingCheck]:
        """Compare every recording's files with what was added.

        Returns one :class:`RecordingCheck` per recording: ``missing`` (deleted or moved
        since it was added; add it again from its new place to re-link it), ``changed``
        (the file is there but its content differs), or ``ok``.
        """
        out: list[RecordingCheck] = []
        for entry in self.list_recordings(patient_id):
            files = record_files(entry.path)
            absent = [str(f) for f in files if not f.exists()]
            if absent:
                out.append(RecordingCheck(entry, "missing", "not found: " + ", ".join(absent)))
                continue
            try:
                sha = hash_record_files(entry.path)
            except LibraryError as exc:
                out.append(RecordingCheck(entry, "missing", str(exc)))
                continue
            if sha != entry.sha256:
                out.append(RecordingCheck(entry, "changed", f"SHA-256 is now {sha[:12]}..., was {entry.sha256[:12]}..."))
            else:
                out.append(RecordingCheck(entry, "ok"))
        return out

    def remove_recording(self, recording_id: int) -> None:
        """Forget a recording (its file is not touched); refused while a model names it."""
        with self._transaction() as cur:
            used = cur.execute(
                "SELECT model_id FROM model_recordings WHERE recording_id = ?", (int(recording_id),)
            ).fetchall()
            if used:
                raise LibraryError(
                    f"recording {recording_id} was used to fine-tune model(s) "
                    f"{', '.join(r[0] for r in used)}; remove those first"
                )
            if cur.execute("DELETE FROM recordings WHERE id = ?", (int(recording_id),)).rowcount == 0:
                raise LibraryError(f"{self.path}: no recording with id {recording_id}")

    # ---------------------------------------------------------------- models
    def add_model(
        self,
        card: Any,
        path: str | Path,
        *,
        recording_ids: Iterable[int] = (),
        replace: bool = False,
    ) -> ModelEntry:
        """Register a model file with its card.

        Parameters
        ----------
        card
            A ``ModelCard`` (or its dict).  A card with a base model and a patient is a
            ``personal`` model, otherwise ``base``.
        path
            The model file (safetensors); its SHA-256 is stored.
        recording_ids
            Library recordings the model was fine-tuned on.
        replace
            Overwrite an existing row with the same model id (otherwise refused).
        """
        data = _card_to_dict(card)
        model_id = str(data.get("id") or data.get("model_id") or "")
        if not model_id:
            raise LibraryError("the model card has no id")
        p = Path(path).resolve()
        if not p.is_file():
            raise LibraryError(f"{p}: model file not found")
        sha = _hash_file(p)
        patient_id = data.get("patient_id")
        base = data.get("base_model") if isinstance(data.get("base_model"), Mapping) else {}
        base_id = base.get("id") or data.get("base_model_id")
        base_sha = base.get("sha256") or data.get("base_model_sha256")
        kind = "personal" if (patient_id and base_id) else "base"
        inputs = data.get("inputs") or ()
        if isinstance(inputs, str):
            inputs = inputs.split(",")
        metrics = data.get("metrics") or {}
        created = str(data.get("created") or data.get("created_at") or _now())
        card_json = json.dumps(data, sort_keys=True, default=str)
        with self._transaction() as cur:
            if cur.execute("SELECT 1 FROM models WHERE id = ?", (model_id,)).fetchone():
                if not replace:
                    raise LibraryError(f"{self.path}: a model with id {model_id!r} is already registered")
                cur.execute("DELETE FROM models WHERE id = ?", (model_id,))
            if patient_id:
                cur.execute("INSERT OR IGNORE INTO patients (id, created_at) VALUES (?, ?)", (str(patient_id), _now()))
            cur.execute(
                """INSERT INTO models (id, kind, path, sha256, patient_id, base_model_id, base_model_sha256,
                       inputs, created_at, card_json, metrics_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    model_id, kind, str(p), sha, str(patient_id) if patient_id else None,
                    str(base_id) if base_id else None, str(base_sha) if base_sha else None,
                    _leads_text(str(x) for x in inputs), created, card_json,
                    json.dumps(metrics, sort_keys=True, default=str),
                ),
            )
            for rid in recording_ids:
                try:
                    cur.execute(
                        "INSERT OR IGNORE INTO model_recordings (model_id, recording_id) VALUES (?, ?)",
                        (model_id, int(rid)),
                    )
                except sqlite3.IntegrityError as exc:
                    raise LibraryError(f"{self.path}: recording {rid} is not in the library") from exc
        return self.get_model(model_id)

    def get_model(self, model_id: str) -> ModelEntry:
        """One model by id (:class:`LibraryError` if absent)."""
        row = self._conn.execute("SELECT * FROM models WHERE id = ?", (model_id,)).fetchone()
        if row is None:
            raise LibraryError(f"{self.path}: no model with id {model_id!r}")
        return self._model(row)

    def list_models(self, kind: str | None = None) -> list[ModelEntry]:
        """Registered models, newest first; ``kind`` is ``"base"``, ``"personal"`` or ``None``."""
        if kind not in (None, "base", "personal"):
            raise LibraryError(f"unknown model kind {kind!r}; valid kinds are 'base', 'personal'")
        sql = "SELECT * FROM models" + (" WHERE kind = ?" if kind else "") + " ORDER BY created_at DESC, id"
        return [self._model(r) for r in self._conn.execute(sql, (kind,) if kind else ())]

    def personal_models(self, patient_id: str) -> list[ModelEntry]:
        """The personal models of a patient, newest first."""
        rows = self._conn.execute(
            "SELECT * FROM models WHERE kind = 'personal' AND patient_id = ? ORDER BY created_at DESC, id",
            (patient_id,),
        )
        return [self._model(r) for r in rows]

    def remove_model(self, model_id: str, *, delete_files: bool = False) -> ModelEntry:
        """Unregister a model; with ``delete_files`` also delete its folder or file.

        The row goes first (in one transaction), then the files: a crash in between leaves an
        unregistered model folder, never a row that points at deleted files.
        """
        entry = self.get_model(model_id)
        with self._transaction() as cur:
            cur.execute("DELETE FROM models WHERE id = ?", (model_id,))
        if delete_files:
            _delete_model_files(Path(entry.path))
        return entry

    def _model(self, row: sqlite3.Row) -> ModelEntry:
        rids = tuple(
            int(r[0])
            for r in self._conn.execute(
                "SELECT recording_id FROM model_recordings WHERE model_id = ? ORDER BY recording_id", (row["id"],)
            )
        )
        return ModelEntry(
            id=row["id"], kind=row["kind"], path=row["path"], sha256=row["sha256"], patient_id=row["patient_id"],
            base_model_id=row["base_model_id"], base_model_sha256=row["base_model_sha256"],
            inputs=_leads_tuple(row["inputs"]), created_at=row["created_at"],
            card=json.loads(row["card_json"]), metrics=json.loads(row["metrics_json"] or "{}"),
            recording_ids=rids,
        )


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, or ``ROLLBACK`` on any exception."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._path = path

    def __enter__(self) -> sqlite3.Cursor:
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise LibraryError(f"{self._path}: the library is busy or read-only ({exc})") from exc
        return self._conn.cursor()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool:
        if exc_type is None:
            try:
                self._conn.execute("COMMIT")
            except sqlite3.Error as err:
                self._conn.execute("ROLLBACK")
                raise LibraryError(f"{self._path}: write failed ({err})") from err
            return False
        self._conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.IntegrityError):
            raise LibraryError(f"{self._path}: write refused ({exc})") from exc
        if isinstance(exc, sqlite3.Error):
            raise LibraryError(f"{self._path}: write failed ({exc})") from exc
        return False


def _split_sql(script: str) -> list[str]:
    statements, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                statements.append(buf.strip())
            buf = ""
    if buf.strip():
        statements.append(buf.strip())
    return statements


def _check_patient_id(patient_id: str) -> str:
    pid = str(patient_id).strip()
    if not pid:
        raise LibraryError("the patient id is empty")
    return pid


def _record_keys(ecg_io: Any, path: Path) -> list[str | None]:
    if path.suffix.lower() in _HDF5_SUFFIXES and hasattr(ecg_io, "list_records"):
        keys = [k or None for k in ecg_io.list_records(path)]
        return keys or [None]
    return [None]


def _recording(row: sqlite3.Row) -> RecordingEntry:
    return RecordingEntry(
        id=int(row["id"]), path=row["path"], record_key=row["record_key"], sha256=row["sha256"],
        patient_id=row["patient_id"], recorded_at=row["recorded_at"], fs=float(row["fs"]),
        leads=_leads_tuple(row["leads"]), duration=float(row["duration"]), n_samples=int(row["n_samples"]),
        complete_12_lead=bool(row["complete_12_lead"]), quality_notes=row["quality_notes"],
        added_at=row["added_at"], format=row["format"],
    )


def _delete_model_files(path: Path) -> None:
    import shutil

    # A model is <stem>.safetensors + <stem>.json; a personal model has a folder of its
    # own named after its id, which goes as a whole.
    stem = path.with_suffix("")
    own_folder = path.parent.name == stem.name and all(
        f.with_suffix("") == stem for f in path.parent.iterdir()
    ) if path.parent.is_dir() else False
    try:
        if own_folder:
            shutil.rmtree(path.parent)
        else:
            for f in (stem.with_suffix(".safetensors"), stem.with_suffix(".json")):
                if f.exists():
                    f.unlink()
    except OSError as exc:
        raise LibraryError(f"{path}: cannot delete model files ({exc.strerror or exc})") from exc
