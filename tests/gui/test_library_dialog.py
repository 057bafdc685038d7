"""File > Open from the library: the patients, their recordings with who interpreted them, the
ones left to read, a missing file refused with the reason, and a recording opened from it."""

from __future__ import annotations

from pathlib import Path

import pytest
from personalization_data import make_record

from app.views import library_dialog
from leadsynth_core.io import write_record
from leadsynth_core.library import Library, ReadingContext, identify_record

from .conftest import wait_synthesis

pytestmark = pytest.mark.gui


def _library(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = [write_record(make_record(3, 10 + i, seconds=3), folder / f"S000{i + 1}") for i in range(3)]
    with Library() as lib:
        lib.add_recordings(files[:2], patient_id="patient001")
        lib.add_recordings(files[2:])  # no patient
        lib.add_interpretation(identify_record(files[0]), "Dr A", "Normal ECG.",
                               ReadingContext.as_recorded(("I", "II")))
    return files


def test_a_reading_list_that_follows_what_is_filed(qtbot, make_window, tmp_path: Path, error_boxes) -> None:
    files = _library(tmp_path / "ptb")
    w = make_window()
    dialog = w.library_ui.dialog()
    items = [dialog.patients.item(i).text() for i in range(dialog.patients.count())]
    assert items == ["(all patients)  (3)", "patient001  (2)", "(no patient)  (1)"]
    assert dialog.patients.currentRow() == 1  # the first patient, not all of them
    rows = {Path(r.entry.path).stem: r for r in dialog.rows()}
    assert rows["S0001"].read_text.startswith("Dr A, ") and rows["S0002"].read_text == "not interpreted"
    assert rows["S0001"].leads == "12 standard" and rows["S0001"].length == "3.0 s"
    assert "1 recording(s) of this patient not interpreted yet" in dialog.hint.text()
    # What is left to read: the one nobody interpreted.
    dialog.unread_only.setChecked(True)
    assert [Path(r.entry.path).stem for r in dialog.rows()] == ["S0002"]
    assert dialog.table.item(0, 5).text() == "not interpreted" and dialog.table.item(0, 0).text() == "patient001"
    # Opened from the list (which stays open), read and interpreted: the list follows.
    dialog.open_row(0)
    wait_synthesis(qtbot, w)
    assert w.document.path.stem == files[1].stem == "S0002"
    qtbot.waitUntil(lambda: w.interpretation_ui.controller.ready, timeout=20000)
    assert w.interpretation_ui.file("Dr B", "Sinus rhythm.")
    assert dialog.isVisible() and dialog.rows() == []
    assert "0 recording(s) of this patient not interpreted yet" in dialog.hint.text()
    # The recordings without a patient are listed too; and all together, what is left to read.
    dialog.unread_only.setChecked(False)
    dialog.patients.setCurrentRow(2)
    assert [Path(r.entry.path).stem for r in dialog.rows()] == ["S0003"]
    dialog.unread_only.setChecked(True)
    dialog.patients.setCurrentRow(0)
    assert [Path(r.entry.path).stem for r in dialog.rows()] == ["S0003"]
    assert "1 recording(s) in the library not interpreted yet" in dialog.hint.text()
    assert not error_boxes


def test_a_missing_file_is_listed_not_opened(qtbot, make_window, tmp_path: Path, error_boxes) -> None:
    files = _library(tmp_path / "ptb")
    for f in files[1].parent.glob("S0002.*"):
        f.unlink()
    w = make_window()
    dialog = w.library_ui.dialog()
    row = next(i for i, r in enumerate(dialog.rows()) if not r.exists)
    assert dialog.table.item(row, 6).text().startswith("MISSING: ")
    assert dialog.table.item(row, 0).foreground().color() == library_dialog.MISSING_BRUSH.color()
    dialog.table.selectRow(row)
    assert not dialog.open_button.isEnabled()
    dialog.open_row(row)
    assert error_boxes and error_boxes[-1][0] == "Recording missing" and "leadsynth library check" in error_boxes[-1][1]
    assert w.document.record is None


def test_an_empty_library_says_how_to_fill_it(make_window) -> None:
    w = make_window()
    dialog = w.library_ui.dialog()
    assert dialog.patients.count() == 0 and dialog.rows() == []
    assert dialog.hint.text() == library_dialog.EMPTY_HINT and not dialog.open_button.isEnabled()


def test_add_the_open_recording_under_a_patient(qtbot, make_window, tmp_path: Path, monkeypatch, error_boxes) -> None:
    (tmp_path / "rec").mkdir()
    path = write_record(make_record(3, 21, seconds=3), tmp_path / "rec" / "S0009")
    w = make_window()
    w.set_inputs(("I", "II", "V4"), fixed=True)
    w.open_path(path)
    wait_synthesis(qtbot, w)
    infos: list[str] = []
    w.notifier.info_posted.connect(infos.append)
    monkeypatch.setattr(type(w.library_ui), "ask_patient", lambda _self: "patient009")
    w.library_ui.add_current()
    qtbot.waitUntil(lambda: not w.tasks.is_running("library-add"), timeout=20000)
    with Library() as lib:
        (entry,) = lib.list_recordings("patient009")
    assert Path(entry.path).stem == "S0009" and infos[-1].startswith("Added to the library as a recording of "
                                                                    "patient patient009: 1 added")
    # On the reading list at once.
    dialog = w.library_ui.dialog()
    assert [Path(r.entry.path).stem for r in dialog.rows()] == ["S0009"]
    # Added again under another patient: already there, and how to change its patient.
    monkeypatch.setattr(type(w.library_ui), "ask_patient", lambda _self: "patient010")
    w.library_ui.add_current()
    qtbot.waitUntil(lambda: not w.tasks.is_running("library-add"), timeout=20000)
    assert f"already in the library as #{entry.id} (patient patient009)" in infos[-1]
    assert f"leadsynth library assign {entry.id} --patient patient010" in infos[-1]
    assert not error_boxes


def test_nothing_to_add_without_a_recording(make_window, error_boxes) -> None:
    w = make_window()
    w.library_ui.add_current()
    assert error_boxes == [("Nothing to add", "open a recording from a file first")]


def test_read_interpret_next(qtbot, make_window, tmp_path: Path, error_boxes) -> None:
    from app.controllers.model_choice import same_recording

    files = _library(tmp_path / "ptb")  # patient001: S0001 (interpreted), S0002; S0003 without a patient
    w = make_window()
    w.set_inputs(("I", "II", "V4"), fixed=True)
    dialog = w.library_ui.dialog()
    dialog.patients.setCurrentRow(0)  # all patients
    unread = [Path(r.entry.path).stem for r in dialog.rows() if r.interpretation is None]
    assert sorted(unread) == ["S0002", "S0003"] and dialog.next_button.isEnabled()
    dialog.open_next_unread()
    wait_synthesis(qtbot, w)
    first = w.document.path.stem
    assert first == unread[0]
    # Not interpreted, skipped: the next one is another recording, not this one again.
    dialog.open_next_unread()
    wait_synthesis(qtbot, w)
    qtbot.waitUntil(lambda: w.document.path.stem != first, timeout=20000)
    assert w.document.path.stem == unread[1]
    # Interpreted: the list follows; when all are, the button says so.
    qtbot.waitUntil(lambda: w.interpretation_ui.controller.ready, timeout=20000)
    assert w.interpretation_ui.file("Dr B", "Normal ECG.")
    w.open_path(files[1] if files[1].stem == first else files[2])
    wait_synthesis(qtbot, w)
    qtbot.waitUntil(lambda: w.interpretation_ui.controller.ready, timeout=20000)
    assert w.interpretation_ui.file("Dr B", "Normal ECG.")
    assert not dialog.next_button.isEnabled()
    infos: list[str] = []
    w.notifier.info_posted.connect(infos.append)
    dialog.open_next_unread()
    assert infos == ["Every recording of this list is interpreted"]
    with Library() as lib:
        (first_entry,) = lib.find_recordings(files[0])
    # The open recording is found by any of a WFDB record's names (the list's own rule).
    assert same_recording(first_entry, files[0].with_suffix(""), None) and not same_recording(first_entry, files[1], None)
    assert not error_boxes


def test_enter_on_a_row_opens_that_row_and_nothing_else(qtbot, make_window, tmp_path: Path, error_boxes) -> None:
    from PySide6.QtCore import Qt

    _library(tmp_path / "ptb")
    w = make_window()
    dialog = w.library_ui.dialog()
    asked: list[tuple[str, object]] = []
    dialog.open_requested.connect(lambda path, key: asked.append((path, key)))
    row = next(i for i, r in enumerate(dialog.rows()) if Path(r.entry.path).stem == "S0001")
    dialog.table.setFocus()
    dialog.table.setCurrentCell(row, 0)
    qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
    assert [Path(p).stem for p, _key in asked] == ["S0001"]  # not also "the next not interpreted"
    assert dialog.isVisible()
    wait_synthesis(qtbot, w)
    assert not error_boxes
