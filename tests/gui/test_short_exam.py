"""A 7-s exam on a 10-s page: the empty columns say the recording ended (CODE-15%, CPSC)."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
from scipy.signal import resample_poly

from app.render.page import footer_lines
from app.state import paper
from leadsynth_core.io import read_record

from .conftest import wait_synthesis

pytestmark = pytest.mark.gui


def test_cells_after_the_end_of_the_recording() -> None:
    geo = paper.page_geometry("3x4")
    ended = {c.lead: c.ended_text(0.0, 25.0, 7.0) for c in geo.cells}
    assert {k for k, v in ended.items() if v} == {"V4", "V5", "V6"}  # 7.5-10 s: after the end
    assert ended["V4"] == "recording ends at 7.00 s"
    assert all(c.ended_text(0.0, 25.0, 10.0) is None for c in geo.cells)  # a full page
    assert all(c.ended_text(0.0, 50.0, 7.0) is None for c in geo.cells)  # 5 s page: every cell shows samples


def test_code15_exam_shows_where_it_ends(qtbot, make_window, shared_data: Path, tmp_path: Path) -> None:
    ludb = read_record(shared_data / "ludb" / "data" / "1.hea")
    tr = np.zeros((1, 4096, 12), dtype=np.float32)
    tr[0, 648:3448] = resample_poly(ludb.signal.astype(np.float64), 4, 5, axis=0)[:2800]
    path = tmp_path / "exams.hdf5"
    with h5py.File(path, "w") as f:
        f["tracings"] = tr
        f["exam_id"] = np.array([4711])
    w = make_window()
    w.set_inputs(("I", "II", "V4"))
    w.open_path(path)
    wait_synthesis(qtbot, w)
    assert w.document.duration == pytest.approx(7.0)
    shown = {ci.cell.lead: ci.ended.textItem.toPlainText() for ci in w.grid.cell_items()
             if ci.ended is not None and ci.ended.isVisible()}
    assert shown == dict.fromkeys(("V4", "V5", "V6"), "recording ends at 7.00 s")
    # The traces themselves start at the first recorded sample: no padding drawn as asystole.
    first = next(ci for ci in w.grid.cell_items() if ci.cell.lead == "I")
    xs, ys = first.trace.getData()
    assert np.abs(ys[:40]).max() > 0 and "not part of the recording" in w.record_panel.fields["Notes"].text()
    assert any("Page 0.00-7.00 s" in line for line in footer_lines(w.document, w.view_state))
    # A full-length record opened next hides the texts again.
    w.open_path(shared_data / "ludb" / "data" / "2.hea")
    wait_synthesis(qtbot, w)
    assert not any(ci.ended is not None and ci.ended.isVisible() for ci in w.grid.cell_items())
