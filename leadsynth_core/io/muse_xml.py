"""GE MUSE RestingECG XML (MUSE 7-9 exports).

The rhythm waveform (``<Waveform>`` with ``<WaveformType>Rhythm``) holds base64 little-endian
int16 samples per lead with ``LeadAmplitudeUnitsPerBit`` (4.88 uV usually).  MUSE stores 8
leads (I, II, V1-V6): III, aVR, aVL and aVF are computed from I and II with provenance
``derived``.  The cart's 12SL measurements (``RestingECGMeasurements``) and interpretation
(``Diagnosis/DiagnosisStatement``) become ``metadata["device_report"]``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import RecordFormatError
from ..record import EcgRecord
from . import xml_safe as X
from ._common import check_fs, unit_scale
from ._vendor import assemble, device_report, normalise_sex, parse_number, printable

__all__ = ["FORMAT_NAME", "ROOT", "read_muse"]

FORMAT_NAME = "ge-muse-xml"
ROOT = "RestingECG"

_UNITS = {"MICROVOLTS": "uV", "MILLIVOLTS": "mV", "VOLTS": "V"}
_MEASUREMENTS = {
    "VentricularRate": "heart_rate_bpm",
    "AtrialRate": "atrial_rate_bpm",
    "PRInterval": "pr_ms",
    "QRSDuration": "qrs_ms",
    "QTInterval": "qt_ms",
    "QTCorrected": "qtc_bazett_ms",  # 12SL's QTc is Bazett's
    "QTcFrederica": "qtc_fridericia_ms",
}
_AXES = {"PAxis": "p", "RAxis": "qrs", "TAxis": "t"}


def _rhythm(root: X.Element, where: str) -> X.Element:
    waves = X.children(root, "Waveform")
    for w in waves:
        if (X.text_of(w, "WaveformType") or "").lower() == "rhythm":
            return w
    kinds = printable(", ".join(X.text_of(w, "WaveformType") or "?" for w in waves) or "none")
    raise RecordFormatError(f"{where}: no Rhythm <Waveform> in the MUSE XML (waveforms present: {kinds})")


def _lead(lead: X.Element, where: str, i: int) -> tuple[str, np.ndarray]:
    raw_name = X.text_of(lead, "LeadID")
    if not raw_name:
        raise RecordFormatError(f"{where}: rhythm LeadData {i} has no LeadID")
    name = printable(raw_name, 20)
    data = X.text_of(lead, "WaveFormData")
    if not data:
        raise RecordFormatError(f"{where}: lead {name}: WaveFormData is empty")
    try:
        raw = base64.b64decode("".join(data.split()), validate=True)
    except (binascii.Error, ValueError):
        raise RecordFormatError(f"{where}: lead {name}: WaveFormData is not valid base64") from None
    size = parse_number(X.text_of(lead, "LeadSampleSize")) or 2
    if size != 2:
        raise RecordFormatError(f"{where}: lead {name}: LeadSampleSize {size:g} is not supported (expected 2 bytes)")
    if len(raw) % 2:
        raise RecordFormatError(f"{where}: lead {name}: WaveFormData has an odd number of bytes ({len(raw)})")
    counts = np.frombuffer(raw, dtype="<i2")
    declared = parse_number(X.text_of(lead, "LeadSampleCountTotal"))
    if declared is not None and int(declared) != counts.size:
        raise RecordFormatError(
            f"{where}: lead {name}: LeadSampleCountTotal says {int(declared)} samples, WaveFormData holds {counts.size}"
        )
    per_bit = parse_number(X.text_of(lead, "LeadAmplitudeUnitsPerBit"))
    if per_bit is None or per_bit <= 0:
        raise RecordFormatError(f"{where}: lead {name}: LeadAmplitudeUnitsPerBit is missing or not positive")
    unit_text = (X.text_of(lead, "LeadAmplitudeUnits") or "MICROVOLTS").upper()
    scale = unit_scale(_UNITS.get(unit_text, unit_text), where, f"{name} (LeadAmplitudeUnits)")
    return raw_name, counts.astype(np.float64) * per_bit * scale


def _acquired(root: X.Element) -> _dt.datetime | None:
    date = X.text_of(root, "TestDemographics", "AcquisitionDate")
    time = X.text_of(root, "TestDemographics", "AcquisitionTime") or "00:00:00"
    if not date:
        return None
    for fmt in ("%m-%d-%Y %H:%M:%S", "%m/%d/%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S"):
        try:
            return _dt.datetime.strptime(f"{date} {time}", fmt)
        except ValueError:
            continue
    return None


def _statements(root: X.Element) -> list[str]:
    out: list[str] = []
    for diag in X.children(root, "Diagnosis") or X.children(root, "OriginalDiagnosis")[:1]:
        line: list[str] = []
        for stmt in X.children(diag, "DiagnosisStatement"):
            text = X.text_of(stmt, "StmtText")
            if text:
                line.append(text)
            flags = [X.text_of(f) or "" for f in X.children(stmt, "StmtFlag")]
            if "ENDSLINE" in flags and line:
                out.append(" ".join(line))
                line = []
        if line:
            out.append(" ".join(line))
    return out


def read_muse(path: str | Path, start: int = 0, stop: int | None = None) -> EcgRecord:
    """Read a GE MUSE RestingECG XML export (rhythm waveform, samples ``[start, stop)``)."""
    path = Path(path)
    where = str(path)
    root = X.parse_xml(path, "GE MUSE XML")
    if X.local(root.tag) != ROOT:
        raise RecordFormatError(f"{where}: root element <{X.local(root.tag)}>, expected <{ROOT}> (GE MUSE XML)")
    wave = _rhythm(root, where)
    base = parse_number(X.text_of(wave, "SampleBase"))
    exp = parse_number(X.text_of(wave, "SampleExponent")) or 0
    if base is None:
        raise RecordFormatError(f"{where}: rhythm waveform has no SampleBase (sampling rate)")
    fs = check_fs(base * 10**exp, where, "SampleBase")
    leads = dict(_lead(lead, where, i) for i, lead in enumerate(X.children(wave, "LeadData")))
    if not leads:
        raise RecordFormatError(f"{where}: rhythm waveform has no LeadData")
    meas_el = X.child(root, "RestingECGMeasurements")
    demo = X.child(root, "PatientDemographics")
    device = X.text_of(root, "TestDemographics", "AcquisitionDevice")
    cart = X.text_of(root, "PharmaData", "PharmaCartID")
    device_name = " ".join(p for p in ("GE", device or "electrocardiograph", f"(cart ID {cart})" if cart else None) if p)
    report = device_report(
        device=device_name,
        measurements={key: parse_number(X.text_of(meas_el, tag)) for tag, key in _MEASUREMENTS.items()},
        axes={key: parse_number(X.text_of(meas_el, tag)) for tag, key in _AXES.items()},
        statements=_statements(root),
        source="GE 12SL (RestingECGMeasurements)",
    )
    meta: dict[str, Any] = {"format": FORMAT_NAME, "device": device_name}
    version = X.text_of(root, "MuseInfo", "MuseVersion")
    if version:
        meta["muse_version"] = version
    age = parse_number(X.text_of(demo, "PatientAge"))
    if age is not None:
        meta["age"] = int(age)
    sex = normalise_sex(X.text_of(demo, "Gender"))
    if sex:
        meta["sex"] = sex
    if report:
        meta["device_report"] = report
    # MUSE stores the high-pass corner in hundredths of a hertz (16 = 0.16 Hz).
    highpass = parse_number(X.text_of(wave, "HighPassFilter"))
    lowpass = parse_number(X.text_of(wave, "LowPassFilter"))
    if highpass is not None:
        meta["filter_highpass_hz"] = highpass / 100
    if lowpass is not None:
        meta["filter_lowpass_hz"] = lowpass
    return assemble(
        leads, fs, where,
        patient_id=X.text_of(demo, "PatientID"),
        recorded_at=_acquired(root),
        metadata=meta, start=start, stop=stop,
    )
