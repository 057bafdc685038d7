"""Plain CSV: one column per lead, for spreadsheets, pandas and the devices that write tables.

Written by ``write_record(record, "out.csv")`` (read back by LeadSynth with the same leads,
provenance, model and audit trail; ``pandas.read_csv(path, comment="#")`` reads the table)::

    # LeadSynth ECG CSV
    # sampling_rate: 500 Hz
    # unit: mV
    # leadsynth: measured=I,II,V4; derived=III,aVR,aVL,aVF; synthesized=V1,V2,V3,V5,V6; model=...
    # software: LeadSynth 1.0
    # recorded_at: 2026-03-14T09:15:02
    # patient_id: ...
    time_s,I,II,III,aVR,aVL,aVF,V1,V2,V3,V4,V5,V6
    0.000000,0.01230,...

Read: any CSV of that shape, recognised by content (``.csv``, ``.tsv``, ``.txt``): ``#`` comment
lines first, then a header row in which at least one column names a standard lead (``I``,
``Lead II``, ``ECG V1``, ``V2 (uV)``), then one row per sample.  The separator may be a comma,
a semicolon (then a decimal comma is read too, as European spreadsheets write it) or a tab.

* **Rate**: a ``# sampling_rate: 500`` (or ``fs``, ``sample rate``) line, or a time column
  (``time_s``, ``time``, ``t``, ``seconds``; ``time_ms``, ``ms``) with regular steps; both
  must agree.  Without either the file is refused: a rate is never guessed.
* **Unit**: per column (``V1 (uV)``, ``V1 [mV]``, ``V1_uV``) or for all (``# unit: uV``).  A
  file that names none is read as mV only when no value exceeds 20 mV (no body-surface ECG
  does) and says so in its notes; larger values are refused, since they may be µV or ADC
  counts and a wrong guess would scale every lead by a thousand.
* Other numeric columns (respiration, acceleration) are kept aside by name; a cell that is
  not a number is refused naming its line.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import MissingRateError, RecordFormatError
from ..leads import try_ecg_lead_name
from ..record import EcgRecord
from ._common import atomic_paths, check_fs, head_lines, read_bounded, read_head, unit_scale
from ._vendor import assemble, printable
from ._wfdb_comments import PROCESSING_TAG, comment_fields, comment_lines, read_comment_lines

__all__ = ["FORMAT_NAME", "MAGIC", "MAX_CSV_TABLE_BYTES", "UNITLESS_MAX_MV", "is_csv_table", "read_csv_table",
           "write_csv", "copy_with_rate", "lacks_rate", "RATE_ENTERED_STEP"]

#: The audit-trail step a table gets when the user supplies its rate (printed on every page).
RATE_ENTERED_STEP = "sampling rate {fs:g} Hz entered by the user (the table stated none)"

FORMAT_NAME = "csv"
#: The first line LeadSynth writes (a comment: any CSV reader skips it).
MAGIC = "# LeadSynth ECG CSV"
#: Largest file read (a 10-s 12-lead is 0.7 MB; this is about 40 min of 12 leads at 500 Hz).
#: Longer recordings belong in HDF5 or EDF, which are read window by window.
MAX_CSV_TABLE_BYTES = 256 * 2**20
#: Largest value a column without a unit may hold to be read as mV.
UNITLESS_MAX_MV = 20.0

_DELIMITERS = (",", ";", "\t")
_UNIT_SUFFIX = re.compile(r"^(.*?)\s*(?:[(\[]\s*(mv|uv|µv|μv|v)\s*[)\]]|_(mv|uv|µv|μv))$", re.IGNORECASE)
_LEAD_PREFIX = re.compile(r"^(?:ecg|ekg|lead)[\s_-]*", re.IGNORECASE)
_TIME_S = {"time", "t", "time_s", "times", "seconds", "sec", "time (s)", "time [s]", "time(s)", "t_s"}
_TIME_MS = {"time_ms", "ms", "t_ms", "time (ms)", "time [ms]", "time(ms)"}
_RATE_KEYS = ("sampling_rate", "sample_rate", "sampling rate", "sample rate", "fs", "sampling frequency")
_NUMBER = re.compile(r"^\s*([0-9]+(?:[.,][0-9]+)?)")


def _column(name: str) -> tuple[str, str | None, str | None]:
    """``(kind, lead or None, unit or None)`` of a header cell; kind: lead, time_s, time_ms, other."""
    text = name.strip().strip('"').strip()
    low = text.lower()
    if low in _TIME_S:
        return "time_s", None, None
    if low in _TIME_MS:
        return "time_ms", None, None
    unit = None
    m = _UNIT_SUFFIX.match(text)
    if m:
        text, unit = m.group(1), (m.group(2) or m.group(3))
    lead = try_ecg_lead_name(_LEAD_PREFIX.sub("", text).strip()) if text else None
    return ("lead", lead, unit) if lead else ("other", None, unit)


def _split_header(line: str) -> tuple[str, list[str]]:
    """The separator of the header row and its cells (the separator that gives most cells)."""
    best = max(_DELIMITERS, key=lambda d: len(line.split(d)))
    return best, [c.strip() for c in line.split(best)]


def _table_start(lines: list[str]) -> tuple[list[str], int] | None:
    """Comment lines (without ``#``) and the index of the header row; None when there is none."""
    comments: list[str] = []
    for i, raw in enumerate(lines):
        line = raw.strip().lstrip("\ufeff")
        if not line:
            continue
        if line.startswith("#"):
            comments.append(line[1:].strip())
            continue
        return comments, i
    return None


def is_csv_table(head: bytes) -> bool:
    """Whether a file's first bytes are a lead table: a header naming a standard lead, then numbers."""
    lines = head_lines(head)
    start = _table_start(lines)
    if start is None:
        return False
    _comments, at = start
    sep, cells = _split_header(lines[at].strip())
    if not any(_column(c)[0] == "lead" for c in cells):
        return False
    row = next((ln.strip() for ln in lines[at + 1:] if ln.strip()), None)
    if row is None:
        return False
    values = row.split(sep)
    if len(values) != len(cells):
        return False
    try:
        [float(v.strip().strip('"').replace(",", ".") if sep != "," else v.strip().strip('"')) for v in values]
    except ValueError:
        return False
    return True


def _first_fault(lines: list[str], at: int, sep: str, n_columns: int, where: str, exc: ValueError) -> RecordFormatError:
    """The first row numpy could not read, named by its line in the file (numpy counts rows
    differently in its own messages)."""
    for k in range(at + 1, len(lines)):
        row = lines[k].split("#", 1)[0].strip()
        if not row:
            continue
        cells = [c.strip().strip('"') for c in row.split(sep)]
        if len(cells) != n_columns:
            return RecordFormatError(f"{where}: line {k + 1} holds {len(cells)} values, the header names {n_columns} columns")
        for c, cell in enumerate(cells):
            try:
                float(cell.replace(",", ".") if sep != "," else cell) if cell else None
            except ValueError:
                return RecordFormatError(f"{where}: line {k + 1}, column {c + 1}: {printable(cell, 20)!r} is not a number")
    return RecordFormatError(f"{where}: {printable(str(exc).splitlines()[0], 160)}")


def lacks_rate(path: str | Path) -> bool:
    """Whether ``path`` is a lead table that states no sampling rate (no rate comment, no time
    column), decided from its first bytes: the comment lines and the header row come first, so
    the table itself is not read (the viewer asks for the rate before opening it)."""
    head = read_head(Path(path))
    if head is None or not is_csv_table(head):
        return False
    start = _table_start(lines := head_lines(head))
    assert start is not None  # is_csv_table found the header row
    comments, at = start
    fields = comment_fields(comments)
    _sep, names = _split_header(lines[at].strip())
    has_time = any(_column(n)[0] in ("time_s", "time_ms") for n in names)
    return not has_time and not any(key in fields for key in _RATE_KEYS)


def _rate_from_comments(fields: dict[str, Any], where: str) -> float | None:
    for key in _RATE_KEYS:
        if key in fields:
            m = _NUMBER.match(str(fields[key]))
            if not m:
                raise RecordFormatError(f"{where}: '# {key}: {printable(fields[key], 30)}' is not a rate in Hz")
            return check_fs(m.group(1).replace(",", "."), where, f"# {key}")
    return None


def _rate_from_time(t: np.ndarray, scale: float, where: str) -> float:
    if t.size < 2:
        raise RecordFormatError(f"{where}: a time column needs at least two rows to give a rate")
    dt = np.diff(t) * scale
    step = float(np.median(dt))
    if step <= 0 or float(np.max(np.abs(dt - step))) > 0.01 * step:
        raise RecordFormatError(
            f"{where}: the time column's steps are not regular (median {step * 1000:.4g} ms, from "
            f"{float(dt.min()) * 1000:.4g} to {float(dt.max()) * 1000:.4g} ms); LeadSynth reads evenly sampled ECGs only"
        )
    return check_fs(round(1.0 / step, 6), where, "the time column's step")


def read_csv_table(path: str | Path, start: int = 0, stop: int | None = None, *, fs: float | None = None) -> EcgRecord:
    """Read a lead table (see the module docstring) as an :class:`EcgRecord` in mV; ``fs``: the
    rate of a table that states none (a table that states one must agree with it)."""
    caller_fs = fs
    path = Path(path)
    where = str(path)
    data = read_bounded(path, MAX_CSV_TABLE_BYTES, "a CSV table LeadSynth reads whole",
                        "convert longer recordings to HDF5 or EDF, which are read window by window")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RecordFormatError(f"{where}: not UTF-8 text (byte {exc.start})") from None
    lines = text.splitlines()
    start_at = _table_start(lines)
    if start_at is None:
        raise RecordFormatError(f"{where}: no header row (a row naming the columns, such as time_s,I,II)")
    comments, at = start_at
    sep, names = _split_header(lines[at].strip())
    columns = [_column(n) for n in names]
    if not any(kind == "lead" for kind, _l, _u in columns):
        raise RecordFormatError(f"{where}: no column names a standard lead (header: {printable(lines[at], 60)})")
    body = "\n".join(lines[at + 1:])
    if sep != ",":
        body = body.replace(",", ".")  # a semicolon or tab table may write decimal commas
    try:
        # numpy's own parser (no Python converter per cell): a table of 256 MiB reads in seconds.
        table = np.loadtxt(io.StringIO(body), delimiter=sep, ndmin=2, dtype=np.float64, quotechar='"')
    except ValueError as exc:
        raise _first_fault(lines, at, sep, len(columns), where, exc) from None
    if table.shape[0] == 0:
        raise RecordFormatError(f"{where}: the table holds a header but no rows")
    if table.shape[1] != len(columns):
        raise RecordFormatError(f"{where}: rows hold {table.shape[1]} values, the header names {len(columns)} columns")
    fields = comment_fields(comments)
    fs = _rate_from_comments(fields, where)
    time_cols = [(j, kind) for j, (kind, _l, _u) in enumerate(columns) if kind in ("time_s", "time_ms")]
    if time_cols:
        j, kind = time_cols[0]
        from_time = _rate_from_time(table[:, j], 1e-3 if kind == "time_ms" else 1.0, where)
        if fs is not None and abs(from_time - fs) > 0.01 * fs:
            raise RecordFormatError(f"{where}: the time column gives {from_time:g} Hz, the header {fs:g} Hz")
        fs = fs or from_time
    given_note = ""
    if fs is None and caller_fs is not None:
        fs = check_fs(caller_fs, where, "the rate given")
        given_note = f"sampling rate {fs:g} Hz given by the caller (the table states none)"
    if fs is None:
        raise MissingRateError(f"{where}: no sampling rate: add a time column (time_s) or a '# sampling_rate: 500' line")
    file_unit = fields.get("unit")
    leads: dict[str, np.ndarray] = {}
    unitless: list[str] = []
    others: list[str] = []
    for j, (kind, lead, unit) in enumerate(columns):
        if kind != "lead":
            if kind == "other":
                others.append(printable(names[j], 30))
            continue
        assert lead is not None
        if lead in leads:
            raise RecordFormatError(f"{where}: lead {lead} has two columns")
        chosen = unit or file_unit
        x = table[:, j]
        if chosen is None:
            unitless.append(lead)
            peak = float(np.nanmax(np.abs(x), initial=0.0))
            if peak > UNITLESS_MAX_MV:
                raise RecordFormatError(
                    f"{where}: column {printable(names[j], 20)} names no unit and reaches {peak:g}; read as mV no ECG "
                    f"comes near that (it may be µV or ADC counts): name the unit, as '{lead} (uV)' or '# unit: uV'"
                )
            leads[lead] = x
        else:
            leads[lead] = x * unit_scale(chosen, where, lead)
    notes: list[str] = [given_note] if given_note else []
    if unitless:
        notes.append(f"no unit named for {', '.join(unitless)}: read as mV (no value above {UNITLESS_MAX_MV:g})")
    names_read = tuple(leads)
    stated, model_id, _fields, from_comments = read_comment_lines(comments, names_read, where)
    provenance = dict(zip(names_read, stated, strict=True)) if stated else {}
    meta: dict[str, Any] = {"format": FORMAT_NAME, **from_comments}
    if notes:
        meta["notes"] = notes
    if others:
        meta["other_channels"] = others
    recorded_at = None
    if "recorded_at" in fields:
        try:
            recorded_at = _dt.datetime.fromisoformat(str(fields["recorded_at"]))
        except ValueError:
            meta.setdefault("notes", []).append(f"recorded_at {printable(fields['recorded_at'], 30)!r} is not a date")
    return assemble(leads, fs, where, provenance=provenance, patient_id=fields.get("patient_id"),
                    recorded_at=recorded_at, model_id=model_id, metadata=meta, start=start, stop=stop)


def write_csv(record: EcgRecord, path: str | Path) -> Path:
    """Write ``record`` as a LeadSynth lead table (atomically); return the path."""
    path = Path(path)
    lines = [MAGIC, f"# sampling_rate: {record.fs:g} Hz", "# unit: mV"]
    lines += comment_lines(record, path, lambda value, _field: " ".join(str(value).split()))
    if record.recorded_at is not None:
        lines.append(f"# recorded_at: {record.recorded_at.isoformat()}")
    lines.append(",".join(("time_s", *record.lead_names)))
    t = np.arange(record.n_samples, dtype=np.float64) / record.fs
    table = np.column_stack([t, record.signal.astype(np.float64)])
    buf = io.StringIO()
    # Nine significant digits give every float32 sample back exactly: measured leads are
    # written unchanged, as by every other writer.
    np.savetxt(buf, table, delimiter=",", fmt=["%.6f"] + ["%.9g"] * record.n_leads)
    with atomic_paths([path]) as (tmp,):
        tmp.write_text("\n".join(lines) + "\n" + buf.getvalue(), encoding="utf-8")
    return path



def copy_with_rate(path: str | Path, fs: float, out: str | Path | None = None) -> Path:
    """A copy of a lead table that states no rate, with ``fs`` stated in a ``# sampling_rate:``
    line and the step in its audit trail (so every page and file made from it says the rate was
    entered, not read); written beside the original as ``NAME.FSHz.csv`` unless ``out`` is given."""
    path = Path(path)
    fs = check_fs(fs, str(path), "the rate entered")
    target = Path(out) if out is not None else path.with_name(f"{path.stem}.{fs:g}Hz{path.suffix or '.csv'}")
    text = read_bounded(path, MAX_CSV_TABLE_BYTES, "a CSV table LeadSynth reads whole").decode("utf-8-sig")
    head = [f"# sampling_rate: {fs:g} Hz", f"# {PROCESSING_TAG} {RATE_ENTERED_STEP.format(fs=fs)}"]
    with atomic_paths([target]) as (tmp,):
        tmp.write_text("\n".join(head) + "\n" + text, encoding="utf-8")
    return target
