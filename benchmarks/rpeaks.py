"""R-peak detection against LUDB's cardiologist QRS annotations.

For every LUDB record, the reference R peaks are the 'N' symbols (QRS peak, between '('
and ')') of the lead-II annotation file ``<n>.ii``.  LUDB annotates only the central
part of each record, so detections are counted only between the first and the last
annotation of the file (widened by the match tolerance).  A detection within 75 ms of
a reference peak is a true positive (one-to-one matching).

Usage::

    PYTHONPATH=. python benchmarks/rpeaks.py [--data ../shared/data/ludb/data] [--out benchmarks/results/rpeaks.json]

Prints sensitivity (Se) and positive predictive value (PPV) for lead II alone and for
all 12 leads combined (``preprocess.detect_r_peaks``), and for the beats the heart-rate trend
finds from a device's leads (``measurement.rhythm.detect_beats``: the live leads, 0.5-40 Hz,
small complexes dropped) from lead I alone (a watch) and from I, II, V4 (a patch), and
writes per-record counts to the JSON file.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

import numpy as np
import wfdb

from leadsynth_core.io import read_record
from leadsynth_core.leads import STANDARD_LEADS
from leadsynth_core.measurement.rhythm import detect_beats
from leadsynth_core.paths import reference_data_dir
from leadsynth_core.preprocess import detect_r_peaks

ROOT = Path(__file__).resolve().parents[1]
TOLERANCE_S = 0.075
MODES = ("lead_II", "12_leads", "trend_lead_I", "trend_I_II_V4")


def match(reference: np.ndarray, detected: np.ndarray, tol: int) -> int:
    """Number of one-to-one matches within ``tol`` samples (greedy by distance order)."""
    used = np.zeros(detected.size, dtype=bool)
    hits = 0
    for r in reference:
        if detected.size == 0:
            break
        d = np.abs(detected - r)
        d[used] = tol + 1
        j = int(np.argmin(d))
        if d[j] <= tol:
            used[j] = True
            hits += 1
    return hits


def paced_records(data: Path) -> set[str]:
    """Records whose ludb.csv 'Cardiac pacing' column is filled (10 in LUDB).

    For paced beats LUDB marks the QRS 'peak' near the pacing spike at the start of the
    wide paced complex, 80-120 ms before its largest deflection, so a detector that
    places R at the largest deflection is scored as a miss plus a false positive there.
    """
    table = data.parent / "ludb.csv"
    if not table.exists():
        return set()
    with table.open(newline="", encoding="utf-8") as fh:
        return {row["ID"] for row in csv.DictReader(fh) if (row.get("Cardiac pacing") or "").strip()}


def _summary(rows: list[dict], mode: str) -> dict:
    t = {k: sum(r[mode][k] for r in rows) for k in ("tp", "fn", "fp")}
    return {**t, "records": len(rows), "sensitivity": t["tp"] / max(1, t["tp"] + t["fn"]),
            "ppv": t["tp"] / max(1, t["tp"] + t["fp"])}


def evaluate(data: Path) -> dict:
    per_record = []
    paced = paced_records(data)
    for hea in sorted(data.glob("*.hea"), key=lambda p: int(p.stem)):
        rec = read_record(hea)
        ann = wfdb.rdann(str(hea.with_suffix("")), "ii")
        samples = np.asarray(ann.sample)
        ref = samples[np.asarray(ann.symbol) == "N"]
        tol = int(round(TOLERANCE_S * rec.fs))
        lo, hi = samples.min() - tol, samples.max() + tol
        row = {"record": hea.stem, "reference": int(ref.size)}
        for mode, det in (("lead_II", detect_r_peaks(rec.lead("II"), rec.fs)),
                          ("12_leads", detect_r_peaks(rec.select(STANDARD_LEADS).signal, rec.fs)),
                          ("trend_lead_I", detect_beats(rec.select(("I",)).signal, rec.fs)),
                          ("trend_I_II_V4", detect_beats(rec.select(("I", "II", "V4")).signal, rec.fs))):
            det = det[(det >= lo) & (det <= hi)]
            tp = match(ref, det, tol)
            counts = {"tp": tp, "fn": int(ref.size - tp), "fp": int(det.size - tp)}
            row[mode] = counts
        row["paced"] = hea.stem in paced
        per_record.append(row)
    unpaced = [r for r in per_record if not r["paced"]]
    summary = {}
    for mode in MODES:
        summary[mode] = _summary(per_record, mode)
        summary[f"{mode}_without_pacemaker"] = _summary(unpaced, mode)
    return {"tolerance_s": TOLERANCE_S, "records": len(per_record), "summary": summary, "per_record": per_record}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=reference_data_dir() / "ludb" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "rpeaks.json")
    args = parser.parse_args(argv)
    if not (args.data / "1.hea").exists():
        print(f"LUDB not found at {args.data}", file=sys.stderr)
        return 1
    t0 = time.perf_counter()
    result = evaluate(args.data)
    result["seconds"] = round(time.perf_counter() - t0, 2)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    rows = ["| input | records | sensitivity | positive predictive value |", "|---|---|---|---|"]
    for mode, s in result["summary"].items():
        rows.append(f"| {mode.replace('_', ' ')} | {s['records']} | {100 * s['sensitivity']:.2f} % | {100 * s['ppv']:.2f} % |")
    args.out.with_suffix(".md").write_text("\n".join(rows) + "\n", encoding="utf-8")
    for mode, s in result["summary"].items():
        print(
            f"{mode:28s} Se {100 * s['sensitivity']:.2f}%  PPV {100 * s['ppv']:.2f}%  "
            f"(TP {s['tp']}, FN {s['fn']}, FP {s['fp']}; {s['records']} records)"
        )
    worst = sorted(result["per_record"], key=lambda r: -(r["lead_II"]["fn"] + r["lead_II"]["fp"]))[:5]
    print("worst (lead II):", ", ".join(f"{r['record']} fn={r['lead_II']['fn']} fp={r['lead_II']['fp']}" for r in worst))
    print(f"wrote {args.out} in {result['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
