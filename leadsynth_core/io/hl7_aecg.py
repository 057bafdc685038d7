"""HL7 v3 annotated ECG (FDA aECG, ``<AnnotatedECG xmlns="urn:hl7-org:v3">``).

The rhythm series (``series`` with code ``RHYTHM``) holds one ``sequenceSet``: a time
sequence (``GLIST_TS``/``GLIST_PQ`` with ``increment``, giving the sampling rate) and one
``SLIST_PQ`` sequence per lead (``MDC_ECG_LEAD_*``) whose ``digits`` become
``origin + scale * digit`` in the unit of ``scale`` (uV, mV...).  Derived series
(representative beats) are not read.  Annotations ``MDC_ECG_TIME_PD_*`` / ``MDC_ECG_ANGLE_*``
(the median over the annotated beats) and rhythm statements become the device report.
"""

from __future__ import annotations

import datetime as _dt
import statistics
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import RecordFormatError
from ..record import EcgRecord
from . import xml_safe as X
from ._common import check_fs, unit_scale
from ._vendor import assemble, compact_timestamp, device_report, normalise_sex, parse_number

__all__ = ["FORMAT_NAME", "ROOT", "read_aecg"]

FORMAT_NAME = "hl7-aecg"
ROOT = "AnnotatedECG"

_LEAD_PREFIX = "MDC_ECG_LEAD_"
_MEASUREMENTS = {
    "MDC_ECG_HEART_RATE": "heart_rate_bpm",
    "MDC_ECG_TIME_PD_PR": "pr_ms",
    "MDC_ECG_TIME_PD_P": "p_ms",
    "MDC_ECG_TIME_PD_QRS": "qrs_ms",
    "MDC_ECG_TIME_PD_QT": "qt_ms",
    "MDC_ECG_TIME_PD_QTc": "qtc_ms",
    "MDC_ECG_TIME_PD_QTcB": "qtc_bazett_ms",
    "MDC_ECG_TIME_PD_QTcF": "qtc_fridericia_ms",
    "MDC_ECG_TIME_PD_RR": "rr_ms",
}
_AXES = {"MDC_ECG_ANGLE_P_FRONT": "p", "MDC_ECG_ANGLE_QRS_FRONT": "qrs", "MDC_ECG_ANGLE_T_FRONT": "t"}
_TIME_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6}


def _rhythm_series(root: X.Element, where: str) -> X.Element:
    for comp in X.children(root, "component"):
        series = X.child(comp, "series")
        code = X.child(series, "code")
        if series is not None and code is not None and code.get("code") == "RHYTHM":
            return series
    raise RecordFormatError(f"{where}: the aECG document has no rhythm waveform series (component/series code RHYTHM)")



def _sequences(series: X.Element, where: str) -> tuple[float, dict[str, np.ndarray], _dt.datetime | None]:
    seq_set = X.find_path(series, "component", "sequenceSet")
    if seq_set is None:
        raise RecordFormatError(f"{where}: the rhythm series has no sequenceSet")
    fs: float | None = None
    start: _dt.datetime | None = None
    leads: dict[str, np.ndarray] = {}
    for comp in X.children(seq_set, "component"):
        seq = X.child(comp, "sequence")
        code = (X.child(seq, "code").get("code") if X.child(seq, "code") is not None else "") or ""
        value = X.child(seq, "value")
        if value is None:
            continue
        if code.startswith("TIME_"):
            inc = X.child(value, "increment")
            step = parse_number(inc.get("value") if inc is not None else None)
            unit = (inc.get("unit") if inc is not None else "s") or "s"
            if step is None or step <= 0 or unit not in _TIME_UNITS:
                raise RecordFormatError(f"{where}: the time sequence has no usable increment (value and unit s/ms)")
            fs = check_fs(1.0 / (step * _TIME_UNITS[unit]), where, "time sequence increment")
            head = X.child(value, "head")
            start = compact_timestamp(head.get("value") if head is not None else None)
            continue
        if not code.startswith(_LEAD_PREFIX):
            continue
        name = code[len(_LEAD_PREFIX):]
        origin_el, scale_el = X.child(value, "origin"), X.child(value, "scale")
        scale = parse_number(scale_el.get("value") if scale_el is not None else None)
        if scale is None or scale == 0:
            raise RecordFormatError(f"{where}: lead {name}: scale is missing or zero")
        origin = parse_number(origin_el.get("value") if origin_el is not None else "0") or 0.0
        to_mv = unit_scale(scale_el.get("unit") if scale_el is not None else None, where, f"{name} (scale unit)")
        origin_mv = origin * unit_scale(origin_el.get("unit") if origin_el is not None else None, where, f"{name} (origin unit)")
        text = X.text_of(value, "digits")
        if not text:
            raise RecordFormatError(f"{where}: lead {name}: digits are empty")
        try:
            digits = np.array(text.split(), dtype=np.float64)
        except ValueError:
            raise RecordFormatError(f"{where}: lead {name}: digits hold a value that is not a number") from None
        leads[name] = origin_mv + digits * scale * to_mv
    if fs is None:
        raise RecordFormatError(f"{where}: the rhythm sequenceSet has no time sequence (sampling rate unknown)")
    if not leads:
        raise RecordFormatError(f"{where}: the rhythm sequenceSet holds no MDC_ECG_LEAD_* sequence")
    return fs, leads, start


def _annotations(series: X.Element) -> tuple[dict[str, float | None], dict[str, float | None], list[str]]:
    values: dict[str, list[float]] = {}
    statements: list[str] = []
    for ann in X.iter_local(series, "annotation"):
        code_el, value_el = X.child(ann, "code"), X.child(ann, "value")
        if code_el is None or value_el is None:
            continue
        code = code_el.get("code") or ""
        if code in _MEASUREMENTS or code in _AXES:
            v = parse_number(value_el.get("value"))
            if v is not None:
                values.setdefault(code, []).append(v)
        elif code == "MDC_ECG_RHY" or code.startswith("MDC_ECG_INTERPRETATION"):
            text = value_el.get("displayName") or value_el.get("code") or X.text_of(value_el)
            if text and text not in statements:
                statements.append(text.removeprefix("MDC_ECG_RHY_").replace("_", " ").lower() if text.startswith("MDC_") else text)
    meas = {key: (statistics.median(values[c]) if c in values else None) for c, key in _MEASUREMENTS.items()}
    axes = {key: (statistics.median(values[c]) if c in values else None) for c, key in _AXES.items()}
    return meas, axes, statements


def read_aecg(path: str | Path, start: int = 0, stop: int | None = None) -> EcgRecord:
    """Read an HL7 aECG document's rhythm series (samples ``[start, stop)``)."""
    path = Path(path)
    where = str(path)
    root = X.parse_xml(path, "HL7 aECG")
    if X.local(root.tag) != ROOT:
        raise RecordFormatError(f"{where}: root element <{X.local(root.tag)}>, expected <{ROOT}> (HL7 aECG)")
    if len(root) == 0:
        raise RecordFormatError(f"{where}: the AnnotatedECG document is empty (no series, no waveforms)")
    series = _rhythm_series(root, where)
    fs, leads, began = _sequences(series, where)
    subject = next(X.iter_local(root, "trialSubject"), None)
    person = X.child(subject, "subjectDemographicPerson")
    sex_el = X.child(person, "administrativeGenderCode")
    device_el = next(X.iter_local(series, "manufacturedSeriesDevice"), None)
    maker = next(X.iter_local(series, "manufacturerOrganization"), None)
    device = " ".join(p for p in (X.text_of(maker, "name"), X.text_of(device_el, "manufacturerModelName")) if p) or None
    meas, axes, statements = _annotations(series)
    meta: dict[str, Any] = {"format": FORMAT_NAME}
    if device:
        meta["device"] = device
    sex = normalise_sex(sex_el.get("code") if sex_el is not None else None)
    if sex:
        meta["sex"] = sex
    for obs in X.iter_local(root, "relatedObservation"):
        code, value = X.child(obs, "code"), X.child(obs, "value")
        if code is not None and code.get("code") == "21612-7" and value is not None:  # LOINC: reported age
            age = parse_number(value.get("value"))
            if age is not None and (value.get("unit") or "a") == "a":
                meta["age"] = int(age)
    report = device_report(
        device=device, measurements=meas, axes=axes, statements=statements,
        source="aECG annotations (median over the annotated beats)",
    )
    if report:
        meta["device_report"] = report
    subject_id = X.child(subject, "id")
    effective = X.find_path(root, "effectiveTime", "center")
    recorded = began or compact_timestamp(effective.get("value") if effective is not None else None)
    return assemble(
        leads, fs, where, patient_id=subject_id.get("extension") if subject_id is not None else None,
        recorded_at=recorded, metadata=meta, start=start, stop=stop,
    )
