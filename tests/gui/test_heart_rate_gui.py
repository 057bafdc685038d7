"""The Agreement tab's heart rate over time: the measured leads' beats drawn per segment, pauses
marked, found again when the measured leads change, and a long recording's on request."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rhythm_data import beats_and_pause, ecg_with_beats

from leadsynth_core.io import write_record
from leadsynth_core.measurement.rhythm import rhythm_of_record

from .conftest import wait_synthesis

pytestmark = pytest.mark.gui


def _file(tmp_path: Path, minutes: float = 1.0) -> tuple[Path, np.ndarray]:
    truth, duration = beats_and_pause()
    reps = int(round(minutes))
    beats = np.concatenate([truth + 60.0 * k for k in range(reps)])
    rec = ecg_with_beats(beats, duration * reps)
    return write_record(rec, tmp_path / "patch.h5"), beats


def test_drawn_per_segment_with_its_pauses_and_found_again_for_other_leads(qtbot, make_window, tmp_path: Path,
                                                                          error_boxes) -> None:
    path, beats = _file(tmp_path)
    w = make_window()
    w.set_inputs(("I", "II"), fixed=True)
    w.open_path(path)
    wait_synthesis(qtbot, w)
    qtbot.waitUntil(lambda: w.rhythm.trend is not None, timeout=20000)
    trend = w.rhythm.trend
    assert trend.leads == ("I", "II") and trend.n_beats == beats.size
    plot = w.agreement_view.heart_rate
    x, y = plot.curve_data()
    rates = trend.heart_rate()
    assert np.allclose(x, np.r_[trend.segment_starts(), 60.0]) and np.allclose(y, rates)
    assert plot.pause_marks() == pytest.approx([19.7], abs=0.02)
    bx, by = plot.beat_data()  # every beat's own rate behind the segments
    assert np.allclose(bx, trend.beats_s[1:]) and np.allclose(by, 60.0 / np.diff(trend.beats_s))
    assert by.min() == pytest.approx(18.75, abs=0.2) and by.max() == pytest.approx(150, abs=2)
    assert "1 pause(s) of 2 s or more" in plot.title.text() and "beats found on I, II" in plot.title.text()
    assert not plot.find_button.isVisibleTo(plot) and not plot.progress.isVisibleTo(plot)
    # A minute: the page's own 10 s and measurements say enough; no whole-recording line.
    assert not any(line.startswith("Heart rate over") for line in w.page_args()["extras"].lines)
    # The rate axis keeps a sinus rhythm's range in view: the 150-bpm stretch widens it.
    low, high = plot.plot.getViewBox().viewRange()[1]
    assert low <= 40 and high >= np.nanmax(rates)
    # Other measured leads: the beats are found on them.
    w.set_inputs(("I",), fixed=True)
    qtbot.waitUntil(lambda: w.rhythm.trend is not None and w.rhythm.trend.leads == ("I",), timeout=20000)
    assert np.allclose(w.rhythm.trend.beats_s, rhythm_of_record(w.document.record, ("I",)).beats_s)
    assert not error_boxes


def test_a_long_recording_on_request(qtbot, make_window, tmp_path: Path, error_boxes) -> None:
    path, beats = _file(tmp_path, minutes=6)
    w = make_window()
    w.settings.set_value("files/long_recording_mb", 0.5)
    w.set_inputs(("I", "II", "V4"), fixed=True)
    w.open_path(path)
    wait_synthesis(qtbot, w)
    assert w.document.is_long and w.rhythm.trend is None
    plot = w.agreement_view.heart_rate
    assert "on request" in plot.title.text() and plot.find_button.isVisibleTo(plot)
    plot.find_button.click()
    qtbot.waitUntil(lambda: w.rhythm.trend is not None, timeout=30000)
    assert w.rhythm.trend.n_beats == beats.size and w.rhythm.trend.duration_s == pytest.approx(360.0)
    assert plot.pause_marks() == pytest.approx([19.7 + 60 * k for k in range(6)], abs=0.02)
    assert not plot.find_button.isVisibleTo(plot)
    # The printed page states the whole recording's rhythm, before the interpretation.
    line = next(x for x in w.page_args()["extras"].lines if x.startswith("Heart rate over"))
    assert line == f"Heart rate over the whole recording (00:06:00): {w.rhythm.trend.summary()}"
    assert "6 pause(s) of 2 s or more" in line
    assert not error_boxes
