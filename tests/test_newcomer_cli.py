"""What a new user hit on the command line (issue 13): argument checks before work, exit
codes that say "nothing was done", words instead of codes, and small help gaps."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import h5py
import numpy as np
import pytest
from personalization_data import make_base, make_record

from leadsynth_core.cli import build_parser, main
from leadsynth_core.demographics import normalize_age, normalize_sex
from leadsynth_core.diagnoses import describe_diagnoses, snomed_term, snomed_terms
from leadsynth_core.io import read_record, write_record
from leadsynth_core.models import ModelCard
from leadsynth_core.options import DEFAULT_EPOCHS, DEFAULT_LR


# ----------------------------------------------------------------- item 4: personalize
def test_personalize_without_patient_stops_before_training(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = make_base(tmp_path / "base")
    files = [str(write_record(make_record(3, 300 + i, seconds=4), tmp_path / f"visit{i}")) for i in range(2)]
    code = main(["personalize", "--base", str(base.path), "--inputs", "I,II,V2,V4", "--train", *files,
                 "--out", str(tmp_path / "m"), "--device", "cpu", "--epochs", "2"])
    out, err = capsys.readouterr()
    assert code == 2
    assert "--patient ID is needed" in err and "name no patient" in err
    # Nothing was trained: no epoch lines, no before/after table, no verdict, no model.
    assert "epoch" not in err and "PCC base" not in out and "verdict" not in out
    assert "patient_id to personalize()" not in err
    assert not (tmp_path / "m.json").exists()


def test_personalize_recordings_of_two_patients_need_patient(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = make_base(tmp_path / "base")
    files = [str(write_record(make_record(3, 300 + i, seconds=4, patient_id=f"p{i}"), tmp_path / f"visit{i}"))
             for i in range(2)]
    code = main(["personalize", "--base", str(base.path), "--inputs", "I,II,V2,V4", "--train", *files,
                 "--device", "cpu", "--epochs", "2", "--allow-mixed-patients"])
    _, err = capsys.readouterr()
    assert code == 2 and "--patient ID is needed" in err and "p0, p1" in err and "epoch" not in err


def test_personalize_help_documents_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["personalize", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for option, words in (("--device", "cpu"), ("--epochs", f"default {DEFAULT_EPOCHS}"),
                          ("--lr", f"default {DEFAULT_LR:g}"), ("--seed", "same model")):
        after = text.split(option, 2)[-1]  # the option's own entry (after the usage line)
        assert words in after[:260], (option, after[:260])
    defaults = build_parser().parse_args(["personalize", "--base", "b", "--inputs", "I", "--train", "x"])
    assert (defaults.epochs, defaults.lr) == (DEFAULT_EPOCHS, DEFAULT_LR)


# -------------------------------------------------------------------- item 7: evaluate
def test_evaluate_with_nothing_scored_fails_and_prints_reasons(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for i in range(7):  # 4-lead records: nothing can be scored against a full 12-lead truth
        rec = make_record(3, 10 + i, seconds=3)
        write_record(rec.select(("I", "II", "V2", "V4")), data / f"patch{i}")
    out = tmp_path / "res.json"
    code = main(["evaluate", str(data), "--inputs", "I,II,V2,V4", "--json", str(out), "--no-isolation"])
    stdout, err = capsys.readouterr()
    assert code != 0
    assert "no record" in err and "could be scored" in err and "7 skipped" in err
    shown = [ln for ln in stdout.splitlines() if "patch" in ln and ":" in ln]
    assert len(shown) == 5 and "V1" in shown[0]  # each shown with its reason
    assert "and 2 more" in stdout
    assert len(json.loads(out.read_text())["skipped"]) == 7


# ------------------------------------------------------------------ item 13: in words
def test_sex_and_age_are_normalized_in_one_place() -> None:
    for text in ("F", "Female", "female", " f ", "FEMALE"):
        assert normalize_sex(text) == "female"
    for text in ("M", "Male", "male"):
        assert normalize_sex(text) == "male"
    for text in (None, "", "Unknown", "0", "1", "x"):
        assert normalize_sex(text) == "unknown"
    assert [normalize_age(v) for v in ("81", 81, "81 years", "81.0", "NaN", float("nan"), "-1", None, "300")] == [
        81, 81, 81, 81, None, None, None, None, None
    ]
    rec = make_record(3, 1, seconds=2).replace(metadata={"age": "81", "sex": "Female"})
    assert (rec.age, rec.sex) == (81, "female")
    assert (make_record(3, 1, seconds=2).age, make_record(3, 1, seconds=2).sex) == (None, "unknown")


def test_snomed_table_names_the_challenge_codes() -> None:
    table = snomed_terms()
    assert len(table) >= 100
    assert snomed_term("426783006") == "sinus rhythm"
    assert snomed_term(164889003) == "atrial fibrillation"
    assert snomed_term("999") is None
    assert describe_diagnoses("426783006,164865005") == [
        "sinus rhythm (SNOMED CT 426783006)", "myocardial infarction (SNOMED CT 164865005)",
    ]
    assert describe_diagnoses("12345") == ["SNOMED CT 12345 (term unknown)"]


def test_info_prints_sex_diagnosis_and_notes_in_words(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rec = make_record(3, 1, seconds=2).replace(metadata={"age": 81, "sex": "F", "dx": "426783006,164867002"})
    path = write_record(rec, tmp_path / "rec")
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "sex:          female" in out and "age:          81" in out
    assert "sinus rhythm (SNOMED CT 426783006)" in out and "old myocardial infarction (SNOMED CT 164867002)" in out
    assert "426783006\n" not in out


def test_ludb_gain_note_is_in_words(shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", str(shared_data / "ludb" / "data" / "1")]) == 0
    out = capsys.readouterr().out
    assert "!=" not in out
    assert "lead III would not equal II - I" in out and "Einthoven" in out
    assert "sex:          female" in out


# -------------------------------------------------------------- item 17: a bad gain
def test_non_numeric_gain_is_refused_naming_file_and_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_record(make_record(3, 1, seconds=2), tmp_path / "rec")
    lines = path.read_text().splitlines()
    fields = lines[2].split()
    fields[2] = "abc(0)/mV"
    lines[2] = " ".join(fields)
    path.write_text("\n".join(lines) + "\n")
    for argv in (["info", str(path)], ["synthesize", str(path), "--inputs", "I,II,V2,V4", "--out", str(tmp_path / "o")]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert str(path) in err and "gain 'abc(0)/mV' is not a number" in err and "signal II" in err
    assert not (tmp_path / "o.hea").exists()


# ---------------------------------------------------------------- item 18: small things
def test_sph_assumed_rate_is_warned_once_per_file(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "SPH_like.h5"
    with h5py.File(path, "w") as f:  # exactly the published SPH layout: (12, n), no attributes
        f["ecg"] = np.asarray(make_record(3, 1, seconds=2).signal.T, dtype=np.float32)
    caplog.set_level(logging.WARNING)
    for _ in range(3):
        assert read_record(path).fs == 500.0
    hits = [r for r in caplog.records if "no 'fs' attribute" in r.getMessage()]
    assert len(hits) == 1


def test_any_subset_model_summary_says_for_which_inputs() -> None:
    card = ModelCard(
        id="any", name="any", architecture="linear", arch_params={}, outputs=["V1"], any_subset=True,
        metrics={"mean_pcc": 0.843, "by_inputs": {"I,II,V2,V4": {"mean_pcc": 0.843}, "I": {"mean_pcc": 0.747}}},
    )
    assert "val PCC 0.843 from I,II,V2,V4; 0.747 from I" in card.summary()
    dedicated = ModelCard(id="d", name="d", architecture="linear", arch_params={}, outputs=["V1"], inputs=["I"],
                          metrics={"mean_pcc": 0.5})
    assert dedicated.summary().endswith("[I] -> [V1] val PCC 0.500")


# ------------------------------------------------------------ item 16: where the data is
def test_reference_data_location_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from conftest import missing_shared_data_reason

    from leadsynth_core.paths import reference_data_dir
    from leadsynth_core.training.data import default_data_root

    monkeypatch.setenv("LEADSYNTH_SHARED_DATA", str(tmp_path))
    assert reference_data_dir() == tmp_path and default_data_root() == tmp_path
    reason = missing_shared_data_reason(tmp_path)
    assert reason is not None
    assert str(tmp_path / "ludb" / "data" / "1.hea") in reason and f"LEADSYNTH_SHARED_DATA={tmp_path}" in reason
    (tmp_path / "ludb" / "data").mkdir(parents=True)
    (tmp_path / "ludb" / "data" / "1.hea").write_text("1 0\n")
    assert missing_shared_data_reason(tmp_path) is None
    monkeypatch.delenv("LEADSYNTH_SHARED_DATA")
    assert reference_data_dir().parts[-2:] == ("shared", "data")
    assert "set LEADSYNTH_SHARED_DATA" in (missing_shared_data_reason(tmp_path / "nowhere") or "")


def test_data_tests_skip_saying_where_they_looked(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "LEADSYNTH_SHARED_DATA": str(tmp_path / "elsewhere")}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
         "tests/test_cli_info.py::test_info_real_ptb"],
        cwd=root, env=env, capture_output=True, text=True, timeout=300,
    )
    assert "1 skipped" in proc.stdout, proc.stdout + proc.stderr
    assert f"real reference data not found at {tmp_path / 'elsewhere'}" in proc.stdout
