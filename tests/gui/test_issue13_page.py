"""Issue 13, the page: median beats on paper (8), 12x1 rows (9), solid synthesized traces
(10), a measured rhythm strip (11), legend swatches with their text (12), age and sex (13),
shortcuts and printing (14)."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPageLayout, QTextDocument
from PySide6.QtWidgets import QGraphicsItem

from app.render import style
from app.render.page import footer_lines
from app.render.theme import LIGHT
from app.state import paper
from leadsynth_core import preprocess
from leadsynth_core.record import EcgRecord, Provenance

from .conftest import wait_synthesis

pytestmark = pytest.mark.gui


def s0002(shared_data: Path) -> Path:
    return shared_data / "cinc2021" / "PTB_PTBXL" / "S0002.hea"


def ludb(shared_data: Path, n: int = 1) -> Path:
    return shared_data / "ludb" / "data" / f"{n}.hea"


def open_with(qtbot, window, path: Path, inputs: tuple[str, ...]) -> None:
    window.set_inputs(inputs)
    window.open_path(path)
    wait_synthesis(qtbot, window)


# ------------------------------------------------------------------ item 10
def test_synthesized_traces_are_solid_with_tint_and_label(qtbot, make_window, shared_data) -> None:
    for provenance in Provenance:
        assert style.trace_pen(LIGHT, provenance).style() == Qt.PenStyle.SolidLine
    w = make_window()
    open_with(qtbot, w, ludb(shared_data, 1), ("I",))
    synthesized = [ci for ci in w.grid.cell_items() if ci.display.provenance is Provenance.SYNTHESIZED]
    assert len(synthesized) >= 11
    for ci in synthesized:
        pen = ci.trace.opts["pen"]
        assert pen.style() == Qt.PenStyle.SolidLine, ci.cell.lead
        assert pen.color() == LIGHT.synthesized
        assert ci.tint is not None and "SYNTHESIZED" in ci.label.textItem.toPlainText()
    legend = w.grid.legend_text()
    assert "SYNTHESIZED (tinted cell)" in legend and "\u2013 \u2013" not in legend  # no dashes promised


# ------------------------------------------------------------------ item 11
def test_rhythm_strip_is_a_measured_lead(qtbot, make_window, shared_data) -> None:
    w = make_window()
    open_with(qtbot, w, ludb(shared_data, 1), ("I",))
    rhythm = next(ci for ci in w.grid.cell_items() if ci.cell.rhythm)
    assert rhythm.cell.lead == "I"
    assert rhythm.display.provenance is Provenance.MEASURED
    assert "I rhythm" in rhythm.label.textItem.toPlainText()
    # The median beats align on the same measured lead, not on a synthesized II.
    w.tabs.setCurrentWidget(w.median)
    qtbot.waitUntil(lambda: bool(w.median.curves) and not w.median.is_busy(), timeout=60_000)
    assert "R peaks of I," in w.median.info.text()
    w.set_inputs(("I", "II", "V4"))
    wait_synthesis(qtbot, w)
    rhythm = next(ci for ci in w.grid.cell_items() if ci.cell.rhythm)
    assert rhythm.cell.lead == "II" and rhythm.display.provenance is Provenance.MEASURED


# ------------------------------------------------------------------ item 12
def test_legend_never_wraps_between_a_swatch_and_its_text(qtbot, make_window, shared_data) -> None:
    w = make_window()
    open_with(qtbot, w, ludb(shared_data, 1), ("I", "II", "V2", "V4"))
    html = w.grid._header_html()
    # Swatches: "━━" before measured/derived/SYNTHESIZED, three coloured spaces before
    # "difference"; each must share its line with the first word after it.
    entries = {"measured": "\u2501\u2501", "derived": "\u2501\u2501", "SYNTHESIZED": "\u2501\u2501",
               "difference": "\u00a0\u00a0\u00a0"}
    checked = 0
    for width in range(120, 1400, 10):
        doc = QTextDocument()
        doc.setHtml(html)
        doc.setTextWidth(width)
        doc.size()  # lays the text out
        block = doc.begin()
        layout, text = block.layout(), block.text()
        for word, swatch in entries.items():
            j = text.index(word)
            i = text.rindex(swatch, 0, j)
            assert j - i <= len(swatch) + 1, (word, text[i:j])  # the swatch just before its word
            first, last = layout.lineForTextPosition(i), layout.lineForTextPosition(j + len(word) - 1)
            assert first.lineNumber() == last.lineNumber(), (width, word)
            checked += 1
    assert checked > 400


# ------------------------------------------------------------------ item 9
def test_12x1_rows_keep_to_their_row_and_pulses_never_touch(qtbot, make_window, shared_data) -> None:
    w = make_window()
    open_with(qtbot, w, s0002(shared_data), ("I", "II", "V2", "V4"))
    vs = w.view_state
    assert vs.gain == 10.0
    w.layout_actions["12x1"].trigger()
    assert vs.layout == "12x1" and vs.gain == paper.CART_GAIN_12X1  # a cart's 12x1 gain
    assert not w.gain_actions[20.0].isEnabled()  # a 20-mm pulse cannot fit a 13.75-mm row
    w.gain_actions[10.0].trigger()
    assert vs.gain == 10.0
    geo = w.grid.geometry_mm
    for ci in w.grid.cell_items():
        low, high = geo.row_band(ci.cell.row)
        for item in (ci.trace, ci.truth, ci.fill):
            if item is None:
                continue
            clip = item.parentItem()
            assert clip is ci.clip and clip.flags() & QGraphicsItem.GraphicsItemFlag.ItemClipsChildrenToShape
            r = clip.rect()
            assert r.bottom() == pytest.approx(high) and r.top() == pytest.approx(low)
    spans = [(b, b + vs.gain) for b in geo.pulse_bases(vs.gain)]
    for r, (bottom, top) in enumerate(spans):
        low, high = geo.row_band(r)
        assert low < bottom and top < high  # inside its own row
    for (b1, _t1), (_b2, t2) in zip(spans, spans[1:], strict=False):
        assert t2 < b1  # rows go downwards: the next pulse tops out below this one's foot
    # Leaving 12x1 keeps a gain the user chose there; one only entered at the cart's
    # gain comes back to what it was.
    w.layout_actions["3x4"].trigger()
    assert vs.gain == 10.0
    w.layout_actions["12x1"].trigger()
    assert vs.gain == paper.CART_GAIN_12X1
    w.layout_actions["6x2"].trigger()
    assert vs.gain == 10.0


# ------------------------------------------------------------------ item 8
def test_median_beats_on_paper_one_scale_baseline_aligned_off_the_gui_thread(
        qtbot, make_window, shared_data, monkeypatch) -> None:
    from app.controllers.median import BEFORE_S, isoelectric_slice

    threads: list[bool] = []
    real = preprocess.detect_r_peaks

    def spy(*args, **kwargs):
        threads.append(threading.current_thread() is threading.main_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(preprocess, "detect_r_peaks", spy)
    w = make_window()
    open_with(qtbot, w, s0002(shared_data), ("I", "II", "V2", "V4"))
    w.tabs.setCurrentWidget(w.median)
    qtbot.waitUntil(lambda: bool(w.median.curves) and not w.median.is_busy(), timeout=60_000)
    assert threads and not any(threads), "R peaks must be detected in a worker"
    view, vs = w.median, w.view_state
    assert view.view_box.state["aspectLocked"]  # paper: 1 mm as tall as wide
    assert view.grid_item.boundingRect().width() > 0
    rows = {}
    for lead, cell in view.cells.items():
        rows.setdefault(cell.high - cell.low, []).append(lead)
    assert len(rows) == 1  # one row height: one scale for all leads
    fs = w.document.record.fs
    # The isoelectric stretch of the reference beat (II): every beat is at 0 mV there.
    iso = isoelectric_slice(view.curves["II"]["trace"].getData()[1] / vs.gain, fs)
    assert iso.start < int(round(BEFORE_S * fs))
    for lead, curves in view.curves.items():
        for role, curve in curves.items():
            x, y = curve.getData()
            # Calibrated: y is mV * gain (mm), x is s * speed (mm), at the cell's baseline.
            assert curve.pos().y() == pytest.approx(view.cells[lead].baseline)
            np.testing.assert_allclose(np.diff(x), vs.speed / fs, rtol=1e-9)
            assert abs(float(np.mean(y[iso] / vs.gain))) < 1e-6, (lead, role)  # on the baseline
        if {"trace", "truth"} <= set(curves):
            assert view.tints.get(lead) is not None
            assert "SYNTHESIZED" in view.labels[lead].textItem.toPlainText()
            assert curves["trace"].opts["pen"].color() == LIGHT.synthesized
    # Gain changes redraw at the new scale, same beats.
    before = view.curves["V1"]["trace"].getData()[1].copy()
    w.gain_actions[20.0].trigger()
    after = view.curves["V1"]["trace"].getData()[1]
    np.testing.assert_allclose(after, before * 2.0, rtol=1e-9)
    assert view.pulses and all(top - bottom == pytest.approx(20.0) for bottom, top in view.pulses)


# ------------------------------------------------------------------ item 13
@pytest.mark.parametrize(("age", "sex", "shown"), [
    (81, "F", "81, female"), ("81 years", "Female", "81, female"), ("81.0", "female", "81, female"),
    (None, "M", "age -, male"), (60, "Unknown", "60, sex -"),
    ("NaN", "1", "-"), (None, None, "-"), (-1, "Weiblich", "age -, female"),
])
def test_age_and_sex_text_uses_the_core_normalized_values(age, sex, shown) -> None:
    """The viewer formats ``record.age``/``record.sex``; it does not normalize on its own
    (a file's "81 years" is 81, a numeric sex code is unknown, as ``leadsynth info`` says)."""
    from app.state.demographics import demographics_text

    meta = {k: v for k, v in (("age", age), ("sex", sex)) if v is not None}
    rec = EcgRecord(np.zeros((10, 1), np.float32), 500.0, ["I"], metadata=meta)
    assert demographics_text(rec) == shown


def test_age_and_sex_in_record_panel_and_footer(qtbot, make_window, shared_data) -> None:
    w = make_window()
    open_with(qtbot, w, s0002(shared_data), ("I", "II", "V2", "V4"))
    assert w.record_panel.fields["Age, sex"].text() == "81, female"
    assert "Age, sex: 81, female" in footer_lines(w.document, w.view_state)[0]


@pytest.mark.parametrize(("name", "shown"), [
    ("philips_sierra/ad4d3d80-d165_v104.xml", "32, female"),  # <age><years>32, <sex>Female
    ("ge_muse/example1.xml", "-"),  # the file has no PatientDemographics at all
])
def test_hospital_files_show_the_age_and_sex_they_have(qtbot, make_window, shared_data, name, shown) -> None:
    path = shared_data / "formats" / name
    if not path.exists():
        pytest.skip(f"{path} is absent")
    w = make_window()
    open_with(qtbot, w, path, ("I", "II", "V2", "V4"))
    assert w.record_panel.fields["Age, sex"].text() == shown
    assert f"Age, sex: {shown}" in footer_lines(w.document, w.view_state)[0]


# ------------------------------------------------------------------ item 14
def test_help_lists_the_shortcuts_of_the_actions_themselves(qtbot, make_window) -> None:
    from app.shell.shortcuts import shortcut_rows

    w = make_window()
    dialog = w.shortcuts_dialog()
    rows = dialog.rows()
    assert rows == shortcut_rows(w.menuBar())
    shown = {(cmd, keys) for _menu, cmd, keys in rows}
    with_keys = [a for a in w.actions() if not a.shortcut().isEmpty()]
    assert len(with_keys) > 30
    for act in with_keys:
        text = act.text().replace("&", "").rstrip("…")
        keys = act.shortcut().toString(act.shortcut().SequenceFormat.NativeText)
        assert (text, keys) in shown, (text, keys)
    assert ("Print", w.print_action.shortcut().toString(w.print_action.shortcut().SequenceFormat.NativeText)) in shown
    dialog.close()


def test_print_uses_the_system_dialog_and_the_page_at_true_scale(qtbot, make_window, shared_data,
                                                                  tmp_path, print_to_pdf) -> None:
    w = make_window()
    open_with(qtbot, w, ludb(shared_data, 1), ("I", "II", "V2", "V4"))
    out = tmp_path / "printed.pdf"
    seen = print_to_pdf(out)
    assert w.print_dialog()
    assert out.exists() and out.stat().st_size > 10_000
    layout = seen[0].pageLayout()
    assert layout.orientation() == QPageLayout.Orientation.Landscape
    full = layout.fullRect(QPageLayout.Unit.Millimeter)
    assert (full.width(), full.height()) == pytest.approx((297.0, 210.0), abs=0.5)
    assert seen[0].fullPage()
