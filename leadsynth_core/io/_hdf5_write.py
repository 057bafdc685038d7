"""Writing the project's HDF5 schema: whole records (:func:`write_hdf5`) or chunk by chunk
(:class:`Hdf5RecordWriter`), always atomically."""

from __future__ import annotations

import datetime as _dt
import io
import json
import logging
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import h5py
import numpy as np

from .._version import __version__
from ..errors import RecordFormatError, SignalQualityError
from ..record import EcgRecord, Provenance
from ._common import (
    AtomicFiles,
    atomic_paths,
    canonicalize_lead_names,
    check_finite,
    check_fs,
    write_error,
)
from ._hdf5_base import (
    _STR,
    SCHEMA_NAME,
    SCHEMA_VERSION,
)

log = logging.getLogger(__name__)


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
