"""CPSC 2018 original MATLAB v5 ``.mat`` records.

The China Physiological Signal Challenge 2018 distributed each recording as a MATLAB
file with one struct ``ECG`` holding ``sex``, ``age`` and ``data`` (12 x N, float64,
already in mV).  The file carries neither the sampling rate nor lead names; CPSC 2018
defines both for the whole database: 500 Hz and the standard order I, II, III, aVR,
aVL, aVF, V1..V6 (Liu F. et al., J Med Imaging Health Inform 8(7), 2018).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import scipy.io
from scipy.io.matlab import MatReadError

from ..errors import RecordFormatError
from ..leads import STANDARD_LEADS
from ..record import EcgRecord, Provenance
from ._common import RecordInfo, check_finite

__all__ = ["read_cpsc", "inspect_cpsc", "is_cpsc_mat", "CPSC_FS"]

log = logging.getLogger(__name__)

FORMAT_NAME = "cpsc2018-mat"
#: CPSC 2018 sampling rate (the same for every record of the database).
CPSC_FS = 500.0


def is_cpsc_mat(path: Path) -> bool:
    """True for a ``.mat`` file holding a top-level ``ECG`` struct (cheap: reads the index only)."""
    try:
        return any(name == "ECG" for name, _shape, _cls in scipy.io.whosmat(str(path)))
    except (MatReadError, ValueError, OSError, TypeError, NotImplementedError):
        return False


def _scalar(value: Any) -> Any:
    """Unwrap MATLAB's nested 1x1 arrays (``[[52]]`` -> 52, ``['Male']`` -> 'Male')."""
    while isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(-1)[0]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, np.ndarray):
        return None if value.size == 0 else value.tolist()
    return value


def _load(path: Path) -> tuple[np.ndarray, dict[str, Any]]:
    where = str(path)
    try:
        mat = scipy.io.loadmat(str(path))
    except FileNotFoundError:
        raise RecordFormatError(f"{where}: file not found") from None
    except (MatReadError, ValueError, OSError, TypeError, NotImplementedError) as exc:
        raise RecordFormatError(f"{where}: not a readable MATLAB file: {exc}") from None
    ecg = mat.get("ECG")
    if ecg is None or not isinstance(ecg, np.ndarray) or ecg.dtype.names is None:
        raise RecordFormatError(f"{where}: no struct 'ECG' (CPSC 2018 layout expected)")
    if "data" not in ecg.dtype.names:
        raise RecordFormatError(f"{where}: struct ECG has no field 'data'")
    data = np.asarray(ecg["data"].reshape(-1)[0])
    if data.ndim != 2 or data.shape[0] != len(STANDARD_LEADS):
        raise RecordFormatError(f"{where}: ECG.data has shape {data.shape}, expected (12, n_samples)")
    if not np.issubdtype(data.dtype, np.floating) and not np.issubdtype(data.dtype, np.integer):
        raise RecordFormatError(f"{where}: ECG.data has non-numeric dtype {data.dtype}")
    meta: dict[str, Any] = {"format": FORMAT_NAME}
    for key in ("sex", "age"):
        if key in ecg.dtype.names:
            value = _scalar(ecg[key].reshape(-1)[0])
            if value not in (None, ""):
                meta[key] = value
    return data, meta


def inspect_cpsc(path: str | Path) -> RecordInfo:
    path = Path(path)
    data, meta = _load(path)
    return RecordInfo(
        path=path, format=FORMAT_NAME, key=None, fs=CPSC_FS, n_samples=int(data.shape[1]),
        lead_names=STANDARD_LEADS, provenance=(Provenance.MEASURED,) * 12, metadata=meta,
    )


def read_cpsc(path: str | Path, start: int = 0, stop: int | None = None) -> EcgRecord:
    """Read a CPSC 2018 ``.mat`` record (samples ``[start, stop)``)."""
    path = Path(path)
    data, meta = _load(path)
    n = data.shape[1]
    stop = n if stop is None else min(int(stop), n)
    start = max(0, int(start))
    if start >= stop:
        raise RecordFormatError(f"{path}: empty sample range [{start}, {stop}) of {n} samples")
    signal = np.asarray(data[:, start:stop], dtype=np.float64).T
    check_finite(signal, STANDARD_LEADS, str(path), offset=start)
    if start or stop != n:
        meta["window"] = [start, stop]
    return EcgRecord(
        signal=signal.astype(np.float32), fs=CPSC_FS, lead_names=STANDARD_LEADS,
        source=str(path), metadata=meta,
    )
