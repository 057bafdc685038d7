"""AliveCor Kardia JSON: one ECG as the Kardia Pro API returns it (``GET /v1/recordings/:id``).

A clinic that follows patients on Kardia Pro receives their KardiaMobile and KardiaMobile 6L
recordings through AliveCor's REST API as JSON.  The API reference (the "ECG Object" and
"ECG Data Object" tables) defines:

* ``id``, ``patientID``, ``recordedAt`` (ISO 8601 with the phone's UTC offset), ``duration``
  (ms), ``heartRate``, ``note`` (the patient's), ``algorithmDetermination`` (``normal``,
  ``afib``, ``unclassified``, ``bradycardia``, ``tachycardia``, ``too_short``, ``too_long``,
  ``unreadable``, ``no_analysis``);
* ``data.raw`` and ``data.enhanced`` (AliveCor's filtered version), each with ``frequency``
  (Hz), ``mainsFrequency`` (50 or 60 Hz), ``amplitudeResolution`` (nanovolts per sample unit:
  mV = samples / (1e6 / amplitudeResolution)) and ``samples``: one array of ADC units per lead,
  ``leadI`` and, from a 6L, ``leadII``, ``leadIII``, ``AVR``, ``AVL``, ``AVF``;
* from newer accounts ``deviceInfo`` (``hardwareType``, ``firmwareRevision``...) and
  ``qtMeasurement`` (``qt``, ``rr``, ``qtcb``, ``qtcf``, each ``{"Value": ms}``).

The reference's own example response spells some keys the older way (``lead_I``,
``mains_freq``); both spellings are read.  The example also omits ``amplitudeResolution``:
without it the samples' unit is unknown, so such a file is refused (never guessed), as is a
Kardia 12L recording (``data12L``, a layout the reference does not define).

The API's list responses (``GET /v1/recordings``, ``GET /v1/patients/:id/recordings``:
``{"totalCount", "data": [recording, ...], "pageInfo"}``) hold several recordings: such a file
is a multi-record file, each recording read by its key, its local recording time and its
``id`` ("2026-02-03 08:15:00 3wde1eem9vy4y1a0rv3y98u2a", ``list_kardia_json``),
as the records of an HDF5 file.  In the patient list the reference puts a recording's
``frequency`` and ``samples`` directly in its ``data``, without the raw/enhanced blocks: both
layouts are read.

The raw samples are read (what the electrodes recorded); the record's notes say that the
file also holds AliveCor's enhanced version and that the raw signal carries the mains
frequency the app would have filtered (the viewer's Filters menu has the notch).  The stored
III, aVR, aVL, aVF of a 6L are the device's computation from I and II: drawn as derived, as
from an ATC file.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import RecordFormatError
from ..leads import try_ecg_lead_name
from ..record import EcgRecord, Provenance
from ._common import RecordInfo, check_fs, read_bounded, record_info, resolve_key
from ._vendor import assemble, device_report, local_time, printable
from .alivecor_atc import computed_limb_leads, computed_limb_note

__all__ = ["FORMAT_NAME", "is_kardia_json", "read_kardia_json", "list_kardia_json", "inspect_kardia_json",
           "DETERMINATIONS"]

FORMAT_NAME = "kardia-json"
#: Largest Kardia JSON read (a 30-s 6L recording is about 0.3 MB of text).
MAX_KARDIA_JSON_BYTES = 64 * 1024 * 1024
#: ``algorithmDetermination`` -> how the device report states it (the API's allowed values).
DETERMINATIONS: dict[str, str] = {
    "normal": "Normal sinus rhythm",
    "afib": "Possible atrial fibrillation",
    "unclassified": "Unclassified",
    "bradycardia": "Bradycardia",
    "tachycardia": "Tachycardia",
    "too_short": "Too short to analyse",
    "too_long": "Too long to analyse",
    "unreadable": "Unreadable",
    "no_analysis": "No analysis",
}
# Kardia-only keys among the first bytes of a JSON object (samples may come first or last).
_MARKERS = (b'"algorithmDetermination"', b'"amplitudeResolution"', b'"mainsFrequency"', b'"mains_freq"',
            b'"data12L"')
_LEAD_KEY = re.compile(r"^lead_?", re.IGNORECASE)


def is_kardia_json(head: bytes) -> bool:
    """True for the first bytes of a Kardia API recording (a JSON object naming Kardia's keys)."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return text.startswith(b"{") and any(m in head for m in _MARKERS)


def _number(value: Any, where: str, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise RecordFormatError(f"{where}: {field} is {printable(repr(value), 40)}, not a number")
    return float(value)


def _positive(value: Any) -> float | None:
    """A JSON number above zero as a float; None for anything else (absent, text, true, 0)."""
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0 else None


def _lead_name(key: str) -> str:
    """``leadI``/``lead_I`` -> ``I``, ``AVR`` -> ``aVR``; a name that is no lead stays as it is
    (the record's assembly refuses it, naming it)."""
    name = _LEAD_KEY.sub("", key)
    return try_ecg_lead_name(name) or name


def _block(data: dict[str, Any], where: str) -> tuple[str, dict[str, Any], list[str]]:
    """The block read (``raw``, else ``enhanced``; ``data`` itself where it holds the samples, as in
    the reference's patient list), its name and what the notes say of the choice."""
    if "samples" in data:
        return "data", data, []
    raw, enhanced = data.get("raw"), data.get("enhanced")
    if isinstance(raw, dict):
        notes = ["raw samples as the electrodes recorded them; the file also holds AliveCor's enhanced "
                 "(filtered) version, not shown"] if isinstance(enhanced, dict) else []
        return "raw", raw, notes
    if isinstance(enhanced, dict):
        return "enhanced", enhanced, ["AliveCor's enhanced (filtered) samples: the file holds no raw version"]
    raise RecordFormatError(f"{where}: data holds neither a 'raw' nor an 'enhanced' block of samples")


def _samples(block: dict[str, Any], name: str, where: str, scale: float) -> dict[str, np.ndarray]:
    samples = block.get("samples")
    if not isinstance(samples, dict) or not samples:
        raise RecordFormatError(f"{where}: data.{name}.samples holds no lead arrays")
    out: dict[str, np.ndarray] = {}
    for key, values in samples.items():
        if not isinstance(values, list) or not values:
            raise RecordFormatError(f"{where}: data.{name}.samples.{printable(key, 20)} is not an array of samples")
        try:
            counts = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            raise RecordFormatError(f"{where}: data.{name}.samples.{printable(key, 20)} holds values that are "
                                    "not numbers") from None
        if counts.ndim != 1:
            raise RecordFormatError(f"{where}: data.{name}.samples.{printable(key, 20)} is not a flat array")
        out[_lead_name(key)] = counts * scale
    return out


def _qt(doc: dict[str, Any], key: str) -> float | None:
    qt = doc.get("qtMeasurement")
    item = qt.get(key) if isinstance(qt, dict) else None
    return _positive(item.get("Value") if isinstance(item, dict) else item)


def _load(path: Path) -> dict[str, Any]:
    where = str(path)
    text = read_bounded(path, MAX_KARDIA_JSON_BYTES, "a Kardia JSON recording")
    try:
        doc = json.loads(text.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecordFormatError(f"{where}: not valid JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise RecordFormatError(f"{where}: a Kardia recording is a JSON object, this file holds a {type(doc).__name__}")
    return doc


def _recordings(doc: dict[str, Any], where: str) -> dict[str, dict[str, Any]] | None:
    """A list response's recordings by key (the local recording time and the ``id``; ``#n``
    where one has no id), or None for a single recording."""
    data = doc.get("data")
    if not isinstance(data, list):
        return None
    out: dict[str, dict[str, Any]] = {}
    for n, item in enumerate(data, 1):
        if not isinstance(item, dict):
            raise RecordFormatError(f"{where}: data[{n - 1}] is not a recording object")
        ident = item["id"].strip() if isinstance(item.get("id"), str) and item["id"].strip() else f"#{n}"
        # The recording's local time first: what a reader picks a recording by ("2026-02-03
        # 08:15:00 3wde1eem..."); the id keeps the key unique and stable.
        when, _ = local_time(item.get("recordedAt") if isinstance(item.get("recordedAt"), str) else None)
        key = f"{when:%Y-%m-%d %H:%M:%S} {ident}" if when is not None else ident
        out[key if key not in out else f"{key}#{n}"] = item
    if not out:
        raise RecordFormatError(f"{where}: the Kardia API's list holds no recording")
    return out


def list_kardia_json(path: str | Path) -> list[str]:
    """The keys of the recordings of a Kardia list response; ``[""]`` for a single recording."""
    path = Path(path)
    recordings = _recordings(_load(path), str(path))
    return [""] if recordings is None else list(recordings)


def inspect_kardia_json(path: str | Path, key: str | None = None) -> RecordInfo:
    """What one recording holds (it is read: a Kardia recording is small)."""
    record = read_kardia_json(path, key=key)
    return record_info(record, Path(path), record.metadata.get("key"))


def read_kardia_json(path: str | Path, start: int = 0, stop: int | None = None, *,
                     key: str | None = None) -> EcgRecord:
    """Read a Kardia API recording: its leads in mV (samples ``[start, stop)``); ``key``: which
    recording of a list response (may be left out when it holds one)."""
    path = Path(path)
    where = str(path)
    doc = _load(path)
    recordings = _recordings(doc, where)
    if recordings is not None:
        key = resolve_key(list(recordings), key, where)
        doc, where = recordings[key], f"{path} [{key}]"
    elif key:
        raise RecordFormatError(f"{where}: key={key!r} given, but the file holds one Kardia recording")
    if "data12L" in doc:
        raise RecordFormatError(f"{where}: a Kardia 12L recording (data12L), whose layout the Kardia API reference "
                                "does not define; export it from Kardia as an ATC file, which LeadSynth reads")
    data = doc.get("data")
    if not isinstance(data, dict):
        raise RecordFormatError(f"{where}: no 'data' object with the ECG samples")
    name, block, notes = _block(data, where)
    if "amplitudeResolution" not in block:
        raise RecordFormatError(f"{where}: data.{name} states no amplitudeResolution (nanovolts per sample unit), so "
                                "the samples' unit is unknown; LeadSynth does not guess it")
    resolution_nv = _number(block["amplitudeResolution"], where, f"data.{name}.amplitudeResolution")
    if resolution_nv <= 0:
        raise RecordFormatError(f"{where}: data.{name}.amplitudeResolution {resolution_nv:g} nV is not positive")
    if "frequency" not in block:
        raise RecordFormatError(f"{where}: data.{name} states no frequency (the sampling rate)")
    fs = check_fs(_number(block["frequency"], where, f"data.{name}.frequency"), where, f"data.{name}.frequency")
    scale = resolution_nv * 1e-6  # nV per unit -> mV per unit
    mv = _samples(block, name, where, scale)
    mains = _positive(block.get("mainsFrequency", block.get("mains_freq")))
    if mains is not None:
        notes.append(f"mains {mains:g} Hz: the raw signal is not notch-filtered (Filters > Notch {mains:g} Hz)"
                     if name == "raw" else f"mains {mains:g} Hz")
    declared = block.get("numLeads")
    if isinstance(declared, int) and declared != len(mv):
        notes.append(f"numLeads says {declared}, the samples hold {len(mv)} lead(s): the {len(mv)} are read")
    note = doc.get("note")
    if isinstance(note, str) and note.strip():
        notes.append(f"patient's note: {printable(note.strip(), 200)}")
    info = doc.get("deviceInfo") if isinstance(doc.get("deviceInfo"), dict) else {}
    device = " ".join(str(p) for p in ("AliveCor", info.get("hardwareType") or "Kardia") if p)
    if info.get("firmwareRevision"):
        device += f", firmware {info['firmwareRevision']}"
    when, offset = local_time(doc.get("recordedAt") if isinstance(doc.get("recordedAt"), str) else None)
    meta: dict[str, Any] = {"format": FORMAT_NAME, "device": device, "notes": notes, "kardia_block": name}
    if recordings is not None:
        meta["key"] = key
    if offset:
        meta["utc_offset"] = offset
    if isinstance(doc.get("id"), str):
        meta["recording_id"] = doc["id"]
    determination = doc.get("algorithmDetermination")
    statements = []
    if isinstance(determination, str) and determination.strip():
        code = determination.strip()
        statements.append(f"{DETERMINATIONS.get(code, code)} (Kardia: {printable(code, 40)})")
    report = device_report(
        device=device,
        measurements={"heart_rate_bpm": _positive(doc.get("heartRate")),
                      "rr_ms": _qt(doc, "rr"), "qt_ms": _qt(doc, "qt"), "qtc_bazett_ms": _qt(doc, "qtcb"),
                      "qtc_fridericia_ms": _qt(doc, "qtcf")},
        statements=statements,
        source="AliveCor Kardia algorithms (Kardia API)",
    )
    if report:
        meta["device_report"] = report
    computed = computed_limb_leads(mv, scale)
    if computed:
        notes.append(computed_limb_note(computed))
    patient = doc.get("patientID")
    record = assemble(mv, fs, where, provenance={lead: Provenance.DERIVED for lead in computed},
                      patient_id=patient if isinstance(patient, str) and patient.strip() else None,
                      recorded_at=when, metadata=meta, start=start, stop=stop)
    return record if recordings is None else record.replace(source=str(path))
