"""WFDB records: reading (PhysioNet, PTB, PTB-XL, LUDB, Challenge .hea + .mat) and writing.

Reading goes through the ``wfdb`` package.  ``wfdb`` is lenient with malformed headers
(a non-numeric gain silently becomes the default 200, a negative sampling rate the
default 250), so the numeric fields of the header are checked here first, and every
exception ``wfdb`` raises is turned into a :class:`RecordFormatError` naming the file.

Writing is done here directly (format 16 or 32, one ``.dat`` per record) so that the
gain, the comment lines and the atomic replacement of ``.hea`` and ``.dat`` are under
our control.  The header carries one comment line::

    # leadsynth: measured=I,II,V2,V4; derived=III,aVR,aVL,aVF; synthesized=V1,V3,V5,V6; model=ID

(ending in ``; model_patient=PATIENT`` when the model is a personal model, whose patient is
named wherever its output goes), which the reader parses back into per-lead provenance,
the model id and the model's patient, followed by
``# software: LeadSynth <version>`` (the program that wrote the file).
"""

from __future__ import annotations

import datetime as _dt
import logging
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import wfdb

from ..errors import RecordFormatError, SignalQualityError
from ..record import EcgRecord, Provenance
from ._common import (
    RecordInfo,
    atomic_paths,
    canonicalize_lead_names,
    check_amplitude,
    check_finite,
    check_fs,
    check_read_size,
    unit_scale,
)
from ._wfdb_comments import PROVENANCE_TAG as _PROVENANCE_TAG
from ._wfdb_comments import comment_lines, read_comment_lines

__all__ = ["read_wfdb", "inspect_wfdb", "write_wfdb", "wfdb_header_path", "wfdb_files"]

log = logging.getLogger(__name__)

FORMAT_NAME = "wfdb"

# Bits per stored sample for the formats whose data file size we can predict.
_BITS_PER_SAMPLE: dict[str, float] = {
    "8": 8, "16": 16, "24": 24, "32": 32, "61": 16, "80": 8, "160": 16, "212": 12,
}
_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_GAIN_RE = re.compile(rf"^(?P<gain>{_NUMBER})(?:\((?P<baseline>[+-]?\d+)\))?(?:/(?P<units>.*))?$")
_FS_RE = re.compile(rf"^(?P<fs>{_NUMBER})(?:/{_NUMBER}(?:\({_NUMBER}\))?)?$")
_FMT_RE = re.compile(r"^(?P<fmt>\d+)(?:x\d+)?(?::\d+)?(?:\+(?P<offset>\d+))?$")
_WFDB_NAME_RE = re.compile(r"^[-\w]+$")
# Gains tried by the writer, highest first; 1000/mV (0.5 uV worst-case rounding) is
# the coarsest we accept, so the quantization error is always below 1 uV.
_GAIN_LADDER: tuple[int, ...] = (1_000_000, 500_000, 200_000, 100_000, 50_000, 20_000, 10_000, 5_000, 2_000, 1_000)


def wfdb_header_path(path: str | Path) -> Path:
    """``rec``, ``rec.hea`` or ``rec.dat`` -> ``rec.hea``."""
    p = Path(path)
    if p.suffix.lower() in (".hea", ".dat"):
        p = p.with_suffix("")
    return p.with_name(p.name + ".hea")


def _record_base(hea: Path) -> str:
    return str(hea.with_suffix(""))


def wfdb_files(path: str | Path) -> list[Path]:
    """The header and every data file it names (for the refuse-to-overwrite check)."""
    hea = wfdb_header_path(path)
    files = [hea]
    if hea.exists():
        try:
            header = wfdb.rdheader(_record_base(hea))
        except (OSError, ValueError, IndexError, KeyError, TypeError):
            return files
        files += [hea.parent / f for f in dict.fromkeys(header.file_name or [])]
    return files


# --------------------------------------------------------------------------- reading
def _check_header_text(hea: Path) -> None:
    """Validate the numeric header fields that ``wfdb`` would silently default."""
    where = str(hea)
    try:
        text = hea.read_text(encoding="latin-1")
    except FileNotFoundError:
        raise RecordFormatError(f"{where}: header file not found") from None
    except OSError as exc:
        raise RecordFormatError(f"{where}: cannot read header: {exc.strerror}") from None
    # Split on line ends only: str.splitlines() also breaks at \x85, \x1c.. (bytes of
    # UTF-8 text in a comment read as Latin-1) and would invent signal lines.
    lines = [ln.strip() for ln in re.split(r"\r\n|\r|\n", text)]
    lines = [ln for ln in lines if ln and not ln.startswith("#")]
    if not lines:
        raise RecordFormatError(f"{where}: header is empty (no record line)")
    # WFDB headers are ASCII; wfdb drops other bytes silently, which would turn a
    # mangled lead name such as b"\xff\xfeII" into a plausible "II".
    for number, ln in enumerate(lines):
        if not ln.isascii():
            what = "record line" if number == 0 else f"signal line {number}"
            raise RecordFormatError(f"{where}: {what} {ln!r} contains non-ASCII bytes; WFDB headers are ASCII")
    record = lines[0].split()
    if len(record) < 2 or not record[1].isdigit():
        raise RecordFormatError(f"{where}: record line {lines[0]!r} has no valid number of signals")
    if "/" in record[0]:
        raise RecordFormatError(f"{where}: multi-segment records are not supported")
    if len(record) >= 3:
        m = _FS_RE.match(record[2])
        if not m:
            raise RecordFormatError(f"{where}: sampling frequency {record[2]!r} is not a number")
        check_fs(m.group("fs"), where)
    if len(record) >= 4 and not record[3].isdigit():
        raise RecordFormatError(f"{where}: number of samples {record[3]!r} is not a whole number")
    n_sig = int(record[1])
    if len(lines) - 1 != n_sig:
        raise RecordFormatError(f"{where}: header declares {n_sig} signals but has {len(lines) - 1} signal lines")
    for i, line in enumerate(lines[1:1 + n_sig]):
        fields = line.split()
        name = " ".join(fields[8:]) if len(fields) > 8 else f"#{i}"
        # The data file must be a plain name in the header's folder: never a path that
        # reaches elsewhere (../../etc/passwd, /etc/passwd, sub/../..).
        fname = fields[0] if fields else ""
        if "/" in fname or "\\" in fname or fname in (".", "..") or Path(fname).is_absolute():
            raise RecordFormatError(
                f"{where}: signal {name}: data file {fname!r} is outside the record's folder "
                "(only a plain file name is allowed)"
            )
        if len(fields) < 2 or not _FMT_RE.match(fields[1]):
            raise RecordFormatError(f"{where}: signal {name}: format field {fields[1:2]} is not valid")
        if len(fields) >= 3:
            m = _GAIN_RE.match(fields[2])
            if not m:
                raise RecordFormatError(f"{where}: signal {name}: gain {fields[2]!r} is not a number")
            if not math.isfinite(float(m.group("gain"))):
                raise RecordFormatError(f"{where}: signal {name}: gain {fields[2]!r} is not a finite number")
            if float(m.group("gain")) == 0:
                raise RecordFormatError(
                    f"{where}: signal {name}: gain is 0 (uncalibrated), cannot convert to mV"
                )
            if float(m.group("gain")) < 0:
                raise RecordFormatError(f"{where}: signal {name}: gain {fields[2]!r} is negative")


def _read_header(hea: Path) -> Any:
    _check_header_text(hea)
    try:
        return wfdb.rdheader(_record_base(hea))
    except (ValueError, IndexError, KeyError, TypeError, AttributeError, ArithmeticError) as exc:
        raise RecordFormatError(f"{hea}: cannot parse WFDB header: {exc}") from None


def _check_data_files(hea: Path, header: Any) -> None:
    """Data files exist and have the size the header implies (truncated/mismatched)."""
    where = str(hea)
    n_samples = header.sig_len
    by_file: dict[str, list[int]] = {}
    for i, fname in enumerate(header.file_name):
        by_file.setdefault(fname, []).append(i)
    for fname, idx in by_file.items():
        data = hea.parent / fname
        if not data.is_file():
            raise RecordFormatError(f"{where}: data file {fname} named in the header is missing")
        fmt = str(header.fmt[idx[0]])
        bits = _BITS_PER_SAMPLE.get(fmt)
        if bits is None or not n_samples:
            continue
        spf = sum(int((header.samps_per_frame or [1] * header.n_sig)[i] or 1) for i in idx)
        offset = int((header.byte_offset or [None] * header.n_sig)[idx[0]] or 0)
        expected = offset + math.ceil(n_samples * spf * bits / 8)
        actual = data.stat().st_size
        if actual < expected:
            have = int((actual - offset) * 8 // (bits * spf)) if actual > offset else 0
            raise RecordFormatError(
                f"{where}: data file {fname} is truncated: header says {n_samples} samples "
                f"({expected} bytes), the file has {actual} bytes (about {have} samples)"
            )
        if actual > expected + 1:  # format 212 may pad one byte
            have = int((actual - offset) * 8 // (bits * spf))
            raise RecordFormatError(
                f"{where}: number of samples in the header ({n_samples}) disagrees with "
                f"data file {fname} ({actual} bytes, about {have} samples)"
            )


def _header_info(hea: Path, header: Any) -> RecordInfo:
    where = str(hea)
    fs = check_fs(header.fs, where)
    if not header.n_sig:
        raise RecordFormatError(f"{where}: header declares no signals")
    names = canonicalize_lead_names(header.sig_name, where)
    comments = [str(c).strip() for c in (header.comments or [])]
    stated, model_id, fields, from_comments = read_comment_lines(comments, names, where)
    provenance = stated or (Provenance.MEASURED,) * len(names)
    metadata: dict[str, Any] = {"format": FORMAT_NAME,
                                "comments": [c for c in comments if not c.lower().startswith(_PROVENANCE_TAG)],
                                **from_comments}
    if "diagnoses" in fields:
        metadata["dx"] = fields["diagnoses"]
    patient_id = fields.get("patient_id") or fields.get("patient")
    if patient_id is None and re.fullmatch(r"patient\d+", hea.parent.name):
        # PTB Diagnostic keeps each patient's records in a patientNNN/ folder.
        patient_id = hea.parent.name
    recorded_at = _recorded_at(header, fields, where)
    return RecordInfo(
        path=hea, format=FORMAT_NAME, key=None, fs=fs, n_samples=int(header.sig_len or 0),
        lead_names=names, provenance=provenance, patient_id=patient_id, recorded_at=recorded_at,
        model_id=model_id, metadata=metadata,
    )


def _recorded_at(header: Any, fields: dict[str, Any], where: str) -> _dt.datetime | None:
    # PTB: "# ECG date: 01/10/1990" (day/month/year).
    text = fields.get("ecg date")
    if text:
        try:
            return _dt.datetime.strptime(text, "%d/%m/%Y")
        except ValueError:
            log.warning("%s: cannot parse 'ECG date' %r; recording time left unknown", where, text)
    # The Challenge 2020/2021 conversions (recognised by their '#Dx' comment) put the
    # conversion date in the record line, which is not when the ECG was recorded.
    if header.base_date is not None and "dx" not in fields:
        return _dt.datetime.combine(header.base_date, header.base_time or _dt.time())
    return None


def inspect_wfdb(path: str | Path) -> RecordInfo:
    hea = wfdb_header_path(path)
    header = _read_header(hea)
    return _header_info(hea, header)


def read_wfdb(path: str | Path, start: int = 0, stop: int | None = None) -> EcgRecord:
    """Read a WFDB record (``path`` with or without ``.hea``), samples ``[start, stop)``."""
    hea = wfdb_header_path(path)
    where = str(hea)
    header = _read_header(hea)
    info = _header_info(hea, header)
    _check_data_files(hea, header)
    n = info.n_samples
    stop = n if stop is None else min(int(stop), n)
    start = max(0, int(start))
    if n and start >= stop:
        raise RecordFormatError(f"{where}: empty sample range [{start}, {stop}) of {n} samples")
    check_read_size(stop - start, len(info.lead_names), where)
    try:
        rec = wfdb.rdrecord(_record_base(hea), sampfrom=start, sampto=stop if n else None, physical=True)
    except (ValueError, IndexError, KeyError, TypeError, OSError, EOFError, ArithmeticError) as exc:
        # ArithmeticError: wfdb divides by and converts header numbers it does not check
        # (ZeroDivisionError, OverflowError; found by benchmarks/fuzz.py).
        raise RecordFormatError(f"{where}: cannot read WFDB samples: {type(exc).__name__}: {exc}") from None
    signal = rec.p_signal
    if signal is None or signal.ndim != 2 or signal.shape[1] != len(info.lead_names):
        raise RecordFormatError(f"{where}: WFDB samples have unexpected shape {getattr(signal, 'shape', None)}")
    if n and signal.shape[0] != stop - start:
        raise RecordFormatError(
            f"{where}: number of samples in the header ({n}) disagrees with the data read "
            f"({start + signal.shape[0]})"
        )
    scales = np.array(
        [unit_scale(u, where, name) for u, name in zip(rec.units, info.lead_names, strict=True)], dtype=np.float64
    )
    signal = signal * scales
    metadata = dict(info.metadata)
    corrected = _uniform_gain_if_inconsistent(rec, info.lead_names, scales, where)
    if corrected is not None:
        signal, note = corrected
        metadata["gain_correction"] = note
        metadata.setdefault("notes", []).append(note["message"])
    # wfdb marks missing samples (the format's invalid value) as NaN.
    check_finite(signal, info.lead_names, where, offset=start)
    check_amplitude(signal, info.lead_names, where, offset=start)
    if start or stop != n:
        metadata["window"] = [start, stop]
    return EcgRecord(
        signal=signal.astype(np.float32), fs=info.fs, lead_names=info.lead_names,
        provenance=info.provenance, patient_id=info.patient_id, recorded_at=info.recorded_at,
        source=where, model_id=info.model_id, metadata=metadata,
    )


def _uniform_gain_if_inconsistent(
    rec: Any, names: Sequence[str], scales: np.ndarray, where: str
) -> tuple[np.ndarray, dict[str, Any]] | None:
    """Detect per-lead gains that contradict Einthoven's law, and undo them.

    A 12-lead device stores III = II - I (and the augmented leads) from the same
    electrodes, so the *physical* samples must obey the lead algebra to within the
    quantization.  LUDB 1.0.1 is the known case where they do not: its headers give
    every lead its own gain (698..2317 /mV), the mV values violate III = II - I by up to
    ~1 mV, while the stored *digital* samples obey the algebra exactly.  The digital
    samples are therefore on one common scale and the per-lead gains are wrong.  We then
    read every lead with one uniform gain: the power of ten nearest the median header
    gain (1000 /mV for LUDB, whose digital amplitudes then match PTB-XL's and CPSC's
    in mV within ~10 %).  Nothing is changed when the header is self-consistent.
    """
    idx = {n: i for i, n in enumerate(names)}
    if not all(n in idx for n in ("I", "II", "III")) or rec.d_signal is None and rec.p_signal is None:
        return None
    gains = np.asarray(rec.adc_gain, dtype=np.float64)
    if np.allclose(gains, gains[0]) or np.any(gains <= 0):
        return None
    i, ii, iii = idx["I"], idx["II"], idx["III"]
    p = rec.p_signal * scales
    resolution = 1.0 / gains * scales
    tolerance = resolution[[i, ii, iii]].sum() + 1e-6
    violation = float(np.nanmax(np.abs(p[:, iii] - (p[:, ii] - p[:, i])))) if p.size else 0.0
    if violation <= 4 * tolerance:
        return None
    baselines = np.asarray(rec.baseline, dtype=np.float64)
    digital = p / scales * gains + baselines  # the stored integers, recovered exactly
    digital = np.rint(digital)
    if np.nanmax(np.abs(digital[:, iii] - (digital[:, ii] - digital[:, i]))) > 2:
        return None  # neither scale is consistent: leave the file's own reading
    uniform = float(10 ** np.round(np.log10(np.median(gains))))
    corrected = digital / uniform
    message = (
        f"with the per-lead gains of the header, lead III would not equal II - I (off by up to "
        f"{violation:.3f} mV, which Einthoven's law forbids), while the stored samples are consistent; "
        f"so every lead was read with one gain of {uniform:g} units per mV"
    )
    log.info("%s: %s", where, message)
    return corrected, {
        "message": message,
        "header_gains": [float(g) for g in gains],
        "uniform_gain": uniform,
        "max_violation_mv": violation,
    }


# --------------------------------------------------------------------------- writing
def _choose_gains(signal: np.ndarray) -> tuple[int, np.ndarray]:
    """Pick the storage format (16 or 32) and one gain per lead (digital units per mV)."""
    peak = np.max(np.abs(signal), axis=0) if signal.size else np.zeros(signal.shape[1])
    for fmt, limit in ((16, 32767), (32, 2_147_483_647)):
        gains = []
        for p in peak:
            fitting = [g for g in _GAIN_LADDER if p * g <= limit]
            if not fitting:
                break
            gains.append(fitting[0])
        else:
            return fmt, np.array(gains, dtype=np.float64)
    raise SignalQualityError(
        f"signal peak {float(peak.max()):.6g} mV is too large to store in WFDB with 1 uV resolution"
    )


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _header_text(value: object, hea: Path, field: str) -> str:
    """``value`` on one line, refused unless ASCII (wfdb drops other bytes when reading)."""
    text = _one_line(str(value))
    if not text.isascii():
        raise RecordFormatError(
            f"{hea}: field {field} {text!r} has non-ASCII characters, which a WFDB header cannot "
            "keep; write HDF5 (.h5) to keep it"
        )
    return text


def write_wfdb(record: EcgRecord, path: str | Path, *, comments: Sequence[str] = ()) -> Path:
    """Write ``record`` as ``path.hea`` + ``path.dat`` atomically; return the header path.

    ``comments`` are extra header comment lines (one line each, without the ``#``), e.g.
    the one naming a companion band record.
    """
    hea = wfdb_header_path(path)
    name = hea.with_suffix("").name
    if not _WFDB_NAME_RE.match(name):
        raise RecordFormatError(
            f"{hea}: WFDB record name {name!r} may only contain letters, digits, '_' and '-'"
        )
    dat = hea.with_suffix(".dat")
    signal = np.asarray(record.signal, dtype=np.float64)
    check_finite(signal, record.lead_names, str(hea))
    fmt, gains = _choose_gains(signal)
    digital = np.rint(signal * gains).astype("<i2" if fmt == 16 else "<i4")
    lines = [f"{name} {record.n_leads} {record.fs:.12g} {record.n_samples}"]
    if record.recorded_at is not None:
        t = record.recorded_at
        lines[0] += f" {t:%H:%M:%S} {t:%d/%m/%Y}"
    for j, lead in enumerate(record.lead_names):
        col = digital[:, j].astype(np.int64)
        init = int(col[0]) if col.size else 0
        checksum = int(col.sum()) & 0xFFFF
        checksum = checksum - 65536 if checksum >= 32768 else checksum
        lines.append(f"{dat.name} {fmt} {gains[j]:.0f}(0)/mV {fmt} 0 {init} {checksum} 0 {lead}")
    lines += comment_lines(record, hea, lambda value, field: _header_text(value, hea, field))
    lines += [f"# {_one_line(str(c))}" for c in comments]
    with atomic_paths([dat, hea]) as (tmp_dat, tmp_hea):
        tmp_dat.write_bytes(digital.tobytes(order="C"))
        tmp_hea.write_text("\n".join(lines) + "\n", encoding="utf-8")
    log.info("wrote WFDB record %s (%d leads x %d samples, format %d)", hea, record.n_leads, record.n_samples, fmt)
    return hea
