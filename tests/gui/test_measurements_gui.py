"""Calipers and the Measurements panel, driven like a user: drag, read, export."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QMouseEvent
from PySide6.QtWidgets import QApplication

from app.controllers import measurements as measurement_ctl
from app.shell.main_window import MainWindow
from app.views.calipers import CALIPER_COLOR, Calipers
from leadsynth_core.measurement import measure_record

from .conftest import wait_synthesis

pytestmark = pytest.mark.gui


def open_and_wait(qtbot, window: MainWindow, path: Path) -> None:
    window.open_path(path, None)
    wait_synthesis(qtbot, window)


def _widget_point(plot, view_box, x: float, y: float) -> QPoint:
    scene = view_box.mapViewToScene(QPointF(x, y))
    return plot.mapFromScene(scene)


def drag_leg(qtbot, plot, cal: Calipers, leg: str, to: float) -> None:
    """Press on a caliper leg, move the mouse along the paper and release it there."""
    vb = cal._vb
    line = getattr(cal, leg)
    (vx0, vx1), (vy0, vy1) = vb.viewRange()
    vertical = line.angle == 90
    # Grab the leg away from the other legs' crossings.
    other = 0.5 * (vy0 + vy1) if vertical else 0.5 * (vx0 + vx1)
    other = other + 0.13 * ((vy1 - vy0) if vertical else (vx1 - vx0))
    start = _widget_point(plot, vb, line.value(), other) if vertical else _widget_point(plot, vb, other, line.value())
    end = _widget_point(plot, vb, to, other) if vertical else _widget_point(plot, vb, other, to)
    viewport = plot.viewport()
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton

    def send(kind: QEvent.Type, pos: QPoint, button: Qt.MouseButton, buttons: Qt.MouseButton) -> None:
        # A real mouse's events: QTest's mouseMove does not carry the held button, which
        # pyqtgraph needs to see a drag.
        local = QPointF(pos)
        event = QMouseEvent(kind, local, QPointF(viewport.mapToGlobal(pos)), button, buttons,
                            Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(viewport, event)

    # pyqtgraph drops mouse moves closer than 10 ms apart (mouseRateLimit): pace them.
    send(QEvent.Type.MouseMove, start, none, none)
    qtbot.wait(20)
    send(QEvent.Type.MouseButtonPress, start, left, left)
    qtbot.wait(20)
    for k in range(1, 11):
        p = QPointF(start) + (QPointF(end) - QPointF(start)) * (k / 10.0)
        send(QEvent.Type.MouseMove, p.toPoint(), none, left)
        qtbot.wait(20)
    send(QEvent.Type.MouseButtonRelease, end, left, none)
    qtbot.wait(20)


def test_caliper_drag_on_the_paper_reads_ms_bpm_mv(qtbot, make_window, shared_data) -> None:
    w = make_window()
    open_and_wait(qtbot, w, shared_data / "ludb" / "data" / "55.hea")
    w.measurement_ui.caliper_action.trigger()  # K
    cal = w.measurement_ui.grid_calipers
    assert cal.visible
    x1, x2, _, _ = cal.geometry()
    drag_leg(qtbot, w.grid.plot, cal, "t2", x1 + 20.0)  # 20 mm at 25 mm/s = 800 ms
    r = cal.reading()
    px_mm = w.grid.view_box.viewPixelSize()[0]
    assert r.dt_ms == pytest.approx(800.0, abs=2 * px_mm / 25.0 * 1000 + 1)
    assert r.bpm == pytest.approx(60000.0 / r.dt_ms)
    assert f"{r.dt_ms:.0f} ms" in cal.text() and "bpm" in cal.text()
    # Amplitude leg: 10 mm at 10 mm/mV = 1 mV.
    _, _, y1, _ = cal.geometry()
    drag_leg(qtbot, w.grid.plot, cal, "a2", y1 + 10.0)
    assert cal.reading().dv_mv == pytest.approx(1.0, abs=2 * px_mm / 10.0 + 0.01)
    # The same paper distance is half the time at 50 mm/s and half the mV at 20 mm/mV.
    before = cal.reading()
    w.view_state.set_speed(50.0)
    w.view_state.set_gain(20.0)
    assert cal.reading().dt_ms == pytest.approx(before.dt_ms / 2)
    assert cal.reading().dv_mv == pytest.approx(before.dv_mv / 2)


def test_calipers_on_a_synthesized_lead_measure_its_rr(qtbot, make_window, shared_data) -> None:
    w = make_window()
    open_and_wait(qtbot, w, shared_data / "ludb" / "data" / "55.hea")
    doc, vs = w.document, w.view_state
    assert doc.result.provenance_of("V5").value == "synthesized"
    cell = next(ci.cell for ci in w.grid.cell_items() if ci.cell.lead == "V5")
    start, stop = cell.segment(vs.position, vs.speed)
    from leadsynth_core.preprocess import detect_r_peaks

    v5 = np.asarray(doc.result.lead("V5"), dtype=np.float64)
    peaks = [p / doc.result.fs for p in detect_r_peaks(v5, doc.result.fs) if start <= p / doc.result.fs < stop]
    assert len(peaks) >= 2

    def x_of(t: float) -> float:
        return cell.x0 + (t - start) * vs.speed

    w.measurement_ui.set_calipers(True)
    cal = w.measurement_ui.grid_calipers
    cal.show(x_of(peaks[0]), x_of(peaks[0]) + 5.0, cell.baseline, cell.baseline + 5.0)
    drag_leg(qtbot, w.grid.plot, cal, "t2", x_of(peaks[1]))
    rr_ms = (peaks[1] - peaks[0]) * 1000
    px_ms = w.grid.view_box.viewPixelSize()[0] / vs.speed * 1000
    assert cal.reading().dt_ms == pytest.approx(rr_ms, abs=2 * px_ms + 1)
    hr = measure_record(doc.result).values.heart_rate_bpm
    assert cal.reading().bpm == pytest.approx(hr, rel=0.1)
    # Marching calipers repeat the span across the page.
    w.measurement_ui.march_action.trigger()
    x1, x2 = cal.geometry()[:2]
    marks = cal.march_positions()
    assert len(marks) >= 3
    steps = [(m - x2) / (x2 - x1) if m > x2 else (x1 - m) / (x2 - x1) for m in marks]
    assert np.allclose(steps, np.round(steps), atol=1e-6)
    assert len(cal.items()) == 5 + len(cal.march_positions())


def _median_ready(qtbot, w: MainWindow) -> None:
    w.tabs.setCurrentWidget(w.median)
    qtbot.waitUntil(lambda: bool(w.median.curves.get("II")) and bool(w.median.cells), timeout=30000)
    vb = w.median.view_box
    qtbot.waitUntil(lambda: vb.viewRange()[0][1] > w.median.cells["V6"].x0, timeout=5000)


def test_median_page_calipers_read_ms_and_mv(qtbot, make_window, shared_data) -> None:
    w = make_window()
    open_and_wait(qtbot, w, shared_data / "ludb" / "data" / "55.hea")
    _median_ready(qtbot, w)
    median, vs = w.median, w.view_state
    w.measurement_ui.set_calipers(True)
    cal = median.calipers
    cell = median.cells["II"]
    x1, x2, y1, y2 = cal.geometry()
    # Placed on lead II's beat: from 40 ms before its R peak, 0.5 mV from its baseline.
    r = cell.x0 + 0.35 * vs.speed
    assert x1 == pytest.approx(r - 0.04 * vs.speed) and y1 == pytest.approx(cell.baseline)
    assert cal.reading().dt_ms == pytest.approx(400.0) and cal.reading().dv_mv == pytest.approx(0.5)
    # Drag the second time leg 5 mm further along the paper: 200 ms more at 25 mm/s.
    drag_leg(qtbot, median.plot, cal, "t2", x2 + 5.0)
    px_ms = median.view_box.viewPixelSize()[0] / vs.speed * 1000
    assert cal.reading().dt_ms == pytest.approx(600.0, abs=2 * px_ms + 1)
    # At 50 mm/s and 20 mm/mV the page is redrawn; the calipers stay on II's beat and read the same.
    before = cal.reading()
    vs.set_speed(50.0)
    vs.set_gain(20.0)
    cell = median.cells["II"]
    assert cal.reading().dt_ms == pytest.approx(before.dt_ms) and cal.reading().dv_mv == pytest.approx(before.dv_mv)
    assert cell.x0 <= cal.geometry()[0] <= cell.x0 + cell.width
    # Marks: the J point lines and the ST dots are drawn on the median beats once measured (worker).
    qtbot.waitUntil(lambda: bool(median._marks), timeout=10000)
    assert w.measurements.shown is not None and w.measurements.shown.measurable


def test_measurements_panel_measured_beside_synthesized_with_flags(qtbot, make_window, shared_data) -> None:
    w = make_window()
    # I,II,V4: with one chest lead the synthesis of LUDB 55 (anterior STEMI) loses part of
    # the ST elevation in V1-V3 (the I,II,V2,V4 model keeps it within 0.05 mV).
    w.set_inputs(("I", "II", "V4"), fixed=True)
    open_and_wait(qtbot, w, shared_data / "ludb" / "data" / "55.hea")
    ui = w.measurement_ui
    ui.dock.raise_()
    qtbot.waitUntil(lambda: w.measurements.comparison is not None, timeout=10000)
    panel = ui.panel
    assert panel.cell_text("V1", "provenance") == "SYNTHESIZED"
    assert panel.cell_text("V4", "provenance") == "measured"
    core = measure_record(w.document.result.slice_time(0, 10))
    truth = measure_record(w.document.record.slice_time(0, 10))
    # The synthesized ST level with the band there, the measured truth in brackets.
    qtbot.waitUntil(lambda: w.document.band is not None and "±" in panel.cell_text("V1", "ST J+60"), timeout=10000)
    assert panel.cell_text("V1", "ST J+60") == (f"{core.leads['V1'].values.st_j60_mv:.2f} "
                                                f"±{w.measurements.value_band('st_j60_mv')['V1']:.2f} "
                                                f"({truth.leads['V1'].values.st_j60_mv:.2f})")
    flagged = panel.flagged_cells()
    # LUDB 55 (anterior STEMI): the synthesized V1 loses about 0.09 mV of its ST elevation.
    assert ("V1", "ST J+60") in flagged
    assert all(lead in {"V1", "V2", "V3", "V5", "V6"} for lead, _ in flagged)
    assert not panel.global_table.isColumnHidden(1) and not panel.global_table.isColumnHidden(2)


def test_without_a_truth_the_truth_columns_are_hidden(qtbot, make_window, tmp_path) -> None:
    """A patch (I, II, V2, V4 only): the "truth" and "diff" columns would stay empty."""
    from leadsynth_core.io import Hdf5RecordWriter, read_record, sample_path

    inputs = ("I", "II", "V2", "V4")
    path = tmp_path / "patch.h5"
    base = read_record(sample_path())
    with Hdf5RecordWriter(path, base.fs, inputs) as writer:
        writer.append(base.select(inputs).signal)
    w = make_window()
    w.set_inputs(inputs, fixed=True)
    open_and_wait(qtbot, w, path)
    ui = w.measurement_ui
    ui.dock.raise_()
    qtbot.waitUntil(lambda: w.measurements.shown is not None, timeout=10000)
    panel = ui.panel
    assert w.measurements.truth is None
    assert panel.global_table.isColumnHidden(1) and panel.global_table.isColumnHidden(2)
    assert not panel.global_table.isColumnHidden(0) and panel.global_text("Heart rate", "shown") != ""
    # Every global value is read on the beats of all 12 leads, 4 of them synthesized here:
    # each is tinted like the synthesized leads and says so.
    from app.views.measurements_panel import GLOBAL_ROWS, SYNTH_BRUSH

    for r, (label, _key, _unit) in enumerate(GLOBAL_ROWS):
        item = panel.global_table.item(r, 0)
        assert item.background() == SYNTH_BRUSH, label
        assert "4 of them synthesized (V1, V3, V5, V6)" in item.toolTip(), label
    assert "axes' own" not in panel.global_table.item(GLOBAL_ROWS.index(("QRS axis", "axis_qrs_deg", "°")), 0).toolTip()
    assert "so are the global values" in panel.info.text()
    # Each synthesized lead's ST level carries the band there; a measured one does not.
    qtbot.waitUntil(lambda: w.document.band is not None, timeout=10000)
    qtbot.waitUntil(lambda: "±" in panel.cell_text("V1", "ST J+60"), timeout=5000)
    band = w.measurements.value_band("st_j60_mv")
    assert set(band) == {"V1", "V3", "V5", "V6"}
    assert "±" not in panel.cell_text("V1", "T mV")  # not at the T wave (benchmarks/st_t_band.py)
    # A synthesized T wave whose band at the peak reaches across zero: its polarity gets "?".
    from leadsynth_core.uncertainty.confidence import band_verdict

    t_band = w.measurements.value_band("t_mv")
    assert set(t_band) == {"V1", "V3", "V5", "V6"}
    for lead, half in t_band.items():
        t = w.measurements.shown.leads[lead].values
        unsure = band_verdict("t_mv", t.t_mv, half) == "undecided"
        assert panel.cell_text(lead, "T polarity") == t.t_polarity + (" ?" if unsure else ""), lead
    assert panel.cell_text("V2", "T polarity") == w.measurements.shown.leads["V2"].values.t_polarity  # measured
    for lead in band:
        st = w.measurements.shown.leads[lead].values.st_j60_mv
        assert panel.cell_text(lead, "ST J+60") == f"{st:.2f} ±{band[lead]:.2f}"
    assert "±" not in panel.cell_text("I", "ST J+60") and "±" not in panel.cell_text("aVF", "ST J+60")


@pytest.mark.parametrize(("st", "band", "verdict"), [
    (0.25, 0.10, "an ST elevation of 0.1 mV or more survives the band"),
    (-0.30, 0.15, "an ST depression of 0.1 mV or more survives the band"),
    (0.02, 0.05, "no ST deviation of 0.1 mV or more, even at the band's edges"),
    (0.17, 0.44, "can be neither claimed nor excluded"),
    (0.05, 0.05, "can be neither claimed nor excluded"),  # the edge touches 0.1 mV: not excluded
])
def test_band_text_says_what_the_band_allows(st: float, band: float, verdict: str) -> None:
    from app.views.measurements_panel import band_text

    text = band_text(st, band)
    assert verdict in text and f"±{band:.2f} mV" in text


def _magenta_pixels(path: Path) -> int:
    img = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB32)
    arr = np.frombuffer(img.constBits(), dtype=np.uint8).reshape(img.height(), img.bytesPerLine() // 4, 4)
    c = QColor(CALIPER_COLOR)
    return int(np.sum((abs(arr[..., 2].astype(int) - c.red()) < 30) & (abs(arr[..., 1].astype(int) - c.green()) < 30)
                      & (abs(arr[..., 0].astype(int) - c.blue()) < 30)))


def test_export_carries_calipers_and_measurements(qtbot, make_window, shared_data, tmp_path) -> None:
    w = make_window()
    w.set_inputs(("I", "II", "V4"), fixed=True)  # V1's ST disagreement is then flagged (above)
    open_and_wait(qtbot, w, shared_data / "ludb" / "data" / "55.hea")
    plain = w.export_view(tmp_path / "plain.png")
    assert _magenta_pixels(plain) == 0
    w.measurement_ui.set_calipers(True)
    extras = w.measurement_ui.export_extras()
    assert extras.calipers is not None and "bpm" in extras.caliper_text
    assert extras.lines[0].startswith("Measurements") and "QTc Bazett" in extras.lines[0]
    assert any("V1 ST J+60" in line for line in extras.lines)
    # The printed page says that its global values rest on the synthesized V1-V3, V5, V6 too.
    qtbot.waitUntil(lambda: w.document.band is not None, timeout=10000)
    extras = w.measurement_ui.export_extras()
    st_line = next(line for line in extras.lines if line.startswith("ST at J+60"))
    assert "± the 90 % band there" in st_line and f"V1* {w.measurements.shown.leads['V1'].values.st_j60_mv:+.2f}±" in st_line
    assert extras.lines[1] == ("These global values are read on the beats of all leads, 5 of them synthesized "
                               "(V1, V2, V3, V5, V6): the synthesis can shift these values; confirm them on the measured leads.")
    with_cal = w.export_view(tmp_path / "calipers.png")
    assert _magenta_pixels(with_cal) > 1000
    pdf = w.export_view(tmp_path / "calipers.pdf")
    assert pdf is not None and pdf.stat().st_size > 10000


def test_measurements_run_in_a_worker_and_stale_results_are_dropped(qtbot, make_window, shared_data,
                                                                     monkeypatch) -> None:
    """The GUI thread never measures; a result for a page no longer shown never lands."""
    calls: list[tuple[int, measurement_ctl.MeasuredView]] = []
    release = threading.Event()
    real = measurement_ctl.measure_view

    def slow_measure_view(record, result, cancel=None):
        view = real(record, result, cancel)
        calls.append((threading.get_ident(), view))
        if len(calls) == 1:
            release.wait(10)  # the first one is late: the user turns the page meanwhile
        return view

    monkeypatch.setattr(measurement_ctl, "measure_view", slow_measure_view)
    w = make_window()
    open_and_wait(qtbot, w, shared_data / "ludb" / "data" / "55.hea")
    ctl = w.measurements
    w.measurement_ui.dock.raise_()
    qtbot.waitUntil(lambda: len(calls) == 1, timeout=10000)
    assert ctl.pending and ctl.shown is None
    assert "Measuring" in w.measurement_ui.panel.info.text()
    # The page moves while the first measurement is still in its worker.
    w.view_state.set_position(0.5)
    release.set()
    qtbot.waitUntil(lambda: len(calls) == 2 and not ctl.pending, timeout=10000)
    assert all(ident != threading.get_ident() for ident, _ in calls)
    assert ctl.shown is calls[1][1].shown and ctl.shown is not calls[0][1].shown
    # The values are those of the 10 s from 0.5 s, measured beside the truth.
    rec = w.document.record.slice_time(0.5, 10.5)
    assert ctl.truth.values.qrs_ms == measure_record(rec, duration_s=None).values.qrs_ms
    assert ctl.comparison is not None and w.measurement_ui.panel.lead_table.rowCount() == 12
    # A new page drops the values at once (nothing of another stretch is shown as this one's).
    w.view_state.set_position(1.0)
    assert ctl.pending and ctl.shown is None and w.measurement_ui.panel.lead_table.rowCount() == 0
    qtbot.waitUntil(lambda: not ctl.pending, timeout=10000)
    assert len(calls) == 3 and ctl.shown is calls[2][1].shown


def _click_cell(qtbot, median, lead: str) -> None:
    """A left click in the middle of one lead's cell, as a user's mouse gives it."""
    cell = median.cells[lead]
    scene = median.view_box.mapViewToScene(QPointF(cell.x0 + 0.5 * cell.width, 0.5 * (cell.low + cell.high)))
    qtbot.mouseClick(median.plot.viewport(), Qt.MouseButton.LeftButton, pos=median.plot.mapFromScene(scene))


def test_median_page_calipers_move_to_any_lead(qtbot, make_window, shared_data) -> None:
    w = make_window()
    open_and_wait(qtbot, w, shared_data / "ludb" / "data" / "55.hea")
    _median_ready(qtbot, w)
    median = w.median
    w.measurement_ui.set_calipers(True)
    cal = median.calipers
    reading = cal.reading()

    def on_cell(lead: str) -> bool:
        c = median.cells[lead]
        x1, x2, y1, _ = cal.geometry()
        return all(c.x0 <= x <= c.x0 + c.width for x in (x1, x2)) and c.low <= y1 <= c.high

    def framed() -> QRectF | None:
        f = median._caliper_frame
        return f.rect() if f is not None and f.isVisible() else None

    assert on_cell("II") and framed().contains(QPointF(median.cells["II"].x0, median.cells["II"].baseline))
    # The combo box: the calipers go to V2's beat, same span, same place on the beat.
    median.caliper_lead_box.setCurrentText("V2")
    assert median.caliper_lead == "V2" and on_cell("V2") and not on_cell("II")
    assert cal.reading() == reading
    assert framed().contains(QPointF(median.cells["V2"].x0, median.cells["V2"].baseline))
    # A click on V5's beat (a synthesized lead) puts them there; the box follows.
    assert w.document.result.provenance_of("V5").value == "synthesized"
    _click_cell(qtbot, median, "V5")
    qtbot.waitUntil(lambda: median.caliper_lead == "V5", timeout=3000)
    assert median.caliper_lead_box.currentText() == "V5" and on_cell("V5")
    # Drag the amplitude leg on V5: mV at the page's gain.
    cell = median.cells["V5"]
    drag_leg(qtbot, median.plot, cal, "a2", cell.baseline + 10.0)  # 10 mm at 10 mm/mV
    px_mm = median.view_box.viewPixelSize()[1]
    assert cal.reading().dv_mv == pytest.approx(1.0, abs=2 * px_mm / 10.0 + 0.01)
    # Hidden calipers take their frame with them.
    w.measurement_ui.set_calipers(False)
    assert framed() is None


def test_panel_shows_the_carts_own_measurements_beside(qtbot, make_window, shared_data, tmp_path) -> None:
    w = make_window()
    ui = w.measurement_ui
    ui.dock.raise_()
    open_and_wait(qtbot, w, shared_data / "ludb" / "data" / "55.hea")
    qtbot.waitUntil(lambda: not w.measurements.pending, timeout=10000)
    panel = ui.panel
    assert panel.global_table.isColumnHidden(3)  # LUDB: no cart report, no cart column
    # GE MUSE (GE 12SL): HR 48, PR 138, QRS 96, QT 452, QTc 403/419, axes 51/20/40.
    open_and_wait(qtbot, w, shared_data / "formats" / "ge_muse" / "example1.xml")
    qtbot.waitUntil(lambda: not w.measurements.pending and w.measurements.as_read is not None, timeout=10000)
    assert not panel.global_table.isColumnHidden(3)
    cart = {row: panel.global_text(row, "cart") for row in ("Heart rate", "PR", "QRS", "QT", "QTc Bazett",
                                                             "QTc Fridericia", "QRS axis", "RR SD")}
    assert cart == {"Heart rate": "48", "PR": "138", "QRS": "96", "QT": "452", "QTc Bazett": "403",
                    "QTc Fridericia": "419", "QRS axis": "20", "RR SD": ""}
    # Its tooltip gives LeadSynth's value of the record as read and the difference.
    qt_row = [panel.global_table.verticalHeaderItem(i).text() for i in range(panel.global_table.rowCount())].index("QT")
    tip = panel.global_table.item(qt_row, 3).toolTip()
    ours = w.measurements.as_read.values.qt_ms
    assert f"{ours:.0f} ms" in tip and f"{ours - 452:+.0f} ms" in tip and "GE 12SL" in tip
    assert "Cart" in panel.info.text()
    # Philips DXL states a QTc without its formula: marked, beside Bazett; in the export too.
    open_and_wait(qtbot, w, shared_data / "formats" / "philips_sierra" / "129DYPRG_v103.xml")
    qtbot.waitUntil(lambda: not w.measurements.pending and w.measurements.as_read is not None, timeout=10000)
    assert panel.global_text("QTc Bazett", "cart") == "393†"
    assert panel.global_text("QTc Fridericia", "cart") == ""
    lines = ui.export_extras().lines
    assert lines[-1].startswith("Cart's own measurements (Philips") and "QTc Bazett 393†" in lines[-1]


def test_no_measurement_starts_after_the_window_closed(qtbot, make_window, shared_data, monkeypatch) -> None:
    """A debounced measurement due when the window closes must not start a worker after the
    window joined its workers (a thread destroyed while running aborts the program)."""
    w = make_window()
    open_and_wait(qtbot, w, shared_data / "ludb" / "data" / "55.hea")
    w.measurement_ui.dock.raise_()
    qtbot.waitUntil(lambda: not w.measurements.pending, timeout=10000)
    started: list[str] = []
    real_start = w.tasks.start

    def start(kind, fn, **kw):
        started.append(kind)
        return real_start(kind, fn, **kw)

    monkeypatch.setattr(w.tasks, "start", start)
    w.view_state.set_position(1.0)  # the next measurement is now due in 150 ms
    assert w.measurements.pending and not started
    w.close()
    qtbot.wait(400)
    assert "measurements" not in started
    assert w.tasks.active_count() == 0


def test_footer_lines_wider_than_the_sheet_are_broken_not_cut(qtbot) -> None:
    """Eleven synthesized leads' ST levels with their bands ran past the sheet's right edge."""
    from PySide6.QtGui import QFont, QFontMetricsF

    from app.render.page import wrap_lines

    font = QFont("Sans Serif")
    font.setPixelSize(30)
    metrics = QFontMetricsF(font)
    st = "ST at J+60 ms (mV; * synthesized, ± the 90 % band there): " + ", ".join(
        f"{lead}* +0.02±0.22" for lead in ("II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"))
    width = 0.4 * metrics.horizontalAdvance(st)
    out = wrap_lines(["short line", st], metrics, width)
    assert out[0] == "short line" and len(out) >= 4
    assert all(metrics.horizontalAdvance(line) <= width for line in out)
    assert " ".join(part.strip() for part in out[1:]) == st  # nothing lost, nothing added
    assert all(line.startswith("    ") for line in out[2:])  # continuations are indented
