"""``leadsynth prepare``: shards, index, splits, report, resume, and every bad input."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
from pathlib import Path

import numpy as np
import pytest

from leadsynth_core.cli import main as cli_main
from leadsynth_core.errors import DatasetError
from leadsynth_core.io import read_record, write_record
from leadsynth_core.training.data import model_space_leads
from leadsynth_core.training.prepare import assign_splits, prepare
from leadsynth_core.training.shards import MANIFEST, open_shards
from tests.shard_data import make_data_folder


@pytest.fixture(scope="module")
def data_folder(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_data_folder(shared_data, tmp_path_factory.mktemp("records"))


def test_prepare_mixed_formats_and_rates(data_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "shards"
    code = cli_main(["prepare", str(data_folder), "--out", str(out), "--workers", "1", "--holdout-source", "sph"])
    assert code == 0
    assert "18 records" in capsys.readouterr().out
    data = open_shards(out)
    assert len(data.rows) == 18
    assert {r.source for r in data.rows} == {"ludb", "cinc", "ptbxl", "sph"}
    assert {r.fs for r in data.rows} == {100.0, 500.0}
    # Whole held-out source in test, the rest by patient; all records placed exactly once.
    assert sorted(data.splits["test"]) == ["sph/SPH00001.h5", "sph/SPH00002.h5"]
    placed = data.splits["train"] + data.splits["validation"] + data.splits["test"]
    assert sorted(placed) == sorted(r.record_id for r in data.rows)
    assert data.splits["validation"]
    # The stored samples are the record's model-space leads (int16 quantisation only).
    row = next(i for i, r in enumerate(data.rows) if r.record_id == "ptbxl/00001_lr.hea")
    rec = read_record(data.rows[row].path)
    truth = model_space_leads(rec)
    got = data.crop(row, 0, data.rows[row].length)
    assert got.shape == truth.shape == (8, 2500)
    assert np.max(np.abs(got - truth)) <= np.max(np.abs(truth)) / 32767 + 1e-6
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["n_records"] == 18 and manifest["splits"]["test"] == 2


def _bad_records(shared: Path, folder: Path) -> None:
    rec = read_record(shared / "ludb" / "data" / "2.hea")
    folder.mkdir()
    flat = rec.signal.copy()
    flat[:, rec.index("V3")] = 0.0
    write_record(rec.replace(signal=flat, source=None), folder / "flat")
    write_record(rec.replace(signal=rec.signal[:1000], source=None), folder / "short")
    keep = [i for i, n in enumerate(rec.lead_names) if n not in ("V5", "V6")]
    write_record(rec.replace(signal=rec.signal[:, keep], lead_names=tuple(rec.lead_names[i] for i in keep),
                             provenance=tuple(rec.provenance[i] for i in keep), source=None), folder / "nov5v6")
    sat = rec.signal.copy()
    col = sat[:, rec.index("V1")]
    sat[:, rec.index("V1")] = np.clip(col, np.percentile(col, 30), np.percentile(col, 70))
    write_record(rec.replace(signal=sat, source=None), folder / "saturated")


def test_unusable_records_are_dropped_with_reasons(shared_data: Path, tmp_path: Path) -> None:
    _bad_records(shared_data, tmp_path / "bad")
    write_record(read_record(shared_data / "ludb" / "data" / "3.hea").replace(source=None), tmp_path / "bad" / "good")
    (tmp_path / "bad" / "broken.hea").write_text("broken 12 500 5000\nthis is not a signal line\n")
    manifest = prepare([f"clinic={tmp_path / 'bad'}"], tmp_path / "out", val_fraction=0.0)
    assert manifest["n_records"] == 1 and manifest["n_dropped"] == 5
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    reasons = {d["record_id"]: d["reason"] for d in report["dropped"]}
    assert reasons["clinic/flat.hea"].startswith("flat lead V3")
    assert reasons["clinic/short.hea"].startswith("too short: 2.00 s")
    assert reasons["clinic/nov5v6.hea"] == "missing lead(s) V5, V6"
    assert reasons["clinic/saturated.hea"].startswith("saturated lead V1")
    assert reasons["clinic/broken.hea"].startswith("unreadable: ") and "broken.hea" in reasons["clinic/broken.hea"]


def test_nothing_usable_is_an_error_naming_the_report(shared_data: Path, tmp_path: Path) -> None:
    _bad_records(shared_data, tmp_path / "bad")
    with pytest.raises(DatasetError, match=r"bad: no usable record among the 4 file\(s\).*report\.json"):
        prepare([str(tmp_path / "bad")], tmp_path / "out")
    with pytest.raises(DatasetError, match="unfinished"):
        open_shards(tmp_path / "out")


def test_splits_are_by_patient_and_stable() -> None:
    rows = [{"record_id": f"a/{k}", "source": "a", "patient_id": f"p{k % 7}"} for k in range(70)]
    rows += [{"record_id": f"b/{k}", "source": "b", "patient_id": ""} for k in range(30)]
    rows += [{"record_id": f"c/{k}", "source": "c", "patient_id": "p1"} for k in range(5)]
    doc = assign_splits(rows, 0.3, ["c"])
    assert doc["test"] == [f"c/{k}" for k in range(5)]
    patient = {r["record_id"]: r["patient_id"] for r in rows}
    val_patients = {patient[i] for i in doc["validation"] if i.startswith("a/")}
    train_patients = {patient[i] for i in doc["train"] if i.startswith("a/")}
    assert not val_patients & train_patients  # no patient on both sides
    assert 0 < len(doc["validation"]) < 100 - len(doc["train"]) + len(doc["validation"])
    # Adding records never moves those already placed.
    more = assign_splits(rows + [{"record_id": "b/x", "source": "b", "patient_id": ""}], 0.3, ["c"])
    assert set(doc["validation"]) <= set(more["validation"]) and set(doc["train"]) <= set(more["train"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{tmp}/nowhere"], "nowhere: no such file or folder"),
        (["{tmp}/empty"], "empty: no record file the readers accept"),
        (["{data}", "--holdout-source", "mimic"], "--holdout-source mimic: no such source; the sources are cinc, ludb"),
        (["{data}", "--val-fraction", "1.5"], "--val-fraction 1.5 must be in"),
    ],
)
def test_prepare_bad_inputs_fail_before_any_work(
    data_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("no records here")
    argv = [a.format(tmp=tmp_path, data=data_folder) for a in args]
    assert cli_main(["prepare", *argv, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_prepare_refuses_a_foreign_or_prepared_folder(data_folder: Path, tmp_path: Path) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "thesis.tex").write_text("x")
    with pytest.raises(DatasetError, match="busy: folder is not empty and is not a shard folder"):
        prepare([str(data_folder / "ptbxl")], tmp_path / "busy")
    prepare([str(data_folder / "ptbxl")], tmp_path / "done", val_fraction=0.0)
    with pytest.raises(DatasetError, match="done: already a prepared shard folder"):
        prepare([str(data_folder / "ptbxl")], tmp_path / "done")


def test_killed_worker_stops_cleanly_and_resume_finishes(data_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "shards"
    killed: list[int] = []

    def kill_a_worker(done: int, total: int) -> None:
        # After the first shard is complete, SIGKILL one worker of the pool.
        if done and not killed:
            for child in multiprocessing.active_children():
                if child.pid is not None:
                    os.kill(child.pid, signal.SIGKILL)
                    killed.append(child.pid)
                    break

    with pytest.raises(DatasetError, match=r"worker stopped unexpectedly.*--resume"):
        prepare([str(data_folder)], out, workers=2, shard_size=2, on_progress=kill_a_worker)
    assert killed
    assert not (out / MANIFEST).exists()
    done_before = sorted(p.name for p in out.glob("shard-*.json"))
    assert 0 < len(done_before) < 9
    assert not list(out.glob(".tmp-*"))
    with pytest.raises(DatasetError, match="unfinished 'leadsynth prepare'"):
        open_shards(out)
    with pytest.raises(DatasetError, match="add --resume"):
        prepare([str(data_folder)], out, workers=2, shard_size=2)
    with pytest.raises(DatasetError, match="records or options differ"):
        prepare([str(data_folder / "ludb")], out, resume=True, shard_size=2)
    manifest = prepare([str(data_folder)], out, workers=1, resume=True)  # the first run's shard size is kept
    assert manifest["n_records"] == 18 and len(manifest["shards"]) == 9
    reference = prepare([str(data_folder)], tmp_path / "reference", workers=1, shard_size=2)
    assert (out / "index.csv").read_text() == (tmp_path / "reference" / "index.csv").read_text()
    assert manifest["data_id"] == reference["data_id"]


def test_patients_file_groups_records_by_patient(data_folder: Path, tmp_path: Path) -> None:
    # PTB-XL style: ids as floats, files named by filename_lr / filename_hr.
    lines = ["ecg_id,patient_id,filename_lr,filename_hr"]
    lines += [f"{k},{100 + k % 3}.0,records100/{k}_lr,ludb/{k}" for k in range(1, 13)]
    (tmp_path / "db.csv").write_text("\n".join(lines) + "\n")
    manifest = prepare([str(data_folder / "ludb")], tmp_path / "out", val_fraction=0.3,
                       patients=tmp_path / "db.csv")
    index = (tmp_path / "out" / "index.csv").read_text().splitlines()
    assert manifest["n_records"] == 12
    data = open_shards(tmp_path / "out")
    patient = {r.record_id: r.patient_id for r in data.rows}
    assert set(patient.values()) == {"100", "101", "102"} and len(index) == 13
    # Three patients: each lies wholly on one side.
    for side in ("train", "validation"):
        others = {"train": "validation", "validation": "train"}[side]
        assert not {patient[i] for i in data.splits[side]} & {patient[i] for i in data.splits[others]}
    assert data.splits["validation"] and data.splits["train"]
    data.close()
    (tmp_path / "bad.csv").write_text("file,subject\nx,1\n")
    with pytest.raises(DatasetError, match=r"bad\.csv: needs a 'patient_id' column"):
        prepare([str(data_folder / "ludb")], tmp_path / "out2", patients=tmp_path / "bad.csv")
    assert not (tmp_path / "out2").exists()


def test_declared_split_file_wins_over_the_rule(data_folder: Path, tmp_path: Path) -> None:
    (tmp_path / "split.csv").write_text("record,split\n1.hea,validation\nludb/2.hea,validation\n3,test\n4,exclude\n")
    manifest = prepare([str(data_folder / "ludb")], tmp_path / "out", val_fraction=0.0,
                       split_file=tmp_path / "split.csv")
    doc = json.loads((tmp_path / "out" / "splits.json").read_text())
    assert sorted(doc["validation"]) == ["ludb/1.hea", "ludb/2.hea"]
    assert doc["test"] == ["ludb/3.hea"] and doc["excluded"] == ["ludb/4.hea"]
    assert len(doc["train"]) == 8 and manifest["splits"]["excluded"] == 1
    # PTB-XL's database file as it is: strat_fold 10 is test, 9 validation.
    (tmp_path / "db.csv").write_text("ecg_id,patient_id,strat_fold,filename_lr,filename_hr\n"
                                     "1,5.0,10,records100/00000/00001_lr,records500/00000/00001_hr\n")
    prepare([str(data_folder / "ptbxl")], tmp_path / "px", val_fraction=0.0, split_file=tmp_path / "db.csv")
    assert json.loads((tmp_path / "px" / "splits.json").read_text())["test"] == ["ptbxl/00001_lr.hea"]
    (tmp_path / "typo.csv").write_text("record,split\n1,valdation\n")
    with pytest.raises(DatasetError, match=r"typo\.csv: line 2: split 'valdation' is not train"):
        prepare([str(data_folder / "ludb")], tmp_path / "out3", split_file=tmp_path / "typo.csv")
