"""Drive the real main window: open, synthesize, draw, compare, export, fail cleanly."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from app.shell.main_window import MainWindow
from app.state.document import ViewerDocument
from app.views.cell_items import CellItems
from app.views.lead_picker import PRESETS
from leadsynth_core import metrics
from leadsynth_core.io import read_record, write_record
from leadsynth_core.leads import STANDARD_LEADS
from leadsynth_core.record import EcgRecord, Provenance
from leadsynth_core.scoring import reference_signal
from leadsynth_core.synthesis import synthesize

from .conftest import wait_synthesis

pytestmark = pytest.mark.gui


def ludb(shared_data: Path, n: int = 1) -> Path:
    return shared_data / "ludb" / "data" / f"{n}.hea"


def open_and_wait(qtbot, window: MainWindow, path: Path, key: str | None = None) -> None:
    window.open_path(path, key)
    wait_synthesis(qtbot, window)


def click_preset(qtbot, window: MainWindow, leads: tuple[str, ...]) -> None:
    from PySide6.QtCore import Qt

    index = [p[1] for p in PRESETS].index(leads)
    qtbot.mouseClick(window.picker.preset_buttons[index], Qt.MouseButton.LeftButton)
    wait_synthesis(qtbot, window)
    assert window.document.inputs == leads


def drawn_samples(window: MainWindow, ci: CellItems, item) -> tuple[np.ndarray, np.ndarray]:
    """Sample indices and mV values of a drawn trace, undoing offset and calibration.

    Also checks that every drawn point lies inside its cell on the paper.
    """
    rec = window.document.record
    vs = window.view_state
    x, y = item.getData()
    pos = item.pos()
    page_x = x + pos.x()
    cell = ci.cell
    assert page_x[0] >= cell.x0 - 1e-6
    assert page_x[-1] < cell.x0 + cell.width + 1e-6
    # Paper x (mm) -> time: the cell starts at position + offset, at `speed` mm per second.
    t = vs.position + cell.t_offset(vs.speed) + (page_x - cell.x0) / vs.speed
    idx = np.rint(t * rec.fs).astype(int)
    np.testing.assert_allclose(t * rec.fs, idx, atol=1e-6)
    values = (y + pos.y() - cell.baseline) / vs.gain  # paper y (mm) -> mV
    return idx, values


def check_cells_match(window: MainWindow, expected: EcgRecord, truth: EcgRecord) -> int:
    checked = 0
    for ci in window.grid.cell_items():
        assert ci.trace is not None, ci.cell.lead
        idx, values = drawn_samples(window, ci, ci.trace)
        assert np.all(np.diff(idx) == 1), "undecimated trace expected at this zoom"
        start, stop = ci.cell.segment(window.view_state.position, window.view_state.speed)
        assert idx[0] == math.ceil(start * truth.fs - 1e-9)
        assert idx[-1] == math.ceil(stop * truth.fs - 1e-9) - 1
        np.testing.assert_allclose(values, expected.lead(ci.cell.lead)[idx], atol=1e-5)
        assert ci.display.provenance is expected.provenance_of(ci.cell.lead)
        if ci.display.provenance is Provenance.SYNTHESIZED:
            assert ci.truth is not None and ci.fill is not None
            tidx, tvals = drawn_samples(window, ci, ci.truth)
            np.testing.assert_array_equal(tidx, idx)
            # The truth under a synthesized lead is the one its scores use (the document's
            # reference: by default the baseline-corrected truth).
            want = reference_signal(truth.lead(ci.cell.lead), truth.fs, window.document.score_reference)
            np.testing.assert_allclose(tvals, want[tidx], atol=1e-4)
        else:
            assert ci.truth is None
        checked += 1
    return checked


def test_open_choose_preset_draws_core_synthesis(qtbot, make_window, shared_data, error_boxes) -> None:
    w = make_window()
    path = ludb(shared_data, 1)
    open_and_wait(qtbot, w, path)
    truth = read_record(path)
    for preset in (("I", "II", "V4"), ("I", "II", "V2", "V4")):
        click_preset(qtbot, w, preset)
        expected = synthesize(truth, preset, w.document.model_card)
        assert w.document.result.model_id == expected.model_id
        assert check_cells_match(w, expected, truth) == 13  # 12 cells + the lead II rhythm strip
        labels = {ci.cell.lead: ci.label.textItem.toPlainText() for ci in w.grid.cell_items() if not ci.cell.rhythm}
        for lead in STANDARD_LEADS:
            assert str(expected.provenance_of(lead)).upper() in labels[lead].upper(), labels[lead]
    assert "measured" in w.record_panel.leads.item(0, 1).text()
    assert not error_boxes


def test_pcc_badges_equal_core_metric(qtbot, make_window, shared_data, error_boxes) -> None:
    w = make_window()
    path = ludb(shared_data, 2)
    open_and_wait(qtbot, w, path)
    truth, result = read_record(path), w.document.result
    synthesized = result.leads_with(Provenance.SYNTHESIZED)
    assert synthesized
    badges = {ci.cell.lead: ci for ci in w.grid.cell_items() if ci.badge is not None}
    assert set(badges) == set(synthesized)
    # Against the default reference (the baseline-corrected truth, leadsynth_core.scoring).
    from leadsynth_core.scoring import DEFAULT_REFERENCE, reference_truth

    assert w.document.score_reference == DEFAULT_REFERENCE
    truth = reference_truth(truth, synthesized, DEFAULT_REFERENCE)
    for lead, ci in badges.items():
        pcc = metrics.pcc(truth.lead(lead), result.lead(lead))
        assert w.document.scores[lead].pcc == pytest.approx(pcc, abs=1e-12)
        assert ci.badge.textItem.toPlainText() == f"PCC {pcc:.2f}"
        rmse = metrics.rmse(truth.lead(lead), result.lead(lead))
        assert f"RMSE {rmse:.3f} mV" in ci.badge.toolTip()
    table = w.metrics.table
    rows = {table.item(r, 0).text(): r for r in range(table.rowCount())}
    for lead in synthesized:
        assert float(table.item(rows[lead], 1).text()) == pytest.approx(w.document.scores[lead].pcc, abs=5e-4)
    # Review mode keeps the labels but drops the truth overlay and the badges.
    w.view_state.set_mode("review")
    for ci in w.grid.cell_items():
        assert ci.truth is None and ci.badge is None
        if ci.display.provenance is Provenance.SYNTHESIZED:
            assert "SYNTHESIZED" in ci.label.textItem.toPlainText()
    assert not error_boxes


def test_layout_speed_and_gain_move_the_data(qtbot, make_window, shared_data) -> None:
    w = make_window()
    path = ludb(shared_data, 3)
    open_and_wait(qtbot, w, path)
    vs = w.view_state

    def v1() -> tuple[np.ndarray, np.ndarray, CellItems]:
        ci = next(c for c in w.grid.cell_items() if c.cell.lead == "V1")
        x, y = ci.trace.getData()
        return x.copy(), y.copy(), ci

    x10, y10, _ = v1()
    vs.set_gain(20.0)
    x20, y20, _ = v1()
    np.testing.assert_allclose(y20, 2 * y10)
    np.testing.assert_allclose(x20, x10)
    vs.set_gain(10.0)
    vs.set_speed(50.0)
    x50, y50, ci = v1()
    # Twice the paper per second: the same cell holds half the time, at twice the x scale.
    assert len(x50) == pytest.approx(len(x10) / 2, abs=2)
    assert np.diff(x50).mean() == pytest.approx(2 * np.diff(x10).mean())
    vs.set_speed(25.0)
    vs.set_layout("12x1")
    cells = w.grid.cell_items()
    assert [c.cell.lead for c in cells] == list(STANDARD_LEADS)
    rec = w.document.record
    for ci in cells:  # 250 mm at 25 mm/s: the full 10 s in every row
        idx, _ = drawn_samples(w, ci, ci.trace)
        assert idx[0] == 0 and idx[-1] == rec.n_samples - 1
    vs.set_layout("6x2")
    assert len(w.grid.cell_items()) == 12
    assert w.settings.value("view/layout") == "6x2"


def test_settings_persist_between_windows(qtbot, make_window) -> None:
    w = make_window()
    w.view_state.set_layout("12x1")
    w.view_state.set_gain(5.0)
    w.set_inputs(("I", "II"))
    w.close()
    w2 = make_window()
    assert w2.view_state.layout == "12x1"
    assert w2.view_state.gain == 5.0
    assert w2.document.inputs == ("I", "II")


def test_filters_are_view_only_and_always_shown(qtbot, make_window, shared_data) -> None:
    w = make_window()
    path = ludb(shared_data, 4)
    open_and_wait(qtbot, w, path)
    raw = w.document.record.signal.copy()
    ci = next(c for c in w.grid.cell_items() if c.cell.lead == "I")
    _, y_raw = ci.trace.getData()
    y_raw = y_raw.copy()
    assert "none" in w.filter_label.text()
    w.baseline_action.trigger()
    w.lowpass_actions[40].trigger()
    assert "baseline" in w.filter_label.text() and "40 Hz" in w.filter_label.text()
    ci = next(c for c in w.grid.cell_items() if c.cell.lead == "I")
    _, y_f = ci.trace.getData()
    assert not np.allclose(y_f, y_raw)
    np.testing.assert_array_equal(w.document.record.signal, raw)
    np.testing.assert_array_equal(read_record(path).signal, raw)


def test_long_record_pans_and_decimates(qtbot, make_window, tmp_path) -> None:
    fs, seconds = 1000.0, 120
    t = np.arange(int(fs * seconds)) / fs
    rng = np.random.default_rng(0)
    sig = np.stack([np.sin(2 * np.pi * (1 + i / 7) * t) + 0.05 * rng.standard_normal(t.size)
                    for i in range(12)], axis=1).astype(np.float32)
    path = write_record(EcgRecord(sig, fs, STANDARD_LEADS, source=None), tmp_path / "long.h5")
    w = make_window()
    w.set_inputs(STANDARD_LEADS)  # everything measured: nothing to synthesize
    open_and_wait(qtbot, w, path)
    rec = w.document.record
    w.view_state.set_position(42.0, rec.duration)
    assert w.grid.scroll.value() == 4200
    ci = next(c for c in w.grid.cell_items() if c.cell.lead == "I")
    idx, vals = drawn_samples(w, ci, ci.trace)
    assert idx[0] == 42000
    np.testing.assert_allclose(vals, rec.lead("I")[idx], atol=1e-5)
    # Zoom far out: min/max decimation keeps the extremes with fewer points.
    w.grid.view_box.setRange(xRange=(-2000, 2300), padding=0)
    qtbot.waitUntil(lambda: len(ci.trace.getData()[0]) < (idx[-1] - idx[0]) / 2, timeout=5000)
    _, y = ci.trace.getData()
    seg = rec.lead("I")[idx[0]: idx[-1] + 1]
    assert y.max() / w.view_state.gain == pytest.approx(seg.max(), abs=1e-5)
    assert y.min() / w.view_state.gain == pytest.approx(seg.min(), abs=1e-5)
    w.grid.step_time(1.0)
    assert w.view_state.position == pytest.approx(52.0)


def test_exports_carry_provenance(qtbot, make_window, shared_data, tmp_path, error_boxes) -> None:
    w = make_window()
    open_and_wait(qtbot, w, ludb(shared_data, 5))
    pdf = w.export_view(tmp_path / "view.pdf")
    png = w.export_view(tmp_path / "view.png")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    from PySide6.QtGui import QImage

    image = QImage(str(png))
    assert image.width() == pytest.approx(297 / 25.4 * 300, abs=2)  # A4 landscape at 300 dpi
    assert image.dotsPerMeterX() == pytest.approx(300 / 0.0254, abs=2)
    result = w.document.result
    from app.render.page import footer_lines

    footer = "\n".join(footer_lines(w.document, w.view_state))
    assert f"SYNTHESIZED: {', '.join(result.leads_with(Provenance.SYNTHESIZED))}" in footer
    assert f"measured: {', '.join(result.leads_with(Provenance.MEASURED))}" in footer
    assert result.model_id in footer and "Display filters: none" in footer
    for target in (tmp_path / "out" / "synth.hea", tmp_path / "out" / "synth.h5"):
        w.save_record(target)
        qtbot.waitUntil(lambda: not w.tasks.is_running("export"), timeout=30_000)
        back = read_record(target)
        assert back.lead_names == STANDARD_LEADS
        assert back.provenance == result.provenance
        assert back.model_id == result.model_id
        np.testing.assert_allclose(back.signal, result.signal, atol=2e-3)
    assert not error_boxes


def test_bad_file_shows_error_and_keeps_previous_record(qtbot, make_window, shared_data, tmp_path, error_boxes) -> None:
    w = make_window()
    good = ludb(shared_data, 6)
    open_and_wait(qtbot, w, good)
    previous = w.document.record
    bad = tmp_path / "broken.hea"
    bad.write_text("this is not a WFDB header\n")
    with qtbot.waitSignal(w.notifier.error_raised, timeout=10_000) as blocker:
        w.open_path(bad)
    assert "broken" in blocker.args[1] or "broken" in blocker.args[0]
    assert error_boxes and error_boxes[-1][0] == blocker.args[0]
    assert w.document.record is previous
    assert w.document.path == good
    error_boxes.clear()


def test_stale_synthesis_is_discarded(qtbot, make_window, shared_data) -> None:
    w = make_window()
    open_and_wait(qtbot, w, ludb(shared_data, 7))
    for preset in (("I", "II"), ("I", "II", "V3"), ("I", "II", "V4")):
        w.set_inputs(preset)  # no waiting: each supersedes the previous run
    wait_synthesis(qtbot, w)
    assert w.document.inputs == ("I", "II", "V4")
    assert w.document.result.leads_with(Provenance.MEASURED) == ("I", "II", "V4")


def test_median_beats_overlay(qtbot, make_window, shared_data) -> None:
    w = make_window()
    open_and_wait(qtbot, w, ludb(shared_data, 8))
    w.tabs.setCurrentWidget(w.median)
    qtbot.waitUntil(lambda: bool(w.median.curves), timeout=30_000)  # beats are found in a worker
    curves = w.median.curves
    synth = w.document.result.leads_with(Provenance.SYNTHESIZED)
    for lead in synth:
        assert {"truth", "trace"} <= set(curves[lead])
        _, ys = curves[lead]["trace"].getData()
        _, yt = curves[lead]["truth"].getData()
        assert ys.shape == yt.shape and np.isfinite(ys).all()


def test_cancel_discards_the_running_synthesis(qtbot, make_window, shared_data) -> None:
    w = make_window()
    open_and_wait(qtbot, w, ludb(shared_data, 9))
    w.set_inputs(("I", "II", "V3"))
    assert w.tasks.is_running("synthesis") and w.cancel_button.isVisible()
    w.synthesis.cancel()
    assert w.document.state == ViewerDocument.CANCELLED
    qtbot.waitUntil(lambda: w.tasks.active_count() == 0, timeout=30_000)
    qtbot.wait(50)
    assert w.document.result is None  # a late result of the cancelled run is not applied
    assert not w.cancel_button.isVisible()


def test_close_while_loading_and_synthesizing_stops_workers(qtbot, make_window, shared_data) -> None:
    w = make_window()
    w.open_path(ludb(shared_data, 10))
    w.close()  # the fixture fails if a thread or a window is left behind
    assert w.tasks.active_count() == 0


def test_multi_record_hdf5_offers_a_chooser_and_recent_files(qtbot, make_window, tmp_path, monkeypatch) -> None:
    from leadsynth_core.io import write_records

    fs = 500.0
    t = np.arange(5000) / fs
    recs = {
        key: EcgRecord((np.stack([np.sin(2 * np.pi * f * t + i) for i in range(12)], axis=1)).astype(np.float32),
                       fs, STANDARD_LEADS, patient_id=key)
        for key, f in (("first", 1.0), ("second", 1.7))
    }
    path = tmp_path / "many.h5"
    write_records(recs, path)
    offered: list[list[str]] = []

    def fake_get_item(_parent, _title, _label, items, *_args):
        offered.append(list(items))
        return "second", True

    monkeypatch.setattr("app.shell.dialogs.QInputDialog.getItem", fake_get_item)
    w = make_window()
    w.set_inputs(STANDARD_LEADS)
    w.open_path(path)
    wait_synthesis(qtbot, w)
    assert offered == [["first", "second"]]
    assert w.document.key == "second" and w.document.record.patient_id == "second"
    assert w.settings.recent_files()[0] == f"{path}::second"
    assert "second" in w.record_panel.fields["File"].text()


def test_drop_a_file_opens_it(qtbot, make_window, shared_data) -> None:
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    w = make_window()
    mime = QMimeData()
    path = ludb(shared_data, 11)
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    w.dropEvent(event)
    wait_synthesis(qtbot, w)
    assert w.document.path == path


def test_about_box_shows_the_version(qtbot, make_window, monkeypatch) -> None:
    from leadsynth_core._version import __version__

    shown: list[str] = []
    monkeypatch.setattr("app.shell.dialogs.QMessageBox.about", lambda _p, _t, text: shown.append(text))
    w = make_window()
    next(a for a in w.actions() if a.text() == "&About LeadSynth").trigger()
    assert shown and __version__ in shown[0]


def test_keyboard_shortcuts_drive_the_view(qtbot, make_window, shared_data) -> None:
    from PySide6.QtCore import Qt

    w = make_window()
    open_and_wait(qtbot, w, ludb(shared_data, 12))
    w.grid.plot.setFocus()
    qtbot.keyClick(w, Qt.Key.Key_2)
    wait_synthesis(qtbot, w)
    assert w.document.inputs == PRESETS[1][1]
    layout, speed, gain = w.view_state.layout, w.view_state.speed, w.view_state.gain
    qtbot.keyClick(w, Qt.Key.Key_L)
    qtbot.keyClick(w, Qt.Key.Key_S)
    qtbot.keyClick(w, Qt.Key.Key_G)
    assert (w.view_state.layout, w.view_state.speed, w.view_state.gain) != (layout, speed, gain)
    assert w.view_state.layout != layout and w.view_state.speed != speed and w.view_state.gain != gain
    assert f"{w.view_state.speed:g} mm/s" in w.scale_label.text()


def test_reopened_output_never_promotes_synthesized_leads(qtbot, make_window, shared_data, tmp_path) -> None:
    """A LeadSynth output opened again keeps its provenance; its synthesized leads cannot be inputs."""
    truth = read_record(ludb(shared_data, 13))
    out = write_record(synthesize(truth, "I,II,V2,V4"), tmp_path / "synth.hea")
    w = make_window()
    w.set_inputs(STANDARD_LEADS, fixed=True)  # show the file as read: fixed, as --inputs does
    w.open_path(out)
    qtbot.waitUntil(lambda: w.document.record is not None and w.tasks.active_count() == 0, timeout=30_000)
    for ci in w.grid.cell_items():
        assert ci.display.provenance is w.document.record.provenance_of(ci.cell.lead)
        if ci.display.provenance is Provenance.SYNTHESIZED:
            assert "SYNTHESIZED" in ci.label.textItem.toPlainText()
    assert not w.picker.toggles["V1"].isEnabled()
    assert w.picker.toggles["V2"].isEnabled()
    assert w.document.state == ViewerDocument.FAILED  # 12 "inputs" include synthesized leads
    assert w.document.result is None
    # Not fixed (issue 13, item 5): the file's measured leads, and only they, become inputs.
    w.set_inputs(STANDARD_LEADS)
    w.open_path(out)
    wait_synthesis(qtbot, w)
    assert w.document.inputs == ("I", "II", "V2", "V4")
    assert w.document.result.leads_with(Provenance.MEASURED) == ("I", "II", "V2", "V4")
    assert set(w.document.result.leads_with(Provenance.SYNTHESIZED)) == {"V1", "V3", "V5", "V6"}


def test_true_size_is_calibrated_to_the_screen(qtbot, make_window) -> None:
    from app.views.ecg_grid import physical_px_per_mm

    w = make_window()
    w.grid.true_size()
    qtbot.waitUntil(lambda: abs(w.grid.zoom_ratio() - 1.0) < 1e-3, timeout=2000)
    # 1 mm of paper spans the screen's physical pixels per mm, both ways (aspect locked).
    px_w, px_h = w.grid.view_box.viewPixelSize()
    assert 1.0 / px_w == pytest.approx(physical_px_per_mm(w.grid), rel=1e-3)
    assert px_w == pytest.approx(px_h, rel=1e-3)
    qtbot.waitUntil(lambda: w.zoom_label.text() == "Zoom 100%", timeout=2000)


def test_record_panel_shows_reader_notes(qtbot, shared_data) -> None:
    """LUDB's inconsistent header gains are corrected on reading, and the viewer says so."""
    from app.state.document import ViewerDocument
    from app.views.record_panel import RecordPanel
    from leadsynth_core.io import read_record

    doc = ViewerDocument()
    panel = RecordPanel(doc)
    qtbot.addWidget(panel)
    path = shared_data / "ludb" / "data" / "3"
    doc.set_record(read_record(path), path=path.with_suffix(".hea"))
    assert "Einthoven" in panel.fields["Notes"].text()


def test_model_indicator_states_the_validation_pcc_of_the_chosen_inputs(qtbot, make_window, shared_data,
                                                                       error_boxes) -> None:
    """The reader sees how far a reconstruction from these inputs can be trusted: the card's
    own validation figure, which is much lower for lead I alone than for I,II,V2,V4."""
    from leadsynth_core.models import load_model

    w = make_window()
    open_and_wait(qtbot, w, ludb(shared_data, 3))
    shown = {}
    for leads in (("I", "II", "V2", "V4"), ("I",)):
        click_preset(qtbot, w, leads)
        card = w.document.model_card
        pcc, data = card.validation_pcc(leads)
        text = w.picker.model_label.text()
        assert f"validation: mean PCC {pcc:.2f} with these inputs ({data}, raw leads)" in text, text
        assert pcc == load_model(card.id).card.metrics["by_inputs"][",".join(leads)]["mean_pcc"]
        shown[leads] = pcc
    assert shown[("I",)] < shown[("I", "II", "V2", "V4")] - 0.05
    assert not error_boxes


def test_legend_stays_on_the_page_at_any_zoom(qtbot, make_window, shared_data) -> None:
    """A long model name wraps the legend onto a second line instead of running off the paper."""
    w = make_window()
    w.resize(1200, 800)
    w.show()
    qtbot.waitExposed(w)
    open_and_wait(qtbot, w, ludb(shared_data, 1))
    grid = w.grid

    def right_edge_mm() -> float:
        legend = grid._legend
        box = legend.mapRectToView(legend.boundingRect())
        return box.right()

    page_right = grid.geometry_mm.width
    for zoom in (None, 0.5, 2.0):
        if zoom is None:
            grid.fit_page()
        else:
            grid.zoom(zoom)
        qtbot.waitUntil(lambda: right_edge_mm() <= page_right + 0.5, timeout=3000)
    assert w.document.model_name in grid.legend_text().replace("\n", " ")
    # Zoomed in far enough, the legend is one line again.
    grid.true_size()
    grid.zoom(3.0)
    qtbot.waitUntil(lambda: grid._legend.textItem.textWidth() < 0, timeout=3000)


def test_synthesis_threads_leave_room_for_the_desktop(qtbot, make_window, shared_data) -> None:
    import torch

    from leadsynth_core.runtime import inference_threads

    assert [inference_threads(n) for n in (1, 2, 3, 4, 8, 16, 64)] == [1, 1, 1, 2, 4, 4, 4]
    w = make_window()
    open_and_wait(qtbot, w, ludb(shared_data, 2))
    assert torch.get_num_threads() == inference_threads()


def test_scores_against_the_baseline_corrected_truth(qtbot, make_window, shared_data, tmp_path, error_boxes) -> None:
    """By default table, badges, legend, median beats and export footer score against the
    high-passed truth (issue 13, item 2: the synthesized leads are baseline-free by design)
    and say so; one setting switches all of them to the stored samples, without
    synthesizing again; the stored samples are untouched."""
    from leadsynth_core.preprocess import highpass

    w = make_window()
    path = ludb(shared_data, 4)
    open_and_wait(qtbot, w, path)
    truth, result = read_record(path), w.document.result
    assert w.document.score_reference == "highpass"
    assert "vs. baseline-corrected truth (0.5 Hz high-pass)" in w.metrics.note.text()
    assert "truth and scores: baseline-corrected truth (0.5 Hz high-pass)" in w.grid.legend_text()
    badges = {ci.cell.lead: ci for ci in w.grid.cell_items() if ci.badge is not None}
    for lead in result.leads_with(Provenance.SYNTHESIZED):
        want = metrics.pcc(highpass(truth.lead(lead), truth.fs, 0.5), result.lead(lead))
        assert w.document.scores[lead].pcc == pytest.approx(want, abs=1e-6)
        assert badges[lead].badge.textItem.toPlainText() == f"PCC {want:.2f}"
    from app.render.page import footer_lines

    assert any("vs. baseline-corrected truth" in line for line in footer_lines(w.document, w.view_state))
    # The truth drawn (and shaded against) is the one scored: the baseline-corrected truth,
    # so the difference band shows what the PCC counts, not the file's baseline wander.
    ci = badges[result.leads_with(Provenance.SYNTHESIZED)[0]]
    idx, values = drawn_samples(w, ci, ci.truth)
    np.testing.assert_allclose(values, highpass(truth.lead(ci.cell.lead), truth.fs, 0.5)[idx], atol=1e-4)
    hp_scores = dict(w.document.scores)

    w.metrics.reference.setCurrentIndex(w.metrics.reference.findData("raw"))
    qtbot.waitUntil(lambda: w.document.score_reference == "raw", timeout=30_000)
    assert w.document.result is result  # rescored, not synthesized again
    assert w.settings.value("scores/reference") == "raw"
    badges = {ci.cell.lead: ci for ci in w.grid.cell_items() if ci.badge is not None}
    for lead in result.leads_with(Provenance.SYNTHESIZED):
        want = metrics.pcc(truth.lead(lead), result.lead(lead))
        assert w.document.scores[lead].pcc == pytest.approx(want, abs=1e-6)
        assert badges[lead].badge.textItem.toPlainText() == f"PCC {want:.2f}"
    # ... and the truth drawn is then the stored samples, as read.
    ci = badges[result.leads_with(Provenance.SYNTHESIZED)[0]]
    idx, values = drawn_samples(w, ci, ci.truth)
    np.testing.assert_allclose(values, truth.lead(ci.cell.lead)[idx], atol=1e-5)
    # LUDB carries baseline wander: the baseline-corrected comparison is the kinder one.
    assert np.mean([s.pcc for s in hp_scores.values()]) > np.mean([s.pcc for s in w.document.scores.values()])
    assert "stored samples" in w.metrics.note.text() and "truth and scores: stored samples" in w.grid.legend_text()
    assert any("vs. stored samples" in line for line in footer_lines(w.document, w.view_state))
    # A new window keeps the choice (settings persist), and a new synthesis scores with it.
    w2 = make_window()
    assert w2.metrics.reference.currentData() == "raw"
    open_and_wait(qtbot, w2, path)
    assert w2.document.score_reference == "raw"
    assert not error_boxes


def test_settings_of_an_older_version_keep_an_explicit_reference(isolated_settings: Path) -> None:
    """A viewer.ini written before the default changed: an explicit "raw" stays raw, a file
    without the key gets the new default (the old default was never written)."""
    from app.state.document import ViewState
    from app.state.settings import Settings

    ini = isolated_settings / "viewer.ini"
    ini.write_text("[view]\nlayout=3x4\n", encoding="utf-8")
    assert ViewState(Settings()).score_reference == "highpass"
    ini.write_text("[view]\nlayout=3x4\n\n[scores]\nreference=raw\n", encoding="utf-8")
    assert ViewState(Settings()).score_reference == "raw"
    ini.write_text("[scores]\nreference=bogus\n", encoding="utf-8")
    assert ViewState(Settings()).score_reference == "highpass"


def test_presentation_mode_shows_the_page_alone_and_restores_the_window(qtbot, make_window, shared_data) -> None:
    from PySide6.QtWidgets import QDockWidget, QToolBar

    w = make_window()
    open_and_wait(qtbot, w, ludb(shared_data, 5))
    docks = w.findChildren(QDockWidget)
    assert docks and all(d.isVisible() for d in docks)
    labels_before = [ci.label.textItem.toPlainText() for ci in w.grid.cell_items()]
    w.presentation_action.trigger()
    assert w.is_presentation() and w.presentation_action.isChecked()
    qtbot.waitUntil(lambda: not any(d.isVisible() for d in docks), timeout=3000)
    assert not w.menuBar().isVisible() and not w.statusBar().isVisible()
    assert not any(t.isVisible() for t in w.findChildren(QToolBar))
    # Provenance stays on the page: the same labels, the legend, the badges.
    assert [ci.label.textItem.toPlainText() for ci in w.grid.cell_items()] == labels_before
    assert "SYNTHESIZED" in w.grid.legend_text()
    assert any(ci.badge is not None for ci in w.grid.cell_items())
    w.presentation_action.trigger()
    assert not w.is_presentation()
    qtbot.waitUntil(lambda: all(d.isVisible() for d in docks), timeout=3000)
    assert w.menuBar().isVisible() and w.statusBar().isVisible() and not w.isFullScreen()


def test_next_and_previous_file_of_the_folder(qtbot, make_window, tmp_path, error_boxes) -> None:
    """File > Open next / previous file in this folder: a batch of exports read one by one."""
    import shutil

    from leadsynth_core.io import neighbour_record

    folder = Path(__file__).parents[1] / "data" / "alivecor"
    for name in ("kardia_1l_enhanced_v4.atc", "kardia_6l_api.json", "kardia_6l_v3.atc"):
        shutil.copy(folder / name, tmp_path / name)
    (tmp_path / "notes.txt").write_text("not a recording\n", encoding="utf-8")
    w = make_window()
    w.set_inputs(("I",), fixed=True)
    infos: list[str] = []
    w.notifier.info_posted.connect(infos.append)
    w.open_path(tmp_path / "kardia_1l_enhanced_v4.atc")
    qtbot.waitUntil(lambda: w.document.path is not None and w.document.path.name == "kardia_1l_enhanced_v4.atc",
                    timeout=20000)
    w.open_neighbour(-1)
    assert infos[-1].startswith("First recording of")
    for name in ("kardia_6l_api.json", "kardia_6l_v3.atc"):  # notes.txt is no recording: skipped
        w.open_neighbour(1)
        qtbot.waitUntil(lambda n=name: w.document.path.name == n, timeout=20000)
    w.open_neighbour(1)
    assert infos[-1].startswith("Last recording of") and w.document.path.name == "kardia_6l_v3.atc"
    assert neighbour_record(tmp_path / "kardia_6l_v3.atc", -2).name == "kardia_1l_enhanced_v4.atc"
    assert not error_boxes
