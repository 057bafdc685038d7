"""File > Export view (and Print) while the Median beats tab is shown: the median-beat page at
true scale, as the tab draws it (one geometry, ``app.state.median_paper.median_layout``), with
the 12-lead page's footer naming the beats instead of the page's stretch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage

from app.render import median_page
from app.render.page import MARGIN_MM, TITLE_MM, footer_lines
from app.state.median_paper import BEFORE_S, median_layout

from .conftest import wait_synthesis

pytestmark = pytest.mark.gui

WELCH = Path(__file__).parents[1] / "data" / "scp" / "welch_allyn_pediatric_anon.scp"


def _median_window(qtbot, make_window, limb_order: str = "standard"):  # noqa: ANN202
    w = make_window()
    w.set_inputs(("I", "II", "V4"), fixed=True)
    w.view_state.set_limb_order(limb_order)
    w.open_path(WELCH)
    wait_synthesis(qtbot, w)
    w.tabs.setCurrentWidget(w.median)
    qtbot.waitUntil(lambda: w.median.beats is not None and not w.median.is_busy(), timeout=60_000)
    return w


def _apex_mm(image: QImage, x_mm: float, low_mm: float, high_mm: float, top_mm: float, height_mm: float,
             k: float) -> float:
    """Page y (mm, up) of the highest black pixel in the column at ``x_mm`` between two heights."""
    x = int(round((MARGIN_MM + x_mm) * k))
    rows = range(int((top_mm + height_mm - high_mm) * k), int((top_mm + height_mm - low_mm) * k))
    dark = [y for y in rows if max(image.pixelColor(x, y).getRgb()[:3]) < 110]
    assert dark, f"no trace drawn at x={x_mm:.1f} mm"
    return top_mm + height_mm - min(dark) / k


@pytest.mark.parametrize("limb_order", ["standard", "cabrera"])
def test_the_median_tab_exports_its_beats_at_true_scale(qtbot, make_window, tmp_path: Path, limb_order: str,
                                                        error_boxes) -> None:
    w = _median_window(qtbot, make_window, limb_order)
    vs = w.view_state
    assert w._default_export_name(".png").endswith("_I-II-V4_median.png")
    out = w.export_view(tmp_path / "median.png")
    assert out is not None and not error_boxes
    image = QImage(str(out))
    k = image.width() / median_page.A4_LANDSCAPE_MM[0]
    beats = w.median.beats
    _, height, cells = median_layout(beats, vs.speed, vs.gain, limb_order)
    top = MARGIN_MM + TITLE_MM
    r = int(round(BEFORE_S * beats.fs))
    for lead in ("II", "aVR", "V3R"):
        cell, beat = cells[lead], beats.beats[lead]["trace"] * cells[lead].sign
        # The T wave's peak or trough, as the tab draws it (-aVR upside down): a slow wave, so
        # one pixel column crosses the trace once (a QRS stroke would cross it over millimetres).
        t0, t1 = r + int(0.15 * beats.fs), r + int(0.40 * beats.fs)
        i = t0 + int(np.argmax(np.abs(beat[t0:t1])))
        x = cell.x0 + i / beats.fs * vs.speed
        expected = cell.baseline + beat[i] * vs.gain
        # (searched up to 3 mm above it: the label's text lies higher in the cell)
        assert _apex_mm(image, x, cell.low, expected + 3.0, top, height, k) == pytest.approx(expected, abs=0.8)
    assert (cells["aVR"].sign == -1) == (limb_order == "cabrera")


def test_the_footer_names_the_beats_and_a_page_too_tall_is_refused(qtbot, make_window, tmp_path: Path,
                                                                    error_boxes) -> None:
    w = _median_window(qtbot, make_window)
    beats = w.median.beats
    lines = footer_lines(w.document, w.view_state, span=median_page.median_span_text(beats))
    assert f"Median of {beats.n_beats} beats aligned on R peaks of II" in " ".join(lines)
    assert "Page 0.00" not in " ".join(lines)
    assert median_page.median_page_fits(beats, w.view_state) is None
    w.view_state.set_gain(20.0)
    why = median_page.median_page_fits(beats, w.view_state)
    assert why is not None and "choose a smaller gain or speed" in why
    assert w.export_view(tmp_path / "tall.pdf") is None
    assert error_boxes[-1][0] == "Export failed" and "20 mm/mV" in error_boxes[-1][1]
    w.view_state.set_gain(5.0)
    assert w.export_view(tmp_path / "small.pdf").stat().st_size > 10_000


def test_the_12_lead_tab_still_exports_the_12_lead_page(qtbot, make_window, tmp_path: Path) -> None:
    w = _median_window(qtbot, make_window)
    w.tabs.setCurrentWidget(w.grid)
    assert "_median" not in w._default_export_name(".pdf")
    assert w.page_args().keys() == {"extras"}


def test_the_report_pdf_holds_both_pages_whichever_tab_is_shown(qtbot, make_window, tmp_path: Path,
                                                                error_boxes) -> None:
    w = make_window()
    w.set_inputs(("I", "II", "V4"), fixed=True)
    w.open_path(WELCH)
    wait_synthesis(qtbot, w)
    assert w.tabs.currentWidget() is w.grid and w.median.beats is None  # the tab never found beats
    out = w.export_report(tmp_path / "report.pdf")
    assert out is not None and not error_boxes
    data = out.read_bytes()
    assert data.count(b"/Type /Page") - data.count(b"/Type /Pages") == 2
    # The beats it printed are those the tab finds for the same window.
    now = w.median_beats.compute_now()
    assert now.n_beats > 5 and now.start_s == 0.0 and set(now.beats) >= {"I", "V6", "V3R", "V7"}
    w.view_state.set_gain(20.0)
    assert w.export_report(tmp_path / "tall.pdf") is None
    assert error_boxes[-1][0] == "Export failed" and "choose a smaller gain or speed" in error_boxes[-1][1]


def test_a_recording_without_beats_gets_the_12_lead_page_alone(qtbot, make_window, tmp_path: Path, error_boxes,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from app.state.median_paper import MedianBeats

    w = make_window()
    w.set_inputs(("I", "II", "V4"), fixed=True)
    w.open_path(WELCH)
    wait_synthesis(qtbot, w)
    # What the median controller gives for a stretch without a beat (a flat or unreadable one).
    monkeypatch.setattr(w.median_beats, "compute_now",
                        lambda: MedianBeats(None, 0, 0.0, 10.0, 600.0, {}, "no beats found: no R peak"))
    infos: list[str] = []
    w.notifier.info_posted.connect(infos.append)
    out = w.export_report(tmp_path / "report.pdf")
    data = out.read_bytes()
    assert data.count(b"/Type /Page") - data.count(b"/Type /Pages") == 1
    assert "the 12-lead page only: no median beats, no beats found: no R peak" in infos[-1] and not error_boxes


def test_print_with_the_median_tab_shown_prints_the_median_page(qtbot, make_window, tmp_path: Path,
                                                                print_to_pdf) -> None:
    w = _median_window(qtbot, make_window)
    out = tmp_path / "printed.pdf"
    names = print_to_pdf(out)
    assert w.print_dialog()
    assert out.stat().st_size > 10_000 and names[0].docName().startswith("LeadSynth median beats")


def test_the_beat_count_is_of_the_beats_the_medians_are_taken_of(qtbot, make_window, shared_data) -> None:
    """PTB S0002's first 10 s hold 14 R peaks, the first too close to the start for a whole
    beat window: 13 beats make the medians, and 13 is what the page says."""
    from leadsynth_core.preprocess import detect_r_peaks

    w = make_window()
    w.set_inputs(("I", "II", "V4"), fixed=True)
    w.open_path(shared_data / "cinc2021" / "PTB_PTBXL" / "S0002.hea")
    wait_synthesis(qtbot, w)
    now = w.median_beats.compute_now()
    ii = w.document.record.lead("II")[: int(10 * now.fs)]
    peaks = np.asarray(detect_r_peaks(ii, now.fs))
    a, b = int(round(BEFORE_S * now.fs)), int(round(0.55 * now.fs))
    whole = int(np.count_nonzero((peaks >= a) & (peaks + b <= ii.shape[0])))
    assert now.n_beats == whole < len(peaks)


def test_the_fiducial_letters_avoid_a_cell_with_a_badge(qtbot, make_window) -> None:
    from app.render.measurement_marks import lettered_leads
    from app.render.median_page import badged_leads

    assert lettered_leads("standard", set()) == ("I", "V1") and lettered_leads("cabrera", set()) == ("aVL", "V1")
    assert lettered_leads("standard", {"V1", "V2"}) == ("I",)
    w = _median_window(qtbot, make_window)
    # The Welch Allyn file holds V1's truth: a synthesized V1 carries its PCC badge there.
    assert "V1" in badged_leads(w.document, w.median.cells) and "I" not in badged_leads(w.document, w.median.cells)
    qtbot.waitUntil(lambda: bool(w.median._marks), timeout=20_000)
    letters = [item for item in w.median._marks if hasattr(item, "textItem")]
    cells = w.median.cells
    assert letters and all(cells["I"].x0 <= item.pos().x() <= cells["I"].x0 + cells["I"].width for item in letters)
