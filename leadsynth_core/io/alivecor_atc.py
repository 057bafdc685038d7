"""AliveCor ATC (the "ALIVE" file of KardiaMobile, KardiaMobile 6L and Kardia 12L recordings).

The format is AliveCor's published *ATC File Format Specification 1.7*: an 8-byte signature
``ALIVE\\0\\0\\0``, a 4-byte file version (2 = spec <= 1.4, 3 = 1.5, 4 = 1.6, 5 = 1.7), then
blocks of ``id (4 ASCII bytes), length (uint32), data, checksum (uint32)``, little-endian:

* ``info``: recording time (ISO 8601 with the phone's UTC offset), recording UUID, phone
  model, recorder software and hardware, device data (``SN=AC6L...,BAT=55``);
* ``fmt ``: sample format (1 = int16), sampling rate (300 Hz), amplitude resolution in nV per
  count (500), filter flags;
* ``ecg ``, ``ecg2`` ... ``ecgc``: one lead each, I, II, III, aVR, aVL, aVF, V1 ... V6;
* ``ann ``, ``avg ``, ``med ``, ``acc ``, ``pre ``: beat detections, average and median beats,
  acceleration, a pre-recording; not ECG samples of the recording, not read.

The checksum is the sum of the block's bytes (id, length and data) modulo 2^32.  The
specification's prose calls it "CRC32", but its own table says "cyclic sum", AliveCor's
reference reader (ATCpy) adds the bytes, and every AliveCor file checked agrees with the sum.
A block whose checksum does not match is refused: the file was changed or damaged.

The filter flags say what the Kardia app did to the samples before storing them (mains notch,
0.1 Hz baseline filter, AliveCor's "enhanced" filter, which smooths the waveform); they are
stated in the record's notes, because a cardiologist reads ST levels and QRS notches through
them.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import RecordFormatError
from ..leads import DERIVABLE_LEADS, derive_limb_leads
from ..record import EcgRecord, Provenance
from ._common import check_fs, read_bounded
from ._vendor import assemble, local_time, printable

__all__ = ["FORMAT_NAME", "SIGNATURE", "VERSIONS", "LEAD_BLOCKS", "is_atc", "read_atc", "block_checksum",
           "computed_limb_leads", "computed_limb_note"]

FORMAT_NAME = "alivecor-atc"
SIGNATURE = b"ALIVE\x00\x00\x00"
#: File version -> the specification it follows.
VERSIONS: dict[int, str] = {2: "1.4 or earlier", 3: "1.5", 4: "1.6", 5: "1.7"}
#: ECG data block id -> lead (spec 1.7, "ECG Data Block").
LEAD_BLOCKS: dict[bytes, str] = {
    b"ecg ": "I", b"ecg2": "II", b"ecg3": "III", b"ecg4": "aVR", b"ecg5": "aVL", b"ecg6": "aVF",
    b"ecg7": "V1", b"ecg8": "V2", b"ecg9": "V3", b"ecga": "V4", b"ecgb": "V5", b"ecgc": "V6",
}
# Blocks that hold no samples of the recording (beats, averages, motion, a pre-recording).
_OTHER_BLOCKS = re.compile(rb"^(ann |acc |pre |avg.|med.)$")
_INFO_FIELDS = (("recorded", 32), ("uuid", 40), ("phone_udid", 44), ("phone", 32), ("software", 32),
                ("hardware", 32), ("device_data", 52))
_INFO_BYTES = sum(n for _k, n in _INFO_FIELDS)
_FMT = struct.Struct("<BHHB")  # ECG format, sampling rate (Hz), resolution (nV per count), flags
_FLAGS = (  # bit -> what the Kardia app did to the stored samples (bit 0, polarity, is unused)
    (4, "mains filter"), (8, "low-pass filter"), (16, "0.1 Hz baseline filter"),
    (32, "mains notch filter"), (64, "AliveCor enhanced filter"),
)
#: Largest file read: 12 leads x 2 bytes x 300 Hz is 26 MB an hour; Kardia records 30 s to 5 min.
MAX_ATC_BYTES = 256 * 2**20


def is_atc(head: bytes) -> bool:
    """Whether a file's first bytes are the ALIVE signature."""
    return head.startswith(SIGNATURE)


def block_checksum(block_id: bytes, data: bytes) -> int:
    """The checksum of a block: the sum of its id, length and data bytes, modulo 2^32."""
    return (sum(block_id) + sum(struct.pack("<I", len(data))) + sum(data)) & 0xFFFFFFFF


def _blocks(data: bytes, where: str) -> list[tuple[bytes, int, bytes]]:
    """``(id, offset, data)`` of every block, each checksum verified."""
    out: list[tuple[bytes, int, bytes]] = []
    at = 12
    while at < len(data):
        if at + 12 > len(data):
            raise RecordFormatError(f"{where}: {len(data) - at} stray byte(s) at byte {at}, too few for a block")
        block_id = data[at:at + 4]
        (length,) = struct.unpack_from("<I", data, at + 4)
        end = at + 8 + length
        if end + 4 > len(data):
            raise RecordFormatError(
                f"{where}: block {printable(block_id.decode('latin-1'))!r} at byte {at} says {length} bytes, "
                f"the file ends {len(data) - at - 8} bytes after its header (truncated)"
            )
        body = data[at + 8:end]
        (stored,) = struct.unpack_from("<I", data, end)
        computed = block_checksum(block_id, body)
        if stored != computed:
            raise RecordFormatError(
                f"{where}: block {printable(block_id.decode('latin-1'))!r} at byte {at}: checksum {computed} does not "
                f"match the stored {stored} (the file was changed or damaged)"
            )
        out.append((block_id, at, body))
        at = end + 4
    return out


def _text(raw: bytes) -> str:
    return raw.split(b"\x00", 1)[0].decode("utf-8", errors="replace").strip()


def read_atc(path: str | Path, start: int = 0, stop: int | None = None) -> EcgRecord:
    """Read an AliveCor ATC file: its ECG leads in mV (samples ``[start, stop)``)."""
    path = Path(path)
    where = str(path)
    data = read_bounded(path, MAX_ATC_BYTES, "an ATC recording")
    if not is_atc(data):
        raise RecordFormatError(f"{where}: no ALIVE signature; not an AliveCor ATC file")
    if len(data) < 12:
        raise RecordFormatError(f"{where}: the file ends before its version field")
    (version,) = struct.unpack_from("<I", data, 8)
    if version not in VERSIONS:
        known = ", ".join(f"{v} (spec {s})" for v, s in VERSIONS.items())
        raise RecordFormatError(f"{where}: ATC file version {version} is not one LeadSynth reads ({known})")
    info: dict[str, str] = {}
    fmt: tuple[int, int, int, int] | None = None
    leads: dict[str, np.ndarray] = {}
    ignored: list[str] = []
    for block_id, at, body in _blocks(data, where):
        name = printable(block_id.decode("latin-1"))
        if block_id == b"info":
            if len(body) < _INFO_BYTES:
                raise RecordFormatError(f"{where}: info block at byte {at} holds {len(body)} bytes, expected {_INFO_BYTES}")
            o = 0
            for key, n in _INFO_FIELDS:
                info[key] = _text(body[o:o + n])
                o += n
        elif block_id == b"fmt ":
            if len(body) < _FMT.size:
                raise RecordFormatError(f"{where}: fmt block at byte {at} holds {len(body)} bytes, expected 8")
            fmt = _FMT.unpack_from(body)
        elif block_id in LEAD_BLOCKS:
            lead = LEAD_BLOCKS[block_id]
            if lead in leads:
                raise RecordFormatError(f"{where}: block {name!r} (lead {lead}) is stored twice")
            if len(body) % 2:
                raise RecordFormatError(f"{where}: block {name!r} at byte {at} holds {len(body)} bytes, not whole 16-bit samples")
            leads[lead] = np.frombuffer(body, dtype="<i2").astype(np.float64)
        elif not _OTHER_BLOCKS.match(block_id):
            ignored.append(name)
    if fmt is None:
        raise RecordFormatError(f"{where}: no 'fmt ' block (sampling rate and amplitude resolution)")
    sample_format, rate, resolution_nv, flags = fmt
    if sample_format != 1:
        raise RecordFormatError(f"{where}: ECG sample format {sample_format} is not 1 (16-bit signed), the only one defined")
    if resolution_nv <= 0:
        raise RecordFormatError(f"{where}: amplitude resolution {resolution_nv} nV per count is not positive")
    fs = check_fs(rate, where, "fmt sampling rate")
    if not leads:
        raise RecordFormatError(f"{where}: no ECG data block ('ecg ' ... 'ecgc')")
    scale = resolution_nv * 1e-6  # nV per count -> mV per count
    filters = [label for bit, label in _FLAGS if flags & bit]
    mains = 60 if flags & 2 else 50
    notes = [f"filters the Kardia app applied before storing: {', '.join(filters)} (mains {mains} Hz)" if filters
             else f"stored without the Kardia app's filters (mains {mains} Hz)"]
    if ignored:
        notes.append(f"unknown block(s) {', '.join(repr(b) for b in ignored)} not read")
    hardware = info.get("hardware", "")
    device = " ".join(p for p in ("AliveCor", hardware or "Kardia") if p)
    if info.get("software"):
        device += f", {info['software']}"
    when, offset = local_time(info.get("recorded", ""))
    meta: dict[str, Any] = {"format": FORMAT_NAME, "device": device, "notes": notes, "atc_version": version,
                            "filters": filters, "mains_hz": mains}
    if offset:
        meta["utc_offset"] = offset
    if info.get("uuid"):
        meta["recording_uuid"] = info["uuid"]
    if info.get("device_data"):
        meta["device_data"] = info["device_data"]
    mv = {lead: x * scale for lead, x in leads.items()}
    computed = computed_limb_leads(mv, scale)
    if computed:
        notes.append(computed_limb_note(computed))
    return assemble(mv, fs, where, provenance={lead: Provenance.DERIVED for lead in computed}, recorded_at=when,
                    metadata=meta, start=start, stop=stop)


def computed_limb_note(computed: list[str]) -> str:
    """What the notes say of the limb leads :func:`computed_limb_leads` found."""
    return (f"{', '.join(computed)} are the device's own computation from I and II (stored, equal to the "
            "lead algebra within a count), so they count as derived")


def computed_limb_leads(mv: dict[str, np.ndarray], scale: float) -> list[str]:
    """The stored III, aVR, aVL, aVF that equal the lead algebra of the stored I and II within one
    count and a half (KardiaMobile 6L measures I and II and computes the other four; its ATC
    files and its Kardia API JSON alike)."""
    if "I" not in mv or "II" not in mv or mv["I"].shape != mv["II"].shape:
        return []  # (leads of different lengths are refused when the record is assembled)
    algebra = derive_limb_leads(mv["I"], mv["II"])
    return [lead for lead in DERIVABLE_LEADS
            if lead in mv and mv[lead].shape == mv["I"].shape
            and float(np.max(np.abs(mv[lead] - algebra[lead]), initial=0.0)) <= 1.5 * scale]
