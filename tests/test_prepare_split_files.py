"""``leadsynth prepare --split-file A --split-file B``: several declared split files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leadsynth_core.cli import main as cli_main
from leadsynth_core.errors import DatasetError
from leadsynth_core.training.prepare import prepare
from tests.shard_data import make_data_folder


def test_several_split_files_are_merged_and_must_agree(shared_data: Path, tmp_path: Path) -> None:
    data = make_data_folder(shared_data, tmp_path / "records", n_ludb=4)
    # PTB-XL's database file declares its record by fold; a second file declares LUDB records.
    (tmp_path / "db.csv").write_text("ecg_id,patient_id,strat_fold,filename_lr,filename_hr\n"
                                     "1,5.0,9,records100/00000/00001_lr,records500/00000/00001_hr\n")
    (tmp_path / "shared.csv").write_text("record,split\nludb/3.hea,test\n4,exclude\n")
    out = tmp_path / "shards"
    assert cli_main(["prepare", str(data / "ludb"), str(data / "ptbxl"), "--out", str(out), "--workers", "1",
                     "--val-fraction", "0", "--split-file", str(tmp_path / "db.csv"),
                     "--split-file", str(tmp_path / "shared.csv")]) == 0
    doc = json.loads((out / "splits.json").read_text())
    assert doc["validation"] == ["ptbxl/00001_lr.hea"] and doc["test"] == ["ludb/3.hea"]
    assert doc["excluded"] == ["ludb/4.hea"] and sorted(doc["train"]) == ["ludb/1.hea", "ludb/2.hea"]
    # Two files that disagree on a record: refused, naming the file and the record.
    (tmp_path / "other.csv").write_text("record,split\n00001_lr,train\n")
    with pytest.raises(DatasetError, match=r"other\.csv: record '00001_lr' is declared 'train' here but 'validation'"):
        prepare([str(data / "ptbxl")], tmp_path / "bad", split_file=[tmp_path / "db.csv", tmp_path / "other.csv"])
    assert not (tmp_path / "bad").exists()
