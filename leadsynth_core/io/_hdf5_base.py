"""HDF5 reading, shared by the layouts: the schema names, opening a file, telling its layout,
checking a dataset, turning h5py's errors on a corrupt file into RecordFormatError."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import h5py

from ..errors import LeadSynthError, RecordFormatError
from ._common import (
    RecordInfo,
    check_read_size,
)

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


def _range(info: RecordInfo, start: int, stop: int | None, where: str) -> tuple[int, int]:
    a = max(0, int(start))
    b = info.n_samples if stop is None else min(int(stop), info.n_samples)
    if a >= b:
        raise RecordFormatError(f"{where}: empty sample range [{a}, {b}) of {info.n_samples} samples")
    check_read_size(b - a, info.n_leads, where)
    return a, b
