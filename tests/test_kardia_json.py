"""AliveCor Kardia JSON (a recording as the Kardia Pro API returns it): the test files of
``tests/data/alivecor`` (written by ``scripts/make_device_samples.py`` with the counts of the
6L ATC test file, in the layout of the Kardia API reference) open with the raw samples in mV,
the limb leads a 6L computes marked derived, the Kardia determination and QT values as the
device's report; what the reference leaves undefined is refused in one line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from leadsynth_core.cli import main
from leadsynth_core.errors import RecordFormatError
from leadsynth_core.io import read_record, read_window
from leadsynth_core.io.formats import sniff
from leadsynth_core.record import Provenance

FOLDER = Path(__file__).resolve().parent / "data" / "alivecor"
SIX = FOLDER / "kardia_6l_api.json"
ONE = FOLDER / "kardia_1l_reference_keys.json"


def test_six_lead_recording_reads_the_raw_samples_as_the_atc_file_holds_them() -> None:
    rec = read_record(SIX)
    atc = read_record(FOLDER / "kardia_6l_v3.atc")  # the same counts, 500 nV each
    assert rec.lead_names == atc.lead_names == ("I", "II", "III", "aVR", "aVL", "aVF")
    np.testing.assert_allclose(rec.signal, atc.signal, atol=1e-9)
    assert rec.fs == 300.0 and rec.leads_with(Provenance.MEASURED) == ("I", "II")
    assert rec.leads_with(Provenance.DERIVED) == ("III", "aVR", "aVL", "aVF")
    assert rec.patient_id == "wNSEDeLOEPQE5rznkJmwbnjpxfdst93i"
    assert str(rec.recorded_at) == "2026-02-03 08:15:00" and rec.metadata["utc_offset"] == "-0500"
    assert rec.metadata["device"] == "AliveCor kardia_6l, firmware 1.3.4" and rec.metadata["kardia_block"] == "raw"
    notes = " | ".join(rec.metadata["notes"])
    assert "also holds AliveCor's enhanced (filtered) version" in notes
    assert "mains 60 Hz: the raw signal is not notch-filtered" in notes
    assert "patient's note: Palpitations after climbing stairs" in notes
    report = rec.metadata["device_report"]
    assert report["statements"] == ["Possible atrial fibrillation (Kardia: afib)"]
    assert report["measurements"] == {"heart_rate_bpm": 76, "rr_ms": 789.5, "qt_ms": 392, "qtc_bazett_ms": 441,
                                      "qtc_fridericia_ms": 424}


def test_the_reference_examples_spelling_and_samples_before_the_fields() -> None:
    rec = read_record(ONE)
    assert rec.lead_names == ("I",) and rec.provenance == (Provenance.MEASURED,)
    np.testing.assert_allclose(rec.lead("I"), read_record(SIX).lead("I"))
    assert rec.metadata["device"] == "AliveCor Kardia" and str(rec.recorded_at) == "2026-01-15 18:40:12"
    assert any("mains 50 Hz" in n for n in rec.metadata["notes"])
    assert rec.metadata["device_report"]["statements"] == ["Normal sinus rhythm (Kardia: normal)"]


def test_recognised_by_content_and_read_by_window(tmp_path: Path) -> None:
    renamed = tmp_path / "kardia_download.txt"
    shutil.copy(ONE, renamed)
    assert sniff(renamed) == sniff(SIX) == "kardia" and read_record(renamed).n_samples == 9000
    np.testing.assert_array_equal(read_window(SIX, 300, 900).signal, read_record(SIX).signal[300:900])
    other = tmp_path / "report.json"
    other.write_text(json.dumps({"heart_rate_bpm": 60, "leads": {}}), encoding="utf-8")
    with pytest.raises(RecordFormatError, match="Kardia API recording"):
        read_record(other)


def _variant(tmp_path: Path, change) -> Path:  # noqa: ANN001 (a function that edits the document)
    doc = json.loads(SIX.read_text(encoding="utf-8"))
    change(doc)
    path = tmp_path / "variant.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_enhanced_only_is_read_and_said(tmp_path: Path) -> None:
    rec = read_record(_variant(tmp_path, lambda d: d["data"].pop("raw")))
    assert rec.metadata["kardia_block"] == "enhanced"
    assert "AliveCor's enhanced (filtered) samples: the file holds no raw version" in rec.metadata["notes"]
    assert not np.allclose(rec.lead("I"), read_record(SIX).lead("I"))


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["data"]["raw"].pop("amplitudeResolution"), "no amplitudeResolution .* does not guess"),
    (lambda d: d["data"]["raw"].pop("frequency"), "states no frequency"),
    (lambda d: d["data"]["raw"].update(frequency="300 Hz"), "frequency is '300 Hz', not a number"),
    (lambda d: d["data"]["raw"].update(amplitudeResolution=0), "amplitudeResolution 0 nV is not positive"),
    (lambda d: d["data"]["raw"]["samples"].update(leadI=["a"] * 9000), "leadI holds values that are not numbers"),
    (lambda d: d["data"]["raw"]["samples"].update(leadI=d["data"]["raw"]["samples"]["leadI"][:100]),
     "leads have different numbers of samples"),
    (lambda d: d["data"]["raw"]["samples"].update(leadX=[0] * 9000), "'X' is not one of the 12 standard leads"),
    (lambda d: d.update(data={"other": {}}), "neither a 'raw' nor an 'enhanced' block"),
    (lambda d: d.update(data=[d["data"], 3]), r"data\[1\] is not a recording object"),
    (lambda d: d.update(data12L={}), "Kardia 12L"),
])
def test_what_the_reference_does_not_define_is_refused(tmp_path: Path, change, message: str) -> None:  # noqa: ANN001
    with pytest.raises(RecordFormatError, match=message):
        read_record(_variant(tmp_path, change))


def test_not_json_is_refused_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "cut.json"
    bad.write_bytes(SIX.read_bytes()[:5000])
    with pytest.raises(RecordFormatError, match="not valid JSON"):
        read_record(bad)


def test_cli_synthesizes_the_chest_leads_from_i_and_ii(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", str(SIX)]) == 0
    out = capsys.readouterr().out
    assert "kardia-json" in out and "derived:      III, aVR, aVL, aVF" in out and "atrial fibrillation" in out
    target = tmp_path / "kardia12.h5"
    assert main(["synthesize", str(SIX), "--inputs", "I,II", "--out", str(target)]) == 0
    rec = read_record(target)
    assert rec.leads_with(Provenance.MEASURED) == ("I", "II") and rec.provenance_of("V4") is Provenance.SYNTHESIZED


def _list_response(tmp_path: Path) -> Path:
    """The API's list of recordings: one as "Get All Recordings" gives it (raw and enhanced
    blocks), one as the patient list does (frequency and samples directly in its data)."""
    one = json.loads(SIX.read_text(encoding="utf-8"))
    two = json.loads(ONE.read_text(encoding="utf-8"))
    two["id"] = "patient-list-layout"
    two["data"] = two["data"]["raw"]
    doc = {"totalCount": 2, "data": [one, two], "pageInfo": {"startCursor": "a", "endCursor": "b", "hasNextPage": False}}
    path = tmp_path / "recordings.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_the_apis_list_of_recordings_is_a_multi_record_file(tmp_path: Path) -> None:
    from leadsynth_core.io import inspect_record, list_records

    path = _list_response(tmp_path)
    assert sniff(path) == "kardia"
    # Keyed by the local recording time and the id, in the file's order.
    assert list_records(path) == ["2026-02-03 08:15:00 3wde1eem9vy4y1a0rv3y98u2a",
                                  "2026-01-15 18:40:12 patient-list-layout"]
    first = read_record(path, key="2026-02-03 08:15:00 3wde1eem9vy4y1a0rv3y98u2a")
    np.testing.assert_array_equal(first.signal, read_record(SIX).signal)
    assert first.source == str(path) and first.metadata["key"] == "2026-02-03 08:15:00 3wde1eem9vy4y1a0rv3y98u2a"
    second = read_record(path, key="2026-01-15 18:40:12 patient-list-layout")
    assert second.lead_names == ("I",) and second.metadata["kardia_block"] == "data"
    np.testing.assert_array_equal(second.signal, read_record(ONE).signal)
    info = inspect_record(path, key="2026-01-15 18:40:12 patient-list-layout")
    assert info.fs == 300.0 and info.n_samples == 9000 and info.key == "2026-01-15 18:40:12 patient-list-layout"
    np.testing.assert_array_equal(read_window(path, 10, 20, key="2026-01-15 18:40:12 patient-list-layout").signal,
                                  second.signal[10:20])
    with pytest.raises(RecordFormatError, match="holds 2 records; choose one with key="):
        read_record(path)
    with pytest.raises(RecordFormatError, match="no record with key 'x'"):
        read_record(path, key="x")
    with pytest.raises(RecordFormatError, match="holds one Kardia recording"):
        read_record(SIX, key="3wde1eem9vy4y1a0rv3y98u2a")
    assert list_records(SIX) == [""]


def test_the_library_adds_every_recording_of_a_list(tmp_path: Path) -> None:
    from leadsynth_core.library import Library

    path = _list_response(tmp_path)
    with Library(tmp_path / "lib.sqlite3") as lib:
        report = lib.add_recordings([path])
    assert not report.failed
    assert sorted(r.key for r in report.added) == ["2026-01-15 18:40:12 patient-list-layout",
                                                   "2026-02-03 08:15:00 3wde1eem9vy4y1a0rv3y98u2a"]
