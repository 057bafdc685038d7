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
    metadata: dict[str, object] = {"format": _LAYOUT_CODE15, "key": key, "exam_index": index}
    lead, trail = zero_padding(ds, index)
    n = int(ds.shape[1]) - lead - trail
    if lead or trail:
        metadata["zero_padding"] = [lead, trail]
        metadata["notes"] = [f"the zero padding of the exam ({lead} samples before the ECG, {trail} after; "
                             f"{(lead + trail) / fs:.2f} s) is not part of the recording and was not read"]
    info = RecordInfo(
        path=path, format=_LAYOUT_CODE15, key=key, fs=fs, n_samples=n,
        lead_names=STANDARD_LEADS, provenance=(Provenance.MEASURED,) * 12, metadata=metadata,
    )
    return info, ds, index, 1.0


#: Samples read at a time while looking for the end of an exam's zero padding.
_PAD_BLOCK = 4096


def zero_padding(ds: h5py.Dataset, index: int) -> tuple[int, int]:
    """Samples of exact zeros in all 12 leads before and after exam ``index`` of ``tracings``.

    CODE-15% stores every exam as 4096 samples, a 7-s or 10-s tracing centred between
    zeros (Ribeiro et al. 2020); drawn, the padding reads as asystole, and a synthesis or a
    score over it is one over no ECG.  A recorded sample is never exactly 0 in all twelve
    leads for long, so the runs of such samples at both ends are the padding.  An exam that
    is zeros throughout has no padding to remove (it is read, and rejected as flat, whole).
    Read block by block from each end, so a long exam is not read whole to find it.
    """
    n = int(ds.shape[1])

    def run(forward: bool) -> int:
        count = 0
        while count < n:
            size = min(_PAD_BLOCK, n - count)
            a, b = (count, count + size) if forward else (n - count - size, n - count)
            nonzero = np.flatnonzero(np.any(np.asarray(ds[index, a:b, :]) != 0, axis=1))
            if nonzero.size:
                return count + (int(nonzero[0]) if forward else size - 1 - int(nonzero[-1]))
            count += size
        return n

    lead = run(True)
    if lead == n:
        return 0, 0
    return lead, run(False)
