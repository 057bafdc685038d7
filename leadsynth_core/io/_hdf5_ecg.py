"""HDF5 layout 2: one ``ecg`` dataset of 12 leads (SPH and similar; (n, 12) or (12, n))."""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from ..errors import RecordFormatError
from ..leads import STANDARD_LEADS
from ..record import Provenance
from ._common import (
    RecordInfo,
    canonicalize_lead_names,
    check_fs,
    unit_scale,
)
from ._hdf5_base import (
    _LAYOUT_ECG,
    SPH_FS,
    _dataset,
    _text,
)

log = logging.getLogger(__name__)


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
