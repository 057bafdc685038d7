"""The :class:`Library` class: patients, recordings and models in one SQLite file."""

from __future__ import annotations

import dataclasses
import json
import logging
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from ..errors import LeadSynthError, LibraryError
from ..options import MULTI_RECORD_SUFFIXES
from ..paths import library_path
from ..progress import CancelToken, ProgressCallback, check, report
from .entries import (
    AddReport,
    ModelEntry,
    PatientEntry,
    RecordingCheck,
    RecordingEntry,
    _check_patient_id,
    _leads_text,
    _leads_tuple,
    _now,
    _recording,
)
from .files import (
    _card_to_dict,
    _delete_model_files,
    _hash_file,
    assess_quality,
    hash_record_files,
    record_files,
)
from .interpretations import InterpretationVerbs
from .schema import BUSY_TIMEOUT_S, MIGRATIONS, SCHEMA_VERSION, _split_sql, _switch_to_wal, _Transaction
from .verbs import PatientVerbs

__all__ = ["Library"]

log = logging.getLogger("leadsynth_core.library")


class Library(PatientVerbs, InterpretationVerbs):
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
            self._conn = sqlite3.connect(str(self.path), isolation_level=None, timeout=BUSY_TIMEOUT_S)
        except (OSError, sqlite3.Error) as exc:
            raise LibraryError(f"{self.path}: cannot open the library ({exc})") from exc
        self._conn.row_factory = sqlite3.Row
        try:
            self._conn.execute("PRAGMA foreign_keys = ON")
            _switch_to_wal(self._conn)
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
            with self._transaction() as cur:
                # Read the version again under the write lock: another connection (a viewer
                # thread opening the same new library) may have migrated since we looked.
                if int(cur.execute("PRAGMA user_version").fetchone()[0]) >= target:
                    continue
                log.info("%s: migrating library schema %d -> %d", self.path, target - 1, target)
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
        from .. import io as ecg_io

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
                    out.duplicate_entries.append(entry)
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
        self, patient_id: str, n: int | None = 5, exclude: Iterable[int | str] = ()
    ) -> list[RecordingEntry]:
        """The ``n`` most recent usable complete 12-lead recordings of a patient (``None``: all).

        Most recent by recording time (recordings without one come after those with one, by
        the time they were added).  ``exclude`` takes recording ids or paths (for example
        the recording being reviewed, which must not be trained on).  Recordings whose
        files are now missing are skipped.
        """
        if n is not None and n < 1:
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


def _record_keys(ecg_io: Any, path: Path) -> list[str | None]:
    if path.suffix.lower() in MULTI_RECORD_SUFFIXES and hasattr(ecg_io, "list_records"):
        keys = [k or None for k in ecg_io.list_records(path)]
        return keys or [None]
    return [None]
