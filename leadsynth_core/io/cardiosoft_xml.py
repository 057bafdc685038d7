"""GE CardioSoft CardiologyXML (resting ECG exports of CardioSoft / CS 6.x).

``StripData`` holds the 10-s 12-lead strip as comma-separated integers per lead at
``Resolution`` microvolts per count; ``RestingECGMeasurements`` the 12SL measurements and
``Interpretation/Diagnosis`` the statements.  The longer ``FullDisclosure`` block (the whole
acquisition, leads interleaved) is not read.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import RecordFormatError
from ..record import EcgRecord
from . import xml_safe as X
from ._common import check_fs, unit_scale
from ._vendor import assemble, device_report, normalise_sex, parse_number

__all__ = ["FORMAT_NAME", "ROOT", "read_cardiosoft"]

FORMAT_NAME = "ge-cardiosoft-xml"
ROOT = "CardiologyXML"

_MEASUREMENTS = {
    "VentricularRate": "heart_rate_bpm",
    "PQInterval": "pr_ms",
    "PDuration": "p_ms",
    "QRSDuration": "qrs_ms",
    "QTInterval": "qt_ms",
    "QTCInterval": "qtc_bazett_ms",  # 12SL's QTc is Bazett's
    "RRInterval": "rr_ms",
}
_AXES = {"PAxis": "p", "RAxis": "qrs", "TAxis": "t"}
_UNITS = {"uvperlsb": "uV", "mvperlsb": "mV"}


def _samples(text: str | None, where: str, lead: str) -> np.ndarray:
    if not text:
        raise RecordFormatError(f"{where}: StripData lead {lead}: WaveformData is empty")
    try:
        return np.array([int(v) for v in text.replace("\n", ",").split(",") if v.strip()], dtype=np.float64)
    except ValueError:
        raise RecordFormatError(f"{where}: StripData lead {lead}: WaveformData holds a value that is not an integer") from None


def _observed(root: X.Element) -> _dt.datetime | None:
    el = X.child(root, "ObservationDateTime")
    parts = [parse_number(X.text_of(el, k)) for k in ("Year", "Month", "Day", "Hour", "Minute", "Second")]
    if any(p is None for p in parts[:3]):
        return None
    try:
        return _dt.datetime(*(int(p or 0) for p in parts))
    except ValueError:
        return None


def read_cardiosoft(path: str | Path, start: int = 0, stop: int | None = None) -> EcgRecord:
    """Read a GE CardioSoft CardiologyXML file (the 10-s strip, samples ``[start, stop)``)."""
    path = Path(path)
    where = str(path)
    root = X.parse_xml(path, "GE CardioSoft XML")
    if X.local(root.tag) != ROOT:
        raise RecordFormatError(f"{where}: root element <{X.local(root.tag)}>, expected <{ROOT}> (CardioSoft XML)")
    strip = X.child(root, "StripData")
    if strip is None:
        raise RecordFormatError(f"{where}: no StripData (the 12-lead strip) in the CardioSoft XML")
    fs = check_fs(X.text_of(strip, "SampleRate"), where, "StripData/SampleRate")
    res_el = X.child(strip, "Resolution")
    resolution = parse_number(X.text_of(res_el))
    if resolution is None or resolution <= 0:
        raise RecordFormatError(f"{where}: StripData/Resolution is missing or not positive")
    unit = _UNITS.get((res_el.get("units") or "uVperLsb").lower() if res_el is not None else "uvperlsb")
    if unit is None:
        raise RecordFormatError(f"{where}: StripData/Resolution has unknown units {res_el.get('units')!r}")
    scale = resolution * unit_scale(unit, where, "StripData/Resolution")
    leads = {}
    for wf in X.children(strip, "WaveformData"):
        name = wf.get("lead") or "?"
        leads[name] = _samples(wf.text, where, name) * scale
    patient = X.child(root, "PatientInfo")
    device_el = X.find_path(root, "ClinicalInfo", "DeviceInfo")
    device = " ".join(p for p in ("GE", X.text_of(device_el, "Desc"), X.text_of(device_el, "SoftwareVer")) if p)
    meas_el = X.child(root, "RestingECGMeasurements")
    statements = [X.text_of(t) or "" for t in X.children(X.find_path(root, "Interpretation", "Diagnosis"), "DiagnosisText")]
    report = device_report(
        device=device,
        measurements={key: parse_number(X.text_of(meas_el, tag)) for tag, key in _MEASUREMENTS.items()},
        axes={key: parse_number(X.text_of(meas_el, tag)) for tag, key in _AXES.items()},
        statements=statements,
        source=f"GE {X.text_of(meas_el, 'DiagnosisVersion') or '12SL'} (RestingECGMeasurements)",
    )
    meta: dict[str, Any] = {"format": FORMAT_NAME, "device": device}
    age = parse_number(X.text_of(patient, "Age"))
    if age is not None:
        meta["age"] = int(age)
    sex = normalise_sex(X.text_of(patient, "Gender"))
    if sex:
        meta["sex"] = sex
    study = X.text_of(root, "UID", "DICOMStudyUID")
    if study:
        meta["source_study"] = {"study_instance_uid": study}
    if report:
        meta["device_report"] = report
    return assemble(
        leads, fs, where, patient_id=X.text_of(patient, "PID"), recorded_at=_observed(root),
        metadata=meta, start=start, stop=stop,
    )
