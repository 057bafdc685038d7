"""Reading HDF5 records of any layout: list the keys, inspect one record, read a sample range."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..record import EcgRecord
from ._common import (
    RecordInfo,
    check_amplitude,
    check_finite,
    resolve_key,
)
from ._hdf5_base import (
    _LAYOUT_CODE15,
    _LAYOUT_PROJECT,
    _guarded,
    _layout,
    _open,
    _range,
)
from ._hdf5_code15 import _code15_info, _code15_keys
from ._hdf5_ecg import _ecg_info
from ._hdf5_project import _project_info


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


# ------------------------------------------------------------------ public readers
@_guarded
def inspect_hdf5(path: str | Path, key: str | None = None, fs: float | None = None) -> RecordInfo:
    """Header-level description of one record (no samples read)."""
    path = Path(path)
    where = str(path)
    with _open(path) as f:
        layout = _layout(f, where)
        if layout == _LAYOUT_PROJECT:
            k = resolve_key(sorted(f["records"].keys()), key, where)
            return _project_info(path, f["records"][k], k)[0]
        if layout == _LAYOUT_CODE15:
            k = resolve_key(_code15_keys(f, where), key, where)
            return _code15_info(path, f, k)[0]
        resolve_key([""], key if key else None, where)
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
            k = resolve_key(sorted(f["records"].keys()), key, where)
            info, ds, scale = _project_info(path, f["records"][k], k)
            a, b = _range(info, start, stop, where)
            data = ds[a:b, :]
        elif layout == _LAYOUT_CODE15:
            k = resolve_key(_code15_keys(f, where), key, where)
            info, ds, index, scale = _code15_info(path, f, k)
            a, b = _range(info, start, stop, where)
            lead = int(info.metadata.get("zero_padding", (0, 0))[0])  # sample ranges count from the ECG's start
            data = ds[index, a + lead:b + lead, :]
        else:
            resolve_key([""], key if key else None, where)
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
