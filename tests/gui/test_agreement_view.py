"""The "Agreement over time" tab: draws the core's per-segment scores, jumps, rescoring, long files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from app.state.document import ViewerDocument
from app.state.paper import DATA_WIDTH_MM
from leadsynth_core.agreement import score_recording, segment_agreement, write_agreement
from leadsynth_core.io import Hdf5RecordWriter, read_record, sample_path
from leadsynth_core.leads import STANDARD_LEADS

from .conftest import wait_synthesis
from .test_gui_viewer import ludb, open_and_wait

pytestmark = pytest.mark.gui

INPUTS = ("I", "II", "V2", "V4")


def _wait_agreement(qtbot, w, timeout: int = 60_000) -> None:
    qtbot.waitUntil(lambda: w.document.agreement is not None and not w.tasks.is_running("agreement"),
                    timeout=timeout)


def _check_drawn(w, expected) -> None:
    ag = w.document.agreement
    assert ag.leads == expected.leads and ag.reference == expected.reference
    np.testing.assert_allclose(ag.pcc, expected.pcc, atol=1e-9)
    view = w.agreement_view
    edges = np.append(expected.starts_s, expected.stops_s[-1])
    for j, lead in enumerate(expected.leads):
        x, y = view.curve_data(lead)
        np.testing.assert_allclose(x, edges)
        np.testing.assert_allclose(y, expected.pcc[:, j], atol=1e-9)
    _, y = view.curve_data("mean")
    np.testing.assert_allclose(y, expected.mean_pcc(), atol=1e-9)
    worst = expected.worst(view.worst.rowCount())
    for r, seg in enumerate(worst):
        assert view.worst.item(r, 2).text() == f"{seg.mean_pcc:.3f}"
        assert view.worst.item(r, 3).text().startswith(seg.worst_lead)


def test_tab_draws_the_core_segment_scores_and_jumps(qtbot, make_window, shared_data, error_boxes) -> None:
    w = make_window()
    w.view_state.set_speed(50.0)  # a 5-s page: segments of a 10-s record are reachable
    path = ludb(shared_data, 7)
    w.set_inputs(INPUTS)
    open_and_wait(qtbot, w, path)
    _wait_agreement(qtbot, w)
    truth = read_record(path)
    expected = segment_agreement(truth, w.document.result, segment_s=5.0)
    _check_drawn(w, expected)
    assert "mean PCC" in w.agreement_view.summary.text()
    assert not w.agreement_view.score_button.isVisibleTo(w.agreement_view)  # not a long recording
    # The worst segment's row turns the 12-lead page to it.
    w.tabs.setCurrentWidget(w.agreement_view)
    worst = expected.worst(1)[0]
    w.agreement_view.worst.cellDoubleClicked.emit(0, 0)
    assert w.tabs.currentWidget() is w.grid
    assert w.view_state.position == pytest.approx(min(worst.start_s, truth.duration - 5.0))
    # The page region follows the position.
    w.view_state.set_position(0.0, w.document.duration)
    lo, hi = w.agreement_view.page_region.getRegion()
    assert (lo, hi) == pytest.approx((0.0, 5.0))
    # A click on the plot turns the page to the segment clicked.
    w.tabs.setCurrentWidget(w.agreement_view)
    w.resize(1400, 900)
    w.show()
    qtbot.waitExposed(w)
    plot = w.agreement_view.plot
    vb = plot.getViewBox()
    scene_pt = vb.mapViewToScene(QPointF(6.5, 0.5))
    qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, pos=plot.mapFromScene(scene_pt))
    qtbot.waitUntil(lambda: w.tabs.currentWidget() is w.grid, timeout=3000)
    assert w.view_state.position == pytest.approx(5.0)
    assert not error_boxes


def test_reference_and_segment_length_rescore_and_persist(qtbot, make_window, shared_data) -> None:
    w = make_window()
    path = ludb(shared_data, 12)
    w.set_inputs(INPUTS)
    open_and_wait(qtbot, w, path)
    _wait_agreement(qtbot, w)
    view = w.agreement_view
    view.reference.setCurrentIndex(view.reference.findData("highpass"))
    view.segment.setCurrentIndex(view.segment.findData(2.0))
    qtbot.waitUntil(lambda: w.document.agreement is not None and w.document.agreement.reference == "highpass"
                    and w.document.agreement.segment_s == 2.0, timeout=30_000)
    expected = segment_agreement(read_record(path), w.document.result, segment_s=2.0, reference="highpass")
    _check_drawn(w, expected)
    assert w.settings.value("scores/reference") == "highpass"
    assert w.settings.value("agreement/segment_s") == 2.0
    # One setting: the Scores table's control shows it too.
    assert w.metrics.reference.currentData() == "highpass"
    # Options set elsewhere (a script, the settings) show in the tab's controls.
    w.agreement.set_options(segment_s=10.0)
    assert view.segment.currentData() == 10.0
    w.view_state.set_score_reference("raw")
    assert view.reference.currentData() == "raw" and w.metrics.reference.currentData() == "raw"
    qtbot.waitUntil(lambda: w.document.agreement is not None and w.document.agreement.reference == "raw"
                    and w.document.agreement.segment_s == 10.0, timeout=30_000)
    # Another lead selection: the old scores go, the new ones name the new leads.
    w.set_inputs(("I", "II", "V4"))
    wait_synthesis(qtbot, w)
    qtbot.waitUntil(lambda: w.document.agreement is not None and "V2" in w.document.agreement.leads, timeout=30_000)
    assert w.document.agreement.inputs == ("I", "II", "V4")


def test_save_writes_the_scores_shown(qtbot, make_window, shared_data, tmp_path: Path) -> None:
    w = make_window()
    w.set_inputs(INPUTS)
    open_and_wait(qtbot, w, ludb(shared_data, 3))
    _wait_agreement(qtbot, w)
    out = w.agreement_view.save(tmp_path / "seg.csv")
    write_agreement(w.document.agreement, tmp_path / "core.csv")
    assert out.read_text() == (tmp_path / "core.csv").read_text()


def test_no_truth_means_nothing_to_compare(qtbot, make_window, tmp_path: Path) -> None:
    four = tmp_path / "patch.h5"
    base = read_record(sample_path())
    with Hdf5RecordWriter(four, base.fs, INPUTS) as writer:
        writer.append(base.select(INPUTS).signal)
    w = make_window()
    w.set_inputs(INPUTS)
    w.open_path(four)
    wait_synthesis(qtbot, w)
    assert w.document.agreement is None
    assert "nothing to compare" in w.agreement_view.summary.text()
    assert not w.agreement_view.save_button.isEnabled()


@pytest.fixture
def long_file(tmp_path: Path) -> Path:
    """Ten minutes of 12 leads at 250 Hz (the demo sample resampled by tiling)."""
    base = read_record(sample_path()).select(STANDARD_LEADS)
    path = tmp_path / "long.h5"
    reps = int(np.ceil(600 * base.fs / base.n_samples))
    with Hdf5RecordWriter(path, base.fs, STANDARD_LEADS, patient_id="long-1") as writer:
        for k in range(reps):
            writer.append(base.signal * np.float32(1.0 + 0.05 * (k % 3)))
    return path


def test_long_recording_is_scored_in_full_on_request(qtbot, make_window, long_file: Path, error_boxes) -> None:
    w = make_window()
    w.settings.set_value("files/long_recording_mb", 1.0)
    w.set_inputs(INPUTS)
    w.open_path(long_file)
    wait_synthesis(qtbot, w)
    doc, view = w.document, w.agreement_view
    assert doc.is_long and doc.agreement is None
    qtbot.waitUntil(lambda: view.score_button.isEnabled(), timeout=10_000)
    assert "Score the whole recording" in view.summary.text()
    # Cancel stops it and keeps nothing.
    w.agreement.score_whole()
    assert w.agreement.state == ViewerDocument.RUNNING
    view.cancel_button.click()
    qtbot.waitUntil(lambda: not w.tasks.is_running("agreement"), timeout=10_000)
    assert doc.agreement is None and w.agreement.state == ViewerDocument.CANCELLED
    # Scored in full: exactly the core's streamed scores, every segment of the file.
    qtbot.mouseClick(view.score_button, Qt.MouseButton.LeftButton)
    _wait_agreement(qtbot, w, timeout=120_000)
    expected = score_recording(long_file, INPUTS, doc.model_card, segment_s=5.0)
    assert doc.agreement.n_segments == expected.n_segments == int(np.ceil(doc.duration / 5.0))
    _check_drawn(w, expected)
    assert "scored in full" in view.summary.text()
    # The Scores table (the loaded window's) also states the whole recording's figures.
    assert f"mean PCC {expected.whole['mean']['pcc']:.3f}" in w.metrics.note.text()
    assert w.metrics.note.text().startswith("Window ")
    # The worst segment is one key away, and its window is loaded.
    next(a for a in w.actions() if a.text() == "Show the worst segment").trigger()
    start = expected.worst(1)[0].start_s
    page = DATA_WIDTH_MM / w.view_state.speed
    pos = min(start, doc.duration - page)
    qtbot.waitUntil(lambda: doc.covers(pos, pos + page) and not w.tasks.is_running("window"), timeout=30_000)
    assert w.view_state.position == pytest.approx(pos)
    # Paging through windows keeps the whole-recording scores.
    assert doc.agreement is not None
    # Another score reference: the window is rescored, and the whole-file scores made
    # against the old reference are no longer shown (the user scores the file again).
    w.view_state.set_score_reference("highpass")
    qtbot.waitUntil(lambda: doc.score_reference == "highpass" and doc.agreement is None, timeout=30_000)
    assert view.score_button.isEnabled()
    assert not error_boxes


def test_summary_says_why_there_is_nothing_to_score(qtbot, make_window, shared_data) -> None:
    w = make_window()
    w.set_inputs(STANDARD_LEADS)
    open_and_wait(qtbot, w, ludb(shared_data, 9))
    assert w.document.agreement is None
    assert "nothing is synthesized" in w.agreement_view.summary.text()
    w.set_inputs(("I", "II", "V2", "V4"))
    wait_synthesis(qtbot, w)
    _wait_agreement(qtbot, w)
    assert "mean PCC" in w.agreement_view.summary.text()
