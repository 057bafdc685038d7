"""Heart rate over a whole recording (``leadsynth_core.measurement.rhythm``, ``leadsynth rhythm``):
beats found where they are, across the chunks' seams, the rate as a time average (a pause
reads as the slow rate it is), pauses, extremes, and nothing invented without beats."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from rhythm_data import beats_and_pause as _rhythm
from rhythm_data import ecg_with_beats as _ecg

from leadsynth_core.cli import main
from leadsynth_core.errors import OptionError
from leadsynth_core.io import write_record
from leadsynth_core.measurement import rhythm
from leadsynth_core.measurement.rhythm import rhythm_of_file, rhythm_of_record
from leadsynth_core.record import EcgRecord


def test_beats_rate_pauses_and_extremes() -> None:
    truth, duration = _rhythm()
    trend = rhythm_of_record(_ecg(truth, duration))
    assert trend.n_beats == truth.size
    assert np.max(np.abs(trend.beats_s - truth)) < 0.02
    (pause,) = trend.pauses()
    assert pause.start_s == pytest.approx(19.7, abs=0.02) and pause.duration_s == pytest.approx(3.2, abs=0.02)
    hr = trend.heart_rate()
    # The time average of 60/RR: 20-30 s holds 2.9 s of the pause (18.75 bpm) and 7.1 s at 75;
    # 40-50 s, 0.1 + 9.6 s at 150 and the last 0.3 s of an RR of 0.8 s (75).
    assert hr.size == 6 and hr[0] == pytest.approx(75, abs=0.5)
    assert hr[2] == pytest.approx((2.9 * 18.75 + 7.1 * 75) / 10, abs=0.5)
    assert hr[4] == pytest.approx((9.7 * 150 + 0.3 * 75) / 10, abs=0.5)
    (slow_at, slow), (fast_at, fast) = trend.extremes()
    assert (slow_at, fast_at) == (20.0, 40.0) and slow == hr[2] and fast == hr[4]
    assert trend.longest_rr() == pytest.approx((19.7, 3.2), abs=0.02)
    text = trend.summary()
    assert "1 pause(s) of 2 s or more" in text and "longest RR 3.20 s at 00:00:19" in text
    assert "(beats found on I, II, V4)" in text
    doc = trend.to_dict()
    assert doc["n_beats"] == truth.size and doc["pauses"][0]["duration_s"] == pytest.approx(3.2, abs=0.02)
    assert [s["start_s"] for s in doc["segments"]] == [0, 10, 20, 30, 40, 50]


def test_no_beat_lost_or_doubled_at_the_chunks_seams(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rhythm, "CHUNK_S", 20.0)  # seams at 20 and 40 s, where beats fall
    truth, duration = _rhythm()
    seamed = rhythm_of_record(_ecg(truth, duration))
    assert seamed.n_beats == truth.size and np.max(np.abs(seamed.beats_s - truth)) < 0.02


def test_the_file_read_chunk_by_chunk_gives_the_records_beats(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(rhythm, "CHUNK_S", 25.0)
    truth, duration = _rhythm()
    rec = _ecg(truth, duration)
    path = write_record(rec, tmp_path / "patch.h5")
    from_file = rhythm_of_file(path, ("I", "II"))
    assert from_file.leads == ("I", "II") and from_file.n_beats == truth.size
    assert np.allclose(from_file.beats_s, rhythm_of_record(rec, ("I", "II")).beats_s)


def test_a_flat_recording_has_no_rate_and_says_so() -> None:
    rec = EcgRecord(signal=np.zeros((2500, 1), np.float32), fs=250.0, lead_names=("I",), source="flat")
    trend = rhythm_of_record(rec)
    assert trend.n_beats == 0 and np.isnan(trend.heart_rate()).all() and trend.extremes() == (None, None)
    assert trend.summary() == "0 beat(s) found on I: no heart rate"
    assert trend.to_dict()["mean_bpm"] is None and trend.pauses() == []


def test_leads_not_in_the_recording_are_refused() -> None:
    truth, duration = _rhythm()
    with pytest.raises(OptionError, match="V2 not in the recording .it has I, II, V4."):
        rhythm_of_record(_ecg(truth, duration), ("I", "V2"))


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    truth, duration = _rhythm()
    path = write_record(_ecg(truth, duration), tmp_path / "patch.h5")
    out = tmp_path / "rhythm.json"
    assert main(["rhythm", str(path), "--leads", "I,II", "--segment-s", "20", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "pause  3.20 s at 00:00:19" in text and "00:00:40" in text and f"wrote {out}" in text
    doc = json.loads(out.read_text())
    assert doc["segment_s"] == 20 and len(doc["segments"]) == 3 and len(doc["beats_s"]) == truth.size
