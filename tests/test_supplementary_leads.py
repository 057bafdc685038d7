"""Right-sided and posterior leads (V3R, V4R, V7-V9) a cart recorded: read, kept through
synthesis and written back as measured, never a model's input or output."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from leadsynth_core import read_record, synthesize, write_record
from leadsynth_core.errors import UnsupportedLeadError
from leadsynth_core.leads import (
    STANDARD_LEADS,
    SUPPLEMENTARY_LEADS,
    supplementary_leads,
    supplementary_site,
    try_ecg_lead_name,
    try_supplementary_lead_name,
)
from leadsynth_core.record import EcgRecord, Provenance

WELCH = Path(__file__).parent / "data" / "scp" / "welch_allyn_pediatric_anon.scp"


@pytest.mark.parametrize(("raw", "name"), [("V4R", "V4R"), ("v4r", "V4R"), ("V4-R", "V4R"), (" v3 r ", "V3R"),
                                           ("V7", "V7"), ("v9", "V9"), ("V9R", "V9R")])
def test_supplementary_names(raw: str, name: str) -> None:
    assert try_supplementary_lead_name(raw) == name
    assert try_ecg_lead_name(raw) == name


@pytest.mark.parametrize("raw", ["RV4", "C4R", "V1R", "V10", "V4", "-V4R", "V7 post"])
def test_other_spellings_are_not_guessed(raw: str) -> None:
    assert try_supplementary_lead_name(raw) is None


def test_vocabulary_order_and_site() -> None:
    assert not set(SUPPLEMENTARY_LEADS) & set(STANDARD_LEADS)
    assert supplementary_leads(["V8", "I", "V4R", "vx", "V7"]) == ("V4R", "V7", "V8")
    assert supplementary_site("V4R") == "right-sided" and supplementary_site("V9") == "posterior"
    with pytest.raises(UnsupportedLeadError, match="they are V2R"):
        supplementary_site("V4")


def _record_with_extras() -> EcgRecord:
    rec = read_record(WELCH)
    assert rec.lead_names[-2:] == ("V3R", "V7")
    return rec


def test_synthesis_passes_recorded_supplementary_leads_unchanged() -> None:
    rec = _record_with_extras()
    out = synthesize(rec, inputs=["I", "II", "V4"])
    assert out.lead_names == STANDARD_LEADS + ("V3R", "V7")
    for lead in ("V3R", "V7"):
        assert out.provenance_of(lead) is Provenance.MEASURED
        np.testing.assert_array_equal(out.lead(lead), rec.lead(lead))  # rule 1: bit for bit
    assert out.metadata["leadsynth"]["supplementary"] == ["V3R", "V7"]
    assert "V3R" not in out.metadata["leadsynth"]["measured"]  # the model's inputs stay I, II, V4


def test_a_synthesized_supplementary_lead_is_not_passed_on_as_measured() -> None:
    rec = _record_with_extras()
    prov = tuple(Provenance.SYNTHESIZED if n == "V7" else p for n, p in zip(rec.lead_names, rec.provenance, strict=True))
    out = synthesize(rec.replace(provenance=prov), inputs=["I", "II", "V4"])
    assert "V7" not in out.lead_names and "V3R" in out.lead_names


@pytest.mark.parametrize("suffix", ["", ".h5", ".csv", ".edf"])
def test_writers_keep_them_as_measured(tmp_path: Path, suffix: str) -> None:
    out = synthesize(_record_with_extras(), inputs=["I", "II", "V4"])
    path = tmp_path / f"x{suffix}"
    write_record(out, path)
    back = read_record(path if suffix else tmp_path / "x")
    assert back.lead_names[-2:] == ("V3R", "V7")
    assert back.provenance_of("V3R") is Provenance.MEASURED and back.provenance_of("V1") is Provenance.SYNTHESIZED
    tol = 2e-3 if suffix in ("", ".edf") else 1e-6  # integer formats: within their resolution
    np.testing.assert_allclose(back.lead("V7"), out.lead("V7"), atol=tol)


def test_measured_on_the_twelve_leads_fiducials_without_moving_them() -> None:
    from leadsynth_core.measurement import measure_record

    rec = _record_with_extras()
    with_extra = measure_record(rec)
    without = measure_record(rec.select(list(rec.standard_leads)))
    assert with_extra.lead_names == without.lead_names + ("V3R", "V7")
    assert with_extra.values == without.values  # the 12 alone set the global values
    assert with_extra.fiducials.qrs_on == without.fiducials.qrs_on
    for lead in without.lead_names:
        assert with_extra.leads[lead] == without.leads[lead]
    v3r, v7 = with_extra.leads["V3R"], with_extra.leads["V7"]
    assert v3r.provenance == "measured" and v3r.reason is None
    # V3R of this child: a small r and a deep S (rS), as a right precordial lead; V7 a
    # dominant R, as a posterior lead beyond V6.
    assert v3r.values.s_mv < -0.4 and v3r.values.r_mv < 0.3
    assert v7.values.r_mv > 0.6 and abs(v7.values.st_j60_mv) < 0.1


def test_the_inputs_of_a_synthesis_are_its_measured_standard_leads() -> None:
    out = synthesize(_record_with_extras(), inputs=["I", "II", "V4"])
    assert out.measured_standard_leads == ("I", "II", "V4")
    assert out.leads_with(Provenance.MEASURED) == ("I", "II", "V4", "V3R", "V7")


def test_dicom_writes_them_with_their_scp_codes(tmp_path: Path) -> None:
    out = synthesize(_record_with_extras(), inputs=["I", "II", "V4"])
    path = write_record(out, tmp_path / "x.dcm")
    back = read_record(path)
    assert back.lead_names[-2:] == ("V3R", "V7") and back.provenance_of("V7") is Provenance.MEASURED
    np.testing.assert_allclose(back.lead("V3R"), out.lead("V3R"), atol=2e-3)
    import pydicom

    desc = pydicom.dcmread(path).DerivationDescription
    assert "from measured I,II,V4;" in desc  # the model's inputs, not V3R


def test_prior_check_uses_the_twelve_inputs(capsys: pytest.CaptureFixture[str]) -> None:
    from leadsynth_core.cli import main

    eli = WELCH.parent / "eli250_example.scp"
    assert main(["measure", str(WELCH), "--inputs", "I,II,V4", "--prior", str(eli)]) == 0
    text = capsys.readouterr().out
    assert "this model on the prior ECG (linres-i-ii-v4 from I,II,V4" in text
    assert "V7    not compared: the prior ECG has no such lead" in text
