"""The patient library: schema and migrations, adding, listing, checking, models, crashes."""

from __future__ import annotations

import datetime as _dt
import shutil
import sqlite3
import textwrap
import threading
from pathlib import Path

import pytest
from killing import kill_when
from personalization_data import make_record

from leadsynth_core.errors import LibraryError
from leadsynth_core.io import write_record
from leadsynth_core.library import MIGRATIONS, SCHEMA_VERSION, Library, hash_record_files
from leadsynth_core.paths import library_path

ROOT = Path(__file__).resolve().parents[1]


def _write(folder: Path, name: str, patient_seed: int = 1, seed: int = 0, **kw) -> Path:
    record = make_record(patient_seed, seed, **kw)
    return write_record(record, folder / name)


# ----------------------------------------------------------------------- schema
def test_new_library_has_current_schema_wal_and_foreign_keys(tmp_path: Path) -> None:
    with Library() as lib:
        assert lib.path == library_path()
        assert lib.schema_version == SCHEMA_VERSION == len(MIGRATIONS)
        assert lib._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert lib._conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        tables = {r[0] for r in lib._conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"patients", "recordings", "models", "model_recordings"} <= tables
        assert lib.integrity_check() == []


def test_migrates_a_version_1_library_keeping_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0])
    conn.execute("INSERT INTO patients VALUES ('p1', '2020-01-01T00:00:00', NULL)")
    conn.execute(
        "INSERT INTO recordings (path, sha256, patient_id, fs, leads, duration, n_samples, complete_12_lead,"
        " added_at) VALUES ('/x.hea', ?, 'p1', 500, 'I,II', 10, 5000, 0, '2020-01-01T00:00:00')",
        ("a" * 64,),
    )
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    with Library(path) as lib:
        assert lib.schema_version == SCHEMA_VERSION
        assert [p.id for p in lib.list_patients()] == ["p1"]
        (rec,) = lib.list_recordings("p1")
        assert rec.path == "/x.hea" and rec.leads == ("I", "II") and not rec.complete_12_lead
        lib._conn.execute("SELECT model_id, recording_id FROM model_recordings").fetchall()
        indexes = {r[0] for r in lib._conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        assert "recordings_by_patient" in indexes
        assert lib.integrity_check() == []


def test_refuses_newer_schema_and_non_databases(tmp_path: Path) -> None:
    newer = tmp_path / "newer.sqlite3"
    conn = sqlite3.connect(newer)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.commit()
    conn.close()
    with pytest.raises(LibraryError, match="newer than this program"):
        Library(newer)
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(LibraryError, match="not a usable LeadSynth library"):
        Library(junk)


# --------------------------------------------------------------------- recordings
def test_add_files_and_folders_duplicates_and_unreadable(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "sub").mkdir(parents=True)
    a = _write(data, "a", seed=1)
    _write(data / "sub", "b", seed=2)
    bad = data / "broken.hea"
    bad.write_text("this is not a WFDB header\n")
    with Library() as lib:
        rep = lib.add_recordings([data], patient_id="p1")
        assert len(rep.added) == 2, rep
        assert any("broken" in path for path, _ in rep.failed)
        assert all(e.patient_id == "p1" and e.complete_12_lead and e.fs == 500.0 for e in rep.added)
        assert {e.sha256 for e in rep.added} == {hash_record_files(a), hash_record_files(data / "sub" / "b.hea")}
        # The same content again (by path, or copied elsewhere) is a duplicate.
        copy_dir = tmp_path / "copy"
        copy_dir.mkdir()
        for f in ("a.hea", "a.dat"):
            shutil.copy(data / f, copy_dir / f)
        rep2 = lib.add_recordings([a, copy_dir / "a"], patient_id="p1")
        assert not rep2.added and len(rep2.duplicates) == 2
        rep3 = lib.add_recordings([tmp_path / "does-not-exist"])
        assert rep3.failed and "no such file" in rep3.failed[0][1]
        assert len(lib.list_recordings()) == 2
        assert lib.integrity_check() == []


def test_patient_from_file_and_conflicting_caller(tmp_path: Path) -> None:
    path = _write(tmp_path, "named", seed=3, patient_id="from-file")
    with Library() as lib:
        rep = lib.add_recordings([path], patient_id="someone-else")
        assert not rep.added and "from-file" in rep.failed[0][1]
        rep = lib.add_recordings([path])
        assert rep.added[0].patient_id == "from-file"
        assert [p.id for p in lib.list_patients()] == ["from-file"]


def test_incomplete_recording_has_quality_notes_and_is_not_latest(tmp_path: Path) -> None:
    full = make_record(1, 5)
    eleven = full.select([n for n in full.lead_names if n != "V3"])
    write_record(eleven, tmp_path / "eleven")
    flat = full.replace(signal=full.signal.copy())
    sig = flat.signal.copy()
    sig[:, full.index("V5")] = 0.0
    write_record(flat.replace(signal=sig), tmp_path / "flat")
    with Library() as lib:
        rep = lib.add_recordings([tmp_path], patient_id="p1")
        notes = {Path(e.path).stem: e.quality_notes for e in rep.added}
        assert "missing lead(s) V3" in notes["eleven"]
        assert "lead V5 is flat" in notes["flat"]
        assert not any(e.complete_12_lead for e in rep.added)
        assert lib.latest_complete_recordings("p1") == []


def test_latest_complete_recordings_order_n_and_exclude(tmp_path: Path) -> None:
    day = _dt.datetime(2024, 1, 1, 9, 0)
    paths = [
        _write(tmp_path, f"r{i}", seed=10 + i, recorded_at=day + _dt.timedelta(days=i)) for i in range(7)
    ]
    with Library() as lib:
        lib.add_recordings(paths, patient_id="p1")
        latest = lib.latest_complete_recordings("p1", n=5)
        assert [Path(e.path).stem for e in latest] == ["r6", "r5", "r4", "r3", "r2"]
        newest = latest[0]
        again = lib.latest_complete_recordings("p1", n=3, exclude=[newest.id, str(paths[5])])
        assert [Path(e.path).stem for e in again] == ["r4", "r3", "r2"]
        with pytest.raises(LibraryError, match="at least 1"):
            lib.latest_complete_recordings("p1", n=0)


def test_moved_deleted_and_changed_recordings_are_reported(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for i in range(3):
        _write(data, f"r{i}", seed=20 + i)
    with Library() as lib:
        lib.add_recordings([data], patient_id="p1")
        assert {c.status for c in lib.check_recordings()} == {"ok"}
        moved = tmp_path / "moved"
        moved.mkdir()
        for f in ("r0.hea", "r0.dat"):
            shutil.move(data / f, moved / f)
        (data / "r1.dat").unlink()
        with open(data / "r2.dat", "r+b") as fh:
            fh.seek(100)
            fh.write(b"\x07\x07")
        status = {Path(c.recording.path).stem: c.status for c in lib.check_recordings()}
        assert status == {"r0": "missing", "r1": "missing", "r2": "changed"}
        # Adding the moved file from its new place re-links the existing row.
        rep = lib.add_recordings([moved / "r0"])
        assert len(rep.relocated) == 1 and not rep.added
        status = {Path(c.recording.path).stem: c.status for c in lib.check_recordings()}
        assert status["r0"] == "ok"
        assert len(lib.list_recordings()) == 3
        assert all(Path(e.path).stem != "r1" for e in lib.latest_complete_recordings("p1"))


# ------------------------------------------------------------------------- models
def test_add_list_and_remove_models(tmp_path: Path) -> None:
    rec = _write(tmp_path, "r", seed=1)
    weights = tmp_path / "m" / "m.safetensors"
    weights.parent.mkdir()
    weights.write_bytes(b"weights")
    (tmp_path / "m" / "m.json").write_text("{}")
    card = {
        "id": "m", "inputs": ["I", "II", "V2", "V4"], "patient_id": "p1",
        "base_model": {"id": "base", "sha256": "b" * 64}, "metrics": {"verdict": "improved"},
        "created": "2024-01-01T00:00:00+00:00",
    }
    with Library() as lib:
        (entry,) = lib.add_recordings([rec], patient_id="p1").added
        model = lib.add_model(card, weights, recording_ids=[entry.id])
        assert model.kind == "personal" and model.base_model_id == "base" and model.recording_ids == (entry.id,)
        assert model.inputs == ("I", "II", "V2", "V4") and model.metrics["verdict"] == "improved"
        assert [m.id for m in lib.personal_models("p1")] == ["m"]
        with pytest.raises(LibraryError, match="already registered"):
            lib.add_model(card, weights)
        # A failing write leaves nothing: an unknown recording id rolls the whole row back.
        with pytest.raises(LibraryError, match="not in the library"):
            lib.add_model({**card, "id": "m2"}, weights, recording_ids=[9999])
        assert [m.id for m in lib.list_models()] == ["m"]
        with pytest.raises(LibraryError, match="used to fine-tune"):
            lib.remove_recording(entry.id)
        lib.remove_model("m", delete_files=True)
        assert lib.personal_models("p1") == [] and not (tmp_path / "m").exists()
        with pytest.raises(LibraryError, match="valid kinds"):
            lib.list_models(kind="other")
        assert lib.integrity_check() == []


# ------------------------------------------------------------------- crash safety
_KILL_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from leadsynth_core.library import Library
    lib = Library(sys.argv[1])
    state = {"inserts": 0}
    def trace(statement):
        # Stop inside the transaction of the 4th recording: after its INSERT, before COMMIT.
        if statement.lstrip().upper().startswith("INSERT INTO RECORDINGS"):
            state["inserts"] += 1
            if state["inserts"] == 4:
                print("IN-TRANSACTION", flush=True)
                time.sleep(60)
    lib._conn.set_trace_callback(trace)
    lib.add_recordings([sys.argv[2]], patient_id="p1")
    """
)


def test_library_is_consistent_after_a_kill_mid_write(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for i in range(6):
        _write(data, f"r{i}", seed=40 + i)
    db = tmp_path / "lib.sqlite3"
    kill_when(_KILL_SCRIPT, [str(db), str(data)], "IN-TRANSACTION")
    # The journal holds an uncommitted transaction; opening recovers to the last commit.
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    rows = conn.execute("SELECT path, sha256, patient_id FROM recordings ORDER BY id").fetchall()
    conn.close()
    assert len(rows) == 3  # the three committed recordings, not the half-written fourth
    for path, sha, pid in rows:
        assert pid == "p1" and hash_record_files(path) == sha
    with Library(db) as lib:
        assert lib.integrity_check() == []
        rep = lib.add_recordings([data], patient_id="p1")
        assert len(rep.added) == 3 and len(rep.duplicates) == 3
        assert len(lib.list_recordings("p1")) == 6


def test_real_ptb_records_patient_and_date(shared_data: Path) -> None:
    with Library() as lib:
        rep = lib.add_recordings([shared_data / "ptbdb"])
        (s0010,) = rep.added
        assert s0010.patient_id == "patient001" and s0010.recorded_at.startswith("1990-10-01")
        assert s0010.complete_12_lead and s0010.fs == 1000.0 and s0010.leads[-3:] == ("vx", "vy", "vz")
        folder = shared_data / "cinc2021" / "PTB_PTBXL"
        rep = lib.add_recordings([folder / "S0002", folder / "S0003.hea"], patient_id="patient001")
        assert len(rep.added) == 2
        latest = lib.latest_complete_recordings("patient001", n=5)
        # The dated recording first; the Challenge copies carry no recording date.
        assert latest[0].id == s0010.id and len(latest) == 3


def _open_together(path: Path, n: int) -> list[BaseException]:
    """Open ``n`` libraries on ``path`` from ``n`` threads released at the same moment."""
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []

    def open_one() -> None:
        barrier.wait()
        try:
            with Library(path) as lib:
                assert lib.schema_version == SCHEMA_VERSION
        except (LibraryError, AssertionError) as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_libraries_opened_at_once_on_a_new_file_all_open(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The viewer's threads may open a new library together: one migrates, the others see it done.

    (Before the version was re-read under the write lock, the later ones ran the migration
    again: "table patients already exists"; and before the switch to WAL waited for the
    others, about one file in fifteen failed with "database is locked".)
    """
    caplog.set_level("INFO", logger="leadsynth_core.library")
    for attempt in range(30):
        path = tmp_path / f"lib{attempt}.sqlite3"
        errors = _open_together(path, 6)
        assert not errors, errors
        migrations = [r.getMessage() for r in caplog.records if str(path) in r.getMessage()]
        assert len(migrations) == SCHEMA_VERSION, migrations  # each step once, by one thread
