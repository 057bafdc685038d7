"""SCP-ECG records: real cart files (``tests/data/scp``, see its README) decode to their leads
in mV (the stored limb leads of the ELI 250 file equal the lead algebra of its I and II within
half a count, which only a right decoding gives), with the patient, the time, the cart, its
filters and its statements; unreadable variants are refused saying which
(``tests/data/bad/formats/scp_*``, built by ``scripts/bad_corpus_formats.py``)."""

from __future__ import annotations

import datetime as _dt
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from script_modules import load_script

from leadsynth_core.cli import main
from leadsynth_core.io import find_records, read_record, read_window
from leadsynth_core.io.formats import sniff
from leadsynth_core.io.scp_ecg import crc_ccitt
from leadsynth_core.leads import derive_limb_leads
from leadsynth_core.record import Provenance

FOLDER = Path(__file__).resolve().parent / "data" / "scp"
ELI = FOLDER / "eli250_example.scp"
WELCH = FOLDER / "welch_allyn_pediatric_anon.scp"


def test_crc_is_ccitt() -> None:
    assert crc_ccitt(b"123456789") == 0x29B1  # the CRC-16/CCITT-FALSE check value


def test_eli250_second_differences_decode_to_consistent_leads() -> None:
    rec = read_record(ELI)
    assert rec.fs == 500.0 and rec.n_samples == 5000 and len(rec.lead_names) == 12
    assert rec.leads_with(Provenance.MEASURED) == rec.lead_names  # stored as the cart wrote them
    algebra = derive_limb_leads(rec.lead("I"), rec.lead("II"))
    for lead in ("III", "aVR", "aVL", "aVF"):
        assert float(np.max(np.abs(rec.lead(lead) - algebra[lead]))) <= 0.0025 / 2 + 1e-6, lead
    assert 1.0 < float(np.ptp(rec.lead("V2"))) < 4.0  # mV, a chest lead's QRS
    assert rec.patient_id == "SBJ-123" and rec.recorded_at == _dt.datetime(2002, 11, 22, 9, 10)
    assert rec.metadata["age"] == 49 and rec.metadata["sex"] == "M"
    assert rec.metadata["device"].endswith("ELI250")


def test_welch_allyn_pediatric_first_differences_and_what_the_cart_said() -> None:
    rec = read_record(WELCH)
    assert rec.fs == 600.0 and rec.n_samples == 6000
    assert "sample interval 1667 µs read as 600 Hz" in rec.metadata["notes"]
    # A pediatric placement: V3R and V7 in the places of V3 and V5, read as recorded leads.
    assert rec.leads_with(Provenance.MEASURED) == ("I", "II", "V1", "V2", "V4", "V6", "V3R", "V7")
    assert rec.leads_with(Provenance.DERIVED) == ("III", "aVR", "aVL", "aVF")
    assert "other_channels" not in rec.metadata
    for lead in ("V3R", "V7"):
        assert 0.3 < float(np.ptp(rec.lead(lead))) < 3.0, lead  # mV: an ECG lead, decoded in scale
    # Each is its own lead, not a copy of a neighbour's samples.
    for a, b in (("V3R", "V1"), ("V7", "V6"), ("V3R", "V7")):
        assert not np.allclose(rec.lead(a), rec.lead(b), atol=0.05), (a, b)
    assert rec.metadata["filters"] == ["low-pass 35 Hz"]
    assert rec.metadata["device"] == "Welch Allyn Cardio Control MDW14"
    statements = rec.metadata["device_report"]["statements"]
    assert len(statements) == 5 and statements[2] == "sinusrytm"
    # The anonymiser's bytes in the date-of-birth and sex tags are not read as values.
    assert "sex" not in rec.metadata and rec.recorded_at is None and rec.metadata["age"] == 36


def test_uncoded_data_and_a_swapped_crc(tmp_path: Path) -> None:
    builders = load_script("scripts/bad_corpus_formats.py")
    counts = {1: np.arange(500) % 50 - 25, 2: np.arange(500) % 40 - 20}
    data = builders.scp_bytes(counts)
    path = tmp_path / "plain.scp"
    path.write_bytes(data)
    rec = read_record(path)
    np.testing.assert_allclose(rec.lead("I"), counts[1] * 0.005, atol=1e-7)
    assert rec.patient_id == "TEST-01" and rec.metadata["sex"] == "F"
    swapped = tmp_path / "swapped.scp"
    swapped.write_bytes(data[1:2] + data[0:1] + data[2:])  # some carts write the CRC's bytes the other way
    np.testing.assert_array_equal(read_record(swapped).signal, rec.signal)


def test_recognised_by_content_window_and_folder(tmp_path: Path) -> None:
    renamed = tmp_path / "ecg.bin"
    shutil.copy(ELI, renamed)
    assert sniff(renamed) == "scp"
    np.testing.assert_array_equal(read_window(ELI, 100, 400).signal, read_record(ELI).signal[100:400])
    assert [p.name for p in find_records(FOLDER)] == sorted(p.name for p in FOLDER.glob("*.scp"))


def test_pediatric_record_synthesizes_its_missing_chest_leads(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """V3 and V5, which the pediatric placement does not record, are synthesized from I, II, V2, V4."""
    out = tmp_path / "twelve.h5"
    assert main(["synthesize", str(WELCH), "--inputs", "I,II,V2,V4", "--out", str(out)]) == 0
    rec = read_record(out)
    assert rec.provenance_of("V3") is Provenance.SYNTHESIZED and rec.provenance_of("V5") is Provenance.SYNTHESIZED
    np.testing.assert_allclose(rec.lead("V2"), read_record(WELCH).lead("V2"), atol=1e-6)
    capsys.readouterr()
    assert main(["info", str(WELCH)]) == 0
    assert "statement: sinusrytm" in capsys.readouterr().out


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(coded=st.binary(min_size=0, max_size=64), n=st.integers(min_value=1, max_value=200))
def test_default_huffman_decoder_returns_or_refuses_any_bytes(coded: bytes, n: int) -> None:
    """The CRC guards whole files; the decoder itself must still end on any bytes: n values or a
    RecordFormatError naming how far it got, never an index error or a hang."""
    from leadsynth_core.errors import RecordFormatError
    from leadsynth_core.io.scp_ecg import _decode_default

    try:
        out = _decode_default(coded, n, "fuzz", "I")
    except RecordFormatError as exc:
        assert "the coded data ends after" in str(exc)
    else:
        assert out.shape == (n,) and int(np.abs(out).max(initial=0)) <= 32768


def test_default_huffman_codes_of_the_standard() -> None:
    from leadsynth_core.io.scp_ecg import _decode_default

    # 0 -> "0"; +1 -> "100"; -1 -> "101"; +8 -> "1111111100"; 8-bit escape "1111111110" + 0x85 (-123).
    bits = "0" + "100" + "101" + "1111111100" + "1111111110" + "10000101"
    bits += "0" * (-len(bits) % 8)
    coded = int(bits, 2).to_bytes(len(bits) // 8, "big")
    assert _decode_default(coded, 5, "t", "I").tolist() == [0, 1, -1, 8, -123]


def test_the_carts_global_measurements_are_its_device_report() -> None:
    """Section 7 of the Welch Allyn record: its QTc is Bazett's of its own QT and RR (a check that the
    fields are read where they are), and LeadSynth measures the same ECG within a few ms."""
    report = read_record(WELCH).metadata["device_report"]
    m = report["measurements"]
    assert m["heart_rate_bpm"] == 82 and m["rr_ms"] == 731
    assert (m["pr_ms"], m["qrs_ms"], m["qt_ms"], m["p_ms"]) == (177, 100, 343, 102)
    assert m["qtc_bazett_ms"] == 401 == round(343 / (731 / 1000) ** 0.5)
    assert m["axis_deg"] == {"p": 64, "qrs": 49, "t": 25}
    eli = read_record(ELI).metadata["device_report"]["measurements"]
    assert (eli["pr_ms"], eli["qrs_ms"], eli["qt_ms"], eli["qtc_ms"]) == (148, 120, 420, 443)  # formula not stated
    assert "heart_rate_bpm" not in eli  # the file gives neither rate nor RR: none is made up


def test_sections_shorter_than_they_declare_are_refused(tmp_path: Path) -> None:
    """A file whose CRC is right but whose lead section is cut (written so on purpose) is refused in
    one line, not read past its end."""
    from leadsynth_core.errors import RecordFormatError

    builders = load_script("scripts/bad_corpus_formats.py")
    data = bytearray(builders.scp_bytes({1: np.arange(100) % 9, 2: np.arange(100) % 7}))
    s3 = data.index(bytes([2, 0b100]), 40)  # section 3's lead count and flags
    data[s3] = 40  # 40 leads declared, two described
    data[0:2] = crc_ccitt(bytes(data[2:])).to_bytes(2, "little")
    path = tmp_path / "cut.scp"
    path.write_bytes(bytes(data))
    with pytest.raises(RecordFormatError, match=r"too short for the 40 leads they declare"):
        read_record(path)
