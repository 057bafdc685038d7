"""What the readers of hospital exports (MUSE, Philips, CardioSoft, DICOM, aECG, EDF) share.

* :func:`assemble` turns ``{lead name: samples in mV}`` into an :class:`EcgRecord` in the
  standard lead order; III, aVR, aVL and aVF that the file does not store are computed
  from I and II by the exact lead algebra with provenance ``derived`` (GE MUSE stores 8
  leads: I, II, V1-V6).
* :func:`device_report` builds ``metadata["device_report"]``: the cart's own measurements
  (keys of the measurements issue: ``heart_rate_bpm``, ``pr_ms``, ``qrs_ms``, ``qt_ms``,
  ``qtc_bazett_ms``, ``axis_deg`` {p, qrs, t}) and interpretation statements.
* :func:`parse_number`, :func:`normalise_sex`, :func:`compact_timestamp`, :func:`local_time`,
  :func:`age_at`, :func:`window` for the readers.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import RecordFormatError
from ..leads import (
    DERIVABLE_LEADS,
    STANDARD_LEADS,
    SUPPLEMENTARY_LEADS,
    derive_limb_leads,
    try_ecg_lead_name,
)
from ..record import EcgRecord, Provenance
from ._common import check_amplitude, check_finite, check_read_size

__all__ = ["printable", "assemble", "device_report", "parse_number", "normalise_sex", "window", "MEASUREMENT_KEYS",
           "MAX_AGE_YEARS", "age_at", "local_time"]

#: Keys of ``device_report["measurements"]`` (shared with the measurements issue's JSON).
MEASUREMENT_KEYS: tuple[str, ...] = (
    "heart_rate_bpm", "atrial_rate_bpm", "rr_ms", "p_ms", "pr_ms", "qrs_ms", "qt_ms",
    "qtc_bazett_ms", "qtc_fridericia_ms", "qtc_ms",
)


def printable(text: Any, limit: int = 80) -> str:
    """``text`` from a file made safe for a one-line message (control characters replaced, cut)."""
    clean = "".join(c if c.isprintable() else "?" for c in str(text))
    return clean if len(clean) <= limit else clean[: limit - 3] + "..."


def parse_number(text: Any) -> float | None:
    """``"452"`` -> 452.0; blanks, ``None`` and non-numbers -> None (a cart leaves fields empty)."""
    if text is None:
        return None
    try:
        value = float(str(text).strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def normalise_sex(text: Any) -> str | None:
    """``MALE``/``Male``/``M`` -> ``M``, female -> ``F``; unknown or blank -> None."""
    if text is None:
        return None
    t = str(text).strip().upper()
    if t in ("M", "MALE"):
        return "M"
    if t in ("F", "FEMALE"):
        return "F"
    return None


#: Oldest age a reader accepts; beyond it (or below 0) the birth date or the acquisition date is wrong.
MAX_AGE_YEARS = 130


def age_at(born: _dt.date, on: _dt.date) -> int:
    """Whole years from ``born`` to ``on`` (the birthday not yet reached that year does not count)."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def local_time(text: str | None) -> tuple[_dt.datetime | None, str | None]:
    """An ISO time with the device's UTC offset (``2026-03-14 09:15:00 -0400``,
    ``2016-06-01T18:15:25.777-04:00``, ``...Z``) -> the local time in whole seconds, which is
    what every reader keeps, and the offset as ``+HHMM``; ``(None, None)`` when it is not one."""
    if not text:
        return None, None
    iso = re.sub(r"\s*([+-]\d{2}):?(\d{2})$", r"\1:\2", text.strip().replace("Z", "+00:00"))
    try:
        when = _dt.datetime.fromisoformat(iso)
    except ValueError:
        return None, None
    return when.replace(tzinfo=None, microsecond=0), when.strftime("%z") or None


def compact_timestamp(text: str | None) -> _dt.datetime | None:
    """``YYYYMMDD[HHMM[SS]][.ffffff][+/-ZZZZ]`` (DICOM DT, HL7 TS) -> naive datetime, or None.

    Fractions and the time-zone offset are dropped (the record keeps the cart's local
    time); a value that is not a date is None, never a guess.
    """
    if not text:
        return None
    digits = re.split(r"[.+-]", text.strip(), maxsplit=1)[0]
    for fmt, n in (("%Y%m%d%H%M%S", 14), ("%Y%m%d%H%M", 12), ("%Y%m%d", 8)):
        if len(digits) >= n:
            try:
                return _dt.datetime.strptime(digits[:n], fmt)
            except ValueError:
                return None
    return None


def device_report(
    *,
    device: str | None,
    measurements: Mapping[str, float | None],
    axes: Mapping[str, float | None] | None = None,
    statements: Sequence[str] = (),
    source: str,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any] | None:
    """The cart's report as plain JSON-able data, or None when the file carries none.

    ``source`` says where the numbers come from ("GE 12SL (RestingECGMeasurements)").
    Values that are absent are left out: a missing number is never shown as 0.
    """
    meas: dict[str, Any] = {k: _round(v) for k, v in measurements.items() if v is not None}
    ax = {k: _round(v) for k, v in (axes or {}).items() if v is not None}
    if ax:
        meas["axis_deg"] = ax
    stmts = [s.strip() for s in statements if s and s.strip(" -*=_.")]
    if not meas and not stmts:
        return None
    report: dict[str, Any] = {"device": device, "source": source, "measurements": meas, "statements": stmts}
    if extra:
        report.update(extra)
    return report


def _round(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else round(float(value), 3)


def window(n: int, start: int, stop: int | None, where: str) -> tuple[int, int]:
    """Clip ``[start, stop)`` to ``n`` samples; refuse an empty range naming the file."""
    stop = n if stop is None else min(int(stop), n)
    start = max(0, int(start))
    if start >= stop:
        raise RecordFormatError(f"{where}: empty sample range [{start}, {stop}) of {n} samples")
    return start, stop


def assemble(
    leads: Mapping[str, np.ndarray],
    fs: float,
    where: str,
    *,
    provenance: Mapping[str, Provenance] | None = None,
    patient_id: str | None = None,
    recorded_at: _dt.datetime | None = None,
    model_id: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    start: int = 0,
    stop: int | None = None,
) -> EcgRecord:
    """An :class:`EcgRecord` from named leads in mV, standard order, limb leads derived where missing.

    Right-sided and posterior leads (``V4R``, ``V7``...) are kept after the 12, measured.

    Parameters
    ----------
    leads
        File lead names (any alias) -> 1-D samples in mV, all of one length.
    provenance
        Canonical lead name -> provenance stored in the file (default: measured).
    start, stop
        The sample window to keep (``read_window``).

    Raises
    ------
    RecordFormatError, SignalQualityError
        No standard lead, leads of different lengths, non-finite or implausible samples.
    """
    named: dict[str, np.ndarray] = {}
    for raw, samples in leads.items():
        name = try_ecg_lead_name(raw)
        if name is None:
            raise RecordFormatError(f"{where}: lead {raw!r} is not one of the 12 standard leads")
        if name in named:
            raise RecordFormatError(f"{where}: lead {name} is stored twice")
        named[name] = np.asarray(samples)
    if not any(name in STANDARD_LEADS for name in named):
        raise RecordFormatError(f"{where}: no ECG lead found in the file"
                                + (f" (only {', '.join(named)})" if named else ""))
    lengths = {n: int(a.shape[0]) for n, a in named.items()}
    if len(set(lengths.values())) != 1:
        detail = ", ".join(f"{n}={k}" for n, k in lengths.items())
        raise RecordFormatError(f"{where}: leads have different numbers of samples ({detail})")
    n = next(iter(lengths.values()))
    if n == 0:
        raise RecordFormatError(f"{where}: the waveform holds no samples")
    a, b = window(n, start, stop, where)
    check_read_size(b - a, len(STANDARD_LEADS) + sum(n not in STANDARD_LEADS for n in named), where)
    prov = {name: Provenance(p) for name, p in (provenance or {}).items()}
    cols = {name: np.asarray(x[a:b], dtype=np.float64) for name, x in named.items()}
    missing = [d for d in DERIVABLE_LEADS if d not in cols]
    notes: list[str] = []
    if missing and "I" in cols and "II" in cols:
        derived = derive_limb_leads(cols["I"], cols["II"])
        for d in missing:
            cols[d] = np.asarray(derived[d], dtype=np.float64)
            prov[d] = Provenance.DERIVED
        notes.append(f"{', '.join(missing)} computed from I and II (not stored in the file)")
    order = [name for name in (*STANDARD_LEADS, *SUPPLEMENTARY_LEADS) if name in cols]
    signal = np.stack([cols[name] for name in order], axis=1)
    check_finite(signal, order, where, offset=a)
    check_amplitude(signal, order, where, offset=a)
    meta = dict(metadata or {})
    if notes:
        meta["notes"] = [*meta.get("notes", ()), *notes]
    if a or b != n:
        meta["window"] = [a, b]
    return EcgRecord(
        signal=signal.astype(np.float32),
        fs=fs,
        lead_names=tuple(order),
        provenance=tuple(prov.get(name, Provenance.MEASURED) for name in order),
        patient_id=patient_id,
        recorded_at=recorded_at,
        source=where,
        model_id=model_id,
        metadata=meta,
    )
