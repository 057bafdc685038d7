"""The library's SQLite schema (versioned migrations) and its one-transaction-per-write helper."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from types import TracebackType

from ..errors import LibraryError

__all__ = ["MIGRATIONS", "SCHEMA_VERSION"]

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
    # v3: readers' interpretations, keyed by the recording's content (not its library row: a
    # file never added still has its reading), append-only like the clinical record they are.
    """
    CREATE TABLE interpretations (
        id            INTEGER PRIMARY KEY,
        sha256        TEXT NOT NULL CHECK (length(sha256) = 64),
        record_key    TEXT NOT NULL DEFAULT '',
        reader        TEXT NOT NULL CHECK (length(trim(reader)) > 0),
        text          TEXT NOT NULL CHECK (length(trim(text)) > 0),
        context_json  TEXT NOT NULL,
        created_at    TEXT NOT NULL,
        amends        INTEGER REFERENCES interpretations(id) ON DELETE RESTRICT
    );
    CREATE INDEX interpretations_by_record ON interpretations (sha256, record_key, id);
    CREATE TRIGGER interpretations_never_updated BEFORE UPDATE ON interpretations
    BEGIN
        SELECT RAISE(ABORT, 'an interpretation is never changed: file one that amends it');
    END;
    CREATE TRIGGER interpretations_never_deleted BEFORE DELETE ON interpretations
    BEGIN
        SELECT RAISE(ABORT, 'an interpretation is never deleted: file one that amends it');
    END;
    """,
)
#: The schema version this program writes.
SCHEMA_VERSION = len(MIGRATIONS)


# How long opening waits for other connections, both in SQLite's busy handler and below.
BUSY_TIMEOUT_S = 30.0


def _switch_to_wal(conn: sqlite3.Connection) -> None:
    """Put the file in WAL mode, waiting while another connection holds it.

    Switching a new file to WAL needs an exclusive lock, and SQLite answers "database is
    locked" at once instead of calling the busy handler when another connection (a viewer
    thread opening the same new library) holds it; so wait here, as the busy handler would.
    WAL is stored in the file, so once any connection has switched, the others see it.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    delay = 0.005
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.2)


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
