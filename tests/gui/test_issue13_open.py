"""Issue 13, opening records: the best inputs a file can supply (5), a failed open ends a
batch run (6), a personal model and another patient's record (1, viewer half)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from app.render.page import footer_lines
from leadsynth_core.io import read_record, write_record
from leadsynth_core.models import select_model
from leadsynth_core.record import Provenance
from leadsynth_core.synthesis import synthesize

from .conftest import wait_synthesis

pytestmark = pytest.mark.gui

def ludb(shared_data: Path, n: int = 1) -> Path:
    return shared_data / "ludb" / "data" / f"{n}.hea"


def no_unavailable_cells(window) -> None:
    labels = [ci.label.textItem.toPlainText() for ci in window.grid.cell_items()]
    assert not [t for t in labels if "not available" in t], labels


# ------------------------------------------------------------------ item 5
def test_one_lead_file_opens_with_its_lead(qtbot, make_window, shared_data, tmp_path, error_boxes) -> None:
    one = write_record(read_record(ludb(shared_data, 1)).select(["I"]).replace(source=None), tmp_path / "one.hea")
    w = make_window()
    assert w.document.inputs == ("I", "II", "V2", "V4")  # the default preference
    w.open_path(one)
    wait_synthesis(qtbot, w)
    assert w.document.inputs == ("I",)
    assert w.document.result is not None and w.document.result.leads_with(Provenance.MEASURED) == ("I",)
    no_unavailable_cells(w)
    assert "measured (I)" in w.grid.legend_text()
    assert "Inputs I:" in w.statusBar().currentMessage()
    assert not error_boxes
    # The preference is the user's, not the file's: a 12-lead file gets it back.
    w.open_path(ludb(shared_data, 2))
    wait_synthesis(qtbot, w)
    assert w.document.inputs == ("I", "II", "V2", "V4")


def test_own_output_opens_with_its_measured_leads_only(qtbot, make_window, shared_data, tmp_path,
                                                       error_boxes) -> None:
    truth = read_record(ludb(shared_data, 3))
    out = write_record(synthesize(truth, ("I", "II", "V4")), tmp_path / "synth.h5")
    assert read_record(out).provenance_of("V2") is Provenance.SYNTHESIZED
    w = make_window()
    w.open_path(out)
    wait_synthesis(qtbot, w)
    assert w.document.inputs == ("I", "II", "V4")  # V2 is in the file, but synthesized
    no_unavailable_cells(w)
    assert "I, II, V4" in w.statusBar().currentMessage()
    assert not error_boxes


def test_choose_inputs_rules(shared_data) -> None:
    from app.controllers.input_choice import choose_inputs

    rec = read_record(ludb(shared_data, 1))
    assert choose_inputs(rec, ("I", "II", "V3")) == (("I", "II", "V3"), "")  # the file has them
    only_v1 = rec.select(["V1", "V5"])
    inputs, note = choose_inputs(only_v1, ("I", "II", "V2", "V4"))
    assert inputs == ("V1", "V5") and "exactly" in note


# ------------------------------------------------------------------ item 6
def test_failed_open_ends_a_screenshot_run_at_once(qapp, isolated_settings, tmp_path, capsys,
                                                   monkeypatch) -> None:
    from app.main import main
    from app.shell import main as shell_main

    fake = tmp_path / "fake.h5"
    fake.write_text("this is a text file, not HDF5\n")
    # Far below the real 300 s: a run that waits for a synthesis that never starts ends
    # on this time-out with status 1 instead of 2 and fails the test.
    monkeypatch.setattr(shell_main, "SCREENSHOT_TIMEOUT_S", 30)
    assert main([str(fake), "--screenshot", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert f"leadsynth-gui: {fake}" in err and "HDF5" in err  # the reader's message
    assert not (tmp_path / "x.png").exists()


# ------------------------------------------------------------------ item 1
@pytest.fixture
def personal_card():
    """A shipped model's card dressed as patient001's personal model (same weights)."""
    base = select_model(("I", "II", "V2", "V4"))
    return dataclasses.replace(base, id="personal-patient001-test", name="Personal model of patient001",
                               patient_id="patient001", created="2026-11-30T00:00:00",
                               training={"inputs": ["I", "II", "V2", "V4"], "recordings": []})


def write_patient_record(shared_data: Path, folder: Path, patient: str | None) -> Path:
    rec = read_record(ludb(shared_data, 1)).replace(source=None, patient_id=patient)
    return write_record(rec, folder / f"rec_{patient or 'anon'}.hea")


def test_personal_model_on_another_patient_asks_naming_both(qtbot, make_window, shared_data, tmp_path,
                                                            personal_card, monkeypatch) -> None:
    other = write_patient_record(shared_data, tmp_path, "patient002")
    assert read_record(other).patient_id == "patient002"
    asked: list[str] = []
    answer = {"value": QMessageBox.StandardButton.No}

    def question(_parent, _title, text, *_args):
        asked.append(text)
        return answer["value"]

    monkeypatch.setattr(QMessageBox, "question", question)
    w = make_window()
    w.set_inputs(("I", "II", "V2", "V4"))
    w.open_path(other)
    wait_synthesis(qtbot, w)
    w.model_guard.select(personal_card)  # selecting it for an open record of another patient
    assert len(asked) == 1 and "patient001" in asked[0] and "patient002" in asked[0]
    wait_synthesis(qtbot, w)
    assert w.document.result.model_id != personal_card.id  # refused: not run
    # Opening (again) a record of another patient with the model selected asks again.
    answer["value"] = QMessageBox.StandardButton.Yes
    w.open_path(other)
    wait_synthesis(qtbot, w)
    assert len(asked) == 2 and "patient001" in asked[1] and "patient002" in asked[1]
    qtbot.waitUntil(lambda: w.document.result is not None and w.document.result.model_id == personal_card.id,
                    timeout=60_000)
    wait_synthesis(qtbot, w)
    assert "patient patient001" in w.model_indicator.label.text()
    assert any("PERSONAL model of patient patient001" in line for line in footer_lines(w.document, w.view_state))


def test_personal_model_on_a_record_without_patient_warns(qtbot, make_window, shared_data, tmp_path,
                                                          personal_card, monkeypatch) -> None:
    anon = write_patient_record(shared_data, tmp_path, None)
    monkeypatch.setattr(QMessageBox, "question", lambda *a: pytest.fail("no question for an anonymous record"))
    w = make_window()
    w.set_inputs(("I", "II", "V2", "V4"))
    w.model_guard.select(personal_card)
    w.open_path(anon)
    wait_synthesis(qtbot, w)
    assert "names no patient" in w.statusBar().currentMessage()
    assert "patient001" in w.statusBar().currentMessage()
    qtbot.waitUntil(lambda: w.document.result is not None and w.document.result.model_id == personal_card.id,
                    timeout=60_000)
    assert any("PERSONAL model of patient patient001" in line for line in footer_lines(w.document, w.view_state))


def test_viewer_follows_the_core_patient_rule(qtbot, shared_data, personal_card) -> None:
    """The viewer asks the core's rule, not a look-alike: a header that pads the patient id
    (" patient001 ") is the model's own patient, as ``leadsynth synthesize`` says too."""
    from app.controllers.model_choice import PatientModelChoice
    from leadsynth_core.models import PatientMatchStatus, check_model_patient

    padded = read_record(ludb(shared_data, 1)).replace(patient_id=" patient001 ")
    assert check_model_patient(personal_card, padded.patient_id).status is PatientMatchStatus.SAME
    choice = PatientModelChoice()
    choice.select_personal(personal_card)
    assert choice.choose(("I", "II", "V2", "V4"), padded).id == personal_card.id  # no confirmation needed
    other = padded.replace(patient_id="patient002")
    assert choice.choose(("I", "II", "V2", "V4"), other).id != personal_card.id  # not without the user's word
    choice.confirm(other, personal_card)
    assert choice.choose(("I", "II", "V2", "V4"), other).id == personal_card.id
