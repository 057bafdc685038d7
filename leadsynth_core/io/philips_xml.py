"""Philips Sierra ECG XML 1.03 / 1.04 / 1.04.01 / 1.04.02 (PageWriter, HeartStart, TraceMasterVue).

The waveforms are XLI-compressed; the ``sierraecg`` package (made for this format) decodes
them and reconstructs III, aVR, aVL and aVF from the residuals Philips stores.  All 12 leads
are what the cart recorded: provenance ``measured``.  Amplitudes are ``resolution`` (1.04) or
``signalresolution`` (1.03) microvolts per count.

Philips appends a 1-s 1-mV calibration pulse to the 10-s rhythm (``durationperchannel`` =
11000 ms): when that pulse is there it is not read as ECG (a note says so).

The file is first parsed by :func:`~leadsynth_core.io.xml_safe.parse_xml` (entity bombs and
external entities refused) for the patient, the acquisition, the cart and its measurements
(``internalmeasurements``, interpretation ``globalmeasurements``) and statements.
"""

from __future__ import annotations

import datetime as _dt
import logging
import struct
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import RecordFormatError
from ..record import EcgRecord
from . import xml_safe as X
from ._common import check_fs
from ._vendor import age_at, assemble, device_report, normalise_sex, parse_number

__all__ = ["FORMAT_NAME", "ROOT", "SUPPORTED", "read_philips"]

log = logging.getLogger(__name__)

FORMAT_NAME = "philips-sierra-xml"
ROOT = "restingecgdata"
#: Document types and versions this reader (and sierraecg) understands.
SUPPORTED = {"SierraECG": ("1.03", "1.04", "1.04.01", "1.04.02"), "PhilipsECG": ("1.03", "1.04", "1.04.01", "1.04.02")}

# Philips tag -> measurement key; the interpretation's globalmeasurements win over the
# internal cross-lead measurements when both are present.
_GLOBAL = {"heartrate": "heart_rate_bpm", "atrialrate": "atrial_rate_bpm", "rrint": "rr_ms",
           "print": "pr_ms", "qrsdur": "qrs_ms", "qtint": "qt_ms", "qtcb": "qtc_bazett_ms", "qtcf": "qtc_fridericia_ms"}
_CROSS = {"meanventrate": "heart_rate_bpm", "atrialrate": "atrial_rate_bpm", "meanprint": "pr_ms",
          "meanqrsdur": "qrs_ms", "meanqtint": "qt_ms", "meanqtc": "qtc_ms"}
_AXES = {"pfrontaxis": "p", "qrsfrontaxis": "qrs", "tfrontaxis": "t"}


def _check_version(root: X.Element, where: str) -> tuple[str, str]:
    info = X.child(root, "documentinfo")
    doc_type = X.text_of(info, "documenttype")
    version = X.text_of(info, "documentversion")
    if doc_type not in SUPPORTED:
        raise RecordFormatError(
            f"{where}: documenttype {doc_type!r} is not a Philips ECG document (expected SierraECG or PhilipsECG)"
        )
    if version not in SUPPORTED[doc_type]:
        raise RecordFormatError(
            f"{where}: documentversion {version!r} of {doc_type} is not supported "
            f"(supported: {', '.join(SUPPORTED[doc_type])})"
        )
    return doc_type, version


def _decode(path: Path, where: str) -> list[Any]:
    import sierraecg  # imported on use: the XLI decoder is only needed for Philips files

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            ecg = sierraecg.read_file(str(path))
    except sierraecg.UnsupportedXmlFileError as exc:
        raise RecordFormatError(f"{where}: unsupported Philips XML: {exc}") from None
    except (sierraecg.MissingXmlElementError, sierraecg.MissingXmlAttributeError) as exc:
        raise RecordFormatError(f"{where}: Philips XML lacks the required element or attribute {exc}") from None
    except (ValueError, IndexError, KeyError, TypeError, struct.error, OverflowError) as exc:
        raise RecordFormatError(f"{where}: the XLI-compressed waveform cannot be decoded ({exc})") from None
    return list(ecg.leads)


def _cal_pulse_start(counts: np.ndarray, per_count_uv: float, fs: float) -> int | None:
    """Sample where a trailing 1-mV calibration block starts, if all leads carry it after 10 s."""
    ten_s = int(round(10 * fs))
    if counts.shape[0] <= ten_s:
        return None
    tail = counts[ten_s:]
    one_mv = int(round(1000.0 / per_count_uv))
    at_cal = np.all(tail == one_mv, axis=1)
    return ten_s if int(at_cal.sum()) >= int(0.05 * fs) else None


def _acquired(el: X.Element | None) -> _dt.datetime | None:
    if el is None:
        return None
    date, time = el.get("date"), el.get("time") or "00:00:00"
    if not date:
        return None
    try:
        return _dt.datetime.strptime(f"{date} {time}", "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None


def _age(patient: X.Element | None, acquired: _dt.datetime | None) -> int | None:
    general = X.child(patient, "generalpatientdata")
    years = parse_number(X.text_of(general, "age", "years"))
    if years is not None:
        return int(years)
    dob = X.text_of(general, "dateofbirth") or X.text_of(general, "age", "dateofbirth")
    if dob and acquired is not None:
        try:
            born = _dt.date.fromisoformat(dob)
        except ValueError:
            return None
        return age_at(born, acquired.date())
    return None


def _report(root: X.Element, device: str | None) -> dict[str, Any] | None:
    # 1.04: internalmeasurements/crossleadmeasurements; 1.03: measurements/globalmeasurements.
    internal = X.first(X.child(root, "internalmeasurements"), X.child(root, "measurements"))
    cross = X.first(X.child(internal, "crossleadmeasurements"), X.child(internal, "globalmeasurements"))
    interp = X.find_path(root, "interpretations", "interpretation")
    glob = X.child(interp, "globalmeasurements")
    meas: dict[str, float | None] = {}
    for tag, key in _CROSS.items():
        meas[key] = parse_number(X.text_of(cross, tag))
    for tag, key in _GLOBAL.items():
        value = parse_number(X.text_of(glob, tag))
        if value is not None:
            meas[key] = value
    if meas.get("qtc_ms") is not None and meas.get("qtc_bazett_ms") is not None:
        meas.pop("qtc_ms")  # the same number under its precise name
    axes = {}
    for tag, key in _AXES.items():
        axes[key] = parse_number(X.text_of(glob, tag))
        if axes[key] is None:
            axes[key] = parse_number(X.text_of(cross, tag))
    statements: list[str] = []
    severity = X.text_of(interp, "severity")
    for stmt in X.children(interp, "statement"):
        left, right = X.text_of(stmt, "leftstatement"), X.text_of(stmt, "rightstatement")
        text = " ".join(p for p in (left, f"({right})" if right else None) if p)
        if text:
            statements.append(text)
    if severity:
        statements.append(severity.strip(" -"))
    return device_report(
        device=device, measurements=meas, axes=axes, statements=statements,
        source="Philips DXL (internalmeasurements / interpretation)",
        extra={"signature": X.text_of(interp, "mdsignatureline")} if X.text_of(interp, "mdsignatureline") else None,
    )


def read_philips(path: str | Path, start: int = 0, stop: int | None = None) -> EcgRecord:
    """Read a Philips Sierra ECG XML file (samples ``[start, stop)`` of the rhythm)."""
    path = Path(path)
    where = str(path)
    root = X.parse_xml(path, "Philips Sierra XML")
    if X.local(root.tag) != ROOT:
        raise RecordFormatError(f"{where}: root element <{X.local(root.tag)}>, expected <{ROOT}> (Philips XML)")
    doc_type, version = _check_version(root, where)
    signal_el = X.find_path(root, "dataacquisition", "signalcharacteristics")
    fs = check_fs(X.text_of(signal_el, "samplingrate"), where, "signalcharacteristics/samplingrate")
    resolution = parse_number(X.text_of(signal_el, "resolution") or X.text_of(signal_el, "signalresolution"))
    if resolution is None or resolution <= 0:
        raise RecordFormatError(f"{where}: signalcharacteristics has no positive resolution (uV per count)")
    leads = _decode(path, where)
    if not leads:
        raise RecordFormatError(f"{where}: parsedwaveforms holds no leads")
    lengths = {len(lead.samples) for lead in leads}
    if len(lengths) != 1:
        raise RecordFormatError(f"{where}: decoded leads have different lengths {sorted(lengths)}")
    counts = np.stack([np.asarray(lead.samples, dtype=np.int64) for lead in leads], axis=1)
    meta: dict[str, Any] = {"format": FORMAT_NAME, "document": f"{doc_type} {version}"}
    cal = _cal_pulse_start(counts, resolution, fs)
    if cal is not None:
        counts = counts[:cal]
        meta["notes"] = [f"the 1-mV calibration pulse after {cal / fs:g} s is not part of the ECG and was not read"]
    data = {lead.label: counts[:, i] * (resolution / 1000.0) for i, lead in enumerate(leads)}
    acq = X.child(root, "dataacquisition")
    machine = X.child(acq, "machine")
    device = None
    if machine is not None:
        parts = [X.text_of(machine), f"(ID {machine.get('machineid')})" if machine.get("machineid") else None]
        device = " ".join(["Philips", *(p for p in parts if p)])
    patient = X.child(root, "patient")
    general = X.child(patient, "generalpatientdata")
    recorded = _acquired(acq)
    if device:
        meta["device"] = device
    age = _age(patient, recorded)
    if age is not None:
        meta["age"] = age
    sex = normalise_sex(X.text_of(general, "sex"))
    if sex:
        meta["sex"] = sex
    report = _report(root, device)
    if report:
        meta["device_report"] = report
    return assemble(
        data, fs, where, patient_id=X.text_of(general, "patientid"), recorded_at=recorded,
        metadata=meta, start=start, stop=stop,
    )
