"""AliveCor ATC files (KardiaMobile, KardiaMobile 6L): the test files of ``tests/data/alivecor``
(written by ``scripts/make_device_samples.py`` from the bundled synthetic sample, following
AliveCor's ATC File Format Specification 1.7) open with their leads in mV, the limb leads the
device computed marked derived, the app's filters named; the 6-lead file synthesizes from I and
II; broken files are refused in one line (``tests/data/bad/formats/atc_*``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from script_modules import load_script

from leadsynth_core.cli import main
from leadsynth_core.io import dialog_filter, find_records, inspect_record, read_record, read_window
from leadsynth_core.io.alivecor_atc import block_checksum
from leadsynth_core.io.formats import sniff
from leadsynth_core.record import Provenance

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "tests" / "data" / "alivecor"
SIX = FOLDER / "kardia_6l_v3.atc"


def test_committed_files_are_what_the_script_writes() -> None:
    assert load_script("scripts/make_device_samples.py").main(["--check"]) == 0


def test_six_lead_file_reads_i_and_ii_measured_and_the_rest_derived() -> None:
    rec = read_record(SIX)
    assert rec.fs == 300.0 and rec.n_samples == 9000
    assert rec.lead_names == ("I", "II", "III", "aVR", "aVL", "aVF")
    assert rec.leads_with(Provenance.MEASURED) == ("I", "II")
    assert rec.leads_with(Provenance.DERIVED) == ("III", "aVR", "aVL", "aVF")
    counts = load_script("scripts/make_device_samples.py").limb_counts()
    np.testing.assert_allclose(rec.lead("I"), counts[b"ecg "] * 500e-6, atol=1e-7)
    np.testing.assert_allclose(rec.lead("aVF"), counts[b"ecg6"] * 500e-6, atol=1e-7)
    assert str(rec.recorded_at) == "2026-02-03 08:15:00" and rec.metadata["utc_offset"] == "-0500"
    assert rec.metadata["device"] == "AliveCor triangle hw1.0 fw2.1, Kardia 5.20.0"
    assert rec.metadata["device_data"] == "SN=AC6L000000,BAT=80" and rec.metadata["atc_version"] == 3
    assert rec.metadata["filters"] == [] and rec.metadata["mains_hz"] == 60
    assert any("device's own computation from I and II" in n for n in rec.metadata["notes"])


def test_filters_the_app_applied_are_named() -> None:
    rec = read_record(FOLDER / "kardia_1l_enhanced_v4.atc")
    assert rec.lead_names == ("I",) and rec.provenance == (Provenance.MEASURED,)
    assert rec.metadata["filters"] == ["mains filter", "low-pass filter", "0.1 Hz baseline filter",
                                       "mains notch filter", "AliveCor enhanced filter"]
    assert "AliveCor enhanced filter" in rec.metadata["notes"][0]
    np.testing.assert_array_equal(rec.signal[:, 0], read_record(SIX).signal[:, 0])


def test_blocks_that_hold_no_samples_and_unknown_blocks() -> None:
    rec = read_record(FOLDER / "kardia_6l_v5_extra_blocks.atc")
    assert rec.lead_names == ("I", "II", "III", "aVR", "aVL", "aVF") and rec.metadata["mains_hz"] == 50
    assert "unknown block(s) 'zzz1' not read" in rec.metadata["notes"]
    assert not any("med" in n for n in rec.metadata["notes"])  # median beats are known, just not read


def test_checksum_is_the_byte_sum_of_the_block() -> None:
    # The example of the specification: an 8-byte fmt block 1, 300 Hz, 500 nV, flags 14.
    data = bytes([1]) + (300).to_bytes(2, "little") + (500).to_bytes(2, "little") + bytes([14, 0, 0])
    assert block_checksum(b"fmt ", data) == sum(b"fmt ") + 8 + sum(data)


def test_recognised_by_content_window_and_folder(tmp_path: Path) -> None:
    renamed = tmp_path / "recording.bin"
    shutil.copy(SIX, renamed)
    assert sniff(renamed) == "atc" and read_record(renamed).n_samples == 9000
    part = read_window(SIX, 300, 900)
    np.testing.assert_array_equal(part.signal, read_record(SIX).signal[300:900])
    info = inspect_record(SIX)
    assert info.format == "alivecor-atc" and info.n_samples == 9000 and info.fs == 300.0
    # The folder holds the Kardia API's JSON of the same recordings too (tests/test_kardia_json.py).
    assert [p.name for p in find_records(FOLDER)] == sorted(p.name for p in FOLDER.iterdir())
    assert "*.atc" in dialog_filter().split(";;")[0]


def test_cli_synthesizes_the_chest_leads_from_i_and_ii(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", str(SIX)]) == 0
    out = capsys.readouterr().out
    assert "alivecor-atc" in out and "derived:      III, aVR, aVL, aVF" in out
    target = tmp_path / "kardia12.h5"
    assert main(["synthesize", str(SIX), "--inputs", "I,II", "--out", str(target)]) == 0
    rec = read_record(target)
    assert len(rec.lead_names) == 12 and rec.leads_with(Provenance.MEASURED) == ("I", "II")
    assert rec.provenance_of("V4") is Provenance.SYNTHESIZED
    np.testing.assert_allclose(rec.lead("II"), read_record(SIX).lead("II"), atol=1e-6)


@pytest.mark.parametrize(("text", "local", "offset"), [
    ("2016-06-01T18:15:25.777-04:00", "2016-06-01 18:15:25", "-0400"),  # AliveCor's sample files
    ("2018-10-10T11:13:11-0700", "2018-10-10 11:13:11", "-0700"),
    ("2026-03-14 09:15:00 -0400", "2026-03-14 09:15:00", "-0400"),  # an Apple Watch export
    ("2020-01-01T00:00:00Z", "2020-01-01 00:00:00", "+0000"),
])
def test_device_times_keep_the_local_clock_and_the_offset(text: str, local: str, offset: str) -> None:
    from leadsynth_core.io._vendor import local_time

    when, off = local_time(text)
    assert str(when) == local and off == offset
    assert local_time("not a time") == (None, None)
