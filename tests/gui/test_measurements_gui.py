"""Calipers and the Measurements panel, driven like a user: drag, read, export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QMouseEvent
from PySide6.QtWidgets import QApplication

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


def test_median_page_calipers_read_ms_and_mv(qtbot, make_window, shared_data) -> None:
    w = make_window()
    open_and_wait(qtbot, w, shared_data / "ludb" / "data" / "55.hea")
    w.tabs.setCurrentWidget(w.median)
    qtbot.waitUntil(lambda: bool(w.median.curves.get("II")), timeout=10000)
    w.measurement_ui.set_calipers(True)  # before the page has its range: the legs follow into sight
    cal = w.median.calipers
    vb = w.median.plots["II"].getViewBox()
    qtbot.waitUntil(lambda: vb.viewRange()[0][0] < -200.0, timeout=5000)
    (vx0, vx1), _ = vb.viewRange()
    assert all(vx0 <= x <= vx1 for x in cal.geometry()[:2])
    cal.show(-100.0, 0.0, 0.0, 0.5)
    plot = w.median.canvas
    drag_leg(qtbot, plot, cal, "t2", 300.0)
    x1, x2, _, _ = cal.geometry()
    assert cal.reading().dt_ms == pytest.approx(x2 - x1)
    assert x2 == pytest.approx(300.0, abs=10.0)
    assert cal.reading().dv_mv == pytest.approx(0.5)
    # Marks: the J point and the ST dot are drawn on the median beats.
    assert w.median._marks


def test_measurements_panel_measured_beside_synthesized_with_flags(qtbot, make_window, shared_data) -> None:
    w = make_window()
    open_and_wait(qtbot, w, shared_data / "ludb" / "data" / "55.hea")
    ui = w.measurement_ui
    ui.dock.raise_()
    qtbot.waitUntil(lambda: w.measurements.comparison is not None, timeout=10000)
    panel = ui.panel
    assert panel.cell_text("V1", "provenance") == "SYNTHESIZED"
    assert panel.cell_text("V2", "provenance") == "measured"
    core = measure_record(w.document.result.slice_time(0, 10))
    truth = measure_record(w.document.record.slice_time(0, 10))
    assert panel.cell_text("V1", "ST J+60") == (f"{core.leads['V1'].values.st_j60_mv:.2f} "
                                                f"({truth.leads['V1'].values.st_j60_mv:.2f})")
    flagged = panel.flagged_cells()
    # LUDB 55 (anterior STEMI): the synthesized V1 loses 0.06 mV of its ST elevation.
    assert ("V1", "ST J+60") in flagged
    assert all(lead in {"V1", "V3", "V5", "V6"} for lead, _ in flagged)


def _magenta_pixels(path: Path) -> int:
    img = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB32)
    arr = np.frombuffer(img.constBits(), dtype=np.uint8).reshape(img.height(), img.bytesPerLine() // 4, 4)
    c = QColor(CALIPER_COLOR)
    return int(np.sum((abs(arr[..., 2].astype(int) - c.red()) < 30) & (abs(arr[..., 1].astype(int) - c.green()) < 30)
                      & (abs(arr[..., 0].astype(int) - c.blue()) < 30)))


def test_export_carries_calipers_and_measurements(qtbot, make_window, shared_data, tmp_path) -> None:
    w = make_window()
    open_and_wait(qtbot, w, shared_data / "ludb" / "data" / "55.hea")
    plain = w.export_view(tmp_path / "plain.png")
    assert _magenta_pixels(plain) == 0
    w.measurement_ui.set_calipers(True)
    extras = w.measurement_ui.export_extras()
    assert extras.calipers is not None and "bpm" in extras.caliper_text
    assert extras.lines[0].startswith("Measurements") and "QTc Bazett" in extras.lines[0]
    assert any("V1 ST J+60" in line for line in extras.lines)
    with_cal = w.export_view(tmp_path / "calipers.png")
    assert _magenta_pixels(with_cal) > 1000
    pdf = w.export_view(tmp_path / "calipers.pdf")
    assert pdf is not None and pdf.stat().st_size > 10000
