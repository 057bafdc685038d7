"""The iPhone's Health data export (``export.zip``): every Apple Watch ECG in it, as it is.

Health > profile picture > "Export All Health Data" writes one zip; its
``apple_health_export/electrocardiograms/`` folder holds one ``ecg_DATE.csv`` per watch
recording (:mod:`.apple_watch_csv`).  The zip opens without being unpacked: each ECG is one
record whose key is its file name (``ecg_2026-03-14.csv``), like the records of a multi-record
HDF5 file.  Nothing else of the export (the large ``export.xml`` of every other health datum,
workout routes, clinical records) is ever read; the zip's central directory names the members.

A member is refused before it is read when it says it is larger than an ECG export can be, and
reading stops at that size whatever it says (a zip can lie about its sizes).
"""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

from ..errors import RecordFormatError
from ..record import EcgRecord
from . import apple_watch_csv as watch
from ._common import SNIFF_BYTES, RecordInfo, record_info, resolve_key
from .apple_watch_csv import check_size, is_apple_watch_csv, parse_apple_watch_csv

__all__ = ["ECG_FOLDER", "is_health_export", "list_health_export", "read_health_export", "inspect_health_export"]

#: The folder of the export that holds the watch's ECGs.
ECG_FOLDER = "electrocardiograms"
_ZIP_MAGIC = b"PK\x03\x04"


def _ecg_members(zf: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """Key (file name) -> member, for every ``.csv`` directly inside an ``electrocardiograms`` folder."""
    found: dict[str, zipfile.ZipInfo] = {}
    for info in zf.infolist():
        p = PurePosixPath(info.filename)
        if info.is_dir() or p.suffix.lower() != ".csv" or p.parent.name != ECG_FOLDER or p.name.startswith("."):
            continue
        found.setdefault(p.name, info)  # a name twice in one zip: the first, as unzip would
    return dict(sorted(found.items()))


def _open(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise RecordFormatError(f"{path}: not a readable zip file ({exc})") from None


def is_health_export(path: Path, head: bytes) -> bool:
    """Whether ``path`` (first bytes ``head``) is a zip with at least one ``electrocardiograms/*.csv``."""
    if not head.startswith(_ZIP_MAGIC):
        return False
    try:
        with zipfile.ZipFile(path) as zf:
            return bool(_ecg_members(zf))
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def list_health_export(path: str | Path) -> list[str]:
    """The ECGs of a Health export: their file names, in name (that is, date) order."""
    path = Path(path)
    with _open(path) as zf:
        keys = list(_ecg_members(zf))
    if not keys:
        raise RecordFormatError(f"{path}: the zip holds no {ECG_FOLDER}/*.csv (no Apple Watch ECG)")
    return keys


def _member_bytes(zf: zipfile.ZipFile, info: zipfile.ZipInfo, where: str) -> bytes:
    check_size(info.file_size, where)
    try:
        with zf.open(info) as fh:
            data = fh.read(watch.MAX_CSV_BYTES + 1)
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError) as exc:
        # RuntimeError: an encrypted member; NotImplementedError: an unknown compression.
        raise RecordFormatError(f"{where}: cannot be read from the zip ({exc})") from None
    check_size(len(data), where)
    return data


def read_health_export(path: str | Path, key: str | None = None, start: int = 0, stop: int | None = None) -> EcgRecord:
    """One ECG of a Health export (``key``: its file name; may be left out when the zip holds one)."""
    path = Path(path)
    with _open(path) as zf:
        members = _ecg_members(zf)
        if not members:
            raise RecordFormatError(f"{path}: the zip holds no {ECG_FOLDER}/*.csv (no Apple Watch ECG)")
        k = resolve_key(list(members), key, str(path))
        where = f"{path} [{k}]"
        data = _member_bytes(zf, members[k], where)
    if not is_apple_watch_csv(data[:SNIFF_BYTES] if len(data) > SNIFF_BYTES else data + b"\n"):
        raise RecordFormatError(f"{where}: not an Apple Watch ECG export (a key,value header with a rate in hertz, "
                                "then one number per line)")
    return parse_apple_watch_csv(data, where, source=str(path), extra={"key": k}, start=start, stop=stop)


def inspect_health_export(path: str | Path, key: str | None = None) -> RecordInfo:
    """What one ECG of a Health export holds (it is read: an ECG export is small)."""
    record = read_health_export(path, key)
    return record_info(record, Path(path), str(record.metadata.get("key")))
