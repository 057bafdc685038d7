"""DICOM ECG waveforms: 12-Lead ECG, General ECG and Ambulatory ECG Waveform Storage (read).

Read with ``pydicom``.  The rhythm multiplex group (the first ``ORIGINAL`` group; a
``DERIVED`` median-beat group is skipped) gives the samples; each channel's sensitivity,
sensitivity correction factor and baseline (``Dataset.waveform_array``) and its sensitivity
unit (UCUM uV, mV...) bring them to mV; a channel sample skew is applied in whole samples.
Lead names come from the Channel Source code (SCP-ECG codes or their meaning), the
channel label otherwise; channels that are not standard ECG leads are kept aside
(``metadata["other_channels"]``).  A channel label ending in ``SYNTHESIZED`` or ``DERIVED``
(as LeadSynth writes them, :mod:`.dicom_writer`) gives that provenance.

Other waveform kinds (audio, respiratory, hemodynamic...) and files without a waveform
are refused naming the file.
"""

from __future__ import annotations

import datetime as _dt
import logging
import re
import struct
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import LeadSynthError, RecordFormatError
from ..leads import try_ecg_lead_name
from ..record import EcgRecord, Provenance
from ._common import check_fs, check_read_size, unit_scale
from ._vendor import assemble, compact_timestamp, device_report, normalise_sex, parse_number, printable
from .scp_ecg import SCP_LEADS, SCP_SUPPLEMENTARY_LEADS

__all__ = ["FORMAT_NAME", "ECG_SOP_CLASSES", "SCPECG_LEAD_CODES", "is_dicom", "read_dicom_ecg"]

log = logging.getLogger(__name__)

FORMAT_NAME = "dicom-ecg"
#: SOP classes read: 12-lead, General and Ambulatory ECG Waveform Storage.
ECG_SOP_CLASSES = {
    "1.2.840.10008.5.1.4.1.1.9.1.1": "12-lead ECG Waveform Storage",
    "1.2.840.10008.5.1.4.1.1.9.1.2": "General ECG Waveform Storage",
    "1.2.840.10008.5.1.4.1.1.9.1.3": "Ambulatory ECG Waveform Storage",
}
#: SCP-ECG lead codes (CID 3001, scheme SCPECG) of the 12 standard leads.
#: DICOM channel source codes (scheme SCPECG): the standard's lead codes, the 12 and the
#: right-sided and posterior leads (read and written as measured supplementary leads).
SCPECG_LEAD_CODES = {name: f"5.6.3-9-{code}" for code, name in {**SCP_LEADS, **SCP_SUPPLEMENTARY_LEADS}.items()}
_CODE_TO_LEAD = {code: lead for lead, code in SCPECG_LEAD_CODES.items()}
_MEASUREMENTS = {
    "ventricular heart rate": "heart_rate_bpm", "heart rate": "heart_rate_bpm", "atrial heart rate": "atrial_rate_bpm",
    "pr interval": "pr_ms", "qrs duration": "qrs_ms", "qt interval": "qt_ms", "qtc interval": "qtc_ms",
    "rr interval": "rr_ms", "p duration": "p_ms",
}
_AXES = {"p axis": "p", "qrs axis": "qrs", "t axis": "t"}
_PROV_RE = re.compile(r"\b(SYNTHESI[SZ]ED|DERIVED|MEASURED)\b", re.I)


def is_dicom(head: bytes) -> bool:
    """True for a DICOM Part 10 file (``DICM`` after the 128-byte preamble)."""
    return len(head) >= 132 and head[128:132] == b"DICM"


def _lead_name(channel: Any) -> str | None:
    """Standard lead of a channel definition, or None for another channel."""
    for src in channel.get("ChannelSourceSequence", []) or []:
        code = str(src.get("CodeValue", ""))
        if code in _CODE_TO_LEAD:
            return _CODE_TO_LEAD[code]
        meaning = str(src.get("CodeMeaning", ""))
        # "Lead I (Einthoven)", "Lead aVR", "V1"...
        stripped = re.sub(r"\(.*?\)", "", meaning).strip()
        stripped = re.sub(r"^lead\s+", "", stripped, flags=re.I)
        name = try_ecg_lead_name(stripped)
        if name:
            return name
    label = _PROV_RE.sub("", str(channel.get("ChannelLabel", ""))).strip()
    return try_ecg_lead_name(label) if label else None


def _provenance(channel: Any) -> Provenance:
    m = _PROV_RE.search(str(channel.get("ChannelLabel", "")))
    if not m:
        return Provenance.MEASURED
    word = m.group(1).upper()
    return Provenance.SYNTHESIZED if word.startswith("SYNTHESI") else Provenance(word.lower())


def _channel_to_mv(channel: Any, where: str, name: str) -> float:
    units = channel.get("ChannelSensitivityUnitsSequence", []) or []
    unit = str(units[0].get("CodeValue", "")) if units else ""
    if not unit:
        raise RecordFormatError(f"{where}: channel {name}: Channel Sensitivity Units Sequence is missing")
    return unit_scale(unit, where, f"{name} (Channel Sensitivity Units)")


def _group(ds: Any, where: str) -> tuple[int, Any]:
    groups = list(ds.get("WaveformSequence", []) or [])
    if not groups:
        raise RecordFormatError(f"{where}: the DICOM file holds no waveform (WaveformSequence absent or empty)")
    for i, g in enumerate(groups):
        if str(g.get("WaveformOriginality", "")).upper() == "ORIGINAL":
            return i, g
    return 0, groups[0]


def _datetime(ds: Any) -> _dt.datetime | None:
    text = str(ds.get("AcquisitionDateTime", "") or "")
    if not text:
        date, time = str(ds.get("ContentDate", "") or ""), str(ds.get("ContentTime", "") or "")
        text = date + time
    return compact_timestamp(text)


def _report(ds: Any, device: str | None) -> dict[str, Any] | None:
    meas: dict[str, float | None] = {}
    axes: dict[str, float | None] = {}
    statements: list[str] = []
    for ann in ds.get("WaveformAnnotationSequence", []) or []:
        text = ann.get("UnformattedTextValue")
        if text:
            statements.append(str(text))
            continue
        concept = ann.get("ConceptNameCodeSequence", []) or []
        if not concept or "NumericValue" not in ann:
            continue
        meaning = str(concept[0].get("CodeMeaning", "")).strip().lower()
        value = parse_number(ann.NumericValue if not isinstance(ann.NumericValue, list) else ann.NumericValue[0])
        if meaning in _MEASUREMENTS:
            meas[_MEASUREMENTS[meaning]] = value
        elif meaning in _AXES:
            axes[_AXES[meaning]] = value
    # A zero interval is GE's "not measured" (atrial fibrillation has no PR): absent, not 0.
    meas = {k: (None if v == 0 and k.endswith("_ms") else v) for k, v in meas.items()}
    return device_report(device=device, measurements=meas, axes=axes, statements=statements,
                         source="DICOM Waveform Annotation Sequence")


def _age(text: str) -> int | None:
    m = re.fullmatch(r"(\d{3})Y", text.strip())
    return int(m.group(1)) if m else None


def read_dicom_ecg(path: str | Path, start: int = 0, stop: int | None = None) -> EcgRecord:
    """Read a DICOM ECG waveform file (the rhythm group, samples ``[start, stop)``).

    pydicom decodes elements when they are first used, so malformed values surface
    anywhere in the reading: its exceptions become a :class:`RecordFormatError` naming the
    file, and its warnings about values that break the standard (a UID with a stray
    character, a too-long string) are logged, not raised: such a file is still read.
    """
    from pydicom.errors import BytesLengthException, InvalidDicomError

    path = Path(path)
    where = str(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            return _read(path, where, start, stop)
        except (NotImplementedError, TypeError, ValueError, AttributeError, KeyError, IndexError,
                OverflowError, struct.error, EOFError, OSError, BytesLengthException, InvalidDicomError) as exc:
            if isinstance(exc, LeadSynthError):
                raise
            raise RecordFormatError(f"{where}: a DICOM element cannot be decoded "
                                    f"({type(exc).__name__}: {printable(exc, 160)})") from None
        finally:
            for w in caught:
                log.info("%s: pydicom: %s", where, str(w.message).splitlines()[0] if str(w.message) else w.category)


def _read(path: Path, where: str, start: int, stop: int | None) -> EcgRecord:
    import pydicom  # imported on use
    from pydicom.errors import InvalidDicomError

    try:
        # Large values (the waveform data) are read only when used: after the header checks.
        ds = pydicom.dcmread(str(path), defer_size="4 MB")
    except (InvalidDicomError, EOFError, OSError, ValueError, TypeError, KeyError) as exc:
        raise RecordFormatError(f"{where}: not a readable DICOM file ({printable(exc, 160)})") from None
    sop = str(ds.get("SOPClassUID", ""))
    if sop not in ECG_SOP_CLASSES:
        kind = printable(getattr(ds.get("SOPClassUID"), "name", None) or sop or "no SOP Class UID")
        raise RecordFormatError(
            f"{where}: SOP Class {kind} is not an ECG waveform (readable: {', '.join(ECG_SOP_CLASSES.values())})"
        )
    index, group = _group(ds, where)
    fs = check_fs(group.get("SamplingFrequency"), where, "Sampling Frequency")
    channels = list(group.get("ChannelDefinitionSequence", []) or [])
    n_channels = int(group.get("NumberOfWaveformChannels", 0) or 0)
    n_samples = int(group.get("NumberOfWaveformSamples", 0) or 0)
    if not channels or len(channels) != n_channels:
        raise RecordFormatError(
            f"{where}: multiplex group {index} declares {n_channels} channels and defines {len(channels)}"
        )
    check_read_size(n_samples, n_channels, where)
    bits = int(group.get("WaveformBitsAllocated", 0) or 0)
    raw = group.get("WaveformData", b"") or b""
    if bits not in (8, 16, 32) or len(raw) < n_channels * n_samples * bits // 8:
        raise RecordFormatError(
            f"{where}: multiplex group {index}: Waveform Data holds {len(raw)} bytes, "
            f"{n_channels} channels x {n_samples} samples x {bits} bits need {n_channels * n_samples * bits // 8}"
        )
    try:
        data = np.asarray(ds.waveform_array(index), dtype=np.float64)
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        raise RecordFormatError(f"{where}: multiplex group {index} cannot be decoded ({exc})") from None
    leads: dict[str, np.ndarray] = {}
    provenance: dict[str, Provenance] = {}
    others: list[str] = []
    for c, channel in enumerate(channels):
        name = _lead_name(channel)
        label = str(channel.get("ChannelLabel", "") or f"channel {c + 1}")
        if name is None or name in leads:
            others.append(label)
            continue
        x = data[:, c] * _channel_to_mv(channel, where, name)
        skew = parse_number(channel.get("ChannelSampleSkew"))
        shift = int(round((skew or 0.0) * fs / 1000.0))
        if shift:
            x = np.concatenate([np.full(shift, x[0]), x[:-shift]]) if shift > 0 else np.concatenate([x[-shift:], np.full(-shift, x[-1])])
        leads[name] = x
        provenance[name] = _provenance(channel)
    if not leads:
        raise RecordFormatError(f"{where}: no channel of the ECG waveform is a standard lead (channels: {printable(', '.join(others))})")
    device = " ".join(str(ds.get(k, "") or "") for k in ("Manufacturer", "ManufacturerModelName")).strip() or None
    meta: dict[str, Any] = {"format": FORMAT_NAME, "dicom_sop_class": ECG_SOP_CLASSES[sop]}
    if device:
        meta["device"] = device
    if others:
        meta["other_channels"] = others
    age = _age(str(ds.get("PatientAge", "") or ""))
    if age is not None:
        meta["age"] = age
    sex = normalise_sex(ds.get("PatientSex"))
    if sex:
        meta["sex"] = sex
    study = {key: str(ds.get(tag)) for key, tag in (
        ("study_instance_uid", "StudyInstanceUID"), ("series_instance_uid", "SeriesInstanceUID"),
        ("sop_instance_uid", "SOPInstanceUID"), ("accession_number", "AccessionNumber"), ("study_id", "StudyID"),
    ) if ds.get(tag)}
    if study:
        meta["source_study"] = study
    if ds.get("DerivationDescription"):
        meta["derivation"] = str(ds.DerivationDescription)
        # LeadSynth's writer appends the audit trail as "; processing: STEP" (dicom_writer).
        steps = [part.strip() for part in meta["derivation"].split("; processing: ")[1:]]
        if steps:
            meta["processing"] = steps
    report = _report(ds, device)
    model_id = None
    if report and any("SYNTHESIZED LEADS" in s for s in report["statements"]):
        # LeadSynth's own file: its note names the model; the rest is no cart report.
        for s in report["statements"]:
            m = re.search(r"model=([^\s;,)]+)", s)
            if m:
                model_id = m.group(1)
        meta["notes"] = [s for s in report["statements"]]
    elif report:
        meta["device_report"] = report
    patient_id = str(ds.get("PatientID") or "").strip() or None
    if str(ds.get("PatientIdentityRemoved", "")).upper() == "YES":
        meta["notes"] = [*meta.get("notes", ()), "patient identity removed (de-identified file)"]
        # A placeholder is no patient: it must not gather everyone's recordings in the library.
        if patient_id and patient_id.lower() in ("removed", "anonymous", "anonymized", "unknown", "none"):
            patient_id = None
    return assemble(
        leads, fs, where, provenance=provenance, patient_id=patient_id,
        recorded_at=_datetime(ds), model_id=model_id, metadata=meta, start=start, stop=stop,
    )
