"""Helpers shared by the readers and writers: lead names, units, checks, atomic files."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import logging
import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import RecordFormatError, SignalQualityError, UnsupportedLeadError
from ..leads import FRANK_LEADS, STANDARD_LEADS, try_canonical_lead_name
from ..record import Provenance

__all__ = [
    "RecordInfo",
    "canonicalize_lead_names",
    "unit_scale",
    "check_fs",
    "check_finite",
    "atomic_paths",
    "MAX_FS",
]

log = logging.getLogger(__name__)

#: Highest sampling rate a reader accepts; anything above is a corrupt header, not an ECG.
MAX_FS = 100_000.0

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


def canonicalize_lead_names(names: Sequence[str], where: str) -> tuple[str, ...]:
    """Map file lead names to canonical names.

    Standard leads get their canonical spelling.  Recognisably non-standard channels
    (PTB's Frank leads ``vx, vy, vz``) are kept as extra channels under their lower-case
    name.  Anything else (``MLII``, ``-aVR``, ``V7``, a typo) is refused rather than
    guessed, and so is a standard lead that appears twice.

    Raises
    ------
    UnsupportedLeadError
        Naming ``where`` (the file) and the offending signal.
    """
    out: list[str] = []
    for i, raw in enumerate(names):
        name = str(raw).strip()
        canonical = try_canonical_lead_name(name)
        if canonical is None:
            if name.lower() in FRANK_LEADS:
                canonical = name.lower()
            else:
                raise UnsupportedLeadError(
                    f"{where}: signal {i} has an unknown lead name {name!r}; "
                    f"valid leads are {', '.join(STANDARD_LEADS)} (and the Frank leads "
                    f"{', '.join(FRANK_LEADS)} as extra channels)"
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


@contextlib.contextmanager
def atomic_paths(targets: Sequence[Path]) -> Iterator[list[Path]]:
    """Yield temporary paths next to ``targets``; on success move them into place.

    The temporaries live in the target folder so that :func:`os.replace` is an atomic
    rename on the same file system.  On any error every temporary is removed and the
    targets are left as they were, so no half-written file is ever visible.
    """
    temps: list[Path] = []
    try:
        for target in targets:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
            os.close(fd)
            temps.append(Path(name))
        yield temps
        # Data files first, the header last: a reader never sees a new header that
        # points at old data.
        for tmp, target in zip(temps, targets):
            os.replace(tmp, target)
    finally:
        for tmp in temps:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()


def same_file(a: Path, b: Path) -> bool:
    """True when ``a`` and ``b`` name the same file (existing or not)."""
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()
