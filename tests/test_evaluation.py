"""Data-set evaluation (the engine of ``leadsynth evaluate`` and the viewer's data-set dialog)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from leadsynth_core import metrics
from leadsynth_core.errors import CancelledError
from leadsynth_core.evaluation import evaluate_dataset
from leadsynth_core.io import Hdf5RecordWriter, read_record, write_record
from leadsynth_core.preprocess import highpass
from leadsynth_core.progress import CancelToken
from leadsynth_core.synthesis import synthesize

INPUTS = ("I", "II", "V4")


@pytest.fixture(scope="module")
def folder(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three LUDB records as WFDB plus a 4-lead file that must be skipped."""
    out = tmp_path_factory.mktemp("dataset")
    for n in (171, 172, 173):
        rec = read_record(shared_data / "ludb" / "data" / str(n))
        write_record(rec.replace(source=None), out / f"rec{n}")
    four = read_record(shared_data / "ludb" / "data" / "174").select(("I", "II", "V2", "V4"))
    with Hdf5RecordWriter(out / "patch.h5", four.fs, four.lead_names) as writer:
        writer.append(four.signal)
    return out


def test_scores_every_record_and_skips_with_reasons(folder: Path) -> None:
    fractions: list[float] = []
    res = evaluate_dataset(folder, INPUTS, progress=lambda f, m: fractions.append(f))
    assert res["n_records"] == 3 and res["reference"] == "highpass"  # the default (issue 13, item 2)
    assert [Path(s["record"]).name for s in res["skipped"]] == ["patch.h5"]
    assert "V1" in res["skipped"][0]["reason"]
    assert fractions[-1] == pytest.approx(1.0) and fractions == sorted(fractions)
    for entry in res["records"]:
        rec = read_record(entry["path"], key=entry["key"])
        out = synthesize(rec, INPUTS, res["model"])
        for lead, m in entry["leads"].items():
            want = metrics.pcc(highpass(rec.lead(lead), rec.fs, 0.5), out.lead(lead))
            assert m["pcc"] == pytest.approx(want, abs=1e-6)
        worst = min(entry["leads"], key=lambda ld: entry["leads"][ld]["pcc"])
        assert entry["worst_lead"] == worst


def test_raw_reference(folder: Path) -> None:
    raw = evaluate_dataset(folder, INPUTS, reference="raw")
    entry = raw["records"][0]
    rec = read_record(entry["path"])
    out = synthesize(rec, INPUTS, raw["model"])
    for lead, m in entry["leads"].items():
        assert m["pcc"] == pytest.approx(metrics.pcc(rec.lead(lead), out.lead(lead)), abs=1e-9)
    res = evaluate_dataset(folder, INPUTS, reference="highpass")
    assert res["mean"]["pcc"] > raw["mean"]["pcc"]  # LUDB's baseline wander
    with pytest.raises(ValueError, match="valid: raw, highpass"):
        evaluate_dataset(folder, INPUTS, reference="band")


def test_cancel_stops_between_records(folder: Path) -> None:
    token = CancelToken()
    seen: list[float] = []

    def progress(fraction: float, message: str) -> None:
        seen.append(fraction)
        if fraction > 0:
            token.cancel()

    with pytest.raises(CancelledError):
        evaluate_dataset(folder, INPUTS, progress=progress, cancel=token)
    assert len(seen) == 2 and np.isclose(seen[0], 0.0)


def test_leads_stored_as_synthesized_are_not_scored(shared_data: Path, tmp_path: Path) -> None:
    """One rule for which leads are compared (leadsynth_core.scoring.compared_leads), as the
    viewer and the agreement: a lead the file holds as synthesized is no truth."""
    from leadsynth_core.record import Provenance

    rec = read_record(shared_data / "ludb" / "data" / "171")
    out = synthesize(rec, INPUTS)
    i = rec.lead_names.index("V1")
    signal = np.array(rec.signal, copy=True)
    signal[:, i] = out.lead("V1")
    provenance = list(rec.provenance)
    provenance[i] = Provenance.SYNTHESIZED
    write_record(rec.replace(signal=signal, provenance=tuple(provenance), source=None), tmp_path / "again")
    assert read_record(tmp_path / "again").provenance_of("V1") is Provenance.SYNTHESIZED
    res = evaluate_dataset(tmp_path, INPUTS)
    scored = res["records"][0]["leads"]
    assert "V1" not in scored and {"V2", "V3", "V5", "V6"} <= set(scored)


@pytest.mark.parametrize("command", [["evaluate", "DATA", "--inputs", "I", "--json", "x.json"],
                                     ["agreement", "REC", "--inputs", "I"]])
def test_cli_scores_against_the_baseline_corrected_truth_by_default(command: list[str]) -> None:
    from leadsynth_core.cli import build_parser

    parser = build_parser()
    assert parser.parse_args(command).reference == "highpass"
    assert parser.parse_args([*command, "--reference", "raw"]).reference == "raw"
