"""Long recordings open window by window: bounded memory, exact drawing, paging in a worker."""

from __future__ import annotations

import math
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from app.shell.main_window import MainWindow
from app.state.document import ViewerDocument
from app.state.paper import DATA_WIDTH_MM
from leadsynth_core.io import Hdf5RecordWriter, read_window, write_record
from leadsynth_core.leads import STANDARD_LEADS
from leadsynth_core.models import load_model
from leadsynth_core.record import EcgRecord, Provenance
from leadsynth_core.scoring import reference_signal
from leadsynth_core.synthesis import synthesize

from .conftest import wait_synthesis
from .test_gui_viewer import drawn_samples

pytestmark = pytest.mark.gui

FS = 250.0
HOURS = 2.0
BLOCK_S = 10.0


def _block(fs: float, seconds: float) -> np.ndarray:
    """Ten seconds of an ECG-like 12-lead pattern (beats at 72/min), mV, float32."""
    t = np.arange(int(fs * seconds)) / fs
    phase = (t * 1.2) % 1.0
    beat = np.exp(-((phase - 0.3) / 0.015) ** 2) - 0.15 * np.exp(-((phase - 0.33) / 0.02) ** 2) \
        + 0.25 * np.exp(-((phase - 0.6) / 0.06) ** 2)
    gains = np.linspace(-0.6, 1.4, 12)
    drift = 0.05 * np.sin(2 * np.pi * 0.3 * t)
    return (beat[:, None] * gains[None, :] + drift[:, None] * np.arange(1, 13)[None, :] / 12).astype(np.float32)


@pytest.fixture(scope="module")
def holter(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A two-hour 12-lead file at 250 Hz (86 MB of samples), written block by block."""
    path = tmp_path_factory.mktemp("holter") / "holter.h5"
    block = _block(FS, BLOCK_S)
    n_blocks = int(HOURS * 3600 / BLOCK_S)
    with Hdf5RecordWriter(path, FS, STANDARD_LEADS, patient_id="holter-1") as writer:
        for k in range(n_blocks):
            # Each block scaled differently: a window read from the wrong place shows.
            writer.append(block * np.float32(1.0 + 0.2 * math.sin(k)))
    return path


def _open_long(qtbot, make_window, path: Path, threshold_mb: float = 16.0) -> MainWindow:
    w = make_window()
    w.settings.set_value("files/long_recording_mb", threshold_mb)
    w.open_path(path)
    wait_synthesis(qtbot, w)
    return w


def _page_s(w: MainWindow) -> float:
    return DATA_WIDTH_MM / w.view_state.speed


def _move_and_wait(qtbot, w: MainWindow, seconds: float) -> None:
    doc = w.document
    w.view_state.set_position(seconds, doc.duration)
    pos = w.view_state.position
    qtbot.waitUntil(lambda: doc.covers(pos, pos + _page_s(w)) and not w.tasks.is_running("window"), timeout=30_000)
    wait_synthesis(qtbot, w)


def _check_drawn_equals_core(w: MainWindow, path: Path) -> None:
    """Every cell draws exactly read_window + synthesize of the loaded window."""
    doc = w.document
    rec = doc.record
    window = read_window(path, doc.offset, doc.offset + rec.n_samples)
    np.testing.assert_array_equal(window.signal, rec.signal)  # measured samples as stored
    expected = synthesize(window, doc.inputs, doc.model_card)
    checked = 0
    for ci in w.grid.cell_items():
        assert ci.trace is not None, ci.cell.lead
        idx, values = drawn_samples(w, ci, ci.trace)
        assert idx.size > 0
        local = idx - doc.offset
        assert local[0] >= 0 and local[-1] < rec.n_samples
        np.testing.assert_allclose(values, expected.lead(ci.cell.lead)[local], atol=1e-5)
        assert ci.display.provenance is expected.provenance_of(ci.cell.lead)
        if ci.display.provenance is Provenance.SYNTHESIZED:
            tidx, tvals = drawn_samples(w, ci, ci.truth)
            np.testing.assert_array_equal(tidx, idx)
            # The truth drawn is the one the window's scores use (baseline-corrected by default).
            want = reference_signal(window.lead(ci.cell.lead), window.fs, doc.score_reference)
            np.testing.assert_allclose(tvals, want[tidx - doc.offset], atol=1e-4)
            assert "window" in ci.trace.toolTip()
        checked += 1
    assert checked == 13


def _window_values(w: MainWindow) -> int:
    """Samples x leads the document holds (record and result)."""
    doc = w.document
    held = doc.record.signal.size
    if doc.result is not None:
        held += doc.result.signal.size
    return held


def _model_load_peak(model_id: str) -> int:
    """Traced peak of loading one model: a fixed cost that does not grow with the file."""
    tracemalloc.start()
    try:
        load_model(model_id)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


def test_long_recording_opens_a_window_in_bounded_memory(qtbot, make_window, holter, error_boxes) -> None:
    file_bytes = holter.stat().st_size
    assert file_bytes > 80e6
    # The default inputs (I,II,V2,V4) are served by this model; loading it is a fixed
    # cost (a seed ensemble is a few MB), so it is allowed on top of the data bound.
    model_peak = _model_load_peak("linres-i-ii-v2-v4")
    tracemalloc.start()
    try:
        w = _open_long(qtbot, make_window, holter)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    doc = w.document
    assert doc.is_long and doc.offset == 0
    assert doc.duration == pytest.approx(HOURS * 3600)
    assert doc.n_samples == int(HOURS * 3600 * FS)
    # The page plus one page of margin on each side, at the slowest speed: nothing more.
    max_window = int(3 * DATA_WIDTH_MM / 25.0 * FS) + 1
    assert doc.record.n_samples <= max_window
    assert _window_values(w) <= 2 * max_window * 12
    assert doc.model_card.id == "linres-i-ii-v2-v4"
    assert peak - model_peak < file_bytes / 20, (
        f"peak {peak / 1e6:.1f} MB (of which model {model_peak / 1e6:.1f} MB) "
        f"while opening a {file_bytes / 1e6:.0f} MB file"
    )
    assert not error_boxes
    assert doc.state == ViewerDocument.DONE and doc.scores
    _check_drawn_equals_core(w, holter)
    # Scores are labelled with the window they cover, never "whole record".
    assert doc.score_scope() == "window 00:00:00-00:00:20"
    assert w.metrics.note.text().startswith("Window 00:00:00-00:00:20")
    badge = next(ci.badge for ci in w.grid.cell_items() if ci.badge is not None)
    assert "(window)" in badge.textItem.toPlainText()
    assert "long recording: shown window by window" in w.record_panel.long_note.text()
    assert w.record_panel.long_note.isVisibleTo(w.record_panel)
    assert "2 h 00 min" in w.record_panel.fields["Duration"].text()
    assert w.grid.time_label.text() == "00:00:00 / 02:00:00"
    assert w.grid.scroll.maximum() == int(round((HOURS * 3600 - _page_s(w)) * 100))


def test_moving_the_time_position_reads_and_draws_the_new_window(qtbot, make_window, holter, error_boxes) -> None:
    w = _open_long(qtbot, make_window, holter)
    doc = w.document
    tracemalloc.start()
    try:
        _move_and_wait(qtbot, w, 3607.3)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Paging costs a fixed amount per window (reading it, synthesis, the measurements and the
    # band computed on it in workers), never a share of the file: the bound is the larger of
    # 5 % of the file and ten float64 copies of the loaded window (about 5.1 MB were measured
    # with a 10-s page: a 0.7 MB window, the rest presumably the per-window work of the synthesis,
    # measurement and band workers; not yet traced).  Reading the file whole
    # (86 MB here) fails either way.
    window_bytes = int(3 * _page_s(w) * FS) * 12 * 8
    assert peak < max(holter.stat().st_size / 20, 10 * window_bytes), f"peak {peak / 1e6:.1f} MB"
    assert doc.offset > 0 and doc.covers(3607.3, 3607.3 + _page_s(w))
    assert doc.record.n_samples <= int(3 * _page_s(w) * FS) + 1
    assert w.grid.time_label.text() == "01:00:07 / 02:00:00"
    assert doc.score_scope().startswith("window 00:59:5")
    _check_drawn_equals_core(w, holter)
    # A quarter page forward stays inside the loaded window: no read, the same samples.
    offset = doc.offset
    w.grid.step_time(0.25)
    qtbot.wait(300)
    assert doc.offset == offset and not w.tasks.is_running("window")
    _check_drawn_equals_core(w, holter)
    # The scroll bar reaches the very end of the file.
    w.grid.scroll.setValue(w.grid.scroll.maximum())
    end = w.view_state.position
    assert end == pytest.approx(HOURS * 3600 - _page_s(w), abs=0.01)
    qtbot.waitUntil(lambda: doc.covers(end, end + _page_s(w)) and not w.tasks.is_running("window"), timeout=30_000)
    wait_synthesis(qtbot, w)
    assert doc.offset + doc.record.n_samples == doc.n_samples
    _check_drawn_equals_core(w, holter)
    assert not error_boxes


def test_rapid_moves_keep_only_the_last_window(qtbot, make_window, holter, error_boxes) -> None:
    w = _open_long(qtbot, make_window, holter)
    doc = w.document
    offsets: list[int] = []
    doc.window_changed.connect(lambda: offsets.append(doc.offset))
    for seconds in (600.0, 1200.0, 2400.0, 4800.0, 6000.0):
        w.view_state.set_position(seconds, doc.duration)  # faster than the debounce
    _move_and_wait(qtbot, w, 6000.0)
    assert offsets == [doc.offset], "stale windows were read or shown"
    assert doc.covers(6000.0, 6000.0 + _page_s(w))
    _check_drawn_equals_core(w, holter)
    assert not error_boxes


def test_ordinary_records_still_open_whole(qtbot, make_window, tmp_path, error_boxes) -> None:
    sig = np.tile(_block(FS, BLOCK_S), (3, 1))
    path = write_record(EcgRecord(sig, FS, STANDARD_LEADS, source=None), tmp_path / "short.h5")
    w = make_window()
    w.open_path(path)
    wait_synthesis(qtbot, w)
    doc = w.document
    assert not doc.is_long and doc.offset == 0
    assert doc.record.n_samples == sig.shape[0]
    assert doc.score_scope() == "whole record"
    assert w.metrics.note.text().startswith("Whole record")
    assert not w.record_panel.long_note.isVisibleTo(w.record_panel)
    assert not error_boxes


def test_default_threshold_covers_every_file_too_large_to_read_whole() -> None:
    from app.controllers.window_paging import is_long
    from app.state.settings import DEFAULTS
    from leadsynth_core.io import RecordInfo
    from leadsynth_core.io._common import MAX_READ_VALUES

    def info(n_samples: int) -> RecordInfo:
        return RecordInfo(Path("x.h5"), "hdf5", None, 500.0, n_samples, STANDARD_LEADS, (Provenance.MEASURED,) * 12)

    threshold = DEFAULTS["files/long_recording_mb"]
    assert is_long(info(MAX_READ_VALUES // 12 + 1), threshold)  # read_record would refuse it
    assert not is_long(info(500 * 3600), threshold)  # one hour of 12 leads at 500 Hz: read whole


def test_saving_a_long_recording_streams_the_whole_file(qtbot, make_window, tmp_path, error_boxes) -> None:
    from leadsynth_core.io import inspect_record

    src = tmp_path / "ten_minutes.h5"
    with Hdf5RecordWriter(src, FS, STANDARD_LEADS) as writer:
        for _ in range(60):
            writer.append(_block(FS, BLOCK_S))
    w = _open_long(qtbot, make_window, src, threshold_mb=1.0)
    assert w.document.is_long
    dst = tmp_path / "ten_minutes_12lead.h5"
    w.save_record(dst)
    qtbot.waitUntil(lambda: not w.tasks.is_running("export"), timeout=120_000)
    assert not error_boxes
    out = inspect_record(dst)
    assert out.n_samples == w.document.n_samples
    assert set(out.provenance) == {Provenance.MEASURED, Provenance.DERIVED, Provenance.SYNTHESIZED}
    head = read_window(dst, 0, 2500)
    np.testing.assert_array_equal(head.lead("V2"), read_window(src, 0, 2500).lead("V2"))


def test_legend_offers_the_difference_shading_only_where_there_is_truth(qtbot, make_window, tmp_path, error_boxes) -> None:
    """A 4-lead file has nothing to compare: the legend says so instead of naming a shading
    that cannot appear; a 12-lead file keeps the difference entry."""
    four = tmp_path / "patch.h5"
    with Hdf5RecordWriter(four, FS, ("I", "II", "V2", "V4"), patient_id="patch-1") as writer:
        writer.append(_block(FS, BLOCK_S)[:, [0, 1, 7, 9]])
    w = make_window()
    w.set_inputs(("I", "II", "V2", "V4"))
    w.open_path(four)
    wait_synthesis(qtbot, w)
    assert w.document.result is not None and not w.document.scores
    legend = w.grid.legend_text()
    assert "no measured truth for the synthesized leads" in legend and "difference to measured truth" not in legend
    twelve = tmp_path / "full.h5"
    with Hdf5RecordWriter(twelve, FS, STANDARD_LEADS) as writer:
        writer.append(_block(FS, BLOCK_S))
    w.open_path(twelve)
    wait_synthesis(qtbot, w)
    assert w.document.scores
    legend = w.grid.legend_text()
    assert "difference to measured truth" in legend and "no measured truth" not in legend
    assert "SYNTHESIZED" in legend
    assert not error_boxes
