"""LeadSynth's global measurements beside the carts' own, on the real exports of ``formats/``.

The GE MUSE / CardioSoft, Philips Sierra, DICOM and HL7 aECG files of
``../shared/data/formats/`` carry what the cart that recorded them measured (GE 12SL,
Philips DXL, Mortara...), read into ``record.metadata["device_report"]`` by LeadSynth's
readers.  For every file this measures the recording as read (``measure_record``: median
beats of the first 10 s, global intervals from the earliest onset to the latest offset over
the leads, as carts define them) and puts the cart's heart rate, PR, QRS, QT, QTc and P/QRS/T
axes beside LeadSynth's, with the difference (LeadSynth - cart; axes wrapped into
(-180, 180]).  A cart's QTc without a named formula is put beside LeadSynth's Bazett QTc.

Some files hold the same recording as another (the Philips fixtures were copied between
repositories; the two aECG examples are one ECG): they are listed, marked "same recording
as", and counted once in the summary.  The summary (n, mean and SD of the difference, mean
absolute difference) is over distinct recordings; with ten or so recordings it is a sanity
check against independent, commercially validated algorithms, not a validation study.

Usage::

    PYTHONPATH=. python benchmarks/measure_carts.py [--data ../shared/data/formats]

Writes benchmarks/results/measure_carts.md and .json (a few seconds).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.differences import summarize_differences
from leadsynth_core.errors import LeadSynthError
from leadsynth_core.files import atomic_write_text
from leadsynth_core.io import read_record
from leadsynth_core.measurement import compare_with_device, measure_record
from leadsynth_core.measurement.device import DEVICE_ROWS

ROOT = Path(__file__).resolve().parents[1]
SUFFIXES = (".xml", ".dcm")
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "formats"


def measure_file(path: Path, data: Path) -> dict[str, Any]:
    """One file: the cart's values, LeadSynth's, the differences (or why there are none)."""
    out: dict[str, Any] = {"file": path.relative_to(data).as_posix()}
    try:
        record = read_record(path)
    except LeadSynthError as exc:
        # The message names the file: keep it relative to the data folder (no machine paths).
        out["refused"] = str(exc).replace(str(path), out["file"])
        return out
    out["format"] = record.metadata.get("format")
    out["digest"] = hashlib.sha256(np.ascontiguousarray(record.signal, dtype=np.float32).tobytes()).hexdigest()[:16]
    report = record.metadata.get("device_report")
    m = measure_record(record)
    out["leadsynth_measurable"] = m.measurable
    if m.reason:
        out["leadsynth_reason"] = m.reason
    if not report or not report.get("measurements"):
        out["device"] = None
        out["note"] = "the file carries no cart measurements"
        return out
    out["device"] = report.get("device")
    out["device_source"] = report.get("source")
    rows = compare_with_device(m.values, report)
    out["rows"] = {r.key: {"leadsynth": _r(r.leadsynth), "device": _r(r.device), "difference": _r(r.difference),
                           **({"note": r.note} if r.note else {})} for r in rows}
    meas = report["measurements"]
    if all(k in meas for k in ("qtc_ms", "qt_ms", "heart_rate_bpm")):
        # What the cart's unnamed QTc is: its own QT through Bazett's formula, for comparison.
        out["device_qt_bazett_ms"] = round(meas["qt_ms"] / np.sqrt(60.0 / meas["heart_rate_bpm"]), 1)
    return out


def _r(x: float | None) -> float | None:
    return None if x is None else round(float(x), 1)


def summarise(files: list[dict[str, Any]]) -> dict[str, Any]:
    """Per quantity over distinct recordings: n, mean and SD of the difference, mean |difference|."""
    out: dict[str, Any] = {}
    for key, _label, _unit in DEVICE_ROWS:
        s = summarize_differences(f["rows"][key]["difference"] for f in files if "rows" in f and not f.get("same_as"))
        out[key] = {k: (v if k == "n" else _r(v)) for k, v in s.items()}
    return out


def _num(x: float | None, fmt: str) -> str:
    return "-" if x is None else format(x, fmt)


def _cell(row: dict[str, Any]) -> str:
    ls, dev, diff = row["leadsynth"], row["device"], row["difference"]
    if dev is None:
        return "-" if ls is None else f"{ls:.0f} / -"
    text = f"{'-' if ls is None else f'{ls:.0f}'} / {dev:.0f}"
    if row.get("note"):
        text += "†"
    return text + ("" if diff is None else f" ({diff:+.0f})")


def markdown(results: dict[str, Any]) -> list[str]:
    md = ["# LeadSynth's measurements beside the carts' own (real hospital exports)", "",
          f"Command: `PYTHONPATH=. python benchmarks/measure_carts.py` ({results['seconds']:.0f} s), on the files "
          "of `../shared/data/formats/`. LeadSynth measures the recording as read (median beats of the first 10 s; "
          "global intervals from the earliest onset to the latest offset over the leads). Each cell: "
          "**LeadSynth / cart (difference LeadSynth - cart)**; ms, bpm, degrees. † the cart's QTc formula is not "
          "stated: put beside LeadSynth's Bazett QTc.", ""]
    heads = [label for _k, label, _u in DEVICE_ROWS]
    md += ["| file | cart | " + " | ".join(heads) + " |", "|---|---|" + "---|" * len(heads)]
    notes = []
    for f in results["files"]:
        if "refused" in f:
            notes.append(f"* `{f['file']}`: refused by the reader (a broken file, as intended): {f['refused']}")
            continue
        if "rows" not in f:
            notes.append(f"* `{f['file']}`: {f['note']}"
                         + ("" if f.get("leadsynth_measurable") else f"; LeadSynth: {f.get('leadsynth_reason')}"))
            continue
        name = f"`{f['file']}`" + (f" (same recording as `{f['same_as']}`)" if f.get("same_as") else "")
        if not f.get("leadsynth_measurable"):
            name += f" - LeadSynth: not measurable ({f.get('leadsynth_reason')})"
        md.append(f"| {name} | {f['device'] or '-'} | " + " | ".join(_cell(f["rows"][k]) for k, _l, _u in DEVICE_ROWS)
                  + " |")
    md += ["", "Files without a comparison:", *notes, "",
           f"## Summary over {results['distinct_recordings']} distinct recordings with cart measurements", "",
           "| quantity | n | mean difference | SD | mean absolute | largest absolute |", "|---|---|---|---|---|---|"]
    for key, label, unit in DEVICE_ROWS:
        s = results["summary"][key]
        md.append(f"| {label} ({unit}) | {s['n']} | {_num(s['mean'], '+.1f')} | {_num(s['sd'], '.1f')} | "
                  f"{_num(s['mean_abs'], '.1f')} | {_num(s['max_abs'], '.0f')} |")
    checks = [f"`{f['file']}`: cart QTc {f['rows']['qtc_bazett_ms']['device']:.0f} ms, its QT/sqrt(RR) "
              f"{f['device_qt_bazett_ms']:.0f} ms" for f in results["files"]
              if "device_qt_bazett_ms" in f and not f.get("same_as")]
    if checks:
        md += ["", "Carts' unnamed QTc against Bazett's formula on their own QT and rate: " + "; ".join(checks) + "."]
    return [*md, ""]



def run(data: Path) -> dict[str, Any]:
    t0 = time.time()
    paths = sorted(p for p in data.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
    files = [measure_file(p, data) for p in paths]
    first: dict[str, str] = {}
    for f in files:
        digest = f.get("digest")
        if digest is None:
            continue
        if digest in first:
            f["same_as"] = first[digest]
        else:
            first[digest] = f["file"]
    results: dict[str, Any] = {
        "data": "../shared/data/formats" if data.resolve() == DEFAULT_DATA.resolve() else str(data), "files": files,
        "distinct_recordings": sum(1 for f in files if "rows" in f and not f.get("same_as")),
        "summary": summarise(files)}
    results["seconds"] = round(time.time() - t0, 1)
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA)
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "measure_carts.json")
    args = p.parse_args(argv)
    if not args.data.is_dir():
        print(f"measure_carts: no folder {args.data}", file=sys.stderr)
        return 2
    results = run(args.data)
    md = markdown(results)
    atomic_write_text(args.out, json.dumps(results, indent=2))
    atomic_write_text(args.out.with_suffix(".md"), "\n".join(md))
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    sys.exit(main())
