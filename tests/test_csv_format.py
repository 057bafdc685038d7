"""CSV lead tables: LeadSynth's own CSV round-trips (every float32 sample, provenance, model,
audit trail), and tables of other programs open when they state a rate and units, whatever
their separator; what a table does not state is refused, never guessed
(``tests/data/bad/formats/csv_*`` hold the broken ones)."""

from __future__ import annotations

import csv
import datetime as _dt
from pathlib import Path

import numpy as np
import pytest

from leadsynth_core.cli import main
from leadsynth_core.errors import RecordFormatError
from leadsynth_core.io import read_record, sample_path, save_filter, write_record
from leadsynth_core.io.formats import sniff
from leadsynth_core.leads import STANDARD_LEADS
from leadsynth_core.record import Provenance
from leadsynth_core.synthesis import synthesize


@pytest.fixture(scope="module")
def synthesized():
    record = read_record(sample_path())
    out = synthesize(record, ("I", "II", "V4"), "linres-i-ii-v4")
    return out.replace(patient_id="P-17", recorded_at=_dt.datetime(2026, 3, 14, 9, 15, 2)).with_processing(
        ["arm electrodes swapped back (LA/RA)"])


def test_own_csv_round_trips_exactly(synthesized, tmp_path: Path) -> None:
    path = write_record(synthesized, tmp_path / "out.csv")
    back = read_record(path)
    assert back.lead_names == STANDARD_LEADS and back.fs == synthesized.fs
    np.testing.assert_array_equal(back.signal, synthesized.signal)  # measured leads unchanged
    assert back.provenance == synthesized.provenance and back.model_id == "linres-i-ii-v4"
    assert back.patient_id == "P-17" and back.recorded_at == _dt.datetime(2026, 3, 14, 9, 15, 2)
    assert back.processing == ("arm electrodes swapped back (LA/RA)",)
    assert back.metadata["format"] == "csv"


def test_own_csv_is_a_plain_table_for_other_programs(synthesized, tmp_path: Path) -> None:
    path = write_record(synthesized, tmp_path / "out.csv")
    lines = path.read_text().splitlines()
    assert lines[0] == "# LeadSynth ECG CSV" and "# sampling_rate: 500 Hz" in lines and "# unit: mV" in lines
    assert any(ln.startswith("# leadsynth: measured=I,II,V4; derived=III,aVR,aVL,aVF; synthesized=V1,V2,V3,V5,V6")
               for ln in lines)
    rows = list(csv.reader(ln for ln in lines if not ln.startswith("#")))
    assert rows[0] == ["time_s", *STANDARD_LEADS] and len(rows) == synthesized.n_samples + 1
    assert float(rows[2][0]) == pytest.approx(1 / 500)


def test_a_semicolon_table_with_decimal_commas_time_in_ms_and_microvolts(tmp_path: Path) -> None:
    t = np.arange(1000)
    i_uv = np.round(800 * np.sin(2 * np.pi * t / 250), 1)
    rows = "".join(f"{k * 4};{a:.1f};{b:.1f};0,5\n".replace(".", ",") for k, a, b in zip(t, i_uv, -i_uv / 2, strict=True))
    path = tmp_path / "export.csv"
    path.write_text("time (ms);Lead I (uV);ECG II [uV];resp\n" + rows, encoding="utf-8")
    rec = read_record(path)
    assert rec.fs == 250.0 and rec.lead_names[:2] == ("I", "II")
    np.testing.assert_allclose(rec.lead("I"), i_uv / 1000, atol=1e-7)
    assert rec.metadata["other_channels"] == ["resp"]
    assert rec.leads_with(Provenance.DERIVED) == ("III", "aVR", "aVL", "aVF")  # computed from I and II


def test_a_tab_table_with_its_rate_in_a_comment_and_no_unit(tmp_path: Path) -> None:
    path = tmp_path / "patch.txt"
    x = np.round(np.sin(np.arange(600) / 20), 4)
    path.write_text("# fs: 200 Hz\nV2\tV4\n" + "".join(f"{a}\t{a / 2}\n" for a in x))
    assert sniff(path) == "csv"
    rec = read_record(path)
    assert rec.fs == 200.0 and rec.lead_names == ("V2", "V4")
    assert any("no unit named for V2, V4: read as mV" in n for n in rec.metadata["notes"])


def test_rates_that_disagree_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("# sampling_rate: 500\ntime_s,I\n" + "".join(f"{k / 250},{k % 7 / 10}\n" for k in range(100)))
    with pytest.raises(RecordFormatError, match=r"the time column gives 250 Hz, the header 500 Hz"):
        read_record(path)


def test_a_table_without_a_lead_column_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "sales.csv"
    path.write_text("month,revenue\n1,2\n2,3\n")
    assert sniff(path) is None
    with pytest.raises(RecordFormatError, match=r"a table whose header row names the leads"):
        read_record(path)


def test_csv_output_needs_its_extension(synthesized, tmp_path: Path) -> None:
    with pytest.raises(RecordFormatError, match=r"name a CSV output with its extension \(\.csv\)"):
        write_record(synthesized, tmp_path / "out", format="csv")
    assert "CSV table" in save_filter()


def test_cli_synthesizes_from_a_table_into_a_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record = read_record(sample_path()).select(["I", "II"])
    src = write_record(record, tmp_path / "two.csv")
    out = tmp_path / "twelve.csv"
    assert main(["synthesize", str(src), "--inputs", "I,II", "--out", str(out)]) == 0
    back = read_record(out)
    assert back.leads_with(Provenance.MEASURED) == ("I", "II") and back.provenance_of("V1") is Provenance.SYNTHESIZED
    np.testing.assert_array_equal(back.lead("I"), record.lead("I"))
    capsys.readouterr()
    assert main(["info", str(out)]) == 0
    assert "format:       csv" in capsys.readouterr().out


def test_a_table_without_a_rate_gets_it_only_from_the_user(tmp_path: Path) -> None:
    from leadsynth_core.errors import MissingRateError
    from leadsynth_core.io import copy_with_rate

    path = tmp_path / "norate.csv"
    path.write_text("I,II\n" + "".join(f"{np.sin(k / 20):.4f},{np.cos(k / 20):.4f}\n" for k in range(2000)))
    with pytest.raises(MissingRateError, match=r"no sampling rate"):
        read_record(path)
    copy = copy_with_rate(path, 250)
    assert copy == tmp_path / "norate.250Hz.csv" and path.read_text().startswith("I,II")  # the original is kept
    rec = read_record(copy)
    assert rec.fs == 250.0 and rec.n_samples == 2000
    assert rec.processing == ("sampling rate 250 Hz entered by the user (the table stated none)",)
    # Whatever is written from it says so too.
    out = write_record(synthesize(rec, ("I", "II")), tmp_path / "out.csv")
    assert read_record(out).processing == rec.processing


def test_the_caller_may_give_the_rate_a_table_lacks(tmp_path: Path) -> None:
    path = tmp_path / "norate.tsv"
    path.write_text("I\tII\n" + "".join(f"{np.sin(k / 20):.4f}\t{np.cos(k / 20):.4f}\n" for k in range(1000)))
    rec = read_record(path, fs=200)
    assert rec.fs == 200.0 and "sampling rate 200 Hz given by the caller (the table states none)" in rec.metadata["notes"]
    stated = tmp_path / "stated.csv"
    stated.write_text("# sampling_rate: 500\nI\n" + "".join(f"{k % 9 / 10}\n" for k in range(600)))
    with pytest.raises(RecordFormatError, match=r"the file says fs=500 Hz, the caller gave fs=250"):
        read_record(stated, fs=250)


def test_a_missing_rate_is_seen_from_the_first_bytes(tmp_path: Path) -> None:
    """What the viewer asks on: decided from the comments and header alone, and exactly for the
    tables the reader refuses for want of a rate."""
    from leadsynth_core.io import lacks_rate

    rows = "".join(f"{k / 250:.3f},{k % 9 / 10}\n" for k in range(500))
    cases = {"none.csv": ("I,II\n", True), "time.csv": ("time_s,I\n", False), "comment.csv": ("# fs: 250\nI,II\n", False)}
    for name, (head, lacks) in cases.items():
        path = tmp_path / name
        path.write_text(head + rows)
        assert lacks_rate(path) is lacks, name
    assert not lacks_rate(tmp_path / "absent.csv")
    assert not lacks_rate(Path(__file__).parent / "data" / "apple_watch" / "ecg_2026-03-14_en.csv")
