"""HDF5 layout 1: the project's own schema (``docs/hdf5_schema.md``), one group per record."""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from ..errors import RecordFormatError
from ..record import Provenance
from ._common import (
    RecordInfo,
    canonicalize_lead_names,
    check_fs,
    unit_scale,
)
from ._hdf5_base import (
    _LAYOUT_PROJECT,
    _dataset,
    _text,
)


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
