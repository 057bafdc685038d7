"""EDF, EDF+ and BDF (Holter and patch recorders) with ``edfio``: read and write.

Reading: the header is checked first by :func:`check_header` (the declared header size,
number of data records and samples per record must account for the file's size exactly;
a header that lies is refused before any sample is read).  Channels whose label names a
standard lead (``ECG V1``, ``EKG II``, ``I``, ``ECG aVR synth``) become the record's leads
in mV; every other channel (respiration, accelerometer, SpO2...) is kept aside by label in
``metadata["other_channels"]``.  EDF+ annotations are kept in ``metadata["annotations"]``.

Writing (:func:`write_edf`): EDF+C, one signal per lead in mV, the label carrying the
provenance (``ECG V3 synth``, ``ECG III deriv``, ``ECG V2``), the transducer field saying it
in words and an annotation at 0 s: "SYNTHESIZED LEADS: ... (model ...)".
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import re
import warnings
from pathlib import Path
from typing import Any

import edfio
import numpy as np

from ..errors import RecordFormatError
from ..leads import try_ecg_lead_name
from ..record import EcgRecord, Provenance
from ._common import atomic_paths, check_read_size, unit_scale
from ._vendor import assemble, normalise_sex, printable, window

__all__ = ["FORMAT_NAME", "is_edf", "check_header", "read_edf", "write_edf", "lead_of_label"]

FORMAT_NAME = "edf"
_SUFFIX = {Provenance.SYNTHESIZED: " synth", Provenance.DERIVED: " deriv", Provenance.MEASURED: ""}
_PROV_RE = re.compile(r"(?i)[\s_\-]*(synth(?:esi[sz]ed)?|deriv(?:ed)?|meas(?:ured)?)\s*$")
_PREFIX_RE = re.compile(r"(?i)^\s*(ecg|ekg)[\s_\-:]*")
#: Most annotations kept in the metadata (a Holter file can carry thousands of beat labels).
MAX_ANNOTATIONS = 200
#: The start of an annotation at 0 s holding one step of the record's audit trail
#: (``EcgRecord.processing``).
PROCESSING_NOTE = "PROCESSING: "


def is_edf(head: bytes) -> bool:
    """True for an EDF/EDF+ (``0`` + 7 spaces) or BDF (``\\xffBIOSEMI``) header."""
    return head[:8] in (b"0       ", b"\xffBIOSEMI")


def lead_of_label(label: str) -> tuple[str | None, Provenance]:
    """Standard lead and provenance of an EDF channel label (``ECG V3 synth`` -> V3, synthesized)."""
    prov = Provenance.MEASURED
    m = _PROV_RE.search(label)
    if m:
        word = m.group(1).lower()
        prov = Provenance.SYNTHESIZED if word.startswith("synth") else (
            Provenance.DERIVED if word.startswith("deriv") else Provenance.MEASURED)
        label = label[: m.start()]
    return try_ecg_lead_name(_PREFIX_RE.sub("", label).strip()), prov


def _int_field(header: bytes, a: int, b: int, where: str, field: str) -> int:
    text = header[a:b].decode("ascii", "replace").strip()
    try:
        return int(text)
    except ValueError:
        raise RecordFormatError(f"{where}: EDF header field '{field}' is {printable(text)!r}, not an integer") from None


def check_header(path: Path) -> tuple[bool, int, int]:
    """Refuse an EDF/BDF whose header does not account for the file's size; (is_bdf, n_signals, n_records).

    Raises
    ------
    RecordFormatError
        Naming the file and the field that lies (header size, number of data records,
        samples per record), before any sample is read.
    """
    where = str(path)
    size = path.stat().st_size
    with open(path, "rb") as fh:
        fixed = fh.read(256)
        if len(fixed) < 256:
            raise RecordFormatError(f"{where}: {len(fixed)} bytes, shorter than the 256-byte EDF header")
        bdf = fixed[:8] == b"\xffBIOSEMI"
        header_bytes = _int_field(fixed, 184, 192, where, "number of bytes in header")
        n_records = _int_field(fixed, 236, 244, where, "number of data records")
        ns = _int_field(fixed, 252, 256, where, "number of signals")
        if ns <= 0 or ns > 4096 or header_bytes != 256 * (ns + 1):
            raise RecordFormatError(
                f"{where}: EDF header says {ns} signals and {header_bytes} header bytes; "
                f"{ns} signals need {256 * (ns + 1)} (the header is inconsistent)"
            )
        if size < header_bytes:
            raise RecordFormatError(f"{where}: the file ({size} bytes) is shorter than its {header_bytes}-byte header")
        fh.seek(256 + ns * 216)
        counts = fh.read(8 * ns)
    per_record = [_int_field(counts, 8 * i, 8 * i + 8, where, f"samples per record of signal {i + 1}") for i in range(ns)]
    if any(k <= 0 for k in per_record):
        raise RecordFormatError(f"{where}: a signal declares {min(per_record)} samples per data record")
    record_bytes = sum(per_record) * (3 if bdf else 2)
    data_bytes = size - header_bytes
    if n_records == -1:  # allowed while recording: the size decides
        n_records = data_bytes // record_bytes
    if n_records <= 0 or n_records * record_bytes != data_bytes:
        raise RecordFormatError(
            f"{where}: the header declares {n_records} data records of {record_bytes} bytes "
            f"({n_records * record_bytes} bytes of samples) but the file holds {data_bytes} bytes after "
            "its header; the header's length is wrong or the file is truncated"
        )
    return bdf, ns, n_records


def _open(path: Path, where: str, bdf: bool) -> Any:
    try:
        with warnings.catch_warnings():
            # edfio warns and "fixes" inconsistencies; check_header has refused them already,
            # so any warning left is one more thing wrong with the file.
            warnings.simplefilter("error")
            return edfio.read_bdf(path) if bdf else edfio.read_edf(path, lazy_load_data=True)
    except (ValueError, UnicodeDecodeError, OSError, Warning, IndexError) as exc:
        raise RecordFormatError(f"{where}: not a readable {'BDF' if bdf else 'EDF'} file ({printable(exc, 160)})") from None


def _datetime(edf: Any) -> _dt.datetime | None:
    try:
        return _dt.datetime.combine(edf.startdate, edf.starttime)
    except (ValueError, TypeError, AttributeError, edfio.AnonymizedDateError):
        return None


def read_edf(path: str | Path, start: int = 0, stop: int | None = None) -> EcgRecord:
    """Read the ECG channels of an EDF/EDF+/BDF file (samples ``[start, stop)``)."""
    path = Path(path)
    where = str(path)
    bdf, _ns, _records = check_header(path)
    edf = _open(path, where, bdf)
    if not getattr(edf, "is_continuous", True):
        raise RecordFormatError(f"{where}: EDF+D (discontinuous) recordings are not supported")
    groups: dict[float, list[tuple[str, Provenance, Any]]] = {}
    others: list[str] = []
    for sig in edf.signals:
        lead, prov = lead_of_label(sig.label)
        if lead is None:
            others.append(sig.label.strip())
            continue
        groups.setdefault(float(sig.sampling_frequency), []).append((lead, prov, sig))
    if not groups:
        raise RecordFormatError(
            f"{where}: no channel label names a standard ECG lead (labels: {printable(', '.join(others)) or 'none'})"
        )
    fs, chosen = max(groups.items(), key=lambda kv: len(kv[1]))
    for rate, sigs in groups.items():
        if rate != fs:
            others.extend(f"{s.label.strip()} ({rate:g} Hz)" for _, _, s in sigs)
    n = int(round(edf.duration * fs))
    a, b = window(n, start, stop, where)
    check_read_size(b - a, len(chosen), where)
    leads: dict[str, np.ndarray] = {}
    provenance: dict[str, Provenance] = {}
    for lead, prov, sig in chosen:
        if lead in leads:
            others.append(sig.label.strip())
            continue
        unit = sig.physical_dimension.strip()
        if not unit:
            raise RecordFormatError(f"{where}: channel {printable(sig.label.strip())!r}: physical dimension is empty (unit unknown)")
        scale = unit_scale(unit, where, f"{printable(sig.label.strip())} (physical dimension)")
        x = np.asarray(sig.get_data_slice(a / fs, b / fs), dtype=np.float64)[: b - a]
        leads[lead] = x * scale
        provenance[lead] = prov
    meta: dict[str, Any] = {"file_samples": n, "format": "bdf" if bdf else ("edf+" if str(edf.reserved).startswith("EDF+") else FORMAT_NAME)}
    if others:
        meta["other_channels"] = others
    patient_id = None
    try:
        patient = edf.patient
        patient_id = None if patient.code in ("X", "") else patient.code
        sex = normalise_sex(patient.sex)
        if sex:
            meta["sex"] = sex
        equipment = edf.recording.equipment_code
        if equipment and equipment != "X":
            meta["device"] = equipment.replace("_", " ")
    except (ValueError, AttributeError, edfio.AnonymizedDateError):
        pass  # plain EDF: free-text identification fields
    texts = []
    model_id = None
    for ann in list(edf.annotations)[:MAX_ANNOTATIONS]:
        texts.append({"onset_s": float(ann.onset), "duration_s": ann.duration, "text": ann.text})
        m = re.search(r"model=([^\s;,)]+)", ann.text)
        if "SYNTHESIZED LEADS" in ann.text and m:
            model_id = m.group(1)
    if texts:
        meta["annotations"] = texts
    steps = [t["text"][len(PROCESSING_NOTE):] for t in texts if t["text"].startswith(PROCESSING_NOTE)]
    if steps:
        meta["processing"] = steps
    return assemble(
        leads, fs, where, provenance=provenance, patient_id=patient_id, recorded_at=_datetime(edf),
        model_id=model_id, metadata=meta, start=a, stop=b,
    )


def _field(text: str | None, default: str = "X") -> str:
    """An EDF+ subfield: ASCII, no spaces (EDF+ separates subfields with spaces)."""
    if not text:
        return default
    clean = re.sub(r"[^\x21-\x7e]", "_", str(text))
    return clean[:40] or default


def write_edf(record: EcgRecord, path: str | os.PathLike[str]) -> Path:
    """Write ``record`` as EDF+C (atomically); labels and an annotation carry the provenance."""
    path = Path(path)
    signals = []
    for i, (name, prov) in enumerate(zip(record.lead_names, record.provenance, strict=True)):
        x = record.signal[:, i].astype(np.float64)
        peak = float(np.max(np.abs(x))) if x.size else 0.0
        # Symmetric physical range just above the peak: resolution = 2 * peak / 65535.
        top = max(math.ceil(peak * 1000 * 1.001) / 1000, 0.001)
        how = {Provenance.SYNTHESIZED: f"LeadSynth synthesized (model {record.model_id or '?'}), not measured",
               Provenance.DERIVED: "derived by lead algebra from measured I and II",
               Provenance.MEASURED: "measured (as read from the source)"}[prov]
        prefix = "ECG " if name in record.standard_leads else ""
        signals.append(edfio.EdfSignal(
            x, record.fs, label=f"{prefix}{name}{_SUFFIX[prov]}"[:16], transducer_type=how[:80],
            physical_dimension="mV", physical_range=(-top, top),
        ))
    synth = record.leads_with(Provenance.SYNTHESIZED)
    notes = []
    if synth:
        notes.append(f"SYNTHESIZED LEADS: {','.join(synth)} model={record.model_id or '?'}")
    derived = record.leads_with(Provenance.DERIVED)
    if derived:
        notes.append(f"DERIVED LEADS: {','.join(derived)} (lead algebra)")
    notes.append(f"MEASURED LEADS: {','.join(record.leads_with(Provenance.MEASURED)) or 'none'}")
    notes += [f"{PROCESSING_NOTE}{step}" for step in record.processing]  # the audit trail, read back
    sex = record.metadata.get("sex")
    when = record.recorded_at
    n = record.n_samples
    duration = 1.0 if (record.fs.is_integer() and n % int(record.fs) == 0) else n / record.fs
    try:
        edf = edfio.Edf(
            signals,
            patient=edfio.Patient(code=_field(record.patient_id), sex=sex if sex in ("M", "F") else "X"),
            recording=edfio.Recording(startdate=when.date() if when else None, equipment_code="LeadSynth"),
            starttime=when.time().replace(microsecond=0) if when else None,
            data_record_duration=duration,
            annotations=[edfio.EdfAnnotation(0.0, None, text) for text in notes],
        )
    except ValueError as exc:
        raise RecordFormatError(f"{path}: cannot encode the record as EDF+ ({exc})") from None
    with atomic_paths([path]) as (tmp,):
        edf.write(tmp)
    return path
