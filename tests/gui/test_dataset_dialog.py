"""The data-set dialog: evaluates a folder in a worker, worst first, opens a record on double-click."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.state.document import ViewerDocument
from app.views.dataset_dialog import record_label
from leadsynth_core.evaluation import evaluate_dataset
from leadsynth_core.io import Hdf5RecordWriter, read_record, write_record

from .conftest import wait_synthesis

pytestmark = pytest.mark.gui

INPUTS = ("I", "II", "V2", "V4")


@pytest.fixture
def folder(shared_data: Path, tmp_path: Path) -> Path:
    out = tmp_path / "records"
    for n in (181, 182, 183, 184):
        write_record(read_record(shared_data / "ludb" / "data" / str(n)).replace(source=None), out / f"ludb{n}")
    four = read_record(shared_data / "ludb" / "data" / "185").select(INPUTS)
    with Hdf5RecordWriter(out / "patch.h5", four.fs, INPUTS) as writer:
        writer.append(four.signal)
    return out


def _wait(qtbot, dialog) -> None:
    qtbot.waitUntil(lambda: dialog.state != ViewerDocument.RUNNING, timeout=120_000)


def test_evaluates_worst_first_and_opens_a_record(qtbot, make_window, folder: Path, tmp_path: Path,
                                                  error_boxes) -> None:
    w = make_window()
    w.set_inputs(INPUTS)
    dialog = w.dataset_dialog()
    qtbot.waitExposed(dialog)
    assert "I, II, V2, V4" in dialog.settings_label.text()
    dialog.run(folder)
    assert dialog.state == ViewerDocument.RUNNING and not dialog.run_button.isEnabled()
    _wait(qtbot, dialog)
    assert dialog.state == ViewerDocument.DONE
    expected = evaluate_dataset(folder, INPUTS)
    want = sorted(expected["records"], key=lambda r: r["mean"]["pcc"])
    assert dialog.table.rowCount() == 4
    assert record_label(want[0]["path"], None).startswith("ludb")
    for row, r in enumerate(want):
        assert dialog.table.item(row, 0).text() == record_label(r["path"], r["key"])
        assert dialog.table.item(row, 2).text() == f"{r['mean']['pcc']:.3f}"
        assert dialog.table.item(row, 4).text().startswith(r["worst_lead"])
    assert "4 record(s) scored" in dialog.status.text() and "1 skipped" in dialog.status.text()
    assert "patch.h5" in dialog.status.toolTip()
    # Sorting by another column orders numbers as numbers.
    dialog.table.sortItems(3)
    values = [float(dialog.table.item(r, 3).text()) for r in range(4)]
    assert values == sorted(values)
    dialog.table.sortItems(2)
    # Double-click the worst record: the viewer opens it and the dialog stays.
    dialog.table.cellDoubleClicked.emit(0, 0)
    qtbot.waitUntil(lambda: w.document.path is not None and str(w.document.path) == want[0]["path"], timeout=30_000)
    wait_synthesis(qtbot, w)
    assert dialog.isVisible()
    # Saved as leadsynth evaluate writes it.
    out = dialog.save(tmp_path / "eval.json")
    assert '"n_records": 4' in out.read_text()
    assert not error_boxes


def test_cancel_and_nothing_chosen(qtbot, make_window, folder: Path, error_boxes) -> None:
    w = make_window()
    dialog = w.dataset_dialog()
    dialog.run()  # no folder: an error message, no task
    assert error_boxes and "Nothing to evaluate" in error_boxes[-1][0]
    assert not w.tasks.is_running("dataset")
    dialog.run(folder)
    dialog.cancel_button.click()
    _wait(qtbot, dialog)
    qtbot.waitUntil(lambda: not w.tasks.is_running("dataset"), timeout=30_000)
    assert dialog.state == ViewerDocument.CANCELLED and dialog.result is None
    assert dialog.table.rowCount() == 0
