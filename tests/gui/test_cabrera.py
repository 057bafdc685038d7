"""The Cabrera limb-lead order: aVL, I, -aVR, II, aVF, III on the page, the median beats and
the print, with aVR drawn upside down and named "-aVR" wherever it is drawn; a display order
only (the record, its scores and its measurements keep aVR)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.render import page as page_render
from app.render.page import A4_LANDSCAPE_MM, MARGIN_MM, TITLE_MM
from app.shell.main import parse_args
from app.state import paper
from leadsynth_core.io import read_record, write_record
from leadsynth_core.leads import display_lead_name, limb_lead_sequence
from leadsynth_core.record import EcgRecord

from .conftest import wait_synthesis

pytestmark = pytest.mark.gui

WELCH = Path(__file__).parents[1] / "data" / "scp" / "welch_allyn_pediatric_anon.scp"
MINUS_AVR = "\u2212aVR"


def _columns(geo: paper.PageGeometry) -> list[list[str]]:
    cols: dict[int, list[paper.Cell]] = {}
    for c in geo.cells:
        if not c.rhythm and c.lead not in ("V3R", "V7"):
            cols.setdefault(c.col, []).append(c)
    return [[c.title for c in sorted(cells, key=lambda c: c.row)] for _, cells in sorted(cols.items())]


def test_vocabulary_names_the_orders_and_refuses_others() -> None:
    assert [lead for lead, _ in limb_lead_sequence("cabrera")] == ["aVL", "I", "aVR", "II", "aVF", "III"]
    assert [s for _, s in limb_lead_sequence("cabrera")] == [1, 1, -1, 1, 1, 1]
    assert all(s == 1 for _, s in limb_lead_sequence("standard"))
    assert display_lead_name("aVR", -1) == MINUS_AVR and display_lead_name("aVR") == "aVR"
    with pytest.raises(ValueError, match="standard, cabrera"):
        limb_lead_sequence("swedish")
    with pytest.raises(ValueError, match="standard, cabrera"):
        paper.page_geometry("3x4", limb_order="swedish")


@pytest.mark.parametrize(("layout", "columns"), [
    ("3x4", [["aVL", "I", MINUS_AVR], ["II", "aVF", "III"], ["V1", "V2", "V3"], ["V4", "V5", "V6"]]),
    ("6x2", [["aVL", "I", MINUS_AVR, "II", "aVF", "III"], ["V1", "V2", "V3", "V4", "V5", "V6"]]),
    ("12x1", [["aVL", "I", MINUS_AVR, "II", "aVF", "III", "V1", "V2", "V3", "V4", "V5", "V6"]]),
])
def test_cabrera_geometry_puts_the_frontal_plane_in_order(layout: str, columns: list[list[str]]) -> None:
    geo = paper.page_geometry(layout, limb_order="cabrera", supplementary=("V3R", "V7"))
    assert _columns(geo) == columns
    assert [c.lead for c in geo.cells if c.sign < 0] == ["aVR"]
    assert geo.cell("aVR").title == MINUS_AVR
    standard = paper.page_geometry(layout, supplementary=("V3R", "V7"))
    # Only the order changes: the same rows, heights, supplementary rows and rhythm strip.
    assert (geo.rows, geo.row_height, geo.height) == (standard.rows, standard.row_height, standard.height)
    assert geo.cell("V3R") == standard.cell("V3R")
    assert all(c.sign == 1 for c in standard.cells)
    assert _columns(standard)[0][:3] == ["I", "II", "III"]
    if layout == "3x4":
        assert geo.cell("II", rhythm=True).title == "II rhythm" and geo.cell("II", rhythm=True).sign == 1


def test_the_setting_persists_and_an_unknown_value_falls_back(isolated_settings: Path) -> None:
    from app.state.document import ViewState
    from app.state.settings import Settings

    # A hand-edited (or newer) settings file with an order this version does not know.
    (isolated_settings / "viewer.ini").write_text("[view]\nlimb_order=swedish\n", encoding="utf-8")
    vs = ViewState(Settings())
    assert vs.limb_order == "standard"
    seen: list[str] = []
    vs.changed.connect(seen.append)
    vs.set_limb_order("cabrera")
    vs.set_limb_order("cabrera")
    assert seen == ["limb_order"] and ViewState(Settings()).limb_order == "cabrera"
    assert parse_args(["--limb-order", "cabrera"]).limb_order == "cabrera"
    with pytest.raises(SystemExit):
        parse_args(["--limb-order", "swedish"])


def test_window_draws_minus_avr_upside_down(qtbot, make_window) -> None:
    rec = read_record(WELCH)
    w = make_window()
    w.set_inputs(("I", "II", "V4"))
    w.open_path(WELCH)
    wait_synthesis(qtbot, w)
    vs = w.view_state

    def cells() -> dict[str, object]:
        return {ci.cell.lead: ci for ci in w.grid.cell_items() if not ci.cell.rhythm}

    def drawn_and_expected(ci: object) -> tuple[np.ndarray, np.ndarray]:
        """The drawn y (mm) and aVR's samples of the cell's time span at the page's gain."""
        i0, i1 = paper.sample_range(*ci.cell.segment(0.0, vs.speed), rec.fs, rec.n_samples)
        avr = -(rec.lead("I") + rec.lead("II"))[i0:i1] / 2
        return ci.trace.getData()[1], vs.gain * avr

    before = cells()["aVR"]
    assert before.cell.sign == 1 and (before.cell.row, before.cell.col) == (0, 1)
    ys, avr = drawn_and_expected(before)
    np.testing.assert_allclose(ys, avr, atol=1e-6)
    w.cabrera_action.trigger()  # View > Cabrera limb-lead order, as a user toggles it
    assert vs.limb_order == "cabrera" and w.cabrera_action.isChecked()
    after = cells()["aVR"]
    assert after.cell.sign == -1 and (after.cell.row, after.cell.col) == (2, 0)
    assert after.label.textItem.toPlainText().startswith(MINUS_AVR)
    assert cells()["aVL"].cell.row == 0 and cells()["aVL"].cell.col == 0
    # The samples of its (new) time span, the other way up: aVR's QRS, negative in sinus
    # rhythm, points up.
    ys, avr = drawn_and_expected(after)
    np.testing.assert_allclose(ys, -avr, atol=1e-6)
    assert ys.max() > 0.5 * vs.gain > -ys.min()
    assert "Cabrera" in w.grid.legend_text() and "upside down" in w.grid.legend_text()
    assert "Cabrera" in w.scale_label.text()
    # The record and its scores are untouched: aVR stays aVR outside the page.
    assert "aVR" in w.document.result.lead_names and w.document.lead_display("aVR", vs.mode).samples is not None
    w.cabrera_action.trigger()
    assert vs.limb_order == "standard" and cells()["aVR"].cell.sign == 1
    ys, avr = drawn_and_expected(cells()["aVR"])
    np.testing.assert_allclose(ys, avr, atol=1e-6)


def test_median_beats_and_their_calipers_follow_the_order(qtbot, make_window) -> None:
    w = make_window()
    w.set_inputs(("I", "II", "V4"))
    w.open_path(WELCH)
    wait_synthesis(qtbot, w)
    median = w.median
    w.tabs.setCurrentWidget(median)
    qtbot.waitUntil(lambda: bool(median.curves) and not median.is_busy(), timeout=60_000)
    _, standard = median.curves["aVR"]["trace"].getData()
    box = median.caliper_lead_box
    # The calipers can sit on every lead drawn, the supplementary ones included.
    assert [box.itemText(i) for i in range(box.count())][-2:] == ["V3R", "V7"]
    median.set_caliper_lead("V3R")
    median.show_calipers()
    assert median.caliper_lead == "V3R" and box.currentText() == "V3R"
    w.view_state.set_limb_order("cabrera")
    cells = median.cells
    assert cells["aVL"].x0 < cells["II"].x0 and cells["aVL"].high > cells["I"].high > cells["aVR"].high
    assert cells["aVR"].sign == -1 and median.labels["aVR"].textItem.toPlainText().startswith(MINUS_AVR)
    np.testing.assert_allclose(median.curves["aVR"]["trace"].getData()[1], -standard)
    # The row has room for the inverted beat: its peak stays under the label strip.
    assert cells["aVR"].baseline + np.nanmax(-standard) <= cells["aVR"].high
    texts = [box.itemText(i) for i in range(box.count())]
    assert texts[:6] == ["aVL", "I", MINUS_AVR, "II", "aVF", "III"] and box.currentText() == "V3R"
    box.setCurrentIndex(texts.index(MINUS_AVR))
    assert median.caliper_lead == "aVR"
    assert "Cabrera" in median.info.text()


def test_printed_page_draws_minus_avr_above_its_baseline(qtbot, make_window, tmp_path: Path) -> None:
    """A record whose aVR is about -0.6 mV throughout: on the Cabrera page its line runs 6 mm above
    the cell's baseline (10 mm/mV), on the standard page 6 mm below."""
    from PySide6.QtGui import QImage

    fs, n = 500.0, 5000
    t = np.arange(n) / fs
    i = ii = 0.6 + 0.03 * np.sin(2 * np.pi * 1.0 * t)  # not flat (a flat input is refused)
    chest = 0.3 * np.sin(2 * np.pi * 1.2 * t)
    signal = np.column_stack([i, ii] + [chest] * 6)
    rec = EcgRecord(signal=signal, fs=fs, lead_names=("I", "II", "V1", "V2", "V3", "V4", "V5", "V6"))
    path = write_record(rec, tmp_path / "dc")
    w = make_window()
    w.set_inputs(("I", "II", "V4"))
    w.open_path(path)
    wait_synthesis(qtbot, w)
    vs = w.view_state
    for order, above in (("standard", -1), ("cabrera", 1)):
        vs.set_limb_order(order)
        png = page_render_png(w, tmp_path / f"{order}.png")
        footer = " ".join(page_render.footer_lines(w.document, vs))
        assert ("limb leads in Cabrera order" in footer) == (order == "cabrera")
        geo = paper.page_geometry(vs.layout, w.document.rhythm_lead(), (), order)
        cell = geo.cell("aVR")
        image = QImage(str(png))
        k = image.width() / A4_LANDSCAPE_MM[0]
        left = MARGIN_MM + (A4_LANDSCAPE_MM[0] - 2 * MARGIN_MM - geo.width) / 2
        top = MARGIN_MM + TITLE_MM
        x = int((left + cell.x0 + cell.width * 0.6) * k)
        rows = range(int((top + geo.height - cell.top + 6.0) * k), int((top + geo.height - cell.top + cell.height) * k))
        darkest = min(rows, key=lambda y: sum(image.pixelColor(x, y).getRgb()[:3]))
        drawn_mm = top + geo.height - darkest / k  # page y of the line, mm
        assert drawn_mm - cell.baseline == pytest.approx(above * 0.6 * vs.gain, abs=1.0)


def page_render_png(w: object, out: Path) -> Path:
    from app.controllers.export import export_png

    return export_png(out, w.document, w.view_state, dpi=100)
