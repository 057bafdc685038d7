"""The files of a recording or a model: which they are, their SHA-256, their quality, deletion."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import LibraryError
from ..files import file_sha256, update_with_file
from ..leads import STANDARD_LEADS
from ..options import FLAT_LEAD_PTP_MV, HDF5_SUFFIXES
from ..progress import CancelToken

__all__ = ["FLAT_LEAD_PTP_MV", "record_files", "hash_record_files", "assess_quality"]



def record_files(path: str | Path) -> list[Path]:
    """The files that make up one recording: a WFDB header and its data files, or one file.

    Parameters
    ----------
    path
        What :func:`leadsynth_core.io.read_record` accepts (WFDB record with or without
        ``.hea``, a Challenge ``.hea`` + ``.mat``, a CPSC ``.mat``, an HDF5 file).
    """
    from ..io import wfdb_files, wfdb_header_path

    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in HDF5_SUFFIXES:
        return [p]
    # Mirror io.read_record: a Challenge .mat has a .hea beside it, a CPSC .mat stands alone.
    hea = p.with_suffix(".hea") if suffix in (".mat", ".hea", ".dat") else wfdb_header_path(p)
    if hea.exists():
        return wfdb_files(hea)
    return [p]


def hash_record_files(path: str | Path, cancel: CancelToken | None = None) -> str:
    """SHA-256 over every file of one recording (header first, then data files).

    Each file contributes its base name and its bytes, so the same recording has the same
    hash wherever it is moved, and any change to header or data changes it.  ``cancel`` is
    checked as the bytes are read.

    Raises
    ------
    LibraryError
        If a file of the recording cannot be read (naming it).
    CancelledError
        ``cancel`` was set.
    """
    digest = hashlib.sha256()
    for f in record_files(path):
        try:
            digest.update(f.name.encode("utf-8") + b"\0")
            update_with_file(digest, f, cancel)
        except OSError as exc:
            raise LibraryError(f"{f}: cannot read ({exc.strerror or exc})") from exc
    return digest.hexdigest()


def _hash_file(path: Path) -> str:
    try:
        return file_sha256(path)
    except OSError as exc:
        raise LibraryError(f"{path}: cannot read ({exc.strerror or exc})") from exc


def assess_quality(record: Any) -> tuple[bool, list[str]]:
    """Whether ``record`` is a usable complete 12-lead recording, and why not.

    Parameters
    ----------
    record
        An :class:`~leadsynth_core.record.EcgRecord`.

    Returns
    -------
    (complete, notes)
        ``complete`` is true when all 12 standard leads are present, finite and not flat;
        ``notes`` lists each problem found (missing, flat or non-finite leads).
    """
    notes: list[str] = []
    missing = [n for n in STANDARD_LEADS if n not in record.lead_names]
    if missing:
        notes.append("missing lead(s) " + ",".join(missing))
    for name in STANDARD_LEADS:
        if name not in record.lead_names:
            continue
        x = np.asarray(record.lead(name), dtype=np.float64)
        if not np.isfinite(x).all():
            notes.append(f"lead {name} has non-finite samples")
        elif x.size == 0 or float(np.ptp(x)) < FLAT_LEAD_PTP_MV:
            notes.append(f"lead {name} is flat (peak-to-peak < {FLAT_LEAD_PTP_MV:g} mV)")
    return (not notes), notes


def _card_to_dict(card: Any) -> dict[str, Any]:
    if isinstance(card, Mapping):
        return dict(card)
    to_dict = getattr(card, "to_dict", None)
    if callable(to_dict):
        return dict(to_dict())
    if dataclasses.is_dataclass(card) and not isinstance(card, type):
        return dataclasses.asdict(card)
    raise LibraryError(f"model card of type {type(card).__name__} cannot be stored (expected a ModelCard or a mapping)")


def _delete_model_files(path: Path) -> None:
    import shutil

    # A model is <stem>.safetensors + <stem>.json; a personal model has a folder of its
    # own named after its id, which goes as a whole.
    stem = path.with_suffix("")
    own_folder = path.parent.name == stem.name and all(
        f.with_suffix("") == stem for f in path.parent.iterdir()
    ) if path.parent.is_dir() else False
    try:
        if own_folder:
            shutil.rmtree(path.parent)
        else:
            for f in (stem.with_suffix(".safetensors"), stem.with_suffix(".json")):
                if f.exists():
                    f.unlink()
    except OSError as exc:
        raise LibraryError(f"{path}: cannot delete model files ({exc.strerror or exc})") from exc
