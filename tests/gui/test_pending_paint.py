"""An opened record's measured leads are painted at once; the leads still being synthesized
are drawn empty and marked pending, never with the file's or another record's samples.

The synthesis is held in its worker (the controller's model choice waits on an event the
test sets), so the grid is inspected while the result has certainly not been delivered.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from app.shell.main_window import MainWindow
from app.state.document import ViewerDocument
from leadsynth_core.io import read_record, sample_path
from leadsynth_core.record import Provenance

from .conftest import wait_synthesis
from .test_gui_viewer import drawn_samples

pytestmark = pytest.mark.gui

INPUTS = ("I", "II", "V4")
PENDING = "synthesizing\u2026"


@pytest.fixture
def gate() -> Iterator[threading.Event]:
    """Holds the synthesis worker until set (always set at the end: no thread left waiting)."""
    event = threading.Event()
    yield event
    event.set()


def hold_synthesis(window: MainWindow, gate: threading.Event) -> None:
    choose = window.synthesis.choose_model

    def held(inputs, record):  # noqa: ANN001, ANN202 (the controller's callable)
        assert gate.wait(60), "the test never released the synthesis"
        return choose(inputs, record)

    window.synthesis.choose_model = held


def open_held(qtbot, window: MainWindow, path: Path) -> None:
    """Open ``path`` and wait until it is read and painted, its synthesis still held."""
    doc = window.document
    window.open_path(path)
    qtbot.waitUntil(lambda: doc.path == path and doc.record is not None
                    and doc.state == ViewerDocument.RUNNING, timeout=60_000)
    qtbot.wait(20)  # let the event loop paint
    assert doc.result is None, "the synthesis was delivered although held"


def labels(window: MainWindow) -> dict[str, str]:
    return {ci.cell.lead: ci.label.textItem.toPlainText() for ci in window.grid.cell_items() if not ci.cell.rhythm}


def shown_as(window: MainWindow) -> dict[str, str]:
    table = window.record_panel.leads
    return {table.item(r, 0).text(): table.item(r, 2).text() for r in range(table.rowCount())}


def assert_pending_page(window: MainWindow, path: Path) -> None:
    """Measured cells hold the file's samples; every other cell is empty and says it is pending."""
    rec = read_record(path)
    measured = 0
    for ci in window.grid.cell_items():
        lead = ci.cell.lead
        if lead in INPUTS:
            assert ci.trace is not None, lead
            idx, values = drawn_samples(window, ci, ci.trace)
            assert idx.size > 100, lead
            np.testing.assert_allclose(values, rec.lead(lead)[idx], atol=1e-5, err_msg=lead)
            assert ci.display.provenance is Provenance.MEASURED
            assert PENDING not in ci.label.textItem.toPlainText()
            measured += 1
        else:
            # No trace at all (not even a flat one), no truth, no tint, no score.
            assert ci.trace is None and ci.truth is None and ci.fill is None, lead
            assert ci.tint is None and ci.badge is None, lead
            assert ci.label.textItem.toPlainText() == f"{lead} {PENDING}"
            assert ci.display.pending, lead
    assert measured == len(INPUTS) + 1  # the II rhythm strip too
    panel = shown_as(window)
    assert {lead: panel[lead] for lead in INPUTS} == dict.fromkeys(INPUTS, "measured")
    assert {v for k, v in panel.items() if k not in INPUTS} == {"pending"}


def test_measured_leads_painted_before_the_synthesis_then_filled_in(qtbot, make_window, gate, error_boxes) -> None:
    w = make_window()
    w.set_inputs(INPUTS, fixed=True)
    assert w.view_state.mode == "compare"
    hold_synthesis(w, gate)
    path = sample_path()
    open_held(qtbot, w, path)
    assert_pending_page(w, path)

    gate.set()
    wait_synthesis(qtbot, w)
    result = w.document.result
    assert result is not None
    assert not [lead for lead, text in labels(w).items() if PENDING in text]
    assert "pending" not in shown_as(w).values()
    synthesized = 0
    for ci in w.grid.cell_items():
        assert not ci.display.pending
        assert ci.trace is not None, ci.cell.lead
        idx, values = drawn_samples(w, ci, ci.trace)
        np.testing.assert_allclose(values, result.lead(ci.cell.lead)[idx], atol=1e-5, err_msg=ci.cell.lead)
        if result.provenance_of(ci.cell.lead) is Provenance.SYNTHESIZED:
            assert ci.tint is not None and "SYNTHESIZED" in ci.label.textItem.toPlainText()
            synthesized += 1
    assert synthesized == 5  # V1, V2, V3, V5, V6
    assert not error_boxes


def test_next_record_never_shows_the_previous_synthesis_and_cancel_ends_pending(
        qtbot, make_window, gate, shared_data, error_boxes) -> None:
    w = make_window()
    w.set_inputs(INPUTS, fixed=True)
    w.open_path(sample_path())
    wait_synthesis(qtbot, w)
    assert w.document.result is not None

    hold_synthesis(w, gate)
    second = shared_data / "ludb" / "data" / "1.hea"
    open_held(qtbot, w, second)
    assert_pending_page(w, second)  # not the sample's synthesized traces

    # Cancelled: nothing is pending any more; the cells show the file as read, as labelled.
    w.synthesis.cancel()
    qtbot.waitUntil(lambda: not any(ci.display.pending for ci in w.grid.cell_items()), timeout=5_000)
    rec = read_record(second)
    assert not [lead for lead, text in labels(w).items() if PENDING in text]
    assert "pending" not in shown_as(w).values()
    for ci in w.grid.cell_items():
        assert ci.display.provenance is Provenance.MEASURED and ci.trace is not None
        idx, values = drawn_samples(w, ci, ci.trace)
        np.testing.assert_allclose(values, rec.lead(ci.cell.lead)[idx], atol=1e-5, err_msg=ci.cell.lead)
    gate.set()
    qtbot.waitUntil(lambda: not w.tasks.is_running("synthesis"), timeout=60_000)
    assert w.document.result is None  # the cancelled run's late result is dropped
    assert not error_boxes
