"""SCP-ECG (EN 1064 / ISO 11073-91064 / ANSI/AAMI EC71): the binary format of many European carts.

A file is a CRC, its length, then sections, each with its own header (CRC-CCITT, id, length,
versions); section 0 points at the others by byte offset:

* section 1: patient and acquisition tags (patient ID, age or date of birth, sex, acquisition
  date and time, the cart's identity, its high- and low-pass filters);
* section 2: the Huffman tables (19999: the standard's default table; 0: no coding);
* section 3: the leads (count, flags, per lead its first and last sample and SCP lead code);
* section 6: the rhythm data (amplitude per count in nV, sample interval in µs, first or
  second differences, bimodal compression) and each lead's coded bytes;
* section 7: the cart's global measurements of its dominant beat (rate, P/QRS/T onsets and
  offsets, axes, QTc and its formula): with section 8 its device report, shown beside
  LeadSynth's own numbers;
* section 8: the cart's interpretation statements;
* sections 4, 5 (reference beats and QRS positions), 10, 11: not read.

Read: the default Huffman table or no coding, first or second differences, every lead the file
holds (the 12 standard leads by their SCP codes, right-sided and posterior leads such as V3R and
V7 kept as measured supplementary leads; X, Y, Z and other codes kept aside by name).  Refused, with
a message saying which: reference-beat subtraction (the rhythm then holds only the residue
after the median beat is taken away), bimodal compression, custom Huffman tables.  The CRC of
the file is checked; the name tags are never read.
"""

from __future__ import annotations

import datetime as _dt
import struct
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import RecordFormatError
from ..record import EcgRecord
from ._common import check_fs, read_bounded
from ._vendor import MAX_AGE_YEARS, age_at, assemble, device_report, printable

__all__ = ["FORMAT_NAME", "SCP_LEADS", "SCP_SUPPLEMENTARY_LEADS", "is_scp", "read_scp", "crc_ccitt"]

FORMAT_NAME = "scp-ecg"
#: SCP lead codes (EN 1064 Annex) of the 12 standard leads.
SCP_LEADS: dict[int, str] = {1: "I", 2: "II", 3: "V1", 4: "V2", 5: "V3", 6: "V4", 7: "V5", 8: "V6",
                             61: "III", 62: "aVR", 63: "aVL", 64: "aVF"}
#: SCP lead codes of the right-sided and posterior leads, read as measured supplementary leads.
SCP_SUPPLEMENTARY_LEADS: dict[int, str] = {9: "V7", 10: "V2R", 11: "V3R", 12: "V4R", 13: "V5R", 14: "V6R",
                                           15: "V7R", 66: "V8", 67: "V9", 68: "V8R", 69: "V9R"}
# Other codes a 12-lead cart may store, kept aside by name.
_OTHER_LEADS = {16: "X", 17: "Y", 18: "Z", 65: "-aVR"}
_DEFAULT_HUFFMAN = 19999
#: Largest file read: a resting 12-lead SCP-ECG is 20-100 kB; 4 MiB of default-Huffman data is
#: about 20 min of 12 leads at 500 Hz, decoded in tens of seconds (the code is read bit by bit).
_MAX_SCP_BYTES = 4 * 2**20
_SEX = {1: "M", 2: "F"}
_AGE_UNITS = {1: 1.0, 2: 1 / 12, 3: 7 / 365.25, 4: 1 / 365.25, 5: 1 / 8766}  # years, months, weeks, days, hours
# Section 7: values a cart did not measure (29999) or could not (29998); axes also 999.
_NO_VALUE = (29998, 29999)
_QTC_FORMULA = {1: "qtc_bazett_ms", 3: "qtc_fridericia_ms"}  # 2 Hodges, 4 Framingham: "qtc_ms", formula named


def crc_ccitt(data: bytes) -> int:
    """CRC-CCITT (polynomial 0x1021, initial 0xFFFF), the check value of SCP-ECG."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def is_scp(head: bytes, size: int) -> bool:
    """Whether a file's first bytes are an SCP-ECG record: the length field equals the file size,
    section 0's header follows (id 0), and either its reserved bytes hold the 'SCPECG' mark
    (versions 2 and 3) or its pointer table starts with section 0 itself at byte 7 (older files
    leave the mark out)."""
    if len(head) < 32 or size < 32:
        return False
    (length,) = struct.unpack_from("<I", head, 2)
    (section_id,) = struct.unpack_from("<H", head, 8)
    if length != size or section_id != 0:
        return False
    first_pointer = struct.unpack_from("<HII", head, 22)
    return head[16:22] == b"SCPECG" or (first_pointer[0] == 0 and first_pointer[2] == 7)


def _sections(data: bytes, where: str) -> dict[int, bytes]:
    """Section id -> its bytes (header included), from section 0's pointer table."""
    (s0_len,) = struct.unpack_from("<I", data, 10)
    if s0_len < 16 or 6 + s0_len > len(data):
        raise RecordFormatError(f"{where}: section 0 says {s0_len} bytes, the file holds {len(data) - 6} after its header")
    out: dict[int, bytes] = {}
    for o in range(6 + 16, 6 + s0_len - 9, 10):
        sid, length, index = struct.unpack_from("<HII", data, o)
        if not length:
            continue
        start = index - 1  # the pointers count bytes from 1
        if start < 0 or start + length > len(data):
            raise RecordFormatError(f"{where}: section {sid} points past the end of the file ({index}+{length} > {len(data)})")
        out[sid] = data[start:start + length]
    return out


def _tags(section1: bytes) -> dict[int, bytes]:
    """Section 1's tags (the first of each number): tag -> value bytes."""
    tags: dict[int, bytes] = {}
    o = 16
    while o + 3 <= len(section1):
        tag = section1[o]
        (n,) = struct.unpack_from("<H", section1, o + 1)
        if tag == 255:
            break
        tags.setdefault(tag, section1[o + 3:o + 3 + n])
        o += 3 + n
    return tags


def _text(raw: bytes) -> str:
    return raw.split(b"\x00", 1)[0].decode("latin-1").strip()


def _date(raw: bytes | None) -> _dt.date | None:
    if raw is None or len(raw) < 4:
        return None
    (year,) = struct.unpack_from("<H", raw, 0)
    try:
        return _dt.date(year, raw[2], raw[3])
    except ValueError:
        return None


def _patient(tags: dict[int, bytes]) -> tuple[dict[str, Any], _dt.datetime | None, list[str]]:
    """Metadata (age, sex, device, filters), the acquisition time and notes, from section 1."""
    meta: dict[str, Any] = {}
    notes: list[str] = []
    day = _date(tags.get(25))
    when = None
    clock = tags.get(26)
    if day is not None:
        hms = (clock[0], clock[1], clock[2]) if clock is not None and len(clock) >= 3 else (0, 0, 0)
        try:
            when = _dt.datetime(day.year, day.month, day.day, *hms)
        except ValueError:
            when = _dt.datetime(day.year, day.month, day.day)
    age = tags.get(4)
    if age is not None and len(age) >= 3:
        (value,) = struct.unpack_from("<H", age, 0)
        factor = _AGE_UNITS.get(age[2])
        if factor is not None and 0 < value * factor <= MAX_AGE_YEARS:
            meta["age"] = int(value * factor)
    born = _date(tags.get(5))
    if "age" not in meta and born is not None and when is not None:
        years = age_at(born, when.date())
        if 0 <= years <= MAX_AGE_YEARS:
            meta["age"] = years
    sex = tags.get(8)
    if sex is not None and len(sex) == 1 and sex[0] in _SEX:
        meta["sex"] = _SEX[sex[0]]
    device = tags.get(14)
    if device is not None and len(device) >= 14:
        model = _text(device[8:14])
        strings = [s for s in (_text(part) for part in device[36:].split(b"\x00")) if s and s.isprintable()]
        maker = strings[-1] if strings else ""
        meta["device"] = " ".join(p for p in (maker, model) if p) or "SCP-ECG cart"
    highpass, lowpass = tags.get(27), tags.get(28)
    cart_filters = []
    if highpass is not None and len(highpass) == 2 and struct.unpack("<H", highpass)[0]:
        cart_filters.append(f"high-pass {struct.unpack('<H', highpass)[0] / 100:g} Hz")
    if lowpass is not None and len(lowpass) == 2 and struct.unpack("<H", lowpass)[0]:
        cart_filters.append(f"low-pass {struct.unpack('<H', lowpass)[0]:g} Hz")
    if cart_filters:
        meta["filters"] = cart_filters
        notes.append(f"the cart's filters: {', '.join(cart_filters)}")
    return meta, when, notes


def _decode_default(coded: bytes, n: int, where: str, lead: str) -> np.ndarray:
    """The standard's default Huffman code: k ones, a zero and a sign bit give +-k (k <= 8; a lone
    zero is 0); nine ones then 0 or 1 give the next 8 or 16 bits as a signed value."""
    bits = np.unpackbits(np.frombuffer(coded, dtype=np.uint8)).tolist()
    out = np.empty(n, dtype=np.int64)
    pos, end = 0, len(bits)
    for k in range(n):
        ones = 0
        while ones < 9 and pos < end and bits[pos]:
            ones += 1
            pos += 1
        if pos >= end:
            raise RecordFormatError(f"{where}: lead {lead}: the coded data ends after {k} of {n} samples")
        if ones < 9:
            pos += 1  # the terminating zero
            if ones == 0:
                out[k] = 0
                continue
            if pos >= end:
                raise RecordFormatError(f"{where}: lead {lead}: the coded data ends after {k} of {n} samples")
            out[k] = -ones if bits[pos] else ones
            pos += 1
            continue
        width = 16 if bits[pos] else 8
        pos += 1
        if pos + width > end:
            raise RecordFormatError(f"{where}: lead {lead}: the coded data ends after {k} of {n} samples")
        value = 0
        for b in bits[pos:pos + width]:
            value = (value << 1) | b
        pos += width
        out[k] = value - (1 << width) if value >= 1 << (width - 1) else value
    return out


def _undifference(d: np.ndarray, order: int, where: str) -> np.ndarray:
    if order == 0:
        return d
    if order == 1:
        return np.cumsum(d)
    if order == 2:
        x = np.empty_like(d)
        x[:2] = d[:2]
        for k in range(2, d.size):
            x[k] = d[k] + 2 * x[k - 1] - x[k - 2]
        return x
    raise RecordFormatError(f"{where}: section 6 says difference encoding {order}; SCP-ECG defines 0, 1 and 2")


def _global_measurements(section7: bytes | None) -> tuple[dict[str, float | None], dict[str, float | None], str]:
    """The cart's measurements of its dominant beat (section 7): interval keys of the device report,
    axes, and a note on a QTc formula the keys do not name ('' otherwise); empty when absent."""
    if section7 is None or len(section7) < 16 + 6:
        return {}, {}, ""
    n_types, n_spikes, rr, _pp = struct.unpack_from("<BBHH", section7, 16)

    def ok(v: int) -> float | None:
        return float(v) if v not in _NO_VALUE else None

    meas: dict[str, float | None] = {"rr_ms": ok(rr) if 200 <= rr <= 3000 else None}
    axes: dict[str, float | None] = {}
    o = 22
    if n_types and o + 16 <= len(section7):
        p_on, p_off, q_on, q_off, t_off, *axis = struct.unpack_from("<5H3h", section7, o)
        if q_on not in _NO_VALUE:
            if p_on not in _NO_VALUE and p_on < q_on:
                meas["pr_ms"] = float(q_on - p_on)
            if q_off not in _NO_VALUE and q_off > q_on:
                meas["qrs_ms"] = float(q_off - q_on)
            if t_off not in _NO_VALUE and t_off > q_on:
                meas["qt_ms"] = float(t_off - q_on)
        if p_on not in _NO_VALUE and p_off not in _NO_VALUE and p_off > p_on:
            meas["p_ms"] = float(p_off - p_on)
        for key, value in zip(("p", "qrs", "t"), axis, strict=True):
            axes[key] = float(value) if -180 <= value <= 360 else None
    o += 16 * n_types + (4 + 6) * n_spikes  # the beat types, then pacemaker spikes and their info
    note = ""
    if o + 2 <= len(section7):
        (n_qrs,) = struct.unpack_from("<H", section7, o)
        o += 2 + n_qrs
        if o + 7 <= len(section7):
            vent, atrial, qtc, formula = struct.unpack_from("<HHHB", section7, o)
            meas["heart_rate_bpm"] = float(vent) if 10 <= vent <= 400 else None
            meas["atrial_rate_bpm"] = float(atrial) if 10 <= atrial <= 600 else None
            if qtc not in _NO_VALUE and 150 <= qtc <= 800:
                key = _QTC_FORMULA.get(formula, "qtc_ms")
                meas[key] = float(qtc)
                if formula in (2, 4):
                    note = f"the cart's QTc is {'Hodges' if formula == 2 else 'Framingham'}'s"
    if meas.get("heart_rate_bpm") is None and meas.get("rr_ms"):
        meas["heart_rate_bpm"] = round(60000.0 / float(meas["rr_ms"]), 1)
    return meas, axes, note


def _statements(section8: bytes | None) -> list[str]:
    """The cart's interpretation statements of section 8 (empty when it has none or is malformed)."""
    if section8 is None or len(section8) < 16 + 9:
        return []
    count = section8[16 + 8]
    o, out = 16 + 9, []
    for _ in range(count):
        if o + 3 > len(section8):
            return out
        (n,) = struct.unpack_from("<H", section8, o + 1)
        text = _text(section8[o + 3:o + 3 + n])
        if text:
            out.append(text)
        o += 3 + n
    return out


def read_scp(path: str | Path, start: int = 0, stop: int | None = None) -> EcgRecord:
    """Read an SCP-ECG file: its rhythm leads in mV (samples ``[start, stop)``)."""
    path = Path(path)
    where = str(path)
    data = read_bounded(path, _MAX_SCP_BYTES, "an SCP-ECG record LeadSynth decodes",
                        "export long recordings as EDF or HDF5, which are read window by window")
    if not is_scp(data[:64], len(data)):
        raise RecordFormatError(f"{where}: not an SCP-ECG record (its length field or section 0 does not match)")
    (stored,) = struct.unpack_from("<H", data, 0)
    computed = crc_ccitt(data[2:])
    if stored not in (computed, ((computed & 0xFF) << 8) | (computed >> 8)):  # some carts swap the two bytes
        raise RecordFormatError(f"{where}: file CRC {computed:#06x} does not match the stored {stored:#06x} "
                                "(the file was changed or damaged)")
    sections = _sections(data, where)
    for needed in (3, 6):
        if needed not in sections:
            raise RecordFormatError(f"{where}: no section {needed} ({'lead definition' if needed == 3 else 'rhythm data'})")
    s3, s6 = sections[3], sections[6]
    if len(s3) < 18 or len(s6) < 22:
        raise RecordFormatError(f"{where}: section {3 if len(s3) < 18 else 6} is shorter than its fixed fields")
    n_leads, flags = s3[16], s3[17]
    if len(s3) < 18 + 9 * n_leads or len(s6) < 22 + 2 * n_leads:
        raise RecordFormatError(f"{where}: sections 3 and 6 are too short for the {n_leads} leads they declare")
    if flags & 1:
        raise RecordFormatError(f"{where}: the rhythm is stored with reference-beat subtraction, which LeadSynth "
                                "does not reconstruct (export the ECG without SCP compression)")
    leads_def = [struct.unpack_from("<IIB", s3, 18 + 9 * k) for k in range(n_leads)]
    avm_nv, interval_us, order, bimodal = struct.unpack_from("<HHBB", s6, 16)
    if bimodal:
        raise RecordFormatError(f"{where}: the rhythm is stored with bimodal compression, which LeadSynth does not read")
    tables = struct.unpack_from("<H", sections[2], 16)[0] if 2 in sections and len(sections[2]) >= 18 else 0
    if tables not in (0, _DEFAULT_HUFFMAN):
        raise RecordFormatError(f"{where}: section 2 holds {tables} custom Huffman table(s); LeadSynth reads the "
                                "standard's default table or uncoded data")
    if avm_nv == 0 or interval_us == 0:
        raise RecordFormatError(f"{where}: section 6 gives amplitude {avm_nv} nV and interval {interval_us} µs per sample")
    fs = 1e6 / interval_us
    notes: list[str] = []
    if abs(fs - round(fs)) <= 1e-3 * fs and fs != round(fs):
        # The interval is whole µs, so 600 Hz is stored as 1667 µs: take the rate it stands for.
        notes.append(f"sample interval {interval_us} µs read as {round(fs)} Hz")
        fs = float(round(fs))
    fs = check_fs(fs, where, "section 6 sample interval")
    sizes = struct.unpack_from(f"<{n_leads}H", s6, 22)
    o = 22 + 2 * n_leads
    leads: dict[str, np.ndarray] = {}
    aside: list[str] = []
    for (first, last, code), nbytes in zip(leads_def, sizes, strict=True):
        name = SCP_LEADS.get(code) or SCP_SUPPLEMENTARY_LEADS.get(code) or _OTHER_LEADS.get(code) \
            or f"SCP lead code {code}"
        n = last - first + 1
        coded = s6[o:o + nbytes]
        o += nbytes
        if n <= 0 or len(coded) < nbytes:
            raise RecordFormatError(f"{where}: lead {name}: samples {first}-{last}, {len(coded)} of {nbytes} coded bytes")
        if code not in SCP_LEADS and code not in SCP_SUPPLEMENTARY_LEADS:
            aside.append(name)
            continue
        if name in leads:
            raise RecordFormatError(f"{where}: lead {name} is stored twice")
        if tables == _DEFAULT_HUFFMAN:
            diffs = _decode_default(coded, n, where, name)
        else:
            if nbytes < 2 * n:
                raise RecordFormatError(f"{where}: lead {name}: {nbytes} bytes for {n} uncoded 16-bit samples")
            diffs = np.frombuffer(coded[:2 * n], dtype="<i2").astype(np.int64)
        leads[name] = _undifference(diffs, order, where).astype(np.float64) * avm_nv * 1e-6
    if not leads:
        raise RecordFormatError(f"{where}: none of the leads is a standard lead (codes {[c for *_r, c in leads_def]})")
    tags = _tags(sections[1]) if 1 in sections else {}
    meta, when, patient_notes = _patient(tags)
    meta["format"] = FORMAT_NAME
    notes += patient_notes
    if aside:
        meta["other_channels"] = aside
        notes.append(f"{', '.join(aside)} kept aside (not one of the 12 standard leads)")
    meta["notes"] = notes
    measured, axes, qtc_note = _global_measurements(sections.get(7))
    if qtc_note:
        notes.append(qtc_note)
    report = device_report(device=meta.get("device"), measurements=measured, axes=axes,
                           statements=_statements(sections.get(8)),
                           source="the cart's measurements and interpretation (SCP-ECG sections 7, 8)")
    if report:
        meta["device_report"] = report
    patient_id = _text(tags[2]) if 2 in tags else None
    return assemble(leads, fs, where, patient_id=printable(patient_id, 64) if patient_id else None,
                    recorded_at=when, metadata=meta, start=start, stop=stop)
