"""The "Prior ECG" dock: this ECG read against a prior 12-lead of the same patient."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QAction

from app.views.prior_panel import FLAG_BRUSH, GLOBAL_ROWS, OPEN_BRUSH, VERDICT_TEXT, WEAK_ON_PRIOR_PCC
from leadsynth_core.io import read_record
from leadsynth_core.measurement import measure_record
from leadsynth_core.measurement.serial import compare_with_prior

from .conftest import wait_synthesis

pytestmark = pytest.mark.gui


def _open(qtbot, w, path) -> None:
    w.open_path(path, None)
    wait_synthesis(qtbot, w)


def _wait_compared(qtbot, w) -> None:
    prior = w.measurement_ui.prior
    qtbot.waitUntil(lambda: prior.comparison is not None and w.document.band is not None
                    and not w.tasks.is_running("measurements"), timeout=20000)


def test_prior_panel_reads_a_patch_recording_against_the_patients_prior(qtbot, make_window, shared_data,
                                                                        error_boxes) -> None:
    ptb = shared_data / "cinc2021" / "PTB_PTBXL"
    w = make_window()
    w.set_inputs(("I", "II", "V4"), fixed=True)
    _open(qtbot, w, ptb / "S0003.hea")
    ui = w.measurement_ui
    ui.set_prior(str(ptb / "S0001.hea"))
    assert ui.prior_dock.isVisible()
    _wait_compared(qtbot, w)
    # Only the 10 s compared are read from the prior (38.4 s here; a Holter elsewhere).
    assert ui.prior.record.duration == pytest.approx(10.0)
    panel, ctl = ui.prior_panel, w.measurements
    # The panel shows what the core says of the same two measurements, bands included.
    prior = read_record(ptb / "S0001.hea")
    expect = compare_with_prior(measure_record(w.document.result.slice_time(0, 10)),
                                measure_record(prior.slice_time(0, 10)),
                                st_band=ctl.value_band("st_j60_mv"), t_band=ctl.value_band("t_mv"))
    assert set(expect.leads) == set(w.document.result.lead_names)
    # The file holds the truth of the synthesized leads: their true change in brackets.
    truth = compare_with_prior(measure_record(w.document.record.slice_time(0, 10)),
                               measure_record(prior.slice_time(0, 10)))
    for name, c in expect.leads.items():
        assert panel.cell_text(name, "ST") == VERDICT_TEXT[c.st_verdict]
        change = f"{c.st_change_mv:+.2f}" + (f" ±{c.st_band_mv:.2f} ({truth.leads[name].st_change_mv:+.2f})"
                                              if c.provenance == "synthesized" else "")
        assert panel.cell_text(name, "change") == change
        assert (c.st_band_mv is not None) == (c.provenance == "synthesized")
        brush = panel.cell_item(name, "ST").background()
        if c.st_verdict == "undecided":
            assert brush == OPEN_BRUSH
        elif c.st_verdict in ("higher", "lower"):
            assert brush == FLAG_BRUSH
    header = [panel.lead_table.verticalHeaderItem(r).text() for r in range(panel.lead_table.rowCount())]
    assert "V1 synth." in header and "V4" in header and "I" in header
    # On this pair every synthesized ST change is left open: its band reaches across 0.1 mV.
    assert {n for n, c in expect.leads.items() if c.st_verdict == "undecided"} == {"V1", "V2", "V3", "V5", "V6"}
    assert panel.global_text("QRS", "prior") == f"{expect.global_change['qrs_ms'][0]:.0f}"
    assert panel.global_text("QRS", "change") == (f"{expect.global_change['qrs_ms'][2]:+.0f} "
                                                  f"({truth.global_change['qrs_ms'][2]:+.0f})")
    # The QRS now rests on synthesized leads: its change is said (amber), never claimed (red).
    assert abs(expect.global_change["qrs_ms"][2]) >= 20 and expect.global_flags == []
    qrs_row = [r[1] for r in GLOBAL_ROWS].index("qrs_ms")
    assert panel.global_table.item(qrs_row, 2).background() == OPEN_BRUSH
    text = panel.findings.text().replace("&#x27;", "'")
    for finding in expect.findings():
        assert finding in text
    # What is claimed comes first; what is left open is said under its own heading.
    assert expect.claimed() == ["T wave now upright in II (after an inversion: a pseudo-normalisation in ischaemia?)"]
    assert all(text.index(f) > text.index("<b>Open</b>") for f in expect.left_open())
    assert all(text.index(f) < text.index("<b>Open</b>") for f in expect.claimed())
    assert not panel.cautions.isVisible() and not error_boxes
    assert "truth's change in brackets" in panel.info.text()
    # This model on the patient's prior: synthesized there from the same inputs, scored on its own leads.
    qtbot.waitUntil(lambda: ui.prior.model_check is not None, timeout=30000)
    from leadsynth_core.evaluation import evaluate_record
    from leadsynth_core.models import load_model

    on_prior = evaluate_record(ui.prior.record, ("I", "II", "V4"), load_model(w.document.model_card),
                               reference=w.document.score_reference)
    assert set(on_prior) == {"V1", "V2", "V3", "V5", "V6"}
    for name, score in on_prior.items():
        assert panel.cell_text(name, "PCC on prior") == f"{score.pcc:.2f}"
    assert panel.cell_text("V4", "PCC on prior") == "" and panel.cell_text("III", "PCC on prior") == ""
    worst = min(on_prior, key=lambda n: on_prior[n].pcc)
    assert f"weakest {worst} {on_prior[worst].pcc:.2f}" in panel.model_note.text()
    # Weak for this patient (V6 0.57 < WEAK_ON_PRIOR_PCC): personalization is suggested, by the menu's own words.
    assert on_prior[worst].pcc < WEAK_ON_PRIOR_PCC
    personalize = next(a for a in w.findChildren(QAction) if a.shortcut().toString() == "Ctrl+Shift+P")
    assert personalize.text().replace("&", "") in panel.model_note.text()
    # The printed page says it too.
    lines = ui.export_extras().lines
    prior_line = next(line for line in lines if line.startswith("Against the prior ECG S0001.hea"))
    assert all(f in prior_line for f in expect.findings())
    # Another file opened: the prior is dropped, never carried to another patient.
    _open(qtbot, w, shared_data / "ludb" / "data" / "1.hea")
    assert ui.prior.path is None and ui.prior.comparison is None
    assert panel.info.text().startswith("No prior ECG") and not panel.lead_table.isVisible()


def test_the_same_recording_as_prior_is_said_first(qtbot, make_window, shared_data) -> None:
    w = make_window()
    w.set_inputs(("I", "II", "V1", "V2", "V3", "V4", "V5", "V6"), fixed=True)
    path = shared_data / "ludb" / "data" / "7.hea"
    _open(qtbot, w, path)
    ui = w.measurement_ui
    ui.set_prior(str(path))
    qtbot.waitUntil(lambda: ui.prior.comparison is not None, timeout=20000)
    assert ui.prior_panel.cautions.isVisible()
    assert "same recording" in ui.prior_panel.cautions.text()
    # Nothing synthesized: every lead measured or derived, no band, no change anywhere.
    assert all(c.st_band_mv is None and c.st_verdict == "unchanged" for c in ui.prior.comparison.leads.values())
    assert "No change" in ui.prior_panel.findings.text()


def test_a_prior_that_cannot_be_read_says_why(qtbot, make_window, shared_data, error_boxes) -> None:
    w = make_window()
    _open(qtbot, w, shared_data / "ludb" / "data" / "1.hea")
    bad = shared_data / "formats" / "hl7_aecg" / "bad_empty.xml"
    if not bad.exists():
        pytest.skip(f"no {bad}")
    ui = w.measurement_ui
    ui.set_prior(str(bad))
    qtbot.waitUntil(lambda: not ui.prior.loading, timeout=20000)
    assert ui.prior.comparison is None and "empty" in ui.prior.error
    assert "could not be read" in ui.prior_panel.info.text()
    assert error_boxes and error_boxes[-1][0] == "Cannot read the prior ECG"
    ui.prior.clear()
    assert ui.prior_panel.info.text().startswith("No prior ECG")


def test_measure_menu_offers_the_prior(qtbot, make_window) -> None:
    w = make_window()
    act = w.measurement_ui.prior_action
    assert act.shortcut().toString() == "Ctrl+Shift+O"
    menu = next(a.menu() for a in w.menuBar().actions() if a.text().replace("&", "") == "Measure")
    assert act in menu.actions() and w.measurement_ui.clear_prior_action in menu.actions()


def test_median_page_draws_the_prior_beats_dashed_under_this_ecg(qtbot, make_window, shared_data) -> None:
    from PySide6.QtCore import Qt

    from app.controllers.median import prior_median_beats
    from app.state.filters import DisplayFilters

    ptb = shared_data / "cinc2021" / "PTB_PTBXL"
    w = make_window()
    w.set_inputs(("I", "II", "V4"), fixed=True)
    _open(qtbot, w, ptb / "S0003.hea")
    w.tabs.setCurrentWidget(w.median)
    w.median.wait_idle()
    assert all("prior" not in roles for roles in w.median.curves.values())
    w.measurement_ui.set_prior(str(ptb / "S0001.hea"))
    qtbot.waitUntil(lambda: "prior" in w.median.curves.get("V2", {}), timeout=20000)
    w.median.wait_idle()
    # The data drawn: the prior's own V2 median beat (resampled to this record's rate), at the page's gain.
    prior = w.measurement_ui.prior.record  # the stretch the dock reads: S0001's first 10 s
    assert prior.duration == pytest.approx(10.0)
    expect = prior_median_beats(prior, w.document.record.fs, DisplayFilters())
    curve = w.median.curves["V2"]["prior"]
    _xs, ys = curve.getData()
    assert ys.shape == expect["V2"].shape
    finite = np.isfinite(ys)
    assert finite.mean() > 0.9
    np.testing.assert_allclose(ys[finite], expect["V2"][finite] * w.view_state.gain, atol=1e-9)
    assert curve.opts["pen"].style() == Qt.PenStyle.DashLine
    assert "Dashed: the prior ECG S0001.hea" in w.median.info.text()
    # Every lead of the prior was recorded: each cell has its prior beat, none replaces this ECG's.
    assert all({"prior", "trace"} <= set(w.median.curves[lead]) for lead in ("I", "V1", "V4", "aVF"))
    w.measurement_ui.prior.clear()
    qtbot.waitUntil(lambda: "prior" not in w.median.curves.get("V2", {"prior": 0}), timeout=20000)
    assert "prior ECG" not in w.median.info.text()


def test_choosing_a_prior_offers_the_patients_ecgs_in_the_library(qtbot, make_window, shared_data,
                                                                   monkeypatch) -> None:
    from app.shell import dialogs
    from leadsynth_core.library import Library

    ptb = shared_data / "cinc2021" / "PTB_PTBXL"
    with Library() as lib:
        for name in ("S0001", "S0002", "S0003"):
            lib.add_recordings(ptb / f"{name}.hea", patient_id="patient001")
    offered: list[list[str]] = []

    def pick(_parent, _title, label, items, *_args):
        offered.append(list(items))
        assert "patient001" in label
        return items[1], True  # the second most recent: S0001

    monkeypatch.setattr(dialogs.QInputDialog, "getItem", pick)
    monkeypatch.setattr(dialogs.QFileDialog, "getOpenFileName", lambda *a: pytest.fail("no file dialog expected"))
    w = make_window()
    w.set_inputs(("I", "II", "V4"), fixed=True)
    _open(qtbot, w, ptb / "S0003.hea")
    w.measurement_ui.choose_prior()
    # S0003 itself is not offered; S0002 (added later) first, then S0001, then "another file".
    assert len(offered) == 1 and [i.split()[-1] for i in offered[0][:2]] == ["S0002.hea", "S0001.hea"]
    assert offered[0][-1] == dialogs.OTHER_FILE
    _wait_compared(qtbot, w)
    assert w.measurement_ui.prior.path.name == "S0001.hea"
    # A recording the library does not know, naming no patient: straight to the file dialog.
    _open(qtbot, w, shared_data / "ludb" / "data" / "1.hea")
    chosen: list[str] = []
    monkeypatch.setattr(dialogs.QFileDialog, "getOpenFileName", lambda *a: (chosen.append(a[1]) or "", ""))
    w.measurement_ui.choose_prior()
    assert len(offered) == 1 and chosen == ["Choose a prior 12-lead ECG of this patient"]


def test_a_patch_recording_gets_this_patients_figure_beside_the_populations(qtbot, make_window, shared_data,
                                                                            tmp_path) -> None:
    """A patch holds no V1-V6, so the Scores dock lists its synthesized leads without a truth;
    with a prior 12-lead of the patient, each gets the PCC this model reached on that prior."""
    import wfdb

    from app.views.metrics_table import PRIOR_COLUMN
    from leadsynth_core.evaluation import evaluate_record
    from leadsynth_core.models import load_model

    ptb = shared_data / "cinc2021" / "PTB_PTBXL"
    src = wfdb.rdrecord(str(ptb / "S0002"))
    cols = [src.sig_name.index(n) for n in ("I", "II", "V4")]
    wfdb.wrsamp("patch", fs=src.fs, units=["mV"] * 3, sig_name=["I", "II", "V4"], p_signal=src.p_signal[:, cols],
                fmt=["16"] * 3, comments=src.comments, write_dir=str(tmp_path))
    w = make_window()
    w.set_inputs(("I", "II", "V4"), fixed=True)
    _open(qtbot, w, tmp_path / "patch.hea")
    table = w.metrics.expect_table
    assert table.isColumnHidden(PRIOR_COLUMN)  # no prior yet: no column
    w.measurement_ui.set_prior(str(ptb / "S0001.hea"))
    qtbot.waitUntil(lambda: w.measurement_ui.prior.model_check is not None, timeout=30000)
    assert not table.isColumnHidden(PRIOR_COLUMN)
    expect = evaluate_record(w.measurement_ui.prior.record, ("I", "II", "V4"), load_model(w.document.model_card))
    rows = {table.item(r, 0).text(): table.item(r, PRIOR_COLUMN).text() for r in range(table.rowCount())}
    assert rows == {lead: f"{expect[lead].pcc:.2f}" for lead in ("V1", "V2", "V3", "V5", "V6")}
    assert "this patient's figure" in w.metrics.expect_note.text()
    # No truth in the file: the dock's changes carry no brackets, and the check still stands.
    assert w.measurement_ui.prior.truth_comparison is None
    _wait_compared(qtbot, w)
    assert "(" not in w.measurement_ui.prior_panel.cell_text("V1", "change")
    w.measurement_ui.prior.clear()
    assert table.isColumnHidden(PRIOR_COLUMN)
