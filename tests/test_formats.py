"""Hospital exports (issue 18): GE MUSE, Philips Sierra, GE CardioSoft, HL7 aECG, DICOM, EDF.

Real files from ``../shared/data/formats`` (skipped where absent) open with ``leadsynth
info``, synthesize with ``leadsynth synthesize`` into WFDB, DICOM and EDF+, and the broken
ones are refused in one line.  DICOM and EDF written by LeadSynth are read back by pydicom /
edfio and by LeadSynth with the same samples (within the format's resolution) and the same
provenance.  Synthetic files built here cover what the real ones do not (demographics and
statements in MUSE, other channels in EDF, BDF, content sniffing).
"""

from __future__ import annotations

import base64
import sys
from pathlib import Path

import numpy as np
import pytest
from script_modules import load_script

from leadsynth_core.cli import main
from leadsynth_core.errors import RecordFormatError
from leadsynth_core.io import inspect_record, read_record, write_record
from leadsynth_core.leads import STANDARD_LEADS
from leadsynth_core.record import EcgRecord, Provenance

ROOT = Path(__file__).resolve().parents[1]

GOOD = {
    "ge_muse/example1.xml": "ge-muse-xml",
    "ge_muse/example2.xml": "ge-muse-xml",
    "ge_muse/example3.xml": "ge-muse-xml",
    "ge_muse/example4.xml": "ge-muse-xml",
    "philips_sierra/129DYPRG_v103.xml": "philips-sierra-xml",
    "philips_sierra/2020-5-18_15-48-11_v10401.xml": "philips-sierra-xml",
    "philips_sierra/3191723_ZZDEMOPTONLY_v104.xml": "philips-sierra-xml",
    "philips_sierra/ad4d3d80-d165_v104.xml": "philips-sierra-xml",
    "philips_sierra/repbeats_example_v103.xml": "philips-sierra-xml",
    "philips_sierra/tbj128_ecg-example.xml": "philips-sierra-xml",
    "ge_cardiosoft/example-XML1.xml": "ge-cardiosoft-xml",
    "dicom/example-DICOM1.dcm": "dicom-ecg",
    "dicom/example-DICOM2.dcm": "dicom-ecg",
    "hl7_aecg/subject1_0.xml": "hl7-aecg",
    "hl7_aecg/hl7_example_aECG.xml": "hl7-aecg",
}
BAD = {
    "philips_sierra/bad_invalid-doc-type.xml": r"documenttype 'MortaraECG' is not a Philips ECG document",
    "philips_sierra/bad_invalid-doc-version.xml": r"documentversion '1\.05' of SierraECG is not supported",
    "hl7_aecg/bad_empty.xml": r"AnnotatedECG document is empty",
}


def _load_corpus_builders():
    return load_script("scripts/bad_corpus_formats.py")


builders = _load_corpus_builders()


@pytest.fixture(scope="module")
def formats(shared_data: Path) -> Path:
    folder = shared_data / "formats"
    if not (folder / "ge_muse" / "example1.xml").exists():
        pytest.skip(f"hospital export files not found at {folder}")
    return folder


def test_every_real_file_is_listed_here(formats: Path) -> None:
    on_disk = {str(p.relative_to(formats)) for p in formats.rglob("*") if p.is_file() and p.name != "README.md"}
    assert on_disk == set(GOOD) | set(BAD)


# ----------------------------------------------------------------------- real files
@pytest.mark.parametrize("name", sorted(GOOD))
def test_real_file_opens_in_info(formats: Path, name: str, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["info", str(formats / name)])
    out = capsys.readouterr().out
    assert rc == 0
    assert f"format:       {GOOD[name]}" in out
    record = read_record(formats / name)
    assert record.fs == 500 and record.n_samples == 5000  # 10 s at 500 Hz, every file here
    assert set(record.lead_names) == set(STANDARD_LEADS)
    assert record.signal.dtype == np.float32 and np.isfinite(record.signal).all()
    # mV: a resting ECG's leads swing by tenths of a millivolt to a few millivolts (from one
    # sample to the next by well under 1 mV; V3 of ad4d3d80 drifts by 12 mV over 10 s).
    spread = record.signal.max(axis=0) - record.signal.min(axis=0)
    assert (spread > 0.05).all() and (spread < 20).all(), spread
    assert np.abs(np.diff(record.signal, axis=0)).max() < 1.5
    info = inspect_record(formats / name)
    assert info.n_samples == record.n_samples and info.lead_names == record.lead_names


@pytest.mark.parametrize("name", sorted(BAD))
def test_real_bad_file_is_refused_in_one_line(formats: Path, name: str, capsys: pytest.CaptureFixture[str]) -> None:
    import re

    rc = main(["info", str(formats / name)])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert Path(name).name in err and re.search(BAD[name], err), err


def test_muse_stores_eight_leads_and_the_limb_leads_are_derived(formats: Path) -> None:
    record = read_record(formats / "ge_muse/example1.xml")
    assert record.leads_with(Provenance.DERIVED) == ("III", "aVR", "aVL", "aVF")
    assert record.leads_with(Provenance.MEASURED) == ("I", "II", "V1", "V2", "V3", "V4", "V5", "V6")
    np.testing.assert_allclose(record.lead("III"), record.lead("II") - record.lead("I"), atol=1e-6)
    # 4.88 uV per count: every measured sample is an integer number of counts.
    counts = record.lead("V2").astype(np.float64) / 0.00488
    assert np.abs(counts - np.rint(counts)).max() < 1e-3
    report = record.metadata["device_report"]
    assert report["measurements"] == {
        "heart_rate_bpm": 48, "atrial_rate_bpm": 48, "pr_ms": 138, "qrs_ms": 96, "qt_ms": 452,
        "qtc_bazett_ms": 403, "qtc_fridericia_ms": 419, "axis_deg": {"p": 51, "qrs": 20, "t": 40},
    }
    assert "SKJ18310123PA" in record.metadata["device"]


def test_philips_patient_device_measurements_and_statements(formats: Path) -> None:
    record = read_record(formats / "philips_sierra/3191723_ZZDEMOPTONLY_v104.xml")
    assert record.patient_id == "9999"
    assert record.metadata["sex"] == "M" and record.metadata["age"] == 60
    assert record.recorded_at is not None and record.recorded_at.isoformat() == "2010-01-19T15:19:22"
    assert record.metadata["device"] == "Philips PageWriter Touch (ID EKG1715)"
    report = record.metadata["device_report"]
    assert report["measurements"]["qtc_bazett_ms"] == 417 and report["measurements"]["axis_deg"]["qrs"] == 78
    assert report["statements"][0] == "SINUS RHYTHM (normal P axis, V-rate 60-99)"
    # The cart's 1-mV calibration pulse after 10 s is not ECG.
    assert record.n_samples == 5000 and any("calibration" in n for n in record.metadata["notes"])
    assert record.leads_with(Provenance.MEASURED) == STANDARD_LEADS


def test_dicom_patient_study_and_cart_report(formats: Path) -> None:
    deidentified = read_record(formats / "dicom/example-DICOM1.dcm")
    assert deidentified.patient_id is None  # PatientID "removed" with PatientIdentityRemoved YES
    assert "patient identity removed (de-identified file)" in deidentified.metadata["notes"]
    record = read_record(formats / "dicom/example-DICOM2.dcm")
    assert record.patient_id == "66954" and record.metadata["device"] == "GE MAC55"
    assert record.metadata["source_study"]["accession_number"] == "ST20060201"
    report = record.metadata["device_report"]
    assert report["statements"][0] == "ATRIAL FIBRILLATION"
    assert "pr_ms" not in report["measurements"]  # GE writes 0 for "no PR" in AF: absent, not 0 ms
    assert report["measurements"]["qrs_ms"] == 92


def test_cardiosoft_and_aecg_metadata(formats: Path) -> None:
    cs = read_record(formats / "ge_cardiosoft/example-XML1.xml")
    assert (cs.patient_id, cs.metadata["age"], cs.metadata["sex"]) == ("1532006361", 53, "M")
    assert cs.metadata["device_report"]["measurements"]["qtc_bazett_ms"] == 401
    assert cs.metadata["device_report"]["statements"][:2] == ["Sinus bradycardia", "Otherwise normal ECG"]
    ae = read_record(formats / "hl7_aecg/hl7_example_aECG.xml")
    assert (ae.patient_id, ae.metadata["age"], ae.metadata["sex"]) == ("SBJ-123", 46, "M")
    assert ae.metadata["device_report"]["measurements"]["qt_ms"] == 420
    # origin + scale x digits: 2.5 uV steps.
    steps = ae.lead("V1").astype(np.float64) / 0.0025
    assert np.abs(steps - np.rint(steps)).max() < 1e-3


@pytest.mark.parametrize("name", ["ge_muse/example2.xml", "philips_sierra/2020-5-18_15-48-11_v10401.xml",
                                  "ge_cardiosoft/example-XML1.xml", "dicom/example-DICOM1.dcm",
                                  "hl7_aecg/subject1_0.xml"])
@pytest.mark.parametrize("suffix", ["", ".dcm", ".edf"])
def test_real_file_synthesizes_with_the_cli(formats: Path, tmp_path: Path, name: str, suffix: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / f"synth{suffix}"
    rc = main(["synthesize", str(formats / name), "--inputs", "I,II,V2,V4", "--out", str(out)])
    assert rc == 0, capsys.readouterr().err
    back = read_record(out if suffix else out.with_suffix(".hea"))
    source = read_record(formats / name)
    assert back.lead_names == STANDARD_LEADS
    assert back.leads_with(Provenance.SYNTHESIZED) == ("V1", "V3", "V5", "V6")
    assert back.leads_with(Provenance.MEASURED) == ("I", "II", "V2", "V4")
    assert back.model_id
    # Measured leads are the source's: exactly in DICOM (stored on the cart's own step, 4.88 /
    # 5 / 2.5 uV), to EDF's resolution (well under 0.1 uV) in EDF, to WFDB's in WFDB.
    tolerance = {".dcm": 1e-6, ".edf": 1e-4, "": 1e-3}[suffix]
    for lead in ("I", "II", "V2", "V4"):
        assert np.abs(back.lead(lead) - source.lead(lead)).max() <= tolerance


# ------------------------------------------------------------------- round trips
def _synthetic_record(n: int = 5000, fs: float = 500.0) -> EcgRecord:
    rng = np.random.default_rng(3)
    t = np.arange(n) / fs
    base = np.sin(2 * np.pi * 1.2 * t)[:, None] * rng.uniform(0.2, 1.5, 12)[None, :]
    sig = (base + rng.normal(0, 0.02, (n, 12))).astype(np.float32)
    sig[:, 2] = sig[:, 1] - sig[:, 0]
    prov = [Provenance.MEASURED] * 12
    for i in (2, 3, 4, 5):
        prov[i] = Provenance.DERIVED
    for i in (6, 8, 10, 11):
        prov[i] = Provenance.SYNTHESIZED
    import datetime as dt

    return EcgRecord(signal=sig, fs=fs, lead_names=STANDARD_LEADS, provenance=tuple(prov), patient_id="P 42",
                     recorded_at=dt.datetime(2024, 5, 6, 7, 8, 9), model_id="linres-test",
                     metadata={"sex": "F", "age": 71, "source_study": {"study_instance_uid": "1.2.3.4.5",
                                                                       "accession_number": "ACC9",
                                                                       "sop_instance_uid": "1.2.3.4.6"}})


def test_dicom_round_trip_pydicom_and_leadsynth(tmp_path: Path) -> None:
    import pydicom

    rec = _synthetic_record()
    path = write_record(rec, tmp_path / "out.dcm")
    ds = pydicom.dcmread(path)
    assert ds.SOPClassUID == "1.2.840.10008.5.1.4.1.1.9.1.1"  # 12-lead ECG Waveform Storage
    assert ds.SOPInstanceUID != "1.2.3.4.6" and ds.StudyInstanceUID == "1.2.3.4.5" and ds.AccessionNumber == "ACC9"
    assert ds.Modality == "ECG" and ds.PatientID == "P 42" and ds.PatientSex == "F" and ds.PatientAge == "071Y"
    labels = [c.ChannelLabel for c in ds.WaveformSequence[0].ChannelDefinitionSequence]
    assert labels[6] == "V1 SYNTHESIZED" and labels[2] == "III DERIVED" and labels[0] == "I"
    assert "SYNTHESIZED LEADS: V1,V3,V5,V6" in ds.DerivationDescription and "linres-test" in ds.DerivationDescription
    assert ds.WaveformAnnotationSequence[0].UnformattedTextValue.startswith("SYNTHESIZED LEADS")
    # pydicom's own decoding (sensitivity applied) in uV:
    raw = ds.waveform_array(0) / 1000.0
    assert np.abs(raw - rec.signal).max() <= 0.25e-3 + 1e-9  # half of 0.5 uV
    # A second write makes a new instance.
    again = pydicom.dcmread(write_record(rec, tmp_path / "again.dcm"))
    assert again.SOPInstanceUID != ds.SOPInstanceUID
    back = read_record(path)
    assert back.provenance == rec.provenance and back.model_id == "linres-test"
    assert back.patient_id == "P 42" and back.metadata["sex"] == "F" and back.metadata["age"] == 71
    assert np.abs(back.signal - rec.signal).max() <= 0.25e-3 + 1e-6


def test_dicom_written_has_the_12_lead_ecg_iod_modules(tmp_path: Path) -> None:
    """The attributes PS3.3 A.34.3 (12-Lead ECG IOD) requires, module by module, with its constraints."""
    import pydicom

    ds = pydicom.dcmread(write_record(_synthetic_record(), tmp_path / "iod.dcm"))
    required = {
        "Patient": ["PatientName", "PatientID", "PatientBirthDate", "PatientSex"],
        "General Study": ["StudyInstanceUID", "StudyDate", "StudyTime", "ReferringPhysicianName", "StudyID",
                          "AccessionNumber"],
        "General Series": ["Modality", "SeriesInstanceUID", "SeriesNumber"],
        "General Equipment": ["Manufacturer"],
        "Waveform Identification": ["InstanceNumber", "ContentDate", "ContentTime", "AcquisitionDateTime"],
        "Waveform": ["WaveformSequence"],
        "Acquisition Context": ["AcquisitionContextSequence"],
        "SOP Common": ["SOPClassUID", "SOPInstanceUID"],
    }
    missing = {module: [k for k in keys if k not in ds] for module, keys in required.items()}
    assert not any(missing.values()), missing
    assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
    assert ds.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.1"
    group = ds.WaveformSequence[0]
    assert 1 <= len(ds.WaveformSequence) <= 2 and 1 <= group.NumberOfWaveformChannels <= 13
    assert 200 <= float(group.SamplingFrequency) <= 1000 and group.NumberOfWaveformSamples <= 16384
    assert group.WaveformBitsAllocated == 16 and group.WaveformSampleInterpretation == "SS"
    assert len(group.WaveformData) == 2 * group.NumberOfWaveformChannels * group.NumberOfWaveformSamples
    for ch in group.ChannelDefinitionSequence:
        src = ch.ChannelSourceSequence[0]
        assert src.CodingSchemeDesignator == "SCPECG" and src.CodeValue.startswith("5.6.3-9-")
        for key in ("ChannelSensitivity", "ChannelSensitivityUnitsSequence", "ChannelSensitivityCorrectionFactor",
                    "ChannelBaseline", "ChannelSampleSkew", "WaveformBitsStored"):
            assert key in ch, key


def test_long_record_is_written_as_general_ecg(tmp_path: Path) -> None:
    import pydicom

    rec = _synthetic_record(n=20000)
    ds = pydicom.dcmread(write_record(rec, tmp_path / "long.dcm"))
    assert ds.SOPClassUID == "1.2.840.10008.5.1.4.1.1.9.1.2"
    assert read_record(tmp_path / "long.dcm").n_samples == 20000


def test_edf_round_trip_edfio_and_leadsynth(tmp_path: Path) -> None:
    import edfio

    rec = _synthetic_record()
    path = write_record(rec, tmp_path / "out.edf")
    edf = edfio.read_edf(path)
    assert edf.labels[6] == "ECG V1 synth" and edf.labels[2] == "ECG III deriv" and edf.labels[0] == "ECG I"
    assert str(edf.reserved).startswith("EDF+C")
    texts = [a.text for a in edf.annotations]
    assert "SYNTHESIZED LEADS: V1,V3,V5,V6 model=linres-test" in texts
    assert edf.signals[6].physical_dimension == "mV" and "synthesized" in edf.signals[6].transducer_type
    for i, sig in enumerate(edf.signals):
        resolution = (sig.physical_max - sig.physical_min) / (sig.digital_max - sig.digital_min)
        assert np.abs(sig.data - rec.signal[:, i]).max() <= resolution / 2 + 1e-6
    back = read_record(path)
    assert back.provenance == rec.provenance and back.model_id == "linres-test"
    assert back.patient_id == "P_42" and back.metadata["sex"] == "F"
    assert back.recorded_at is not None and back.recorded_at.isoformat() == "2024-05-06T07:08:09"
    assert np.abs(back.signal - rec.signal).max() < 1e-4


def test_writers_refuse_to_overwrite_without_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "src.edf"
    write_record(_synthetic_record(), src)
    out = tmp_path / "o.dcm"
    out.write_bytes(b"x")
    rc = main(["synthesize", str(src), "--inputs", "I,II,V2,V4", "--out", str(out)])
    assert rc == 2 and "use --force" in capsys.readouterr().err


# ------------------------------------------------------------- synthetic inputs
def test_muse_demographics_acquisition_and_statements(tmp_path: Path) -> None:
    body = (
        "<PatientDemographics><PatientID>MRN77</PatientID><PatientAge>64</PatientAge><Gender>FEMALE</Gender>"
        "</PatientDemographics><TestDemographics><AcquisitionDevice>MAC55</AcquisitionDevice>"
        "<AcquisitionDate>03-14-2019</AcquisitionDate><AcquisitionTime>09:26:53</AcquisitionTime></TestDemographics>"
        "<Diagnosis><DiagnosisStatement><StmtFlag>ENDSLINE</StmtFlag><StmtText>Normal sinus rhythm</StmtText>"
        "</DiagnosisStatement><DiagnosisStatement><StmtText>Normal ECG</StmtText></DiagnosisStatement></Diagnosis>"
    )
    path = tmp_path / "muse.xml"
    path.write_bytes(builders.muse_xml(body=body, n=500))
    record = read_record(path)
    assert (record.patient_id, record.metadata["age"], record.metadata["sex"]) == ("MRN77", 64, "F")
    assert record.recorded_at is not None and record.recorded_at.isoformat() == "2019-03-14T09:26:53"
    assert record.metadata["device"] == "GE MAC55"
    assert record.metadata["device_report"]["statements"] == ["Normal sinus rhythm", "Normal ECG"]
    samples = (np.arange(500) % 20 - 10) * 0.00488
    np.testing.assert_allclose(record.lead("I"), samples, atol=1e-6)


def test_content_not_extension_decides(tmp_path: Path) -> None:
    disguised = tmp_path / "ecg_export.txt"
    disguised.write_bytes(builders.muse_xml(n=100))
    assert read_record(disguised).metadata["format"] == "ge-muse-xml"
    plain = tmp_path / "notes.xml"
    plain.write_text("<?xml version='1.0'?><notes>hello</notes>")
    with pytest.raises(RecordFormatError, match=r"notes\.xml: the content is not a format LeadSynth reads"):
        read_record(plain)
    edf_named_dcm = tmp_path / "trace.dcm"
    edf_named_dcm.write_bytes(builders.edf_bytes())
    assert read_record(edf_named_dcm).metadata["format"] == "edf"


def test_edf_other_channels_kept_aside_and_units_in_mv(tmp_path: Path) -> None:
    path = tmp_path / "holter.edf"
    path.write_bytes(builders.edf_bytes(labels=("ECG V2", "Resp", "EKG II"), n_records=3))
    record = read_record(path)
    assert record.lead_names == ("II", "V2")
    assert record.metadata["other_channels"] == ["Resp"]
    # digital (k % 100 - 50) at 0.1 uV per count (3276.7 uV / 32767): 5 uV max.
    assert np.abs(record.signal).max() == pytest.approx(0.005, rel=1e-3)


def test_bdf_is_read(tmp_path: Path) -> None:
    import edfio

    x = np.sin(np.arange(1000) / 20.0) * 0.8
    bdf = edfio.Bdf([edfio.BdfSignal(x, 100, label="ECG I", physical_dimension="mV", physical_range=(-1, 1)),
                     edfio.BdfSignal(x / 2, 100, label="ECG II", physical_dimension="mV", physical_range=(-1, 1))])
    bdf.write(tmp_path / "patch.bdf")
    record = read_record(tmp_path / "patch.bdf")
    assert record.metadata["format"] == "bdf"
    assert record.leads_with(Provenance.DERIVED) == ("III", "aVR", "aVL", "aVF")
    assert np.abs(record.lead("I") - x).max() < 1e-5


def test_entity_bomb_is_refused_fast_and_small(tmp_path: Path) -> None:
    import time
    import tracemalloc

    path = tmp_path / "bomb.xml"
    path.write_bytes(builders._bomb())
    tracemalloc.start()
    t0 = time.perf_counter()
    with pytest.raises(RecordFormatError, match=r"bomb\.xml: the XML declares an entity"):
        read_record(path)
    elapsed = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert elapsed < 2.0 and peak < 8 * 2**20  # expanded it would be 10^9 x 30 bytes


def test_external_entity_never_opens_the_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    path = tmp_path / "xxe.xml"
    path.write_bytes(builders.muse_xml(
        prolog=f'<!DOCTYPE RestingECG [<!ENTITY id SYSTEM "file://{secret}">]>\n',
        body="<PatientDemographics><PatientID>&id;</PatientID></PatientDemographics>"))
    opened: list[str] = []

    def hook(event: str, args: tuple) -> None:
        if event == "open" and args and str(args[0]) == str(secret):
            opened.append(str(args[0]))

    sys.addaudithook(hook)
    with pytest.raises(RecordFormatError, match=r"declares an external entity 'id'"):
        read_record(path)
    assert opened == []


def test_base64_payload_is_decoded_as_little_endian(tmp_path: Path) -> None:
    data = base64.b64encode(np.array([1, -1, 256] * 10, dtype="<i2").tobytes()).decode()
    path = tmp_path / "le.xml"
    path.write_bytes(builders.muse_xml(data=data, n=30))
    np.testing.assert_allclose(read_record(path).lead("I")[:3], np.array([1, -1, 256]) * 0.00488, atol=1e-7)


# --------------------------------------------------------------- DICOM details
def _dicom_variant(tmp_path: Path, edit, sop: str = "1.2.840.10008.5.1.4.1.1.9.1.1") -> Path:
    import io

    import pydicom

    ds = pydicom.dcmread(io.BytesIO(builders.dicom_bytes(sop, n=50)))
    edit(ds)
    path = tmp_path / "variant.dcm"
    ds.save_as(path, enforce_file_format=True)
    return path


def test_dicom_sensitivity_baseline_units_and_skew(tmp_path: Path) -> None:
    from pydicom.dataset import Dataset

    def edit(ds) -> None:
        ch_i, ch_ii = ds.WaveformSequence[0].ChannelDefinitionSequence
        ch_i.ChannelSensitivity = "0.002"  # mV per count, in mV units
        ch_i.ChannelSensitivityUnitsSequence[0].CodeValue = "mV"
        ch_i.ChannelBaseline = "0.5"  # in the sensitivity's unit (mV), added after scaling
        ch_ii.ChannelSampleSkew = "4"  # ms: 2 samples at 500 Hz
        median = Dataset()  # a DERIVED median group before the rhythm: skipped
        median.WaveformOriginality = "DERIVED"
        ds.WaveformSequence = [median, ds.WaveformSequence[0]]

    record = read_record(_dicom_variant(tmp_path, edit))
    counts = np.arange(100) % 40 - 20  # builder: channel-interleaved
    lead_i = counts[0::2] * 0.002 + 0.5
    np.testing.assert_allclose(record.lead("I"), lead_i, atol=1e-6)
    lead_ii = counts[1::2] * 0.005
    np.testing.assert_allclose(record.lead("II")[2:], lead_ii[:-2], atol=1e-6)
    assert record.leads_with(Provenance.DERIVED) == ("III", "aVR", "aVL", "aVF")


def test_dicom_general_and_ambulatory_ecg_are_read_and_other_channels_kept_aside(tmp_path: Path) -> None:
    def rename(ds) -> None:
        ch = ds.WaveformSequence[0].ChannelDefinitionSequence[1]
        ch.ChannelSourceSequence[0].CodeValue = "5.6.3-9-99"
        ch.ChannelSourceSequence[0].CodeMeaning = "Respiration"
        ch.ChannelLabel = "RESP"

    for sop in ("1.2.840.10008.5.1.4.1.1.9.1.2", "1.2.840.10008.5.1.4.1.1.9.1.3"):
        record = read_record(_dicom_variant(tmp_path, rename, sop))
        assert record.lead_names == ("I",)
        assert record.metadata["other_channels"] == ["RESP"]


def test_dicom_unknown_unit_is_refused_naming_the_field(tmp_path: Path) -> None:
    def edit(ds) -> None:
        ds.WaveformSequence[0].ChannelDefinitionSequence[0].ChannelSensitivityUnitsSequence[0].CodeValue = "mmHg"

    with pytest.raises(RecordFormatError, match=r"variant\.dcm: signal I \(Channel Sensitivity Units\) has unknown physical unit 'mmHg'"):
        read_record(_dicom_variant(tmp_path, edit))


def test_aecg_origin_scale_and_units(tmp_path: Path) -> None:
    digits = " ".join(str(v) for v in range(-5, 45))

    def seq(code: str) -> str:
        return (f'<component><sequence><code code="{code}"/><value xsi:type="SLIST_PQ">'
                f'<origin value="0.1" unit="mV"/><scale value="0.5" unit="uV"/><digits>{digits}</digits>'
                "</value></sequence></component>")

    doc = (
        '<?xml version="1.0"?><AnnotatedECG xmlns="urn:hl7-org:v3" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><id root="x"/>'
        '<component><series><code code="RHYTHM"/><component><sequenceSet>'
        '<component><sequence><code code="TIME_RELATIVE"/><value xsi:type="GLIST_PQ"><head value="0" unit="s"/>'
        '<increment value="4" unit="ms"/></value></sequence></component>'
        + seq("MDC_ECG_LEAD_I") + seq("MDC_ECG_LEAD_II") + seq("MDC_ECG_LEAD_V1")
        + "</sequenceSet></component></series></component></AnnotatedECG>"
    )
    path = tmp_path / "trial.xml"
    path.write_text(doc)
    record = read_record(path)
    assert record.fs == 250
    np.testing.assert_allclose(record.lead("V1"), 0.1 + np.arange(-5, 45) * 0.0005, atol=1e-6)
    assert record.leads_with(Provenance.DERIVED) == ("III", "aVR", "aVL", "aVF")
