"""HDF5 layout 3: CODE-15%-style ``tracings`` (exams, samples, 12) with optional ``exam_id``."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

from ..errors import RecordFormatError
from ..leads import STANDARD_LEADS
from ..record import Provenance
from ._common import (
    RecordInfo,
    check_fs,
)
from ._hdf5_base import (
    _LAYOUT_CODE15,
    CODE15_FS,
    _dataset,
    _text,
)


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
