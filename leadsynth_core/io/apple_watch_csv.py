"""Apple Watch ECG: the CSV file the iPhone Health app exports.

A patient brings it from the iPhone's Health data export (Health > profile picture > "Export All
Health Data"): ``export.zip`` holds ``apple_health_export/electrocardiograms/``, one
``ecg_DATE.csv`` per recording.  The watch records one lead,
which Apple calls "similar to lead I" (HealthKit's only ECG lead: the watch on one wrist, a
finger of the other hand on its crown), 30 s at 512 Hz, in microvolts.  The English file::

    Name,Jane Doe
    Date of Birth,"Jan 15, 1990"
    Recorded Date,2026-03-14 09:15:00 -0400
    Classification,Sinus Rhythm
    Symptoms,
    Software Version,1.90
    Device,"Watch6,7"
    Sample Rate,512 hertz
    <blank lines>
    Lead,Lead I
    Unit,µV
    <blank line>
    -48.673
    ...

The phone localises the header: its keys, the word for hertz ("512ヘルツ") and the decimal
separator of every number ("-265,868" on a Portuguese or German phone).  So the rate, the
unit and the recording time are found by their *values*; classification, symptoms, software
version and device by their English keys, or else by their fixed places between the
recording time and the rate line.  The name is never read (no reader of LeadSynth reads
patient names); the date of birth only gives the age at recording.  The watch's own
classification ("Sinus Rhythm", "Atrial Fibrillation", "Inconclusive"...) is the device
report, shown beside LeadSynth's measurements and never mixed with them.
"""

from __future__ import annotations

import csv
import datetime as _dt
import re
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import RecordFormatError
from ..leads import try_canonical_lead_name
from ..record import EcgRecord
from ._common import check_fs, head_lines, read_bounded, unit_scale
from ._vendor import MAX_AGE_YEARS, age_at, assemble, device_report, local_time, printable

__all__ = [
    "FORMAT_NAME", "LEAD_NOTE", "MAX_CSV_BYTES", "is_apple_watch_csv", "read_apple_watch_csv", "parse_apple_watch_csv",
    "check_size",
]

FORMAT_NAME = "apple-watch-ecg-csv"

#: What the one lead of the file is, said wherever the record is described.
LEAD_NOTE = ("Apple Watch ECG: one lead similar to lead I (watch on one wrist, a finger of the other hand "
             "on the crown), read as lead I; the models learned lead I from 12-lead recordings, none from a watch")

# "512 hertz", "512.844 hertz", "512 Hz", "512ヘルツ", "512,000 Hertz": a number and the word
# for hertz in the phone's language (Apple writes the unit out; the list covers the words
# its localisations use for it).
_RATE = re.compile(
    r"^\s*(\d+(?:[.,]\d+)?)\s*(hertz|hz|hercios|hertzios|ヘルツ|赫兹|赫茲|헤르츠|герц|гц|herz)\.?\s*$",
    re.IGNORECASE,
)
# One sample per line: an optional sign, digits, an optional decimal point or comma.
_SAMPLE = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
# "2026-03-14 09:15:00 -0400" (the offset is the phone's time zone at recording).
_WHEN = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2})?)\s*([+-]\d{2}:?\d{2})?$")
_UNITS = {"µv": "uV", "μv": "uV", "uv": "uV", "mv": "mV", "microvolts": "uV", "millivolts": "mV"}

# English keys (the names Apple writes) -> field; other languages fall back on position.
_KEYS = {
    "date of birth": "birth",
    "recorded date": "recorded",
    "classification": "classification",
    "symptoms": "symptoms",
    "software version": "software",
    "device": "device",
    "sample rate": "rate",
    "lead": "lead",
    "unit": "unit",
    "average heart rate": "heart_rate",
}
# Between "Recorded Date" and "Sample Rate" Apple writes these four, in this order.
_BETWEEN = ("classification", "symptoms", "software", "device")
# Dates of birth as the phone writes them; day/month/year and month/day/year slashes are both
# tried, and an age is given only where they agree (01/02/1956 is January or February).
_BIRTH_FORMATS = ("%b %d, %Y", "%B %d, %Y", "%d %b %Y", "%d %B %Y", "%Y-%m-%d", "%Y/%m/%d", "%d.%m.%Y",
                  "%d/%m/%Y", "%m/%d/%Y")
#: Fewest sample lines the content sniffer needs to see after the header.
_SNIFF_SAMPLES = 10
#: Largest file read (an export is 30 s, about 150 kB; this allows hours at 512 Hz).  A larger
#: file is refused before it is read into memory.
MAX_CSV_BYTES = 64 * 2**20


def _clean(line: str) -> str:
    return line.strip().strip("\ufeff").strip()


def _is_sample(line: str) -> bool:
    return bool(_SAMPLE.match(line.strip('"')))


def _split(line: str) -> tuple[str, str]:
    """``key,value`` of a header line.  A quoted value may hold commas (``"Watch6,7"``); an
    unquoted one is the rest of the line as written (``512,000 hertz`` on a decimal-comma phone)."""
    fields = next(csv.reader([line]), [])
    if not fields:
        return "", ""
    key = fields[0].strip()
    if len(fields) == 2 or not line.startswith(fields[0]):
        return key, ",".join(fields[1:]).strip()
    return key, line[len(fields[0]) + 1:].strip()


def is_apple_watch_csv(head: bytes) -> bool:
    """Whether the first bytes of a file are an Apple Watch ECG export (key,value header with a
    rate in hertz, then one number per line); a few kilobytes hold the header and hundreds of samples."""
    lines = [_clean(ln) for ln in head_lines(head)]
    first = next((ln for ln in lines if ln), "")
    if not first or _is_sample(first) or "," not in first:
        return False
    rate_at = next((i for i, ln in enumerate(lines[:40]) if "," in ln and _RATE.match(_split(ln)[1])), None)
    if rate_at is None:
        return False
    samples = 0
    for ln in lines[rate_at + 1:]:
        if _is_sample(ln):
            samples += 1
            if samples >= _SNIFF_SAMPLES:
                return True  # a fault further on is the reader's to name, line and all
        elif ln and samples:
            return False  # text a few lines after the samples began: not this layout
    return False


def _number(text: str) -> float:
    return float(text.strip('"').replace(",", "."))


def _parse(text: str, where: str) -> tuple[list[tuple[str, str]], np.ndarray]:
    """Header pairs and samples (file units)."""
    lines = text.splitlines()
    header: list[tuple[str, str]] = []
    first_sample: int | None = None
    seen_rate = False
    for i, raw in enumerate(lines):
        line = _clean(raw)
        if not line:
            continue
        if seen_rate and _is_sample(line):
            first_sample = i
            break
        key, value = _split(line)
        header.append((key, value))
        if _RATE.match(value):
            seen_rate = True
    if not seen_rate:
        raise RecordFormatError(f"{where}: no sample rate line (such as 'Sample Rate,512 hertz') in the header")
    if first_sample is None:
        raise RecordFormatError(f"{where}: the file holds a header but no samples (one number per line after it)")
    values: list[float] = []
    for i in range(first_sample, len(lines)):
        line = _clean(lines[i])
        if not line:
            continue
        if not _is_sample(line):
            raise RecordFormatError(
                f"{where}: line {i + 1}: {printable(line, 40)!r} is not a sample value (one number per line)"
            )
        values.append(_number(line))
    return header, np.asarray(values, dtype=np.float64)


def _fields(header: list[tuple[str, str]]) -> dict[str, str]:
    """Field -> value: by English key, by value (rate, unit, recording time), else by position."""
    out: dict[str, str] = {}
    when_at = rate_at = None
    for i, (key, value) in enumerate(header):
        field = _KEYS.get(key.strip().lower())
        if field and field not in out:
            out[field] = value
        if rate_at is None and _RATE.match(value):
            rate_at = i
            out.setdefault("rate", value)
        elif when_at is None and _WHEN.match(value):
            when_at = i
            out.setdefault("recorded", value)
        elif value.strip().lower() in _UNITS:
            out.setdefault("unit", value)
    if when_at is not None and rate_at is not None and rate_at - when_at == len(_BETWEEN) + 1:
        for field, (_key, value) in zip(_BETWEEN, header[when_at + 1:rate_at], strict=True):
            out.setdefault(field, value)
    if when_at is not None and when_at >= 1 and "birth" not in out:
        # Name, Date of Birth, Recorded Date: the line before the recording time is the birth date.
        out["birth"] = header[when_at - 1][1]
    return out


def _age(birth: str | None, when: _dt.datetime | None) -> int | None:
    """Whole years from the date of birth to the recording; None when either is unknown."""
    if not birth or when is None:
        return None
    ages = set()
    for fmt in _BIRTH_FORMATS:
        try:
            born = _dt.datetime.strptime(birth.strip(), fmt)
        except ValueError:
            continue
        ages.add(age_at(born.date(), when.date()))
    if len(ages) != 1:
        return None  # no format fits, or two readings of the date give different ages
    years = ages.pop()
    return years if 0 <= years <= MAX_AGE_YEARS else None


def _device(fields: dict[str, str]) -> str:
    model = fields.get("device", "").strip()
    software = fields.get("software", "").strip()
    text = "Apple Watch" + (f" ({model})" if model and model.lower() != "apple watch" else "")
    return text + (f", ECG app {software}" if software else "")


_WHAT = "an Apple Watch ECG export"


def check_size(size: int, where: str) -> None:
    """Refuse a zip member larger than :data:`MAX_CSV_BYTES` before it is read."""
    if size > MAX_CSV_BYTES:
        raise RecordFormatError(f"{where}: {size} bytes, more than the {MAX_CSV_BYTES} {_WHAT} can hold")


def read_apple_watch_csv(path: str | Path, start: int = 0, stop: int | None = None) -> EcgRecord:
    """Read an Apple Watch ECG CSV export as lead I in mV (samples ``[start, stop)``)."""
    path = Path(path)
    return parse_apple_watch_csv(read_bounded(path, MAX_CSV_BYTES, _WHAT), str(path), start=start, stop=stop)


def parse_apple_watch_csv(
    data: bytes, where: str, *, source: str | None = None, extra: dict[str, Any] | None = None,
    start: int = 0, stop: int | None = None,
) -> EcgRecord:
    """An Apple Watch ECG export's bytes as a record; ``where`` names it in messages, ``source``
    (default ``where``) is the file it came from, ``extra`` goes into its metadata."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RecordFormatError(f"{where}: not UTF-8 text (byte {exc.start}); an Apple Watch ECG export is UTF-8") from None
    header, samples = _parse(text, where)
    fields = _fields(header)
    rate = _RATE.match(fields["rate"])
    assert rate is not None  # _parse found the rate line
    fs = check_fs(rate.group(1).replace(",", "."), where, "Sample Rate")
    unit_text = fields.get("unit")
    notes = [LEAD_NOTE]
    if unit_text is None:
        unit = "uV"
        notes.append("the file names no unit; read as µV, the unit of every Apple Watch ECG export")
    else:
        unit = _UNITS.get(unit_text.strip().lower(), "")
        if not unit:
            raise RecordFormatError(f"{where}: Unit {printable(unit_text, 20)!r} is not one of µV, uV, mV")
    lead_text = fields.get("lead", "").strip()
    named = try_canonical_lead_name(lead_text.split()[-1]) if lead_text.split() else None
    if named is not None and named != "I":
        raise RecordFormatError(f"{where}: Lead {printable(lead_text, 20)!r}: an Apple Watch ECG records lead I only")
    recorded = (fields.get("recorded") or "").strip()
    when, offset = local_time(recorded) if _WHEN.match(recorded) else (None, None)
    meta: dict[str, Any] = {"format": FORMAT_NAME, "device": _device(fields), "notes": notes,
                            "lead_note": "one lead similar to lead I, read as lead I", **(extra or {})}
    if offset:
        meta["utc_offset"] = offset
    age = _age(fields.get("birth"), when)
    if age is not None:
        meta["age"] = age
    statements = [fields.get("classification", "")]
    symptoms = fields.get("symptoms", "").strip()
    if symptoms:
        statements.append(f"Symptoms: {symptoms}")
    hr = re.match(r"^\s*(\d+(?:[.,]\d+)?)", fields.get("heart_rate", ""))
    report = device_report(
        device=meta["device"],
        measurements={"heart_rate_bpm": float(hr.group(1).replace(",", ".")) if hr else None},
        statements=statements,
        source="Apple Watch ECG app (its own classification)",
    )
    if report:
        meta["device_report"] = report
    record = assemble(
        {"I": samples * unit_scale(unit, where, "I")}, fs, where, recorded_at=when, metadata=meta,
        start=start, stop=stop,
    )
    return record if source is None else record.replace(source=source)
