"""A recording with right-sided and posterior leads: V3R and V7 drawn after the 12, as
measured, on screen and on the printed page, in compare and in review."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.controllers.export import export_png
from app.render.page import A4_LANDSCAPE_MM, FOOTER_MM, MARGIN_MM, TITLE_MM
from app.state import paper
from app.views.median_view import GAP_MM
from leadsynth_core.io import read_record

from .conftest import wait_synthesis

pytestmark = pytest.mark.gui

WELCH = Path(__file__).parents[1] / "data" / "scp" / "welch_allyn_pediatric_anon.scp"


@pytest.mark.parametrize(("layout", "rows"), [("3x4", 5), ("6x2", 7), ("12x1", 14)])
def test_supplementary_rows_keep_the_page_on_a4(layout: str, rows: int) -> None:
    plain = paper.page_geometry(layout)
    geo = paper.page_geometry(layout, supplementary=("V3R", "V7"))
    assert geo.rows == rows and geo.height == pytest.approx(plain.height)
    assert MARGIN_MM + TITLE_MM + geo.height + FOOTER_MM + MARGIN_MM <= A4_LANDSCAPE_MM[1]
    std_rows = {c.row for c in geo.cells if c.lead in ("I", "V6")}
    v3r, v7 = geo.cell("V3R"), geo.cell("V7")
    assert v3r.row > max(std_rows) and v7.row >= v3r.row  # under the 12, never among them
    if layout == "3x4":
        assert (v3r.row, v3r.col, v7.row, v7.col) == (3, 0, 3, 1) and geo.cell("II", rhythm=True).row == 4
    # Every gain the layout offers still fits its (closer) rows.
    assert geo.row_height >= max(g for g in (5.0, 10.0, 20.0) if paper.gain_fits(layout, g)) + 1.0


def test_many_supplementary_leads_never_squeeze_a_pulse() -> None:
    geo = paper.page_geometry("6x2", supplementary=("V3R", "V4R", "V5R", "V6R", "V7", "V8", "V9"))
    assert geo.row_height >= 21.0  # a 20 mm/mV pulse and its clearance


def test_window_draws_v3r_and_v7_as_measured(qtbot, make_window, tmp_path: Path) -> None:
    rec = read_record(WELCH)
    w = make_window()
    w.set_inputs(("I", "II", "V4"))
    w.open_path(WELCH)
    wait_synthesis(qtbot, w)
    assert w.document.supplementary_leads() == ("V3R", "V7")
    vs = w.view_state
    for mode in ("compare", "review"):
        vs.set_mode(mode)
        cells = {ci.cell.lead: ci for ci in w.grid.cell_items() if not ci.cell.rhythm}
        for lead, site in (("V3R", "right-sided"), ("V7", "posterior")):
            ci = cells[lead]
            # (non-breaking hyphens: "right-sided" never wraps at its hyphen)
            assert f"measured, {site}" in ci.label.textItem.toPlainText().replace("\u2011", "-")
            assert ci.tint is None or not ci.tint.isVisible()  # no synthesized tint
            _xs, ys = ci.trace.getData()
            i0, i1 = paper.sample_range(*ci.cell.segment(0.0, vs.speed), rec.fs, rec.n_samples)
            # The file's samples at the page's gain (min/max decimation keeps the extremes).
            assert np.ptp(ys) == pytest.approx(vs.gain * np.ptp(rec.lead(lead)[i0:i1]), rel=0.02)
    assert "V3R, V7 as recorded" in w.grid.legend_text()
    page = export_png(tmp_path / "page.png", w.document, vs, dpi=60)
    assert page.stat().st_size > 10_000
    # The median beats: a row of their own under the 12, their beats on the same R peaks.
    w.tabs.setCurrentWidget(w.median)
    qtbot.waitUntil(lambda: bool(w.median.curves) and not w.median.is_busy(), timeout=60_000)
    cells = w.median.cells
    assert cells["V3R"].high <= cells["III"].low and cells["V7"].baseline == cells["V3R"].baseline
    _, ys = w.median.curves["V7"]["trace"].getData()
    assert np.isfinite(ys).all() and np.ptp(ys) == pytest.approx(vs.gain * 1.1, rel=0.25)  # V7: about 1.1 mV
    assert "truth" not in w.median.curves["V7"]
    # "V3R measured, right-sided" is wider than a median column at this size: it wraps
    # instead of running into V7's label.
    px = w.median.view_box.viewPixelSize()[0]
    for lead in ("V3R", "V7"):
        item = w.median.labels[lead].textItem
        assert item.boundingRect().width() * px <= cells[lead].width + GAP_MM
    assert w.median.labels["V3R"].textItem.textWidth() > 0  # wrapped to its column
