"""``leadsynth library ...`` and ``leadsynth personalize ...`` end to end (in-process main)."""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path

import pytest
from personalization_data import fitted_linear_base, make_base, make_record, swapped_electrode_records

from leadsynth_core.cli import main
from leadsynth_core.io import write_record
from leadsynth_core.library import Library
from leadsynth_core.models import load_model


def _visits(folder: Path, n: int = 5, patient_seed: int = 3, patient_id: str | None = None) -> list[Path]:
    day = _dt.datetime(2023, 5, 1, 10, 0)
    return [
        write_record(
            make_record(patient_seed, 300 + i, patient_id=patient_id, recorded_at=day + _dt.timedelta(days=30 * i)),
            folder / f"visit{i}",
        )
        for i in range(n)
    ]


def test_library_add_list_and_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = _visits(tmp_path / "p3", n=3)
    (tmp_path / "p3" / "junk.hea").write_text("junk\n")
    assert main(["library", "add", str(tmp_path / "p3"), "--patient", "p3"]) == 0
    out, err = capsys.readouterr()
    assert "3 added" in out and "1 failed" in out and "junk.hea" in err
    assert main(["library", "list"]) == 0
    out, _ = capsys.readouterr()
    assert "p3" in out and "1 patient(s)" in out
    assert main(["library", "list", "--patient", "p3"]) == 0
    out, _ = capsys.readouterr()
    lines = [ln for ln in out.splitlines() if "visit" in ln]
    assert [Path(ln.split()[-1]).stem for ln in lines] == ["visit2", "visit1", "visit0"]
    assert main(["library", "check"]) == 0
    files[0].unlink()
    assert main(["library", "check"]) == 1
    out, _ = capsys.readouterr()
    assert "missing" in out and "visit0" in out


def test_personalize_with_train_files_writes_model_and_prints_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = make_base(tmp_path / "base")
    files = _visits(tmp_path / "data", patient_id="p3")
    out_stem = tmp_path / "out" / "p3-model"
    code = main([
        "personalize", "--base", str(base.path), "--inputs", "I,II,V2,V4", "--train", *map(str, files),
        "--out", str(out_stem), "--device", "cpu", "--epochs", "60", "--lr", "0.002",
        "--json", str(tmp_path / "report.json"),
    ])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "PCC base" in out and "verdict: improved" in out and "saved" in out
    assert "epoch  60/60" in err
    assert out_stem.with_suffix(".safetensors").is_file() and out_stem.with_suffix(".json").is_file()
    model = load_model(out_stem.with_suffix(".json"))
    assert model.card.patient_id == "p3" and model.card.base_model["id"] == base.id
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["verdict"] == "improved" and report["saved"] == str(out_stem.with_suffix(".json"))
    with Library() as lib:
        assert [m.id for m in lib.personal_models("p3")] == [model.card.id]


def test_personalize_latest_from_the_library(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = make_base(tmp_path / "base")
    _visits(tmp_path / "data", n=6)
    assert main(["library", "add", str(tmp_path / "data"), "--patient", "p3"]) == 0
    capsys.readouterr()
    code = main(["personalize", "--base", str(base.path), "--inputs", "I,II,V2,V4", "--patient", "p3",
                 "--latest", "5", "--device", "cpu"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "using 5 recording(s) of patient p3" in out and "visit0" not in out
    with Library() as lib:
        (model,) = lib.personal_models("p3")
        assert len(model.recording_ids) == 5
        assert Path(model.path).parent.name == model.id


def test_personalize_errors_are_one_line_messages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = make_base(tmp_path / "base")
    record = make_record(3, 1)
    bad = write_record(record.select([n for n in record.lead_names if n != "V6"]), tmp_path / "no_v6")
    code = main(["personalize", "--base", str(base.path), "--inputs", "I,II,V2,V4", "--train", str(bad),
                 "--out", str(tmp_path / "m"), "--device", "cpu"])
    _, err = capsys.readouterr()
    assert code == 2 and "missing lead(s) V6" in err and "Traceback" not in err
    assert not (tmp_path / "m.safetensors").exists()
    code = main(["personalize", "--base", str(base.path), "--inputs", "I,II,V2,V4", "--latest", "5"])
    _, err = capsys.readouterr()
    assert code == 2 and "--latest needs --patient" in err
    code = main(["personalize", "--base", str(base.path), "--inputs", "I,II,V2,V4", "--patient", "nobody",
                 "--latest", "5"])
    _, err = capsys.readouterr()
    assert code == 2 and "no complete 12-lead recording of patient 'nobody'" in err


def test_personalize_twice_to_the_same_out_keeps_one_library_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = make_base(tmp_path / "base")
    files = [str(f) for f in _visits(tmp_path / "data", n=2, patient_id="p3")]
    out = tmp_path / "model"
    args = ["personalize", "--base", str(base.path), "--inputs", "I,II,V2,V4", "--train", *files,
            "--out", str(out), "--device", "cpu", "--save-anyway", "--epochs", "5"]
    assert main(args) == 0
    assert main([*args[:-2], "--epochs", "6"]) == 0
    capsys.readouterr()
    with Library() as lib:
        (model,) = lib.personal_models("p3")
        assert model.path == str(out.with_suffix(".safetensors").resolve())
        assert model.card["training"]["settings"]["epochs"] == 6
        assert lib.integrity_check() == []


def test_personalize_worse_than_base_is_not_saved_unless_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = fitted_linear_base(tmp_path / "base")
    files = [str(write_record(r, tmp_path / f"v{i}")) for i, r in enumerate(swapped_electrode_records())]
    args = ["personalize", "--base", str(base.path), "--inputs", "I,II,V2,V4", "--train", *files,
            "--out", str(tmp_path / "m"), "--device", "cpu"]
    assert main(args) == 1
    out, _ = capsys.readouterr()
    assert "verdict: worse; recommended model: base (linear-base)" in out and "not saved" in out
    assert not (tmp_path / "m.json").exists() and not (tmp_path / "m.safetensors").exists()
    assert main([*args, "--save-anyway"]) == 0
    assert (tmp_path / "m.json").exists()
