"""The library verbs a user needs after adding recordings (issue 13, item 3): assign or
change a recording's patient, remove a recording or a model, show one patient."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import pytest
from personalization_data import make_base, make_record

from leadsynth_core.cli import main
from leadsynth_core.errors import LibraryError
from leadsynth_core.io import write_record
from leadsynth_core.library import Library


def _visits(folder: Path, n: int = 3, patient_id: str | None = None) -> list[Path]:
    day = _dt.datetime(2023, 5, 1, 10, 0)
    folder.mkdir(parents=True, exist_ok=True)
    return [
        write_record(make_record(3, 300 + i, seconds=4, patient_id=patient_id,
                                 recorded_at=day + _dt.timedelta(days=30 * i)), folder / f"S000{i + 1}")
        for i in range(n)
    ]


def test_duplicate_add_says_it_exists_and_how_to_assign(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = _visits(tmp_path / "PTB")
    assert main(["library", "add", str(tmp_path / "PTB")]) == 0  # no patient
    capsys.readouterr()
    assert main(["library", "add", "--patient", "patient001", str(files[0])]) == 0
    out = capsys.readouterr().out
    with Library() as lib:
        (entry,) = lib.find_recordings(files[0])
    assert f"already in the library as #{entry.id} (no patient)" in out
    assert f"to assign it: leadsynth library assign {entry.id} --patient patient001" in out


def test_assign_then_show_then_personalize_finds_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = _visits(tmp_path / "PTB")
    assert main(["library", "add", str(tmp_path / "PTB")]) == 0
    capsys.readouterr()
    # By file (matched by content) and by id, as 'library list' shows them.
    with Library() as lib:
        third = lib.find_recordings(files[2])[0].id
    assert main(["library", "assign", str(files[0]), str(files[1]), f"#{third}", "--patient", "patient001"]) == 0
    out = capsys.readouterr().out
    assert "3 recording(s) now of patient patient001" in out and "(was no patient)" in out
    assert main(["library", "show", "patient001"]) == 0
    out = capsys.readouterr().out
    assert "patient patient001" in out and "3 of 3 recording(s) complete 12-lead" in out
    assert all(f.with_suffix("").name in out for f in files)
    with Library() as lib:
        assert [r.id for r in lib.latest_complete_recordings("patient001", n=5)] != []
        assert lib.unassigned_recordings() == []
    # Change one recording's patient.
    assert main(["library", "assign", str(files[2]), "--patient", "patient002"]) == 0
    assert "(was patient001)" in capsys.readouterr().out
    with Library() as lib:
        assert lib.get_patient("patient001").n_recordings == 2
        assert lib.get_patient("patient002").n_recordings == 1


def test_assign_refuses_what_would_mislabel(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    named = _visits(tmp_path / "named", n=1, patient_id="p7")
    assert main(["library", "add", str(named[0])]) == 0
    capsys.readouterr()
    code = main(["library", "assign", str(named[0]), "--patient", "p8"])
    err = capsys.readouterr().err
    assert code == 2 and "the file itself names patient 'p7', not 'p8'" in err and "--force" in err
    assert main(["library", "assign", str(named[0]), "--patient", "p8", "--force"]) == 0
    capsys.readouterr()
    assert main(["library", "assign", "999", "--patient", "p8"]) == 2
    assert "no recording with id 999" in capsys.readouterr().err
    stranger = _visits(tmp_path / "elsewhere", n=1)[0]
    stranger.with_suffix(".dat").write_bytes(stranger.with_suffix(".dat").read_bytes()[::-1])
    assert main(["library", "assign", str(stranger), "--patient", "p8"]) == 2
    err = capsys.readouterr().err
    assert "not in the library" in err and "leadsynth library add" in err


def test_a_recording_a_model_was_trained_on_keeps_its_patient(tmp_path: Path) -> None:
    files = _visits(tmp_path / "v", n=2, patient_id="p3")
    base = make_base(tmp_path / "base")
    with Library() as lib:
        report = lib.add_recordings(files)
        ids = [e.id for e in report.added]
        model = lib.add_model({"id": "p3-model", "patient_id": "p3", "base_model": {"id": base.id}, "inputs": "I"},
                              base.path.with_suffix(".safetensors"), recording_ids=ids[:1])
        assert model.kind == "personal"
        with pytest.raises(LibraryError, match="fine-tune the personal model.*p3-model.*remove those first"):
            lib.assign_patient(ids, "p4", force=True)
        # All or nothing: the other recording did not move either.
        assert [r.patient_id for r in lib.list_recordings()] == ["p3", "p3"]
        with pytest.raises(LibraryError, match="remove those first"):
            lib.remove_recording(ids[0])


def test_remove_recording_and_model_from_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = _visits(tmp_path / "v", n=2, patient_id="p3")
    base = make_base(tmp_path / "base")
    assert main(["library", "add", str(tmp_path / "v")]) == 0
    with Library() as lib:
        ids = [lib.find_recordings(f)[0].id for f in files]
        lib.add_model({"id": "p3-model", "patient_id": "p3", "base_model": {"id": base.id}, "inputs": "I"},
                      base.path.with_suffix(".safetensors"), recording_ids=ids[:1])
    capsys.readouterr()
    assert main(["library", "remove", str(files[1])]) == 0  # not used by a model
    assert "the file is not touched" in capsys.readouterr().out and files[1].exists()
    assert main(["library", "remove", f"#{ids[0]}"]) == 2  # the model rests on it
    assert "p3-model" in capsys.readouterr().err
    assert main(["library", "remove-model", "p3-model"]) == 0
    assert "its files kept" in capsys.readouterr().out
    assert main(["library", "remove", f"#{ids[0]}"]) == 0
    capsys.readouterr()
    with Library() as lib:
        assert lib.list_recordings() == [] and lib.list_models() == []
    assert main(["library", "show", "nobody"]) == 2
    assert "no patient 'nobody' in the library (patients: p3)" in capsys.readouterr().err


def test_list_names_recordings_without_a_patient(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _visits(tmp_path / "v", n=2)
    assert main(["library", "add", str(tmp_path / "v")]) == 0
    capsys.readouterr()
    assert main(["library", "list"]) == 0
    out = capsys.readouterr().out
    assert "recordings without a patient (2)" in out and "S0001" in out and "library assign" in out
    base = make_base(tmp_path / "base")
    code = main(["personalize", "--base", str(base.path), "--inputs", "I,II,V2,V4", "--patient", "patient001",
                 "--latest", "5"])
    err = capsys.readouterr().err
    assert code == 2 and "leadsynth library assign REC... --patient patient001" in err and "2 recording(s)" in err
