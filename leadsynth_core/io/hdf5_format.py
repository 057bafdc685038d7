"""HDF5 records: the project's own schema, CODE-15%-style ``tracings`` and single ``ecg`` datasets.

The project schema is documented in ``docs/hdf5_schema.md``.  In short::

    /                       attrs: format="leadsynth-ecg", format_version=1,
                            software="LeadSynth <version>"
    /records/<key>/         one group per record; attrs fs, lead_names, provenance,
                            units="mV", patient_id, recorded_at (ISO 8601), source,
                            model_id, model_patient_id (personal models), metadata (JSON)
    /records/<key>/signal   float32 (n_samples, n_leads), mV, chunked, resizable

Reads of a sample range touch only that slice of the file (HDF5 hyperslab), so a
24-hour recording can be browsed and synthesized window by window.
"""

from __future__ import annotations

import datetime as _dt
import functools
import io
import json
import logging
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import h5py
import numpy as np

from .._version import __version__
from ..errors import LeadSynthError, RecordFormatError, SignalQualityError
from ..leads import STANDARD_LEADS
from ..record import EcgRecord, Provenance
from ._common import (
    AtomicFiles,
    RecordInfo,
    atomic_paths,
    canonicalize_lead_names,
    check_amplitude,
    check_finite,
    check_fs,
    check_read_size,
    unit_scale,
    write_error,
)

__all__ = [
    "SCHEMA_NAME",
    "SCHEMA_VERSION",
    "Hdf5RecordWriter",
    "list_hdf5",
    "inspect_hdf5",
    "read_hdf5",
    "write_hdf5",
    "is_hdf5",
]

log = logging.getLogger(__name__)

SCHEMA_NAME = "leadsynth-ecg"
SCHEMA_VERSION = 1
#: CODE-15% stores every exam at 400 Hz (Ribeiro et al., Nat Commun 11:1760, 2020).
CODE15_FS = 400.0
#: SPH stores every record at 500 Hz (Liu H. et al., Sci Data 9:272, 2022).
SPH_FS = 500.0
_LAYOUT_PROJECT = "leadsynth-hdf5"
_LAYOUT_CODE15 = "code15-hdf5"
_LAYOUT_ECG = "ecg-hdf5"
_LAYOUTS_TEXT = (
    f"the LeadSynth schema (root attribute format={SCHEMA_NAME!r}), a CODE-15%-style "
    "'tracings' dataset, or a single 'ecg' dataset"
)
_STR = h5py.string_dtype(encoding="utf-8")


# What h5py raises when the bytes of a file are corrupt (found by benchmarks/fuzz.py):
# OSError/RuntimeError for HDF5 library errors ("bad symbol table node signature",
# "filter returned failure during read"...), KeyError/ValueError/TypeError for
# damaged object headers, attributes and datatypes.
_H5_ERRORS = (OSError, RuntimeError, KeyError, ValueError, TypeError, IndexError, OverflowError)


def _guarded(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn h5py's errors on a corrupt file into a :class:`RecordFormatError` naming the file."""

    @functools.wraps(func)
    def wrapper(path: str | Path, *args: Any, **kwargs: Any) -> Any:
        try:
            return func(path, *args, **kwargs)
        except LeadSynthError:
            raise
        except _H5_ERRORS as exc:
            raise RecordFormatError(
                f"{path}: corrupt or unreadable HDF5 file ({type(exc).__name__}: {exc})"
            ) from None

    return wrapper


def is_hdf5(path: Path) -> bool:
    try:
        return h5py.is_hdf5(str(path))
    except OSError:
        return False


def _text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _open(path: Path) -> h5py.File:
    where = str(path)
    if not path.exists():
        raise RecordFormatError(f"{where}: file not found")
    try:
        return h5py.File(path, "r")
    except OSError as exc:
        raise RecordFormatError(f"{where}: not a readable HDF5 file: {exc}") from None


def _layout(f: h5py.File, where: str) -> str:
    fmt = f.attrs.get("format")
    if fmt is not None:
        if _text(fmt) != SCHEMA_NAME:
            raise RecordFormatError(f"{where}: root attribute format={_text(fmt)!r} is not {SCHEMA_NAME!r}")
        version = int(f.attrs.get("format_version", 0))
        if version > SCHEMA_VERSION or version < 1:
            raise RecordFormatError(
                f"{where}: format_version {version} is not supported (this LeadSynth reads 1..{SCHEMA_VERSION})"
            )
        if "records" not in f or not isinstance(f["records"], h5py.Group):
            raise RecordFormatError(f"{where}: group 'records' is missing")
        return _LAYOUT_PROJECT
    if "tracings" in f:
        return _LAYOUT_CODE15
    if "ecg" in f:
        return _LAYOUT_ECG
    if len(f.keys()) == 0:
        raise RecordFormatError(f"{where}: HDF5 file is empty (no datasets)")
    raise RecordFormatError(
        f"{where}: unrecognised HDF5 layout (top-level items: {', '.join(sorted(f.keys())[:10])}); "
        f"expected {_LAYOUTS_TEXT}"
    )


def _dataset(f: h5py.File, name: str, ndim: int, where: str) -> h5py.Dataset:
    obj = f.get(name)
    if not isinstance(obj, h5py.Dataset):
        raise RecordFormatError(f"{where}: '{name}' is not a dataset")
    if obj.ndim != ndim:
        raise RecordFormatError(f"{where}: dataset '{name}' has rank {obj.ndim} (shape {obj.shape}), expected {ndim}")
    if obj.dtype.kind != "f":
        raise RecordFormatError(
            f"{where}: dataset '{name}' has dtype {obj.dtype}, expected floating point samples in mV"
        )
    _check_storage(obj, name, where)
    return obj


#: Datasets declaring more than this many bytes must store a plausible part of them.
_STORAGE_CHECK_BYTES = 64 * 2**20
#: gzip cannot shrink sampled ECG (even a flat line) by much more than 1000:1, so a large
#: dataset storing less than this fraction of its declared size was never written: a
#: damaged or hostile file whose "recording" would be years of fill values.
_MIN_STORAGE_FRACTION = 1 / 5000


def _check_storage(ds: h5py.Dataset, name: str, where: str) -> None:
    declared = int(ds.size) * ds.dtype.itemsize
    if declared <= _STORAGE_CHECK_BYTES:
        return
    stored = int(ds.id.get_storage_size())
    if stored < declared * _MIN_STORAGE_FRACTION:
        raise RecordFormatError(
            f"{where}: dataset '{name}' declares shape {ds.shape} ({declared / 2**20:,.0f} MiB) but stores "
            f"only {stored:,} bytes; the samples were never written (incomplete or damaged file)"
        )


# ------------------------------------------------------------------- keys per layout
def _code15_keys(f: h5py.File, where: str) -> list[str]:
    ds = _dataset(f, "tracings", 3, where)
    if "exam_id" not in f:
        return [str(i) for i in range(ds.shape[0])]
    ids = np.asarray(f["exam_id"][()]).reshape(-1)
    if ids.shape[0] != ds.shape[0]:
        raise RecordFormatError(
            f"{where}: dataset 'exam_id' has {ids.shape[0]} entries for {ds.shape[0]} tracings"
        )
    keys = [_text(v) for v in ids.tolist()]
    if len(set(keys)) != len(keys):
        raise RecordFormatError(f"{where}: dataset 'exam_id' holds duplicated exam ids")
    return keys


@_guarded
def list_hdf5(path: str | Path) -> list[str]:
    """Record keys of an HDF5 file (``[""]`` for a single ``ecg`` dataset)."""
    path = Path(path)
    where = str(path)
    with _open(path) as f:
        layout = _layout(f, where)
        if layout == _LAYOUT_PROJECT:
            return sorted(f["records"].keys())
        if layout == _LAYOUT_CODE15:
            return _code15_keys(f, where)
        return [""]


def _resolve_key(keys: Sequence[str], key: str | None, where: str) -> str:
    if key is None:
        if len(keys) == 1:
            return keys[0]
        if not keys:
            raise RecordFormatError(f"{where}: file holds no records")
        shown = ", ".join(keys[:10]) + (f", ... ({len(keys)} in all)" if len(keys) > 10 else "")
        raise RecordFormatError(f"{where}: file holds {len(keys)} records; choose one with key= ({shown})")
    if key not in keys:
        shown = ", ".join(keys[:10]) + (", ..." if len(keys) > 10 else "")
        raise RecordFormatError(f"{where}: no record with key {key!r}; keys: {shown}")
    return key


# ----------------------------------------------------------------------- metadata
def _project_info(path: Path, group: h5py.Group, key: str) -> tuple[RecordInfo, h5py.Dataset, float]:
    where = f"{path} [{key}]"
    attrs = group.attrs
    for field in ("fs", "lead_names"):
        if field not in attrs:
            raise RecordFormatError(f"{where}: attribute '{field}' is missing")
    fs = check_fs(attrs["fs"], where, "attribute fs")
    names = canonicalize_lead_names([_text(n) for n in np.atleast_1d(attrs["lead_names"])], where)
    if "signal" not in group:
        raise RecordFormatError(f"{where}: dataset 'signal' is missing")
    ds = _dataset(group, "signal", 2, where)
    if ds.shape[1] != len(names):
        raise RecordFormatError(f"{where}: dataset 'signal' has {ds.shape[1]} columns for {len(names)} lead_names")
    if "provenance" in attrs:
        raw = [_text(p) for p in np.atleast_1d(attrs["provenance"])]
        try:
            prov = tuple(Provenance(p) for p in raw)
        except ValueError:
            raise RecordFormatError(
                f"{where}: attribute provenance {raw} must hold measured/derived/synthesized"
            ) from None
        if len(prov) != len(names):
            raise RecordFormatError(f"{where}: attribute provenance has {len(prov)} entries for {len(names)} leads")
    else:
        prov = (Provenance.MEASURED,) * len(names)
    scale = unit_scale(_text(attrs.get("units", "mV")), where, "units")
    metadata: dict[str, Any] = {}
    if "metadata" in attrs:
        try:
            metadata = json.loads(_text(attrs["metadata"]))
        except json.JSONDecodeError as exc:
            raise RecordFormatError(f"{where}: attribute metadata is not valid JSON: {exc}") from None
        if not isinstance(metadata, dict):
            raise RecordFormatError(f"{where}: attribute metadata must be a JSON object")
    recorded_at = None
    if attrs.get("recorded_at"):
        try:
            recorded_at = _dt.datetime.fromisoformat(_text(attrs["recorded_at"]))
        except ValueError:
            raise RecordFormatError(f"{where}: attribute recorded_at {_text(attrs['recorded_at'])!r} is not ISO 8601") from None
    metadata.update({"format": _LAYOUT_PROJECT, "key": key})
    if attrs.get("source"):
        metadata.setdefault("original_source", _text(attrs["source"]))
    info = RecordInfo(
        path=path, format=_LAYOUT_PROJECT, key=key, fs=fs, n_samples=int(ds.shape[0]), lead_names=names,
        provenance=prov, patient_id=_text(attrs["patient_id"]) if attrs.get("patient_id") else None,
        recorded_at=recorded_at, model_id=_text(attrs["model_id"]) if attrs.get("model_id") else None,
        metadata=metadata,
    )
    return info, ds, scale


@functools.lru_cache(maxsize=256)
def _warn_fs_assumed(where: str) -> None:
    """Say once per file (not at every inspect and read of it) that its rate is assumed."""
    log.warning("%s: no 'fs' attribute; assuming %g Hz (SPH database layout)", where, SPH_FS)


def _ecg_info(path: Path, f: h5py.File, fs: float | None) -> tuple[RecordInfo, h5py.Dataset, bool, float]:
    where = str(path)
    ds = _dataset(f, "ecg", 2, where)
    rows, cols = ds.shape
    if (rows == 12) == (cols == 12):
        raise RecordFormatError(f"{where}: dataset 'ecg' has shape {ds.shape}; expected exactly one axis of 12 leads")
    transposed = rows == 12  # (12, n): leads along the first axis, SPH's layout
    file_fs = ds.attrs.get("fs", f.attrs.get("fs"))
    metadata: dict[str, Any] = {"format": _LAYOUT_ECG}
    if file_fs is not None:
        value = check_fs(file_fs, where, "attribute fs")
        if fs is not None and float(fs) != value:
            raise RecordFormatError(f"{where}: attribute fs={value:g} Hz disagrees with fs={fs} given by the caller")
    elif fs is not None:
        value = check_fs(fs, where, "fs argument")
    elif transposed and len(f.keys()) == 1 and not f.attrs and not ds.attrs:
        # Exactly the published SPH layout (one (12, n) dataset 'ecg', no attributes):
        # the SPH database is 500 Hz throughout, so assume it, but say so.
        value = SPH_FS
        metadata["fs_assumed"] = True
        _warn_fs_assumed(where)
    else:
        raise RecordFormatError(f"{where}: dataset 'ecg' has no 'fs' attribute; pass fs= to read it")
    raw_names = ds.attrs.get("lead_names")
    names = (canonicalize_lead_names([_text(n) for n in np.atleast_1d(raw_names)], where)
             if raw_names is not None else STANDARD_LEADS)
    if len(names) != 12:
        raise RecordFormatError(f"{where}: attribute lead_names has {len(names)} names for 12 leads")
    scale = unit_scale(_text(ds.attrs["units"]) if "units" in ds.attrs else None, where, "units")
    info = RecordInfo(
        path=path, format=_LAYOUT_ECG, key="", fs=value, n_samples=cols if transposed else rows,
        lead_names=names, provenance=(Provenance.MEASURED,) * 12, metadata=metadata,
    )
    return info, ds, transposed, scale


def _code15_info(path: Path, f: h5py.File, key: str) -> tuple[RecordInfo, h5py.Dataset, int, float]:
    where = str(path)
    keys = _code15_keys(f, where)
    ds = f["tracings"]
    if ds.shape[2] != 12:
        raise RecordFormatError(f"{where}: dataset 'tracings' has shape {ds.shape}; expected (exams, samples, 12)")
    fs = check_fs(ds.attrs.get("fs", f.attrs.get("fs", CODE15_FS)), where, "attribute fs")
    index = keys.index(key)
    metadata = {"format": _LAYOUT_CODE15, "key": key, "exam_index": index}
    info = RecordInfo(
        path=path, format=_LAYOUT_CODE15, key=key, fs=fs, n_samples=int(ds.shape[1]),
        lead_names=STANDARD_LEADS, provenance=(Provenance.MEASURED,) * 12, metadata=metadata,
    )
    return info, ds, index, 1.0


# ------------------------------------------------------------------ public readers
@_guarded
def inspect_hdf5(path: str | Path, key: str | None = None, fs: float | None = None) -> RecordInfo:
    """Header-level description of one record (no samples read)."""
    path = Path(path)
    where = str(path)
    with _open(path) as f:
        layout = _layout(f, where)
        if layout == _LAYOUT_PROJECT:
            k = _resolve_key(sorted(f["records"].keys()), key, where)
            return _project_info(path, f["records"][k], k)[0]
        if layout == _LAYOUT_CODE15:
            k = _resolve_key(_code15_keys(f, where), key, where)
            return _code15_info(path, f, k)[0]
        _resolve_key([""], key if key else None, where)
        return _ecg_info(path, f, fs)[0]


@_guarded
def read_hdf5(
    path: str | Path, key: str | None = None, start: int = 0, stop: int | None = None, fs: float | None = None
) -> EcgRecord:
    """Read one record (samples ``[start, stop)``; only that slice is read from disk)."""
    path = Path(path)
    where = str(path)
    with _open(path) as f:
        layout = _layout(f, where)
        if layout == _LAYOUT_PROJECT:
            k = _resolve_key(sorted(f["records"].keys()), key, where)
            info, ds, scale = _project_info(path, f["records"][k], k)
            a, b = _range(info, start, stop, where)
            data = ds[a:b, :]
        elif layout == _LAYOUT_CODE15:
            k = _resolve_key(_code15_keys(f, where), key, where)
            info, ds, index, scale = _code15_info(path, f, k)
            a, b = _range(info, start, stop, where)
            data = ds[index, a:b, :]
        else:
            _resolve_key([""], key if key else None, where)
            info, ds, transposed, scale = _ecg_info(path, f, fs)
            a, b = _range(info, start, stop, where)
            data = ds[:, a:b].T if transposed else ds[a:b, :]
    with np.errstate(over="ignore", invalid="ignore"):  # check_finite names what overflowed
        signal = np.asarray(data, dtype=np.float64) * scale
    check_finite(signal, info.lead_names, where if not info.key else f"{where} [{info.key}]", offset=a)
    check_amplitude(signal, info.lead_names, where if not info.key else f"{where} [{info.key}]", offset=a)
    metadata = dict(info.metadata)
    if a or b != info.n_samples:
        metadata["window"] = [a, b]
    return EcgRecord(
        signal=signal.astype(np.float32), fs=info.fs, lead_names=info.lead_names, provenance=info.provenance,
        patient_id=info.patient_id, recorded_at=info.recorded_at, source=where, model_id=info.model_id,
        metadata=metadata,
    )


def _range(info: RecordInfo, start: int, stop: int | None, where: str) -> tuple[int, int]:
    a = max(0, int(start))
    b = info.n_samples if stop is None else min(int(stop), info.n_samples)
    if a >= b:
        raise RecordFormatError(f"{where}: empty sample range [{a}, {b}) of {info.n_samples} samples")
    check_read_size(b - a, info.n_leads, where)
    return a, b


# ------------------------------------------------------------------------ writing
def _check_key(key: str, where: str) -> str:
    key = str(key)
    if not key or "/" in key or key in (".", "..") or key != key.strip():
        raise RecordFormatError(f"{where}: record key {key!r} is not valid (non-empty, no '/', no outer spaces)")
    return key


def _write_group_attrs(
    group: h5py.Group,
    *,
    fs: float,
    lead_names: Sequence[str],
    provenance: Sequence[Provenance],
    patient_id: str | None,
    recorded_at: _dt.datetime | None,
    source: str | None,
    model_id: str | None,
    metadata: Mapping[str, Any],
    where: str,
) -> None:
    group.attrs["fs"] = float(fs)
    group.attrs["lead_names"] = np.array(list(lead_names), dtype=_STR)
    group.attrs["provenance"] = np.array([Provenance(p).value for p in provenance], dtype=_STR)
    group.attrs["units"] = "mV"
    for name, value in (("patient_id", patient_id), ("source", source), ("model_id", model_id)):
        if value:
            group.attrs[name] = str(value)
    if recorded_at is not None:
        group.attrs["recorded_at"] = recorded_at.isoformat()
    # A personal model's patient is named wherever its output goes (ARCHITECTURE rule 8).
    leadsynth = metadata.get("leadsynth")
    if isinstance(leadsynth, Mapping) and leadsynth.get("model_patient"):
        group.attrs["model_patient_id"] = str(leadsynth["model_patient"])
    # Reader-added bookkeeping is not part of the record's own metadata.
    meta = {k: v for k, v in metadata.items() if k not in ("format", "key", "window")}
    try:
        group.attrs["metadata"] = json.dumps(meta, default=_json_default, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise RecordFormatError(f"{where}: metadata cannot be stored as JSON: {exc}") from None


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


class _SinkableFile(io.RawIOBase):
    """The temporary file that libhdf5 writes through (h5py's file-object driver).

    libhdf5 2.0 does not survive a failed write (disk full, quota): the next flush or
    close crashes the process with a segmentation fault.  So libhdf5 never sees one:
    the first failing write is remembered in :attr:`error`, and it and every later write
    are dropped as if they had succeeded.  The writer raises :attr:`error` once the
    library has closed the file, and the temporary is deleted.
    """

    def __init__(self, path: Path) -> None:
        super().__init__()
        self._fh = open(path, "w+b")  # noqa: SIM115 - closed by close()
        self.error: OSError | None = None

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        return self._fh.readinto(buffer)

    def write(self, data: Any) -> int:
        if self.error is None:
            try:
                return self._fh.write(data)
            except OSError as exc:
                self.error = exc
        return len(memoryview(data))

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._fh.seek(offset, whence)

    def tell(self) -> int:
        return self._fh.tell()

    def truncate(self, size: int | None = None) -> int:
        if self.error is None:
            try:
                return self._fh.truncate(size)
            except OSError as exc:
                self.error = exc
        return self._fh.tell() if size is None else size

    def flush(self) -> None:
        if self.error is None and not self._fh.closed:
            try:
                self._fh.flush()
            except OSError as exc:
                self.error = exc

    def check(self) -> None:
        """Raise the write failure, if there was one."""
        if self.error is not None:
            raise self.error

    def close(self) -> None:
        if not self.closed:
            try:
                self.flush()
            finally:
                self._fh.close()
                super().close()


def _close(f: h5py.File, raw: _SinkableFile, *, failed: bool) -> None:
    """Close an HDF5 file being written, then raise any write failure (see :class:`_SinkableFile`)."""
    try:
        f.close()
    finally:
        raw.close()
    if not failed:
        raw.check()


def _new_file(tmp: Path) -> tuple[h5py.File, _SinkableFile]:
    raw = _SinkableFile(tmp)
    try:
        f = h5py.File(raw, "w")
    except BaseException:
        raw.close()
        raise
    try:
        _init_file(f)
    except BaseException:
        _close(f, raw, failed=True)
        raise
    return f, raw


def _init_file(f: h5py.File) -> None:
    f.attrs["format"] = SCHEMA_NAME
    f.attrs["format_version"] = SCHEMA_VERSION
    # Which program wrote the file, so a questionable synthesis can be traced to a release.
    f.attrs["software"] = f"LeadSynth {__version__}"
    f.create_group("records")


def _chunk_rows(n_leads: int) -> int:
    # ~256 KiB chunks: big enough for fast sequential reads, small enough that a
    # window read from a 24-hour file touches little more than it needs.
    return max(1024, (256 * 1024) // (4 * max(1, n_leads)))


def write_hdf5(records: Mapping[str, EcgRecord] | Iterable[tuple[str, EcgRecord]], path: str | Path) -> Path:
    """Write one or many records to a new project-schema HDF5 file, atomically."""
    path = Path(path)
    where = str(path)
    items = list(records.items()) if isinstance(records, Mapping) else list(records)
    if not items:
        raise RecordFormatError(f"{where}: no records to write")
    with atomic_paths([path]) as (tmp,):
        f, raw = _new_file(tmp)
        failed = True
        try:
            for key, record in items:
                key = _check_key(key, where)
                if key in f["records"]:
                    raise RecordFormatError(f"{where}: record key {key!r} given twice")
                signal = np.asarray(record.signal, dtype=np.float32)
                check_finite(signal, record.lead_names, f"{where} [{key}]")
                g = f["records"].create_group(key)
                _write_group_attrs(
                    g, fs=record.fs, lead_names=record.lead_names, provenance=record.provenance,
                    patient_id=record.patient_id, recorded_at=record.recorded_at, source=record.source,
                    model_id=record.model_id, metadata=record.metadata, where=f"{where} [{key}]",
                )
                rows = min(max(1, signal.shape[0]), _chunk_rows(record.n_leads))
                g.create_dataset(
                    "signal", data=signal, chunks=(rows, record.n_leads),
                    maxshape=(None, record.n_leads), compression="gzip", compression_opts=4, shuffle=True,
                )
            failed = False
        finally:
            _close(f, raw, failed=failed)
    log.info("wrote HDF5 %s (%d record(s))", path, len(items))
    return path


class Hdf5RecordWriter:
    """Stream a long record into a new project-schema HDF5 file, chunk by chunk.

    The file is built under a temporary name in the target folder and moved into
    place by :meth:`finish`; :meth:`abort` (or an exception inside a ``with`` block)
    deletes it, so a cancelled 24-hour synthesis leaves nothing half-written.

    Examples
    --------
    >>> with Hdf5RecordWriter("out.h5", 500, STANDARD_LEADS) as w:   # doctest: +SKIP
    ...     for chunk in chunks:
    ...         w.append(chunk)
    """

    def __init__(
        self,
        path: str | Path,
        fs: float,
        lead_names: Sequence[str],
        provenance: Sequence[Provenance | str] | None = None,
        *,
        key: str = "record",
        patient_id: str | None = None,
        recorded_at: _dt.datetime | None = None,
        source: str | None = None,
        model_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        self.path = Path(path)
        where = str(self.path)
        self.key = _check_key(key, where)
        self.fs = check_fs(fs, where, "fs")
        self.lead_names = canonicalize_lead_names(lead_names, where)
        prov = tuple(Provenance(p) for p in (provenance or (Provenance.MEASURED,) * len(self.lead_names)))
        if len(prov) != len(self.lead_names):
            raise RecordFormatError(f"{where}: {len(prov)} provenance entries for {len(self.lead_names)} leads")
        self.provenance = prov
        self._n = 0
        try:
            self._files = AtomicFiles([self.path])
        except OSError as exc:
            raise write_error(self.path, exc) from exc
        (self._tmp,) = self._files.temps
        self._file: h5py.File | None = None
        try:
            self._file, self._raw = _new_file(self._tmp)
            group = self._file["records"].create_group(self.key)
            _write_group_attrs(
                group, fs=self.fs, lead_names=self.lead_names, provenance=self.provenance,
                patient_id=patient_id, recorded_at=recorded_at, source=source, model_id=model_id,
                metadata=dict(metadata or {}), where=where,
            )
            n_leads = len(self.lead_names)
            self._ds = group.create_dataset(
                "signal", shape=(0, n_leads), maxshape=(None, n_leads), dtype=np.float32,
                chunks=(_chunk_rows(n_leads), n_leads),
            )
        except BaseException:
            # h5py may fail half-way (disk full, bad metadata): leave nothing behind.
            try:
                if self._file is not None:
                    _close(self._file, self._raw, failed=True)
            finally:
                self._files.discard()
            if isinstance(sys.exc_info()[1], OSError):
                raise write_error(self.path, sys.exc_info()[1]) from sys.exc_info()[1]
            raise
        self._open = True

    @property
    def n_samples(self) -> int:
        """Samples appended so far."""
        return self._n

    def append(self, chunk: np.ndarray) -> None:
        """Append ``chunk`` of shape ``(n, n_leads)`` in mV."""
        if not self._open:
            raise RecordFormatError(f"{self.path}: writer is already finished or aborted")
        data = np.asarray(chunk, dtype=np.float32)
        if data.ndim != 2 or data.shape[1] != len(self.lead_names):
            raise RecordFormatError(
                f"{self.path}: chunk has shape {data.shape}, expected (n, {len(self.lead_names)})"
            )
        if not np.isfinite(data).all():
            raise SignalQualityError(f"{self.path}: chunk at sample {self._n} holds NaN or infinite values")
        self._ds.resize(self._n + data.shape[0], axis=0)
        self._ds[self._n:self._n + data.shape[0], :] = data
        if self._raw.error is not None:  # disk full: stop now, leave nothing behind
            error = self._raw.error
            self.abort()
            raise write_error(self.path, error) from error
        self._n += data.shape[0]

    def finish(self) -> Path:
        """Close the file and move it into place atomically."""
        if not self._open:
            raise RecordFormatError(f"{self.path}: writer is already finished or aborted")
        if self._n == 0:
            self.abort()
            raise RecordFormatError(f"{self.path}: no samples were appended; nothing written")
        self._open = False
        try:
            _close(self._file, self._raw, failed=False)
            self._files.commit()
        except OSError as exc:
            raise write_error(self.path, exc) from exc
        finally:
            self._files.discard()
        log.info("wrote HDF5 %s [%s] (%d samples) by streaming", self.path, self.key, self._n)
        return self.path

    def abort(self) -> None:
        """Discard everything written so far (no file is left behind)."""
        if not self._open:
            return
        self._open = False
        try:
            _close(self._file, self._raw, failed=True)
        finally:
            self._files.discard()

    def __enter__(self) -> Hdf5RecordWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if exc_type is None:
            self.finish()
        else:
            self.abort()



