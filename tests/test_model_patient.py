"""A personal model belongs to one patient (ARCHITECTURE rule 8): the rule and ``synthesize``."""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import pytest
from personalization_data import make_base, make_record

from leadsynth_core.cli import main
from leadsynth_core.errors import PatientMismatchError
from leadsynth_core.io import read_record, write_record
from leadsynth_core.models import PatientMatchStatus, check_model_patient, read_card, require_model_patient


def _personal_model(folder: Path, patient: str = "p3") -> Path:
    """A tiny model whose card says it is the personal model of ``patient``."""
    card = make_base(folder, model_id=f"{patient}-personal")
    data = json.loads(card.path.read_text())
    data["patient_id"] = patient
    data["base_model"] = {"id": "tiny-base", "sha256": "0" * 64}
    card.path.write_text(json.dumps(data))
    return card.path


def _record(folder: Path, name: str, patient: str | None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return write_record(make_record(3, 7, seconds=4, patient_id=patient), folder / name)


def test_the_rule_answers_each_case(tmp_path: Path) -> None:
    personal = read_card(_personal_model(tmp_path))
    shared = read_card(make_base(tmp_path / "shared").path)
    assert check_model_patient(shared, "p4").status is PatientMatchStatus.SHARED
    assert check_model_patient(personal, " p3 ").status is PatientMatchStatus.SAME
    unknown = check_model_patient(personal, None, record="rec.hea")
    assert unknown.status is PatientMatchStatus.UNKNOWN and not unknown.needs_confirmation
    assert "rec.hea names no patient" in unknown.warning and "p3" in unknown.warning
    other = check_model_patient(personal, "p4", record="rec.hea")
    assert other.needs_confirmation and other.warning is None
    assert "patient p4" in other.message and "patient p3" in other.message
    with pytest.raises(PatientMismatchError, match="patient p4.*patient p3"):
        require_model_patient(personal, "p4")
    assert require_model_patient(personal, "p4", any_patient=True).status is PatientMatchStatus.OTHER


def test_personal_model_of_another_patient_is_refused_naming_both(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = _personal_model(tmp_path / "m")
    src = _record(tmp_path / "in", "theirs", "p4")
    out = tmp_path / "synth"
    for suffix in ("", ".h5"):  # the WFDB and the streaming HDF5 path
        code = main(["synthesize", str(src), "--inputs", "I,II,V2,V4", "--model", str(model),
                     "--out", str(out) + suffix])
        err = capsys.readouterr().err
        assert code == 2, err
        assert "patient p4" in err and "patient p3" in err and "--any-patient" in err
        assert not Path(str(out) + suffix).exists() and not out.with_suffix(".hea").exists()


def test_any_patient_runs_and_names_the_models_patient(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = _personal_model(tmp_path / "m")
    src = _record(tmp_path / "in", "theirs", "p4")
    out = tmp_path / "synth"
    code = main(["synthesize", str(src), "--inputs", "I,II,V2,V4", "--model", str(model),
                 "--out", str(out), "--any-patient"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "--any-patient given" in captured.err and "personal model of patient p3" in captured.out
    line = next(ln for ln in out.with_suffix(".hea").read_text().splitlines() if "leadsynth:" in ln)
    # The existing contract stays intact, the patient is added at the end.
    assert line.startswith("# leadsynth: measured=I,II,V2,V4; derived=III,aVR,aVL,aVF; synthesized=V1,V3,V5,V6; ")
    assert line.endswith("model=p3-personal; model_patient=p3")
    back = read_record(out)
    assert back.metadata["leadsynth"]["model_patient"] == "p3" and back.patient_id == "p4"


def test_record_without_patient_warns_and_names_the_models_patient(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = _personal_model(tmp_path / "m")
    src = _record(tmp_path / "in", "anonymous", None)
    out = tmp_path / "synth.h5"
    code = main(["synthesize", str(src), "--inputs", "I,II,V2,V4", "--model", str(model), "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "warning" in captured.err and "names no patient" in captured.err and "p3" in captured.err
    with h5py.File(out, "r") as f:
        assert f["records/record"].attrs["model_patient_id"] == "p3"
    assert read_record(out).metadata["leadsynth"]["model_patient"] == "p3"


def test_same_patient_runs_without_a_word(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = _personal_model(tmp_path / "m")
    src = _record(tmp_path / "in", "own", "p3")
    out = tmp_path / "synth"
    code = main(["synthesize", str(src), "--inputs", "I,II,V2,V4", "--model", str(model), "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0 and captured.err == ""
    assert "model_patient=p3" in out.with_suffix(".hea").read_text()


def test_shared_model_output_keeps_the_old_header_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = make_base(tmp_path / "m")
    src = _record(tmp_path / "in", "rec", "p4")
    out = tmp_path / "synth"
    assert main(["synthesize", str(src), "--inputs", "I,II,V2,V4", "--model", str(base.path), "--out", str(out)]) == 0
    capsys.readouterr()
    text = out.with_suffix(".hea").read_text()
    assert "model=tiny-base\n" in text and "model_patient" not in text


def test_out_into_a_missing_folder_is_refused_naming_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _record(tmp_path / "in", "rec", None)
    missing = tmp_path / "no" / "such"
    code = main(["synthesize", str(src), "--inputs", "I,II,V2,V4", "--out", str(missing / "synth")])
    err = capsys.readouterr().err
    assert code == 2 and f"output folder {missing} does not exist" in err
    assert not missing.exists()


# ---------------------------------------------------------------- the other commands that take --model
def _agreement(src: Path, model: Path, out: Path, *extra: str) -> list[str]:
    return ["agreement", str(src), "--inputs", "I,II,V2,V4", "--model", str(model), "--out", str(out), *extra]


def _evaluate(src: Path, model: Path, out: Path, *extra: str) -> list[str]:
    return ["evaluate", str(src), "--inputs", "I,II,V2,V4", "--model", str(model), "--json", str(out), *extra]


def _measure(src: Path, model: Path, out: Path, *extra: str) -> list[str]:
    return ["measure", str(src), "--inputs", "I,II,V2,V4", "--model", str(model), "--json", str(out), *extra]


@pytest.mark.parametrize("command", [_agreement, _evaluate, _measure], ids=["agreement", "evaluate", "measure"])
def test_every_command_with_a_model_refuses_another_patients_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command
) -> None:
    model = _personal_model(tmp_path / "m")
    src = _record(tmp_path / "in", "theirs", "p4")
    # evaluate takes a data set: the folder holding the record.
    target = src.parent if command is _evaluate else src
    out = tmp_path / "out.json"
    code = main(command(target, model, out))
    err = capsys.readouterr().err
    assert code == 2, err
    assert "patient p4" in err and "patient p3" in err and "--any-patient" in err
    assert not out.exists()
    code = main(command(target, model, out, "--any-patient"))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "--any-patient given" in captured.err and "patient p3" in captured.err
    assert out.exists()


@pytest.mark.parametrize("command", [_agreement, _evaluate, _measure], ids=["agreement", "evaluate", "measure"])
def test_every_command_with_a_model_warns_for_a_record_without_patient(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command
) -> None:
    model = _personal_model(tmp_path / "m")
    src = _record(tmp_path / "in", "anonymous", None)
    target = src.parent if command is _evaluate else src
    out = tmp_path / "out.json"
    code = main(command(target, model, out))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "warning" in captured.err and "names no patient" in captured.err and "p3" in captured.err
    assert out.exists()


def test_evaluate_same_patient_and_shared_models_run_without_a_word(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = _record(tmp_path / "in", "own", "p3")
    for model in (_personal_model(tmp_path / "m"), make_base(tmp_path / "shared").path):
        code = main(_evaluate(src.parent, model, tmp_path / "out.json"))
        captured = capsys.readouterr()
        assert code == 0 and captured.err == ""
