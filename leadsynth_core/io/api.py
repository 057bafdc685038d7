"""The public entry points: read, inspect, list, find and write records of any supported format."""

from __future__ import annotations

import importlib.resources
import logging
import os
from pathlib import Path

from ..errors import RecordFormatError
from ..options import HDF5_SUFFIXES
from ..record import EcgRecord
from . import apple_health_zip, cpsc_format, csv_format, hdf5_format, kardia_json, wfdb_format
from ._common import RecordInfo, record_info, same_file, write_error
from .formats import VENDOR_KINDS, VENDOR_SUFFIXES, sniff, vendor_reader

__all__ = [
    "read_record",
    "read_window",
    "read_seconds",
    "inspect_record",
    "list_records",
    "write_record",
    "find_records",
    "sample_path",
    "WRITE_FORMATS",
    "HDF5_SUFFIXES",
]

log = logging.getLogger(__name__)

#: Formats :func:`write_record` can produce.
WRITE_FORMATS: tuple[str, ...] = ("wfdb", "hdf5", "dicom", "edf", "csv")
_WRITE_SUFFIXES = {".dcm": "dicom", ".edf": "edf", ".csv": "csv"}


def _kind(path: Path) -> tuple[str, Path]:
    """Classify ``path`` (``wfdb``, ``hdf5``, ``cpsc`` or a vendor kind) and return the file to open.

    Hospital exports (XML, DICOM, EDF) are recognised by their content, whatever their name.
    """
    suffix = path.suffix.lower()
    if path.is_file() and suffix not in (".hea", ".dat", ".mat") + HDF5_SUFFIXES:
        vendor = sniff(path)
        if vendor is not None:
            return vendor, path
        if suffix in VENDOR_SUFFIXES:
            raise RecordFormatError(
                f"{path}: the content is not a format LeadSynth reads (expected for {suffix}: "
                + {".xml": "GE MUSE, Philips Sierra, GE CardioSoft or HL7 aECG XML",
                   ".dcm": "a DICOM file with the DICM marker", ".edf": "an EDF header",
                   ".bdf": "a BDF header",
                   ".csv": "an Apple Watch ECG export, or a table whose header row names the leads",
                   ".tsv": "a table whose header row names the leads", ".txt": "a table whose header row names the leads",
                   ".zip": "an Apple Health export holding electrocardiograms/*.csv",
                   ".atc": "an AliveCor file with the ALIVE signature",
                   ".json": "an AliveCor Kardia API recording (a JSON object whose data holds the raw samples)",
                   ".scp": "an SCP-ECG record whose length field matches the file"}[suffix] + ")"
            )
    if suffix in HDF5_SUFFIXES:
        return "hdf5", path
    if suffix in (".hea", ".dat"):
        return "wfdb", wfdb_format.wfdb_header_path(path)
    if suffix == ".mat":
        # Challenge records keep their samples in a .mat next to a .hea; CPSC 2018's
        # original files are self-contained MATLAB structs.
        hea = path.with_suffix(".hea")
        return ("wfdb", hea) if hea.exists() else ("cpsc", path)
    hea = wfdb_format.wfdb_header_path(path)
    if hea.exists():
        return "wfdb", hea
    if path.is_file() and hdf5_format.is_hdf5(path):
        return "hdf5", path
    if not path.exists():
        raise RecordFormatError(f"{path}: no such record (looked for {path} and {hea})")
    raise RecordFormatError(
        f"{path}: unrecognised record file; expected a WFDB header (.hea), an HDF5 file "
        "(.h5/.hdf5), a CPSC 2018 .mat file, GE MUSE / Philips / CardioSoft / HL7 aECG XML, "
        "DICOM ECG, EDF/BDF, SCP-ECG, an Apple Watch ECG CSV, an AliveCor ATC file or a CSV lead table"
    )


def _check_caller_fs(record_fs: float, fs: float | None, where: str) -> None:
    if fs is not None and float(fs) != record_fs:
        raise RecordFormatError(f"{where}: the file says fs={record_fs:g} Hz, the caller gave fs={fs}")


def read_record(path: str | os.PathLike[str], *, key: str | None = None, fs: float | None = None) -> EcgRecord:
    """Read a whole record as an :class:`EcgRecord` (float32, mV, canonical lead names).

    Parameters
    ----------
    path
        A WFDB record (with or without ``.hea``; PhysioNet, PTB, PTB-XL, LUDB, Challenge
        ``.hea`` + ``.mat``), a CPSC 2018 ``.mat`` file, an HDF5 file, or a hospital export
        recognised by its content: GE MUSE / Philips Sierra / GE CardioSoft / HL7 aECG XML,
        DICOM ECG waveform, EDF/EDF+/BDF, an Apple Watch ECG CSV (see
        :mod:`leadsynth_core.io.formats`).
    key
        The record of a multi-record HDF5 file or an Apple Health export zip (see
        :func:`list_records`).
    fs
        Sampling rate for files that do not store one (an HDF5 ``ecg`` dataset without an
        ``fs`` attribute, a CSV lead table without a rate line or time column; the notes say
        it was given, not read).  Files in SPH's published layout default to SPH's 500 Hz with a
        logged warning.  If the file does store a rate, ``fs`` must agree with it.

    Raises
    ------
    RecordFormatError, UnsupportedLeadError, SignalQualityError
        With a message naming the file and the field at fault.
    """
    return read_window(path, 0, None, key=key, fs=fs)


def read_window(
    path: str | os.PathLike[str],
    start: int,
    stop: int | None,
    *,
    key: str | None = None,
    fs: float | None = None,
) -> EcgRecord:
    """Read samples ``[start, stop)`` of a record (``stop=None``: to the end).

    HDF5 and WFDB read only the requested range from disk; CPSC ``.mat`` files are small
    and are read whole.  ``metadata["window"]`` holds ``[start, stop]`` of a partial read.
    """
    p = Path(path)
    kind, target = _kind(p)
    if kind == "hdf5":
        record = hdf5_format.read_hdf5(target, key, start, stop, fs=fs)
        return record
    if kind == "healthzip":
        record = apple_health_zip.read_health_export(target, key, start, stop)
        _check_caller_fs(record.fs, fs, str(target))
        return record
    if kind == "kardia":  # one recording, or one of the API's list of them
        record = kardia_json.read_kardia_json(target, start, stop, key=key)
        _check_caller_fs(record.fs, fs, str(target))
        return record
    if key:
        raise RecordFormatError(f"{p}: key={key!r} given, but a {kind.upper()} file holds one record")
    if kind == "wfdb":
        record = wfdb_format.read_wfdb(target, start, stop)
    elif kind in VENDOR_KINDS:
        # A lead table may state no rate; the caller's ``fs`` stands in for it (and must agree when it does).
        record = (csv_format.read_csv_table(target, start, stop, fs=fs) if kind == "csv"
                  else vendor_reader(kind)(target, start, stop))
    else:
        record = cpsc_format.read_cpsc(target, start, stop)
    _check_caller_fs(record.fs, fs, str(target))
    return record


def read_seconds(
    path: str | os.PathLike[str], start_s: float = 0.0, duration_s: float | None = None, *, key: str | None = None
) -> EcgRecord:
    """Read ``duration_s`` seconds of a record from ``start_s`` (``None``: to the end), only that
    range from disk where the format allows (:func:`read_window`; the rate from the header)."""
    info = inspect_record(path, key=key)
    first = min(info.n_samples, int(round(start_s * info.fs)))
    last = info.n_samples if duration_s is None else min(info.n_samples, first + int(round(duration_s * info.fs)))
    return read_window(path, first, last, key=key)


def inspect_record(
    path: str | os.PathLike[str], *, key: str | None = None, fs: float | None = None
) -> RecordInfo:
    """Describe a record (rate, length, leads, provenance, patient...) without reading its samples."""
    p = Path(path)
    kind, target = _kind(p)
    if kind == "hdf5":
        return hdf5_format.inspect_hdf5(target, key, fs=fs)
    if kind == "healthzip":
        info = apple_health_zip.inspect_health_export(target, key)
        _check_caller_fs(info.fs, fs, str(target))
        return info
    if kind == "kardia":
        info = kardia_json.inspect_kardia_json(target, key)
        _check_caller_fs(info.fs, fs, str(target))
        return info
    if key:
        raise RecordFormatError(f"{p}: key={key!r} given, but a {kind.upper()} file holds one record")
    if kind in VENDOR_KINDS:
        info = _inspect_vendor(kind, target, fs)
    else:
        info = wfdb_format.inspect_wfdb(target) if kind == "wfdb" else cpsc_format.inspect_cpsc(target)
    _check_caller_fs(info.fs, fs, str(target))
    return info


def _inspect_vendor(kind: str, target: Path, fs: float | None = None) -> RecordInfo:
    """Describe a hospital export: XML and DICOM files are small and read whole; EDF's first sample."""
    record = (csv_format.read_csv_table(target, 0, None, fs=fs) if kind == "csv"
              else vendor_reader(kind)(target, 0, 1 if kind == "edf" else None))
    meta = record.metadata
    return record_info(record.replace(metadata={**meta, "format": meta.get("format", kind)}), target)


def list_records(path: str | os.PathLike[str]) -> list[str]:
    """Record keys in ``path``: the keys of a multi-record HDF5 file, the ECG file names of an
    Apple Health export zip, the recording ids of a Kardia API list, ``[""]`` for single-record files."""
    p = Path(path)
    kind, target = _kind(p)
    if kind == "hdf5":
        return hdf5_format.list_hdf5(target)
    if kind == "healthzip":
        return apple_health_zip.list_health_export(target)
    if kind == "kardia":
        return kardia_json.list_kardia_json(target)
    return [""]


def _source_files(record: EcgRecord) -> list[Path]:
    if not record.source:
        return []
    src = Path(record.source)
    if src.suffix.lower() == ".hea":
        return wfdb_format.wfdb_files(src)
    return [src]


def output_format(path: str | os.PathLike[str]) -> str:
    """The format :func:`write_record` writes to ``path`` by default: ``.h5``/``.hdf5`` HDF5,
    ``.dcm`` DICOM, ``.edf`` EDF+, ``.csv`` a lead table, anything else a WFDB record path
    (``OUT`` or ``OUT.hea``)."""
    suffix = Path(path).suffix.lower()
    return "hdf5" if suffix in HDF5_SUFFIXES else _WRITE_SUFFIXES.get(suffix, "wfdb")


def write_record(
    record: EcgRecord,
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    key: str | None = None,
) -> Path:
    """Write ``record`` atomically as WFDB (``.hea`` + ``.dat``), project HDF5, DICOM ECG, EDF+ or CSV.

    Parameters
    ----------
    format
        ``"wfdb"``, ``"hdf5"``, ``"dicom"``, ``"edf"`` or ``"csv"``; by default ``.h5``/``.hdf5``
        means HDF5, ``.dcm`` DICOM 12-lead ECG, ``.edf`` EDF+, ``.csv`` a lead table with the
        provenance in its comment lines, and anything else a WFDB record path (``OUT`` or
        ``OUT.hea``).
    key
        The record key inside a new HDF5 file (default: the file stem).

    Returns
    -------
    Path
        The header (WFDB) or the HDF5 file written.

    Raises
    ------
    RecordFormatError
        For an unknown format or a target that is one of the record's own source files.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    fmt = format or output_format(p)
    if fmt not in WRITE_FORMATS:
        raise RecordFormatError(f"{p}: unknown output format {fmt!r}; valid formats are {', '.join(WRITE_FORMATS)}")
    if fmt == "wfdb":
        hea = wfdb_format.wfdb_header_path(p)
        targets = [hea, hea.with_suffix(".dat")]
    else:
        targets = [p]
    if fmt in ("dicom", "edf", "csv") and not suffix:
        raise RecordFormatError(f"{p}: name a {fmt.upper()} output with its extension (.{'dcm' if fmt == 'dicom' else fmt})")
    for target in targets:
        for src in _source_files(record):
            if same_file(target, src):
                raise RecordFormatError(
                    f"{target}: refusing to overwrite {src}, a source file of the record being written"
                )
    if fmt == "wfdb" and key:
        raise RecordFormatError(f"{p}: key= applies to HDF5 output only")
    try:
        if fmt == "wfdb":
            return wfdb_format.write_wfdb(record, p)
        if fmt == "dicom":
            from .dicom_writer import write_dicom_ecg

            return write_dicom_ecg(record, p)
        if fmt == "edf":
            from .edf_format import write_edf

            return write_edf(record, p)
        if fmt == "csv":
            from .csv_format import write_csv

            return write_csv(record, p)
        return hdf5_format.write_hdf5({key or p.stem or "record": record}, p)
    except OSError as exc:
        # Disk full, read-only folder, a path under a file...: the atomic writers have
        # already removed their temporaries; report it like any other bad target.
        raise write_error(p, exc) from exc


def find_records(folder: str | os.PathLike[str], *, recursive: bool = True) -> list[Path]:
    """All records under ``folder`` (``recursive=False``: in the folder itself), sorted.

    WFDB records are returned as their ``.hea`` paths, HDF5 files (``.h5``/``.hdf5``) as
    themselves and CPSC 2018 ``.mat`` files only where no ``.hea`` of the same name
    exists (a Challenge ``.mat`` belongs to its header).  Hidden files and the
    temporaries of unfinished writes are skipped.
    """
    root = Path(folder)
    if not root.is_dir():
        raise RecordFormatError(f"{root}: not a folder")
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")) if recursive else []
        names = set(filenames)
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            p = Path(dirpath) / name
            suffix = p.suffix.lower()
            if suffix == ".hea" or suffix in HDF5_SUFFIXES:
                found.append(p)
            elif suffix in VENDOR_SUFFIXES and sniff(p) is not None:
                found.append(p)
            elif suffix == ".mat" and f"{p.stem}.hea" not in names and cpsc_format.is_cpsc_mat(p):
                found.append(p)
    return sorted(found)


def neighbour_record(path: str | os.PathLike[str], step: int) -> Path | None:
    """The record ``step`` places after (negative: before) ``path`` among the records of its
    folder, in :func:`find_records` order; None past either end.  A WFDB record is found by its
    header whichever of its files ``path`` names (``S0002``, ``S0002.dat``)."""
    p = Path(path)
    records = find_records(p.parent, recursive=False)
    same = [i for i, r in enumerate(records) if r == p or (r.suffix.lower() == ".hea" and r.with_suffix("") ==
                                                           (p.with_suffix("") if p.suffix else p))]
    if not same:
        raise RecordFormatError(f"{p}: not among the records of its folder")
    k = same[0] + step
    return records[k] if 0 <= k < len(records) else None


def sample_path(name: str | None = None) -> Path:
    """Path of a bundled demo recording in ``resources/samples`` (default: the first one).

    The samples are synthetic (deepfake-ecg), never patient data; see their README.
    """
    folder = importlib.resources.files("resources.samples")
    available = sorted(
        entry.name for entry in folder.iterdir() if entry.name.lower().endswith(HDF5_SUFFIXES)
    )
    if not available:
        raise RecordFormatError(f"{folder}: no bundled sample recordings")
    if name is None:
        chosen = available[0]
    else:
        matches = [a for a in available if a == name or Path(a).stem == name]
        if not matches:
            raise RecordFormatError(f"no bundled sample {name!r}; available: {', '.join(available)}")
        chosen = matches[0]
    return Path(str(folder / chosen))
