"""Opening files of the bad corpus in the viewer: every failure goes through the one
notification path (app/controllers/notify.py), shows the manifest's message, and keeps the record
that was open before.  (tests/gui/test_gui_viewer.py checks one hand-made broken
header; this is the corpus-driven variant over WFDB, HDF5 and hostile files.)
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from leadsynth_core.io import write_record  # noqa: E402
from leadsynth_core.leads import STANDARD_LEADS  # noqa: E402
from leadsynth_core.record import EcgRecord  # noqa: E402

from .conftest import wait_synthesis  # noqa: E402

pytestmark = pytest.mark.gui

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"
CASES = {c["id"]: c for c in json.loads((BAD / "MANIFEST.json").read_text(encoding="utf-8"))["cases"]}
PICKS = ["truncated_dat", "huge_declared_wfdb", "traversal_absolute", "non_utf8_lead", "gain_tiny",
         "invalid_samples", "huge_declared_h5", "nan", "strings", "not_hdf5", "truncated", "project_bad_leads"]


def _good(folder: Path) -> Path:
    fs, n = 500.0, 5000
    t = np.arange(n) / fs
    beat = np.exp(-(((t % 0.8) - 0.3) ** 2) / 0.0005)  # a narrow 'QRS' every 0.8 s
    sig = beat[:, None] * np.linspace(0.4, 1.6, 12)[None, :] + 0.05 * np.sin(2 * np.pi * 0.3 * t)[:, None]
    return write_record(EcgRecord(signal=sig.astype(np.float32), fs=fs, lead_names=STANDARD_LEADS), folder / "good")


def test_bad_corpus_files_are_notified_and_the_previous_record_stays(
    qtbot, make_window, tmp_path: Path, error_boxes: list[tuple[str, str]]
) -> None:
    w = make_window()
    good = _good(tmp_path)
    w.open_path(good)
    wait_synthesis(qtbot, w)
    previous, previous_result = w.document.record, w.document.result
    assert previous is not None and error_boxes == []
    for case_id in PICKS:
        case = CASES[case_id]
        path = BAD / case["path"]
        with qtbot.waitSignal(w.notifier.error_raised, timeout=20_000) as blocker:
            w.open_path(path)
        title, message = blocker.args
        assert path.name in title or path.stem in message, (case_id, title, message)
        assert re.search(case["message"], message), (case_id, message)
        assert "Traceback" not in message and "\n" not in message.strip()
        # Shown once, in the one error box, with the same text.
        assert error_boxes[-1] == (title, message)
        qtbot.waitUntil(lambda: not w.tasks.is_running("load"), timeout=20_000)
        assert w.document.record is previous, case_id
        assert w.document.path == good, case_id
        assert w.document.result is previous_result, case_id
    assert len(error_boxes) == len(PICKS)
    error_boxes.clear()  # the fixture expects a clean slate from tests that check errors


def test_hdf5_file_that_crashes_libhdf5_is_refused_by_the_viewer(
    qtbot, make_window, tmp_path: Path, error_boxes: list[tuple[str, str]]
) -> None:
    """A file on which h5py segfaults in process (found by the fuzz run) must be refused
    through the child-process probe, with or without an explicit record key, and the test
    process must survive (if the guard were skipped, pytest itself would crash)."""
    import base64

    fuzz = json.loads((Path(__file__).resolve().parents[2] / "benchmarks" / "results" / "fuzz.json")
                      .read_text(encoding="utf-8"))
    entry = next(c for c in fuzz["crashes"] if c["index"] == 11425)  # SIGSEGV in libhdf5
    (name, data), = entry["files"].items()
    crash = tmp_path / f"crash_{name}"
    crash.write_bytes(base64.b64decode(data))

    w = make_window()
    good = _good(tmp_path)
    w.open_path(good)
    wait_synthesis(qtbot, w)
    previous = w.document.record
    for key in (None, "ecg"):
        with qtbot.waitSignal(w.notifier.error_raised, timeout=30_000) as blocker:
            w.open_path(crash, key=key)
        _title, message = blocker.args
        assert "crashed (SIGSEGV)" in message and str(crash) in message, message
        qtbot.waitUntil(lambda: not w.tasks.is_running("load"), timeout=20_000)
        assert w.document.record is previous and w.document.path == good
    assert len(error_boxes) == 2
    error_boxes.clear()
