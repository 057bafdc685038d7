"""Apple Watch ECG exports (the Health app's CSV): every quirk file of ``tests/data/apple_watch``
opens as lead I in mV with the same samples, the header's rate, time, age and classification,
and synthesizes; broken ones are refused in one line (``tests/data/bad/formats/applewatch_*``).
The files are written by ``scripts/make_device_samples.py`` from the bundled synthetic
sample (no patient); a real PTB recording turned into a watch export synthesizes exactly as the
same lead read from its WFDB file does."""

from __future__ import annotations

import datetime as _dt
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from script_modules import load_script

from leadsynth_core.cli import main
from leadsynth_core.errors import RecordFormatError
from leadsynth_core.io import (
    dialog_filter,
    find_records,
    inspect_record,
    read_record,
    read_window,
    write_record,
)
from leadsynth_core.io.apple_watch_csv import LEAD_NOTE, is_apple_watch_csv
from leadsynth_core.io.formats import sniff
from leadsynth_core.record import Provenance

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "tests" / "data" / "apple_watch"
ENGLISH = FOLDER / "ecg_2026-03-14_en.csv"
QUIRKS = ["ecg_pt_decimal_comma.csv", "ecg_ja.csv", "ecg_bom_crlf.csv", "ecg_no_lead_unit.csv", "ecg_afib_symptoms.txt"]


def _maker():
    return load_script("scripts/make_device_samples.py")


def test_committed_files_are_what_the_script_writes() -> None:
    assert _maker().main(["--check"]) == 0


def test_english_export_reads_as_lead_i_in_mv() -> None:
    rec = read_record(ENGLISH)
    assert rec.lead_names == ("I",) and rec.provenance == (Provenance.MEASURED,)
    assert rec.fs == 512.0 and rec.n_samples == 30 * 512
    expected = _maker().lead_i_microvolts(30.0) / 1000.0
    np.testing.assert_allclose(rec.signal[:, 0], expected, atol=1e-6)
    assert rec.patient_id is None
    assert str(rec.recorded_at) == "2026-03-14 09:15:02"
    meta = rec.metadata
    assert meta["format"] == "apple-watch-ecg-csv" and meta["utc_offset"] == "-0400"
    assert meta["age"] == 70  # born 15 Jan 1956, recorded 14 Mar 2026
    assert meta["device"] == "Apple Watch (Watch6,7), ECG app 1.90"
    assert meta["device_report"]["statements"] == ["Sinus Rhythm"]
    assert LEAD_NOTE in meta["notes"]
    # The name in the file is never read into the record.
    assert "Synthetic Demo" not in json.dumps(meta, default=str)


@pytest.mark.parametrize("name", QUIRKS)
def test_every_quirk_reads_the_same_samples(name: str) -> None:
    rec = read_record(FOLDER / name)
    ref = read_record(ENGLISH)
    n = rec.n_samples
    assert n == 10 * 512 and rec.lead_names == ("I",)
    np.testing.assert_allclose(rec.signal[:, 0], ref.signal[:n, 0], atol=1e-6)
    assert rec.metadata["age"] == 70
    assert rec.metadata["device"] == "Apple Watch (Watch6,7), ECG app 1.90"


def test_localised_headers_are_read_by_value_and_place() -> None:
    pt = read_record(FOLDER / "ecg_pt_decimal_comma.csv")
    assert pt.fs == 512.0 and str(pt.recorded_at) == "2026-03-14 14:15:02" and pt.metadata["utc_offset"] == "+0100"
    assert pt.metadata["device_report"]["statements"] == ["Ritmo sinusal"]
    ja = read_record(FOLDER / "ecg_ja.csv")
    assert ja.fs == 512.0 and str(ja.recorded_at) == "2026-03-14 22:15:02"
    assert ja.metadata["device_report"]["statements"] == ["洞調律"]


def test_bom_crlf_fractional_rate_and_heart_rate() -> None:
    rec = read_record(FOLDER / "ecg_bom_crlf.csv")
    assert rec.fs == pytest.approx(512.844)
    assert rec.metadata["device_report"]["measurements"] == {"heart_rate_bpm": 72}


def test_missing_unit_is_read_as_microvolts_and_said() -> None:
    rec = read_record(FOLDER / "ecg_no_lead_unit.csv")
    assert any("names no unit; read as µV" in n for n in rec.metadata["notes"])
    assert 0.3 < float(np.ptp(rec.signal[:, 0])) < 5.0  # mV, not µV or V


def test_classification_and_symptoms_are_the_device_report() -> None:
    report = read_record(FOLDER / "ecg_afib_symptoms.txt").metadata["device_report"]
    assert report["statements"] == ["Atrial Fibrillation", "Symptoms: Rapid, pounding, or fluttering heartbeat"]
    assert "Apple Watch ECG app" in report["source"]


def test_recognised_by_content_not_by_name(tmp_path: Path) -> None:
    assert sniff(FOLDER / "ecg_afib_symptoms.txt") == "applewatch"
    renamed = tmp_path / "export"
    shutil.copy(ENGLISH, renamed)
    assert read_record(renamed).n_samples == 30 * 512
    # A lead table (a time column and two leads) is no watch export: it is read as a table.
    table = tmp_path / "table.csv"
    table.write_text("time,I,II\n" + "".join(f"{i / 500},{i % 7},{i % 5}\n" for i in range(200)))
    assert not is_apple_watch_csv(table.read_bytes()) and sniff(table) == "csv"
    # A CSV of neither kind says what a .csv must be.
    other = tmp_path / "other.csv"
    other.write_text("name,value\n" + "".join(f"x{i},{i}\n" for i in range(200)))
    with pytest.raises(RecordFormatError, match=r"expected for \.csv: an Apple Watch ECG export"):
        read_record(other)


def test_only_the_window_asked_for(tmp_path: Path) -> None:
    whole = read_record(ENGLISH)
    part = read_window(ENGLISH, 1000, 3000)
    np.testing.assert_array_equal(part.signal, whole.signal[1000:3000])
    info = inspect_record(ENGLISH)
    assert info.n_samples == 30 * 512 and info.format == "apple-watch-ecg-csv" and info.lead_names == ("I",)


def test_a_health_export_folder_lists_its_ecgs(tmp_path: Path) -> None:
    folder = tmp_path / "apple_health_export" / "electrocardiograms"
    folder.mkdir(parents=True)
    for name in ("ecg_2026-03-14.csv", "ecg_2026-03-15.csv"):
        shutil.copy(ENGLISH, folder / name)
    (folder.parent / "export.csv").write_text("not,an,ecg\n1,2,3\n")
    assert [p.name for p in find_records(tmp_path)] == ["ecg_2026-03-14.csv", "ecg_2026-03-15.csv"]
    assert "*.csv" in dialog_filter().split(";;")[0]


def test_written_out_the_lead_is_unchanged(tmp_path: Path) -> None:
    rec = read_record(ENGLISH)
    out = write_record(rec, tmp_path / "watch.h5")
    back = read_record(out)
    np.testing.assert_allclose(back.signal[:, 0], rec.signal[:, 0], atol=1e-6)
    assert back.fs == rec.fs


def test_cli_info_and_synthesize_from_lead_i(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", str(ENGLISH)]) == 0
    out = capsys.readouterr().out
    assert "apple-watch-ecg-csv" in out and "statement: Sinus Rhythm" in out and "similar to lead I" in out
    assert "Synthetic Demo" not in out
    target = tmp_path / "watch12.h5"
    assert main(["synthesize", str(ENGLISH), "--inputs", "I", "--out", str(target)]) == 0
    rec = read_record(target)
    assert rec.n_samples == 30 * 512 and len(rec.lead_names) == 12
    assert rec.provenance_of("I") is Provenance.MEASURED and rec.provenance_of("V2") is Provenance.SYNTHESIZED
    np.testing.assert_allclose(rec.signal[:, 0], read_record(ENGLISH).signal[:, 0], atol=1e-6)


def test_a_real_recording_as_a_watch_export_synthesizes_like_its_source(shared_data: Path, tmp_path: Path) -> None:
    """PTB S0003's lead I written the way the watch writes it (512 Hz, µV, three decimals)
    synthesizes the same 12 leads as that lead read from the WFDB file (the format costs nothing),
    and they score against S0003's own V1-V6 alike."""
    from leadsynth_core.preprocess import resample
    from leadsynth_core.scoring import reference_truth, score_leads
    from leadsynth_core.synthesis import synthesize

    src = shared_data / "cinc2021" / "PTB_PTBXL" / "S0003.hea"
    if not src.exists():
        pytest.skip(f"PTB record not found at {src}")
    ptb = read_record(src).slice_time(0.0, 10.0)
    lead_i = resample(ptb.lead("I").astype(np.float64), ptb.fs, 512) * 1000
    watch = tmp_path / "ecg_ptb_s0003.csv"
    head = ENGLISH.read_text(encoding="utf-8").split("\n")[:13]
    watch.write_text("\n".join(head + [f"{v:.3f}" for v in lead_i]) + "\n", encoding="utf-8")
    via_watch = synthesize(read_record(watch), ("I",), "linres-i")
    direct = synthesize(ptb, ("I",), "linres-i")
    n = via_watch.n_samples
    for lead in ("II", "V1", "V2", "V3", "V4", "V5", "V6"):
        a = via_watch.lead(lead).astype(np.float64)
        b = resample(direct.lead(lead).astype(np.float64), direct.fs, 512)[:n]
        assert np.corrcoef(a[256:-256], b[256:-256])[0, 1] > 0.999, lead
    # The truth baseline-corrected at its own rate, then brought to 512 Hz (resampling a lead
    # that sits 0.6 mV off zero first would bend its ends, and the high-pass after would
    # spread that bend over the first and last half second).
    truth = reference_truth(ptb, ptb.lead_names)
    at_512 = truth.replace(signal=resample(truth.signal.astype(np.float64), ptb.fs, 512)[:n].astype(np.float32), fs=512.0)
    scores_watch = score_leads(at_512.select(via_watch.lead_names), via_watch, "raw")
    scores_direct = score_leads(truth.select(direct.lead_names), direct, "raw")
    for lead in ("V1", "V2", "V3", "V4", "V5", "V6"):
        assert scores_watch[lead].pcc == pytest.approx(scores_direct[lead].pcc, abs=0.01), lead


# ------------------------------------------------------------------ the Health export zip
def _health_zip(tmp_path: Path, members: dict[str, bytes], name: str = "export.zip") -> Path:
    import zipfile

    path = tmp_path / name
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("apple_health_export/export.xml", "<HealthData/>")
        zf.writestr("apple_health_export/workout-routes/route_1.gpx", "<gpx/>")
        for member, data in members.items():
            zf.writestr(member, data)
    return path


def _export(tmp_path: Path) -> Path:
    folder = "apple_health_export/electrocardiograms/"
    return _health_zip(tmp_path, {
        folder + "ecg_2026-03-20.csv": (FOLDER / "ecg_afib_symptoms.txt").read_bytes(),
        folder + "ecg_2026-03-14.csv": ENGLISH.read_bytes(),
    })


def test_health_export_zip_lists_and_reads_each_ecg(tmp_path: Path) -> None:
    from leadsynth_core.io import list_records

    path = _export(tmp_path)
    assert sniff(path) == "healthzip"
    assert list_records(path) == ["ecg_2026-03-14.csv", "ecg_2026-03-20.csv"]
    rec = read_record(path, key="ecg_2026-03-14.csv")
    np.testing.assert_array_equal(rec.signal, read_record(ENGLISH).signal)
    assert rec.source == str(path) and rec.metadata["key"] == "ecg_2026-03-14.csv"
    afib = read_record(path, key="ecg_2026-03-20.csv")
    assert afib.metadata["device_report"]["statements"][0] == "Atrial Fibrillation"
    info = inspect_record(path, key="ecg_2026-03-20.csv")
    assert info.key == "ecg_2026-03-20.csv" and info.n_samples == 10 * 512 and info.format == "apple-watch-ecg-csv"
    part = read_window(path, 100, 600, key="ecg_2026-03-14.csv")
    np.testing.assert_array_equal(part.signal, rec.signal[100:600])
    with pytest.raises(RecordFormatError, match=r"holds 2 records; choose one with key= \(ecg_2026-03-14.csv"):
        read_record(path)
    with pytest.raises(RecordFormatError, match=r"no record with key 'ecg_1999.csv'"):
        read_record(path, key="ecg_1999.csv")


def test_health_export_with_one_ecg_needs_no_key(tmp_path: Path) -> None:
    path = _health_zip(tmp_path, {"apple_health_export/electrocardiograms/ecg_2026-03-14.csv": ENGLISH.read_bytes()})
    assert read_record(path).n_samples == 30 * 512


def test_health_export_in_a_folder_and_in_the_library(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _export(tmp_path)
    (tmp_path / "other.zip").write_bytes(b"PK\x03\x04 not really a zip")
    assert find_records(tmp_path) == [path]
    assert main(["library", "add", str(path), "--patient", "P1", "--library", str(tmp_path / "lib.sqlite")]) == 0
    out = capsys.readouterr().out
    assert "export.zip[ecg_2026-03-14.csv]" in out and "export.zip[ecg_2026-03-20.csv]" in out


def test_zips_that_are_not_health_exports_are_refused(tmp_path: Path) -> None:
    plain = _health_zip(tmp_path, {"notes/readme.csv": ENGLISH.read_bytes()}, "photos.zip")
    assert sniff(plain) is None
    with pytest.raises(RecordFormatError, match=r"expected for \.zip: an Apple Health export"):
        read_record(plain)
    # A member named like an ECG that holds something else is named with its key.
    fake = _health_zip(tmp_path, {"apple_health_export/electrocardiograms/ecg_x.csv": b"a,b\n1,2\n"}, "fake.zip")
    with pytest.raises(RecordFormatError, match=r"fake.zip \[ecg_x.csv\]: not an Apple Watch ECG export"):
        read_record(fake)


def test_a_member_larger_than_an_ecg_is_refused_before_it_is_read(tmp_path: Path, monkeypatch) -> None:
    from leadsynth_core.io import apple_watch_csv

    monkeypatch.setattr(apple_watch_csv, "MAX_CSV_BYTES", 50_000)
    path = _export(tmp_path)
    with pytest.raises(RecordFormatError, match=r"\[ecg_2026-03-14.csv\]: 117\d+ bytes, more than the 50000"):
        read_record(path, key="ecg_2026-03-14.csv")
    assert read_record(path, key="ecg_2026-03-20.csv").n_samples == 10 * 512


@pytest.mark.parametrize(("birth", "age"), [
    ("Jan 15, 1956", 70), ("15/01/1956", 70), ("01/15/1956", 70), ("1956-01-15", 70),
    ("01/02/1956", 70),  # 1 Feb or 2 Jan: either way 70 on 14 March 2026
    ("03/20/1956", 69), ("20/03/1956", 69),
    ("12/03/1956", None),  # 12 March (70) or 3 December (69): no age rather than a guess
    ("sometime in 1956", None),
])
def test_age_from_the_date_of_birth_only_when_unambiguous(birth: str, age: int | None) -> None:
    from leadsynth_core.io.apple_watch_csv import _age

    assert _age(birth, _dt.datetime(2026, 3, 14, 9, 15)) == age
