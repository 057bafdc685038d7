"""Agreement over time: per-segment scores equal the metrics of each slice; streaming equals in-memory."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from leadsynth_core import metrics
from leadsynth_core.agreement import (
    score_recording,
    segment_agreement,
    write_agreement,
)
from leadsynth_core.cli import main
from leadsynth_core.errors import CancelledError, MissingLeadError
from leadsynth_core.io import Hdf5RecordWriter, read_record, sample_path
from leadsynth_core.leads import STANDARD_LEADS
from leadsynth_core.preprocess import highpass
from leadsynth_core.progress import CancelToken
from leadsynth_core.synthesis import synthesize

INPUTS = ("I", "II", "V2", "V4")
SYNTH = ("V1", "V3", "V5", "V6")


@pytest.fixture(scope="module")
def ludb_pair(shared_data: Path):
    truth = read_record(shared_data / "ludb" / "data" / "170")
    return truth, synthesize(truth, INPUTS)


@pytest.fixture(scope="module")
def long_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 12-lead, 65-s recording (the demo sample tiled).

    Not scaled per copy: the models normalize by a per-record amplitude, which a chunk
    measures on itself, so differently scaled copies would make chunked and one-pass
    synthesis differ by design, not by a fault of the chunking.
    """
    base = read_record(sample_path()).select(STANDARD_LEADS)
    path = tmp_path_factory.mktemp("agree") / "long.h5"
    n = int(65 * base.fs)
    reps = int(np.ceil(n / base.n_samples))
    sig = np.concatenate([base.signal] * reps)[:n]
    with Hdf5RecordWriter(path, base.fs, STANDARD_LEADS, patient_id="p-agree") as writer:
        writer.append(sig)
    return path


def test_segments_are_the_metrics_of_each_slice(ludb_pair) -> None:
    truth, out = ludb_pair
    ag = segment_agreement(truth, out, segment_s=3.0, reference="raw")
    assert ag.leads == SYNTH and ag.inputs == INPUTS and ag.model_id == out.model_id
    # 10 s in 3-s pieces: the 1-s tail joins the third segment.
    np.testing.assert_allclose(ag.starts_s, [0.0, 3.0, 6.0])
    np.testing.assert_allclose(ag.stops_s, [3.0, 6.0, 10.0])
    fs = truth.fs
    for i, (a, b) in enumerate(zip(ag.starts_s, ag.stops_s, strict=True)):
        sl = slice(int(a * fs), int(b * fs))
        for j, lead in enumerate(ag.leads):
            assert ag.pcc[i, j] == pytest.approx(metrics.pcc(truth.lead(lead)[sl], out.lead(lead)[sl]), abs=1e-9)
            assert ag.rmse_mv[i, j] == pytest.approx(metrics.rmse(truth.lead(lead)[sl], out.lead(lead)[sl]), abs=1e-9)
    # The whole-record figures are exactly the metrics module's (the viewer's score table).
    table = metrics.lead_metrics(truth, out, SYNTH)
    for lead in (*SYNTH, "mean"):
        for key in ("pcc", "rmse", "mae", "snr_db"):
            assert ag.whole[lead][key] == pytest.approx(table[lead][key], rel=1e-9, abs=1e-12)


def test_highpass_reference_removes_the_baseline_from_the_truth(ludb_pair) -> None:
    truth, out = ludb_pair
    ag = segment_agreement(truth, out)  # the default (issue 13, item 2)
    assert ag.n_segments == 1 and ag.reference == "highpass"
    for j, lead in enumerate(ag.leads):
        want = metrics.pcc(highpass(truth.lead(lead), truth.fs, 0.5), out.lead(lead))
        assert ag.pcc[0, j] == pytest.approx(want, abs=1e-9)
        assert ag.whole[lead]["pcc"] == pytest.approx(want, abs=1e-9)
    raw = segment_agreement(truth, out, reference="raw")
    assert ag.whole["mean"]["pcc"] > raw.whole["mean"]["pcc"]  # LUDB has baseline wander


def test_worst_segments_and_lookup(ludb_pair) -> None:
    truth, out = ludb_pair
    ag = segment_agreement(truth, out, segment_s=2.0)
    mean = ag.mean_pcc()
    worst = ag.worst(3)
    assert [w.mean_pcc for w in worst] == sorted(mean)[:3]
    first = worst[0]
    i = ag.segment_at(first.start_s + 0.5)
    assert ag.starts_s[i] == first.start_s
    assert first.worst_pcc == pytest.approx(np.nanmin(ag.pcc[i]))
    assert first.worst_lead == ag.leads[int(np.nanargmin(ag.pcc[i]))]
    assert ag.segment_at(-1.0) is None and ag.segment_at(10.0) is None
    assert len(ag.worst(100)) == ag.n_segments


def test_flat_segment_scores_nan_and_sorts_last(ludb_pair) -> None:
    truth, out = ludb_pair
    flat = out.signal.copy()
    flat[:1000, :] = 0.0  # the first 2 s of every lead flat
    ag = segment_agreement(truth, out.replace(signal=flat), segment_s=2.0)
    assert np.isnan(ag.pcc[0]).all() and np.isnan(ag.mean_pcc()[0])
    assert ag.worst(ag.n_segments)[-1].start_s == 0.0  # unscorable segments sort last
    assert np.isfinite(ag.pcc[1:]).all()


def test_nothing_to_compare_and_bad_options(ludb_pair, tmp_path: Path) -> None:
    truth, out = ludb_pair
    four = truth.select(INPUTS)
    with pytest.raises(MissingLeadError, match="nothing to compare"):
        segment_agreement(four, synthesize(four, INPUTS))
    with pytest.raises(ValueError, match="at least 1 s"):
        segment_agreement(truth, out, segment_s=0.2)
    with pytest.raises(ValueError, match="valid: raw, highpass"):
        segment_agreement(truth, out, reference="bandpass")
    path = tmp_path / "four.h5"
    with Hdf5RecordWriter(path, four.fs, INPUTS) as writer:
        writer.append(four.signal)
    with pytest.raises(MissingLeadError, match="does not measure the synthesized leads"):
        score_recording(path, INPUTS)


def test_streamed_scores_match_in_memory(long_file: Path) -> None:
    rec = read_record(long_file)
    fractions: list[float] = []
    streamed = score_recording(long_file, INPUTS, segment_s=10.0, chunk_s=20.0, margin_s=5.0,
                               progress=lambda f, m: fractions.append(f))
    memory = segment_agreement(rec, synthesize(rec, INPUTS), segment_s=10.0)
    assert streamed.leads == memory.leads == SYNTH
    np.testing.assert_allclose(streamed.starts_s, memory.starts_s)
    np.testing.assert_allclose(streamed.stops_s, memory.stops_s)
    assert streamed.stops_s[-1] == pytest.approx(65.0)  # the 5-s tail is a segment of its own
    # Chunks see 5 s of context on each side: the same scores as one pass, up to the
    # overlap-add's window placement.
    np.testing.assert_allclose(streamed.pcc, memory.pcc, atol=0.01)
    for lead in SYNTH:
        assert streamed.whole[lead]["pcc"] == pytest.approx(memory.whole[lead]["pcc"], abs=0.005)
        assert streamed.whole[lead]["rmse"] == pytest.approx(memory.whole[lead]["rmse"], rel=0.05)
    assert fractions[-1] == pytest.approx(1.0) and fractions == sorted(fractions)
    # One chunk covering the record: exactly the in-memory result.
    single = score_recording(long_file, INPUTS, segment_s=10.0, chunk_s=600.0)
    np.testing.assert_allclose(single.pcc, memory.pcc, atol=1e-6)
    for lead in SYNTH:
        assert single.whole[lead]["pcc"] == pytest.approx(memory.whole[lead]["pcc"], abs=1e-6)


def test_streamed_scoring_cancels(long_file: Path) -> None:
    token = CancelToken()

    def progress(fraction: float, message: str) -> None:
        token.cancel()

    with pytest.raises(CancelledError):
        score_recording(long_file, INPUTS, chunk_s=10.0, progress=progress, cancel=token)


def test_write_csv_and_json_atomically(ludb_pair, tmp_path: Path) -> None:
    truth, out = ludb_pair
    ag = segment_agreement(truth, out, segment_s=5.0)
    csv_path = write_agreement(ag, tmp_path / "a.csv")
    lines = csv_path.read_text().splitlines()
    assert lines[0].startswith("start_s,stop_s,mean_pcc,pcc_V1") and len(lines) == 1 + ag.n_segments
    assert float(lines[1].split(",")[3]) == pytest.approx(ag.pcc[0, 0], abs=1e-4)
    doc = json.loads(write_agreement(ag, tmp_path / "a.json").read_text())
    assert doc["reference"] == "highpass" and doc["leads"] == list(SYNTH) and len(doc["segments"]) == 2
    assert doc["whole"]["mean"]["pcc"] == pytest.approx(ag.whole["mean"]["pcc"])
    with pytest.raises(ValueError, match="valid: .csv, .json"):
        write_agreement(ag, tmp_path / "a.txt")
    if os.geteuid() != 0:
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        try:
            with pytest.raises(OSError):
                write_agreement(ag, ro / "a.csv")
            assert list(ro.iterdir()) == []
        finally:
            ro.chmod(0o700)


def test_cli_lists_the_worst_segments(long_file: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "seg.csv"
    assert main(["agreement", str(long_file), "--inputs", "I,II,V2,V4", "--segment-s", "5",
                 "--worst", "3", "--reference", "highpass", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "13 segment(s) of 5 s, reference highpass" in text
    assert "worst 3 segment(s)" in text and "mean" in text
    assert len(out.read_text().splitlines()) == 14


def test_cli_errors_are_one_line(ludb_pair, tmp_path: Path, capsys) -> None:
    truth, _ = ludb_pair
    four = tmp_path / "patch.h5"
    with Hdf5RecordWriter(four, truth.fs, INPUTS) as writer:
        writer.append(truth.select(INPUTS).signal)
    assert main(["agreement", str(four), "--inputs", "I,II,V2,V4"]) == 2
    err = capsys.readouterr().err
    assert "nothing to compare" in err and "Traceback" not in err
    with pytest.raises(SystemExit) as exc:
        main(["agreement", str(four), "--inputs", "I,II", "--out", "x.txt"])
    assert exc.value.code == 2
    assert "name a .csv or .json file" in capsys.readouterr().err


def test_reference_truth_filters_a_copy(ludb_pair) -> None:
    from leadsynth_core.scoring import reference_truth

    truth, _ = ludb_pair
    before = truth.signal.copy()
    assert reference_truth(truth, SYNTH, "raw") is truth
    hp = reference_truth(truth, SYNTH, "highpass")
    np.testing.assert_array_equal(truth.signal, before)  # the stored record is never changed
    for lead in SYNTH:
        np.testing.assert_allclose(hp.lead(lead), highpass(truth.lead(lead), truth.fs, 0.5), atol=1e-6)
    np.testing.assert_array_equal(hp.lead("V2"), truth.lead("V2"))  # leads not asked for: as stored
    assert hp.provenance == truth.provenance
    with pytest.raises(ValueError, match="valid: raw, highpass"):
        reference_truth(truth, SYNTH, "lowpass")
