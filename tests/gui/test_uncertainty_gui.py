"""The calibrated band in the viewer: toggle, confidence indicator, band over time, export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage

from app.controllers.export import export_png
from app.render.page import footer_lines
from app.shell.main_window import MainWindow
from leadsynth_core.io import Hdf5RecordWriter, read_record, sample_path

from .conftest import wait_synthesis

pytestmark = pytest.mark.gui

INPUTS = ("I", "II", "V2", "V4")


@pytest.fixture
def patch_file(tmp_path: Path) -> Path:
    """A 4-lead recording without the other leads: no truth for anything synthesized."""
    path = tmp_path / "patch.h5"
    base = read_record(sample_path())
    with Hdf5RecordWriter(path, base.fs, INPUTS) as writer:
        writer.append(base.select(INPUTS).signal)
    return path


def _open(qtbot, w: MainWindow, path: Path, inputs: tuple[str, ...]) -> None:
    w.set_inputs(inputs)
    w.open_path(path)
    wait_synthesis(qtbot, w)
    qtbot.waitUntil(lambda: w.document.band is not None, timeout=10_000)


@pytest.mark.parametrize("truth", [True, False], ids=["with-truth", "without-truth"])
def test_band_toggle_and_indicator(qtbot, make_window, patch_file: Path, truth: bool) -> None:
    w = make_window()
    _open(qtbot, w, sample_path() if truth else patch_file, INPUTS)
    overlay = w.band_overlay
    path = overlay.band_path("V1")
    assert path is not None and not path.isEmpty()
    # The band encloses the trace: it is wider than the trace's own vertical extent.
    trace = next(ci.trace for ci in w.grid.cell_items() if ci.cell.lead == "V1")
    assert path.boundingRect().height() > trace.boundingRect().height()
    assert overlay.band_path("I") is None and overlay.indicator_text("I") is None  # measured: no band
    assert overlay.band_path("III") is None  # derived from I, II: exact, no band
    text = overlay.indicator_text("V1")
    assert text is not None and ("confidence" in text or "narrow band" in text)
    assert "90 % band, calibrated on LUDB 161-200" in w.grid.legend_text()
    w.band_action.trigger()  # off
    assert overlay.band_path("V1") is None
    assert overlay.indicator_text("V1") is not None  # the indicator does not need the band drawn
    assert "band hidden" in w.grid.legend_text()
    assert w.settings.value("view/band") is False
    w.band_action.trigger()  # on again
    assert overlay.band_path("V1") is not None


def test_band_setting_persists_and_presentation_hides_it(qtbot, make_window) -> None:
    w = make_window()
    _open(qtbot, w, sample_path(), INPUTS)
    w.set_presentation(True)
    assert w.band_overlay.band_path("V1") is None  # off in presentation mode unless chosen
    w.band_presentation_action.trigger()
    assert w.band_overlay.band_path("V1") is not None
    w.set_presentation(False)
    w.band_action.trigger()
    assert w.band_overlay.band_path("V1") is None
    w2 = make_window()
    assert not w2.band_action.isChecked() and w2.band_presentation_action.isChecked()
    assert w2.view_state.band is False


@pytest.mark.parametrize("truth", [True, False], ids=["with-truth", "without-truth"])
def test_band_over_time_plot(qtbot, make_window, patch_file: Path, truth: bool) -> None:
    w = make_window()
    _open(qtbot, w, sample_path() if truth else patch_file, INPUTS)
    plot = w.agreement_view.band_plot
    assert set(plot.curves) == {"V1", "V3", "V5", "V6", "mean"}
    x, y = plot.curve_data("mean")
    band = w.document.band
    # One point per beat found on the measured leads, at its R peak.
    assert len(band.beats) >= 8 and x.size == len(band.beats) and np.isfinite(y).all()
    fs = band.result.fs
    np.testing.assert_allclose(x, band.beats / fs)
    # The mean curve is the band's mean full width over the synthesized leads, per cardiac
    # cycle: the second beat's bin runs half-way to its neighbours on either side.
    cols = [band.result.lead_names.index(n) for n in ("V1", "V3", "V5", "V6")]
    b = band.beats
    a, e = (b[0] + b[1]) // 2, (b[1] + b[2]) // 2
    np.testing.assert_allclose(y[1], 2 * band.half_width[a:e, cols].mean(), rtol=1e-4)
    assert "per beat" in plot.title.text()
    assert "calibrated on" in plot.title.text() and "no measured truth needed" in plot.title.text()
    with qtbot.waitSignal(plot.jump_requested, timeout=1000):
        plot.jump_requested.emit(3.0)


def test_band_over_time_plot_follows_the_theme_and_reads_in_mv(qtbot, make_window, patch_file: Path) -> None:
    from app.render.theme import DARK, LIGHT

    w = make_window()
    _open(qtbot, w, patch_file, INPUTS)
    plot = w.agreement_view.band_plot
    for th in (LIGHT, DARK):
        w.view_state.set_theme(th.name)
        background = plot.plot.backgroundBrush().color()
        mean_ink = plot.curves["mean"].opts["pen"].color()
        # The mean curve was black on pyqtgraph's default black background: invisible.
        assert background.name() == ("#ffffff" if th is LIGHT else th.paper.name())
        assert mean_ink.name() == th.measured.name() != background.name()
        assert plot.plot.getAxis("left").textPen().color().name() == th.label.name()
    # Widths in mV as such: no "(x0.001)" SI scaling beside the unit.
    left = plot.plot.getAxis("left")
    assert not left.autoSIPrefix and left.autoSIPrefixScale == 1.0


def test_export_draws_the_band_and_names_the_calibration(qtbot, make_window, tmp_path: Path) -> None:
    w = make_window()
    _open(qtbot, w, sample_path(), ("I",))
    lines = footer_lines(w.document, w.view_state)
    assert any(line.startswith("Band: 90 % band, calibrated on") for line in lines)
    on = export_png(tmp_path / "on.png", w.document, w.view_state, dpi=100)
    w.band_action.trigger()
    off = export_png(tmp_path / "off.png", w.document, w.view_state, dpi=100)
    a, b = QImage(str(on)), QImage(str(off))
    # The band's translucent fill changes many pixels of the synthesized cells.
    diff = sum(a.pixel(x, y) != b.pixel(x, y) for x in range(0, a.width(), 4) for y in range(0, a.height(), 4))
    assert diff > 500


def test_save_12_lead_writes_the_band_shown(qtbot, make_window, patch_file: Path, tmp_path: Path,
                                             error_boxes) -> None:
    from leadsynth_core.record import Provenance
    from leadsynth_core.uncertainty.files import read_hdf5_band, read_wfdb_band

    w = make_window()
    _open(qtbot, w, patch_file, INPUTS)
    result, band = w.document.result, w.document.band
    synth = [j for j, p in enumerate(result.provenance) if p is Provenance.SYNTHESIZED]
    half = band.half_width[:, synth]
    posted: list[str] = []
    w.notifier.info_posted.connect(posted.append)
    for target in (tmp_path / "out.h5", tmp_path / "out.hea", tmp_path / "out.edf"):
        w.save_record(target)
        qtbot.waitUntil(lambda: not w.tasks.is_running("export"), timeout=30_000)
        back = read_record(target)
        assert back.provenance == result.provenance
        if target.suffix == ".h5":
            low, high, level, text = read_hdf5_band(target)
            assert level == pytest.approx(0.9) and text == band.calibration
            np.testing.assert_allclose(((high - low) / 2)[:, synth], half, atol=1e-5)
            assert np.isnan(low[:, [j for j in range(12) if j not in synth]]).all()
            assert "with the 90 % band" in posted[-1]
        elif target.suffix == ".hea":
            leads, low, high = read_wfdb_band(tmp_path / "out_band")
            assert leads == [result.lead_names[j] for j in synth]
            np.testing.assert_allclose((high - low) / 2, half, atol=2e-3)  # 1 uV resolution
            assert "with the 90 % band" in posted[-1]
        else:  # EDF+ has no place for it: saved without, and the message says so
            assert "without the band" in posted[-1]
    assert not error_boxes


def test_a_band_taller_than_its_row_stays_in_the_row(qtbot, make_window, shared_data, tmp_path) -> None:
    """PTB S0002 from lead I alone (a watch) at 20 mm/mV: the chest bands are wider than the rows.

    They are kept within their lead's row instead of covering the neighbours' traces (the
    lead's indicator already reads LOW).
    """
    from leadsynth_core.io import write_record

    rec = read_record(shared_data / "cinc2021" / "PTB_PTBXL" / "S0002.hea").select(["I"]).replace(source=None)
    path = write_record(rec, tmp_path / "watch.hea")
    w = make_window()
    _open(qtbot, w, Path(path), ("I",))
    # at 20 mm/mV the chest bands are taller than their rows whatever the model's spread
    w.view_state.set_gain(20.0)
    overlay = w.band_overlay
    tallest = 0.0
    for k, ci in enumerate(w.grid.cell_items()):
        fill = overlay.fills.get(k)
        if fill is None or not fill.isVisible():
            continue
        rect = fill.path().boundingRect().translated(fill.pos())
        assert ci.cell.top - ci.cell.height - 1e-6 <= rect.top() and rect.bottom() <= ci.cell.top + 1e-6, ci.cell.lead
        tallest = max(tallest, rect.height() / ci.cell.height)
    assert tallest > 0.99  # some band does reach the row's edges: the clipping is exercised


def test_no_two_lead_curves_share_a_pen_from_lead_i_alone(qtbot, make_window) -> None:
    # From lead I alone ten leads carry a band and eleven are scored: more than the eight
    # colours, so II and V4 were drawn in the same blue in both time plots.
    w = make_window()
    _open(qtbot, w, sample_path(), ("I",))
    qtbot.waitUntil(lambda: len(w.agreement_view.curves) > 9, timeout=10_000)
    for curves in (w.agreement_view.band_plot.curves, w.agreement_view.curves):
        leads = [n for n in curves if n != "mean"]
        assert len(leads) >= 9
        pens = {(curves[n].opts["pen"].color().name(), curves[n].opts["pen"].style()) for n in leads}
        assert len(pens) == len(leads)


def test_the_legends_sit_beside_the_data_not_over_it(qtbot, make_window) -> None:
    # Inside the plot the PCC legend covered the lowest curves: the worst leads.
    w = make_window()
    w.resize(1600, 900)
    w.show()
    _open(qtbot, w, sample_path(), ("I",))
    qtbot.waitUntil(lambda: len(w.agreement_view.curves) > 9, timeout=10_000)
    for plot in (w.agreement_view.plot, w.agreement_view.band_plot.plot):
        item = plot.getPlotItem()
        qtbot.waitUntil(lambda item=item: item.legend.sceneBoundingRect().left() > 0, timeout=5000)  # laid out
        data = item.vb.sceneBoundingRect()
        legend = item.legend.sceneBoundingRect()
        assert legend.width() > 0 and legend.height() > 0
        assert legend.left() >= data.right() - 1.0  # beside the data (edges may touch)


def _expect_rows(w: MainWindow) -> dict[str, list[str]]:
    table = w.metrics.expect_table
    return {table.item(r, 0).text(): [table.item(r, c).text() for c in range(1, table.columnCount())
                                       if not table.isColumnHidden(c)]
            for r in range(table.rowCount())}


def test_without_truth_the_scores_dock_says_what_to_expect_of_each_lead(qtbot, make_window, patch_file: Path) -> None:
    """A patch: no PCC can be shown, so each synthesized lead gets this recording's band at
    the QRS, its confidence level and the model's own validation PCC instead of an empty table."""
    w = make_window()
    _open(qtbot, w, patch_file, INPUTS)
    panel, band = w.metrics, w.document.band
    assert not panel.table.isVisibleTo(panel) and not panel.reference.isVisibleTo(panel)
    assert panel.expect_table.isVisibleTo(panel)
    assert "no PCC can be shown" in panel.note.text()
    rows = _expect_rows(w)
    assert list(rows) == ["V1", "V3", "V5", "V6"]  # the synthesized leads, in page order
    card = w.document.model_card
    figures = card.metrics["by_inputs"][",".join(INPUTS)]["leads"]
    for lead, (width, ratio, level, pcc) in rows.items():
        conf = band.confidence[lead]
        assert width == f"{conf.qrs_width_mv:.2f}" and ratio == f"{100 * conf.ratio:.0f} %"
        assert level == {"high": "narrow", "moderate": "moderate", "low": "LOW"}[conf.level]
        assert pcc == f"{figures[lead]['mean_pcc']:.2f}"
    note = panel.expect_note.text()
    assert band.calibration in note and card.metrics["data"] in note and "population figure" in note
    # The Agreement tab shows the band over time alone: no empty PCC plot, table or controls.
    assert not w.agreement_view.pcc_area.isVisibleTo(w.agreement_view)
    assert w.agreement_view.band_plot.isVisibleTo(w.agreement_view)
    # The median beats do not claim a truth under the synthesized leads.
    w.tabs.setCurrentWidget(w.median)
    qtbot.waitUntil(lambda: "Median of" in w.median.info.text(), timeout=10_000)
    assert "no measured truth for them, so no PCC" in w.median.info.text()
    assert "over the measured truth" not in w.median.info.text()


def test_with_truth_only_the_leads_without_one_are_listed(qtbot, make_window, tmp_path: Path) -> None:
    """Limb leads only, lead I chosen: II is scored against the file; the rest are not."""
    base = read_record(sample_path())
    path = tmp_path / "limbs.h5"
    with Hdf5RecordWriter(path, base.fs, ("I", "II")) as writer:
        writer.append(base.select(["I", "II"]).signal)
    w = make_window()
    _open(qtbot, w, path, ("I",))
    panel = w.metrics
    assert list(w.document.scores) == ["II"]
    assert panel.table.isVisibleTo(panel) and panel.table.item(0, 0).text() == "II"
    assert list(_expect_rows(w)) == ["III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]
    assert w.agreement_view.pcc_area.isVisibleTo(w.agreement_view)
    w.tabs.setCurrentWidget(w.median)
    qtbot.waitUntil(lambda: "Median of" in w.median.info.text(), timeout=10_000)
    assert "over the measured truth; PCC badges" in w.median.info.text()  # II has its truth
    # All 12 leads in the file: nothing is listed without a truth.
    w.open_path(sample_path())
    wait_synthesis(qtbot, w)
    qtbot.waitUntil(lambda: w.document.band is not None, timeout=10_000)
    assert not panel.expect_table.isVisibleTo(panel) and panel.table.isVisibleTo(panel)
    assert w.agreement_view.pcc_area.isVisibleTo(w.agreement_view)
