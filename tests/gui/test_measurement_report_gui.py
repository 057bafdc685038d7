"""Measure > Copy measurements / Export measurements: what the Measurements and Prior ECG docks
show, as the document and the text table of ``leadsynth measure`` (one home:
``leadsynth_core.measurement.report``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from leadsynth_core.measurement import measure_record
from leadsynth_core.measurement.report import render_report

from .conftest import wait_synthesis

pytestmark = pytest.mark.gui

WELCH = Path(__file__).parents[1] / "data" / "scp" / "welch_allyn_pediatric_anon.scp"


def test_copy_and_export_give_what_the_docks_show(qtbot, make_window, tmp_path: Path, error_boxes) -> None:
    w = make_window()
    w.set_inputs(("I", "II", "V4"), fixed=True)
    w.open_path(WELCH)
    wait_synthesis(qtbot, w)
    qtbot.waitUntil(lambda: w.document.band is not None, timeout=20000)
    ui = w.measurement_ui
    text = ui.copy_measurements()
    assert text is not None and QApplication.clipboard().text() == text
    doc = ui.report()
    assert text == render_report(doc)
    # The synthesized 12-lead of the page's 10 s, from the inputs, with the band at ST.
    assert doc["window_s"] == [0.0, 10.0] and doc["inputs"] == ["I", "II", "V4"]
    assert doc["leads"]["V3"]["provenance"] == "synthesized" and "V3" in doc["st_j60_band_mv"]
    # The same values the dock holds (the controller's), and the measured truth beside them.
    ctl = w.measurements
    assert doc["qrs_ms"] == ctl.shown.values.qrs_ms and doc["measured_truth"]["qrs_ms"] == ctl.truth.values.qrs_ms
    assert doc["measured_truth"]["qrs_ms"] == measure_record(w.document.record.slice_time(0, 10)).values.qrs_ms
    # The right-sided and posterior leads as recorded, and the cart's own values beside LeadSynth's.
    assert doc["leads"]["V3R"]["provenance"] == "measured"
    assert doc["device"]["values"]["qrs_ms"]["device"] == 100
    assert "cart's own measurements" in text and "V3R" in text
    out = ui.export_measurements(tmp_path / "m.json")
    assert json.loads(out.read_text()) == json.loads(json.dumps(doc))
    table = ui.export_measurements(tmp_path / "m.txt")
    assert table.read_text() == text + "\n"
    # With a prior ECG (the same file: nothing changed), its changes come along as "serial".
    ui.set_prior(str(WELCH), choose_key=False)
    qtbot.waitUntil(lambda: ui.prior.comparison is not None and not w.tasks.is_running("measurements"), timeout=20000)
    qtbot.waitUntil(lambda: ui.prior.model_check is not None or "not checked" in (ui.prior.model_check_note or ""),
                    timeout=20000)
    serial = ui.report()["serial"]
    assert serial["prior"]["source"].endswith(WELCH.name)
    assert {c["st_verdict"] for c in serial["leads"].values() if c["provenance"] == "measured"} == {"unchanged"}
    assert "compared with the prior ECG" in ui.copy_measurements()
    assert not error_boxes


def test_a_later_page_is_reported_in_the_records_seconds(qtbot, make_window, shared_data) -> None:
    w = make_window()
    w.set_inputs(("I", "II", "V4"), fixed=True)
    w.open_path(shared_data / "cinc2021" / "PTB_PTBXL" / "S0002.hea")
    wait_synthesis(qtbot, w)
    w.view_state.set_position(20.0, w.document.duration)
    doc = w.measurement_ui.report()
    assert doc["window_s"] == [20.0, 30.0] and doc["measured_truth"]["window_s"] == [20.0, 30.0]
    assert "beat(s) in 20-30 s" in render_report(doc)


def test_nothing_to_copy_without_a_record(make_window, error_boxes) -> None:
    w = make_window()
    assert w.measurement_ui.copy_measurements() is None
    assert error_boxes and error_boxes[-1][0] == "No measurements"
