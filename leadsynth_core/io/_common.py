"""Helpers shared by the readers and writers: lead names, units, checks (atomic files: :mod:`leadsynth_core.files`)."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import RecordFormatError, SignalQualityError, UnsupportedLeadError
from ..files import AtomicFiles, atomic_paths  # re-exported: the io modules write through it
from ..leads import (
    FRANK_LEADS,
    STANDARD_LEADS,
    SUPPLEMENTARY_LEADS,
    try_ecg_lead_name,
)
from ..record import EcgRecord, Provenance

__all__ = [
    "RecordInfo",
    "canonicalize_lead_names",
    "unit_scale",
    "check_fs",
    "check_finite",
    "atomic_paths",
    "AtomicFiles",
    "same_file",
    "MAX_FS",
    "MAX_ABS_MV",
    "MAX_READ_VALUES",
    "check_amplitude",
    "check_read_size",
    "write_error",
    "resolve_key",
    "read_bounded",
    "head_lines",
    "read_head",
    "SNIFF_BYTES",
]

log = logging.getLogger(__name__)

#: Highest sampling rate a reader accepts; anything above is a corrupt header, not an ECG.
MAX_FS = 100_000.0
#: Largest |amplitude| a reader accepts (100 V).  No body-surface ECG comes near it; a
#: value beyond it means a lying gain or unit, not a signal.
MAX_ABS_MV = 1e5
#: Most samples x leads one read may return: 2^26 values, 256 MiB as float32, about 3 h
#: of 12 leads at 500 Hz.  Readers convert through float64 (HDF5 peaks at ~16 bytes per
#: value, wfdb at ~40), so a read at the limit peaks at about 1 GiB (HDF5) or 2.7 GiB
#: (WFDB).  Longer recordings are read window by window (``read_window``).
MAX_READ_VALUES = 2**26

# Multipliers that bring a physical unit to mV.  Keys are lower case: headers spell
# "mV", "mv", "MV" alike (the Challenge 2021 files write "mv").
_UNIT_TO_MV: dict[str, float] = {
    "mv": 1.0,
    "millivolt": 1.0,
    "millivolts": 1.0,
    "uv": 1e-3,
    "µv": 1e-3,
    "μv": 1e-3,
    "microvolt": 1e-3,
    "microvolts": 1e-3,
    "v": 1e3,
    "volt": 1e3,
    "volts": 1e3,
    "nv": 1e-6,
}


@dataclasses.dataclass(frozen=True)
class RecordInfo:
    """What a file holds, read from its header or attributes without reading the samples.

    ``inspect_record`` fills this for files of any size (a 24-hour HDF5 recording is
    described in milliseconds).
    """

    path: Path
    format: str
    key: str | None
    fs: float
    n_samples: int
    lead_names: tuple[str, ...]
    provenance: tuple[Provenance, ...]
    patient_id: str | None = None
    recorded_at: _dt.datetime | None = None
    model_id: str | None = None
    metadata: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def duration(self) -> float:
        """Duration in seconds."""
        return self.n_samples / self.fs

    @property
    def n_leads(self) -> int:
        return len(self.lead_names)




def record_info(record: EcgRecord, path: Path, key: str | None = None) -> RecordInfo:
    """The :class:`RecordInfo` of a file a reader read (whole, or its first samples): what
    ``inspect_record`` says of the small files it reads to describe them.  The file's own
    length (``metadata["file_samples"]``, when only part was read) and format are kept; the
    read window is not part of the description."""
    meta = dict(record.metadata)
    n = int(meta.pop("file_samples", record.n_samples))
    meta.pop("window", None)
    return RecordInfo(
        path=path, format=str(meta.get("format", "")), key=key, fs=record.fs, n_samples=n,
        lead_names=record.lead_names, provenance=record.provenance, patient_id=record.patient_id,
        recorded_at=record.recorded_at, model_id=record.model_id, metadata=meta,
    )
def canonicalize_lead_names(names: Sequence[str], where: str) -> tuple[str, ...]:
    """Map file lead names to canonical names.

    Standard leads get their canonical spelling.  Right-sided and posterior leads (``V4R``,
    ``V7``: :data:`SUPPLEMENTARY_LEADS`) are kept as measured extra leads under theirs, and
    PTB's Frank leads ``vx, vy, vz`` as extra channels under their lower-case name.  Anything
    else (``MLII``, ``-aVR``, a typo) is refused rather than guessed, and so is a lead that
    appears twice.

    Raises
    ------
    UnsupportedLeadError
        Naming ``where`` (the file) and the offending signal.
    """
    out: list[str] = []
    for i, raw in enumerate(names):
        name = str(raw).strip()
        canonical = try_ecg_lead_name(name)
        if canonical is None:
            if name.lower() in FRANK_LEADS:
                canonical = name.lower()
            else:
                raise UnsupportedLeadError(
                    f"{where}: signal {i} has an unknown lead name {name!r}; "
                    f"valid leads are {', '.join(STANDARD_LEADS)}, the supplementary leads "
                    f"{', '.join(SUPPLEMENTARY_LEADS)} and the Frank leads {', '.join(FRANK_LEADS)}"
                )
        if canonical in out:
            raise UnsupportedLeadError(
                f"{where}: lead {canonical} appears twice (signals {out.index(canonical)} and {i})"
            )
        out.append(canonical)
    return tuple(out)


def unit_scale(unit: str | None, where: str, signal: str) -> float:
    """Factor that converts ``unit`` to mV; a missing unit means mV (the WFDB default)."""
    if unit is None or str(unit).strip() == "":
        return 1.0
    key = str(unit).strip().lower()
    if key not in _UNIT_TO_MV:
        raise RecordFormatError(
            f"{where}: signal {signal} has unknown physical unit {unit!r}; "
            "expected mV, uV or V"
        )
    return _UNIT_TO_MV[key]


def check_fs(fs: Any, where: str, field: str = "sampling frequency") -> float:
    """Return ``fs`` as a float or raise naming the file and the field."""
    if isinstance(fs, np.generic):  # HDF5 attributes arrive as numpy scalars
        fs = fs.item()
    try:
        value = float(fs)
    except (TypeError, ValueError):
        raise RecordFormatError(f"{where}: {field} {fs!r} is not a number") from None
    if not np.isfinite(value) or value <= 0 or value > MAX_FS:
        raise RecordFormatError(
            f"{where}: {field} {fs!r} Hz is not plausible (expected 0 < fs <= {MAX_FS:g})"
        )
    return value


def check_finite(signal: np.ndarray, lead_names: Sequence[str], where: str, offset: int = 0) -> None:
    """Raise :class:`SignalQualityError` naming the first lead and sample that is NaN/inf."""
    bad = ~np.isfinite(signal)
    if bad.any():
        rows, cols = np.nonzero(bad)
        col = int(cols[0])
        count = int(bad[:, col].sum())
        raise SignalQualityError(
            f"{where}: lead {lead_names[col]} has {count} non-finite sample(s) "
            f"(NaN or infinite), first at sample {int(rows[0]) + offset}"
        )


def write_error(path: Path | str, exc: OSError) -> RecordFormatError:
    """A :class:`RecordFormatError` naming ``path`` for a file-system failure while writing.

    h5py's messages span several lines; the user gets the one-line system reason.
    """
    reason = os.strerror(exc.errno) if exc.errno else (str(exc).splitlines() or [type(exc).__name__])[0]
    return RecordFormatError(f"{path}: cannot write the record: {reason}")


def check_amplitude(signal: np.ndarray, lead_names: Sequence[str], where: str, offset: int = 0) -> None:
    """Raise :class:`RecordFormatError` if a finite sample exceeds :data:`MAX_ABS_MV` (gain/units lie)."""
    with np.errstate(invalid="ignore"):
        bad = np.abs(signal) > MAX_ABS_MV
    if bad.any():
        rows, cols = np.nonzero(bad)
        col = int(cols[0])
        raise RecordFormatError(
            f"{where}: lead {lead_names[col]} has {int(bad[:, col].sum())} sample(s) beyond the plausible "
            f"range (|x| > {MAX_ABS_MV:g} mV), first at sample {int(rows[0]) + offset}; "
            "the gain or units field is wrong"
        )


def check_read_size(n_samples: int, n_leads: int, where: str) -> None:
    """Refuse, before allocating anything, a read larger than :data:`MAX_READ_VALUES`."""
    values = int(n_samples) * int(n_leads)
    if values > MAX_READ_VALUES:
        raise RecordFormatError(
            f"{where}: {n_samples} samples x {n_leads} leads ({values * 4 / 2**30:.3g} GiB as float32) "
            f"is too large to read whole (limit {MAX_READ_VALUES} values); read it window by window "
            "with read_window"
        )


def same_file(a: Path, b: Path) -> bool:
    """True when ``a`` and ``b`` name the same file (existing or not)."""
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


def resolve_key(keys: Sequence[str], key: str | None, where: str) -> str:
    """The record ``key`` names among ``keys`` of a multi-record file (HDF5, a Health export zip);
    ``None`` picks the only one and is refused, listing the keys, when there are several."""
    if key is None:
        if len(keys) == 1:
            return keys[0]
        if not keys:
            raise RecordFormatError(f"{where}: file holds no records")
        shown = ", ".join(keys[:10]) + (f", ... ({len(keys)} in all)" if len(keys) > 10 else "")
        raise RecordFormatError(f"{where}: file holds {len(keys)} records; choose one with key= ({shown})")
    if key not in keys:
        shown = ", ".join(keys[:10]) + (", ..." if len(keys) > 10 else "")
        raise RecordFormatError(f"{where}: no record with key {key!r}; keys: {shown}")
    return key


def read_bounded(path: Path, limit: int, what: str, advice: str = "") -> bytes:
    """The bytes of a file that is read whole, refused before reading when it is larger than
    ``limit`` (``what`` names what such a file holds; ``advice`` what to do instead)."""
    size = path.stat().st_size
    if size > limit:
        raise RecordFormatError(f"{path}: {size} bytes, more than the {limit} {what} can hold" + (f"; {advice}" if advice else ""))
    return path.read_bytes()


def head_lines(head: bytes) -> list[str]:
    """The text lines of a file's first bytes (UTF-8, a byte-order mark dropped, bad bytes
    replaced) for a content sniffer; the last line is dropped unless the bytes end a line,
    since a partial read may have cut it in the middle."""
    text = head.decode("utf-8-sig", errors="replace")
    lines = text.splitlines()
    return lines if text.endswith(("\n", "\r")) else lines[:-1]


#: How much of a file the content sniffers read: a few kilobytes hold any export's header.
SNIFF_BYTES = 8192


def read_head(path: Path) -> bytes | None:
    """The first :data:`SNIFF_BYTES` of a file, or None when it cannot be read."""
    try:
        with open(path, "rb") as fh:
            return fh.read(SNIFF_BYTES)
    except OSError:
        return None
