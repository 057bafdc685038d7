"""Training and validation data: the record splits and their model-space arrays."""

from __future__ import annotations

import dataclasses
import importlib.resources
import json
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import RecordFormatError
from ..leads import STANDARD_LEADS
from ..models.features import INDEPENDENT_LEADS, MODEL_FS, highpass, resample
from ..record import EcgRecord

__all__ = [
    "default_data_root",
    "read_splits",
    "split_paths",
    "load_records",
    "model_space_leads",
    "TrainingRecord",
    "load_training_records",
]

log = logging.getLogger(__name__)


def default_data_root() -> Path:
    """The reference data: ``$LEADSYNTH_SHARED_DATA``, else ``../shared/data`` next to the project."""
    from ..paths import reference_data_dir

    return reference_data_dir()


def read_splits() -> dict[str, Any]:
    """The record splits (``splits.json`` next to this module)."""
    text = importlib.resources.files(__package__).joinpath("splits.json").read_text(encoding="utf-8")
    return json.loads(text)


def split_paths(split: str, sources: Iterable[str] | None = None) -> list[tuple[str, str]]:
    """``(source, relative path)`` pairs of a split (``"train"`` or ``"validation"``).

    ``sources`` restricts to some sources (e.g. ``["ludb", "ptbxl"]`` to hold CPSC and
    SPH out); unknown source names raise :class:`ValueError` listing the valid ones.
    """
    splits = read_splits()
    if split not in ("train", "validation"):
        raise ValueError(f"unknown split {split!r}; valid: train, validation")
    groups = splits[split]
    if sources is not None:
        sources = list(sources)
        bad = [s for s in sources if s not in groups]
        if bad:
            raise ValueError(f"unknown source(s) {', '.join(bad)} in split {split!r}; valid: {', '.join(groups)}")
    return [(src, p) for src, paths in groups.items() if sources is None or src in sources for p in paths]


def _read(root: Path, rel: str) -> EcgRecord:
    """Read one reference record as an :class:`EcgRecord` (12 standard leads, mV)."""
    # Prefer the project's reader; these formats are all ones it supports.
    from ..io import read_record  # imported here: io is a sibling package with heavier deps

    path = root / rel
    if rel.endswith(".mat") or rel.endswith(".h5"):
        return read_record(path)
    return read_record(path.with_suffix(".hea") if not str(path).endswith(".hea") else path)


def load_records(split: str, sources: Iterable[str] | None = None, root: Path | None = None) -> list[EcgRecord]:
    """Read every record of a split (see :func:`split_paths`)."""
    root = default_data_root() if root is None else Path(root)
    out = []
    for src, rel in split_paths(split, sources):
        rec = _read(root, rel)
        missing = [n for n in STANDARD_LEADS if n not in rec.lead_names]
        if missing:
            raise RecordFormatError(f"{root / rel}: lacks lead(s) {', '.join(missing)}")
        out.append(rec.replace(metadata={**rec.metadata, "split_source": src, "split_path": rel}))
    log.info("read %d %s records from %s", len(out), split, root)
    return out


def model_space_leads(record: EcgRecord, highpass_hz: float = 0.5) -> np.ndarray:
    """The 8 independent leads of ``record`` at the model rate, high-passed: (8, T) float32."""
    rows = []
    for name in INDEPENDENT_LEADS:
        x = resample(record.lead(name).astype(np.float64), record.fs, MODEL_FS)
        rows.append(highpass(x, MODEL_FS, highpass_hz))
    return np.stack(rows).astype(np.float32)


@dataclasses.dataclass
class TrainingRecord:
    """One record in model space, ready for cropping."""

    name: str
    source: str
    leads: np.ndarray  # (8, T) float32, model rate, high-passed, in mV


def load_training_records(split: str, sources: Iterable[str] | None = None, root: Path | None = None) -> list[TrainingRecord]:
    """Records of a split converted by :func:`model_space_leads`."""
    out = []
    for rec in load_records(split, sources, root):
        out.append(
            TrainingRecord(
                name=rec.metadata["split_path"], source=rec.metadata["split_source"], leads=model_space_leads(rec)
            )
        )
    return out
