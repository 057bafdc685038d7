"""Readers' interpretations in the library: keyed by the recording's content, filed with what the
reader was shown, append-only (a correction amends the latest), and the CLI that files and lists
them (``leadsynth library interpret`` / ``interpretations``)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from personalization_data import make_record

from leadsynth_core.cli import main
from leadsynth_core.errors import LibraryError
from leadsynth_core.io import write_record, write_records
from leadsynth_core.library import MIGRATIONS, Library, ReadingContext, RecordIdentity, identify_record
from leadsynth_core.library.interpretations import MAX_TEXT_CHARS

ON_RECONSTRUCTION = ReadingContext(("I", "II", "V4"), ("V1", "V2", "V3", "V5", "V6"), "linres-i-ii-v4")


def _record(folder: Path, name: str = "S0001", seed: int = 1) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return write_record(make_record(3, seed, seconds=2), folder / name)


def test_filed_with_what_was_shown_and_amended_in_order(tmp_path: Path) -> None:
    rec = identify_record(_record(tmp_path))
    with Library(tmp_path / "lib.db") as lib:
        assert lib.interpretations(rec) == []
        first = lib.add_interpretation(rec, "  Dr A  ", "Sinus rhythm.\nInferior ST elevation.", ON_RECONSTRUCTION)
        second = lib.add_interpretation(rec, "Dr B", "Sinus rhythm, no acute change.",
                                        ReadingContext.as_recorded(("I", "II", "V1")), amends=first.id)
        history = lib.interpretations(rec)
    assert [e.id for e in history] == [first.id, second.id] and second.amends == first.id
    assert first.reader == "Dr A" and first.context == ON_RECONSTRUCTION
    assert "read on a reconstruction: V1, V2, V3, V5, V6 SYNTHESIZED from I, II, V4 by model linres-i-ii-v4" in \
        first.one_line()
    assert first.one_line().endswith("Sinus rhythm. Inferior ST elevation.")  # one line for the page
    assert "amending #1; read on the leads as recorded" in second.heading()
    assert ReadingContext.from_json(ON_RECONSTRUCTION.to_json()) == ON_RECONSTRUCTION
    doc = second.to_dict()
    assert doc["amends"] == first.id and doc["read_on"]["synthesized"] == [] and doc["record"]["sha256"] == rec.sha256


def test_a_second_reading_must_amend_the_latest(tmp_path: Path) -> None:
    rec = RecordIdentity("a" * 64)
    with Library(tmp_path / "lib.db") as lib:
        first = lib.add_interpretation(rec, "Dr A", "Normal ECG.", ON_RECONSTRUCTION)
        with pytest.raises(LibraryError, match=r"already has interpretation #1 \(Dr A, .*amendment of #1"):
            lib.add_interpretation(rec, "Dr B", "Inferior MI.", ON_RECONSTRUCTION)
        second = lib.add_interpretation(rec, "Dr B", "Inferior MI.", ON_RECONSTRUCTION, amends=first.id)
        # Another reader filed #2 while this one was reading #1: refused, naming #2.
        with pytest.raises(LibraryError, match=r"#1 is no longer this recording's latest: #2 \(Dr B"):
            lib.add_interpretation(rec, "Dr C", "Old MI.", ON_RECONSTRUCTION, amends=first.id)
        with pytest.raises(LibraryError, match="which has none yet"):
            lib.add_interpretation(RecordIdentity("b" * 64), "Dr C", "x", ON_RECONSTRUCTION, amends=second.id)
        assert [e.reader for e in lib.interpretations(rec)] == ["Dr A", "Dr B"]


@pytest.mark.parametrize(("reader", "text", "message"), [
    ("", "Normal ECG.", "reader's name is empty"),
    ("Dr A", "   \n ", "interpretation is empty"),
    ("Dr A", "x" * (MAX_TEXT_CHARS + 1), f"at most {MAX_TEXT_CHARS} are kept"),
])
def test_empty_or_overlong_refused(tmp_path: Path, reader: str, text: str, message: str) -> None:
    with Library(tmp_path / "lib.db") as lib:
        with pytest.raises(LibraryError, match=message):
            lib.add_interpretation(RecordIdentity("a" * 64), reader, text, ON_RECONSTRUCTION)
        assert lib.interpretations(RecordIdentity("a" * 64)) == []


def test_unknown_lead_in_the_context_refused(tmp_path: Path) -> None:
    with Library(tmp_path / "lib.db") as lib, pytest.raises(LibraryError, match="unknown lead.*Vx9"):
        lib.add_interpretation(RecordIdentity("a" * 64), "Dr A", "x", ReadingContext(("I", "Vx9")))


def test_never_changed_nor_deleted(tmp_path: Path) -> None:
    rec = RecordIdentity("a" * 64)
    with Library(tmp_path / "lib.db") as lib:
        lib.add_interpretation(rec, "Dr A", "Normal ECG.", ON_RECONSTRUCTION)
    conn = sqlite3.connect(tmp_path / "lib.db")
    for sql in ("UPDATE interpretations SET text = 'Inferior MI.'", "DELETE FROM interpretations"):
        with pytest.raises(sqlite3.IntegrityError, match="never (changed|deleted): file one that amends it"):
            conn.execute(sql)
    conn.close()
    with Library(tmp_path / "lib.db") as lib:
        assert [e.text for e in lib.interpretations(rec)] == ["Normal ECG."]


def test_a_library_of_schema_2_gains_the_table_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    for script in MIGRATIONS[:2]:
        conn.executescript(script)
    conn.execute("INSERT INTO patients (id, created_at) VALUES ('p1', '2025-01-01')")
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()
    with Library(path) as lib:
        assert lib.schema_version == len(MIGRATIONS) and [p.id for p in lib.list_patients()] == ["p1"]
        lib.add_interpretation(RecordIdentity("a" * 64), "Dr A", "Normal ECG.", ON_RECONSTRUCTION)
        assert lib.integrity_check() == []


def test_the_identity_follows_the_content_not_the_path(tmp_path: Path) -> None:
    original = _record(tmp_path / "a")
    moved = tmp_path / "b"
    moved.mkdir()
    for f in original.parent.iterdir():
        shutil.copy(f, moved / f.name)
    other = _record(tmp_path / "c", seed=2)
    assert identify_record(original) == identify_record(moved / original.name)
    assert identify_record(other) != identify_record(original)


def test_multi_record_file_needs_its_key_and_one_record_needs_none(tmp_path: Path) -> None:
    two = tmp_path / "two.h5"
    write_records({"visit1": make_record(3, 1, seconds=2), "visit2": make_record(3, 2, seconds=2)}, two)
    with pytest.raises(LibraryError, match=r"holds 2 records; name one with --key \(records: visit1, visit2\)"):
        identify_record(two)
    with pytest.raises(LibraryError, match="has no record 'visit3'"):
        identify_record(two, "visit3")
    assert identify_record(two, "visit2").record_key == "visit2"
    one = tmp_path / "one.h5"
    write_record(make_record(3, 1, seconds=2), one, key="only")
    # As the viewer opens it (no key): the CLI's --key of its one record files it the same way.
    assert identify_record(one, "only") == identify_record(one) == RecordIdentity(identify_record(one).sha256, "")


def test_cli_files_lists_and_refuses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rec = _record(tmp_path)
    assert main(["library", "interpret", str(rec), "--reader", "Dr A", "--text", "Sinus rhythm, normal ECG."]) == 0
    assert "filed interpretation #1: Dr A" in capsys.readouterr().out
    # A second one without --amends is refused, naming the one to amend (exit 2).
    assert main(["library", "interpret", str(rec), "--reader", "Dr B", "--text", "LVH."]) == 2
    assert "amendment of #1" in capsys.readouterr().err
    assert main(["library", "interpret", str(rec), "--reader", "Dr B", "--text", "LVH.", "--amends", "1"]) == 0
    capsys.readouterr()
    assert main(["library", "interpretations", str(rec)]) == 0
    out = capsys.readouterr().out
    assert "#1     Dr A" in out and "#2     Dr B" in out and "amending #1" in out and "the current one is #2" in out
    assert main(["library", "interpretations", str(rec), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [d["text"] for d in doc] == ["Sinus rhythm, normal ECG.", "LVH."]
    # Read as recorded: every lead of the file, nothing synthesized.
    assert doc[0]["read_on"]["synthesized"] == [] and len(doc[0]["read_on"]["inputs"]) == 12
    # By library id: the same recording's interpretations.
    assert main(["library", "add", str(rec), "--patient", "p1"]) == 0
    capsys.readouterr()
    with Library() as lib:
        (entry,) = lib.find_recordings(rec)
    assert main(["library", "interpretations", f"#{entry.id}", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == doc


def test_in_force_per_library_recording_whatever_key_the_row_keeps(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    one = tmp_path / "one.h5"
    write_record(make_record(3, 1, seconds=2), one, key="only")
    wfdb = _record(tmp_path / "w", seed=2)
    assert main(["library", "add", str(one), str(wfdb), "--patient", "p1"]) == 0
    with Library() as lib:
        rows = {Path(r.path).name: r for r in lib.list_recordings("p1")}
        assert rows["one.h5"].record_key == "only"  # the library keeps the file's key...
        filed = lib.add_interpretation(identify_record(one), "Dr A", "Normal ECG.", ON_RECONSTRUCTION)
        assert filed.record_key == ""  # ...the viewer files it under none: they still meet
        in_force = lib.interpretations_in_force(rows.values())
    assert in_force == {rows["one.h5"].id: filed}
    capsys.readouterr()
    assert main(["library", "show", "p1"]) == 0
    out = capsys.readouterr().out
    assert f"interpretation #{filed.id}: Dr A" in out and "(on a reconstruction)" in out
    assert "not interpreted" in out


def test_hashing_a_recording_stops_when_cancelled(tmp_path: Path) -> None:
    from leadsynth_core.errors import CancelledError
    from leadsynth_core.progress import CancelToken

    token = CancelToken()
    token.cancel()
    with pytest.raises(CancelledError):
        identify_record(_record(tmp_path), cancel=token)


def test_whether_the_truth_was_shown_is_said_and_kept() -> None:
    blind = ON_RECONSTRUCTION
    seen = ReadingContext(("I", "II", "V4"), ("V1", "V2"), "m", truth_shown=("V1", "V2"))
    partly = ReadingContext(("I", "II", "V4"), ("V1", "V2"), "m", truth_shown=("V2",))
    assert blind.describe().endswith("by model linres-i-ii-v4, without their recorded truth")
    assert seen.describe().endswith("by model m, drawn over their recorded truth")
    assert partly.describe().endswith("drawn over their recorded truth (V2)")
    assert ReadingContext.from_json(partly.to_json()) == partly
    # A context filed before the field existed reads as shown without truth.
    assert ReadingContext.from_json('{"inputs": ["I"], "synthesized": ["V1"], "model_id": "m"}').truth_shown == ()
