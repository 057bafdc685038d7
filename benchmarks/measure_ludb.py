"""Delineation against LUDB's cardiologist annotations (all 200 records, every lead).

LUDB (Kalyakulina et al. 2020) gives, for each of the 12 leads of its 200 records, the
onset, peak and offset of every P, QRS and T wave a cardiologist marked (annotation files
``<n>.i``, ``<n>.ii`` ... read with ``wfdb.rdann``).  LeadSynth delineates the median beat
of all leads together (``leadsynth_core.measurement``) and projects its fiducial points onto
every detected beat (R peak + the point's offset from R in the median beat); each lead's
annotation is then the reference for those global points.

Scoring as delineation papers do (Martinez et al. 2004, Kalyakulina et al. 2020): a detected
point within 150 ms of a reference point of the same kind is a true positive (one-to-one,
nearest first); only detections between the first and the last annotation of a lead count
(LUDB leaves the ends of each record unannotated).  Per point: sensitivity, positive
predictive value, and the mean and SD of the error (detected - reference) in ms.

The QT itself is scored against LUDB's *global* QT, as the QT is defined (earliest QRS
onset to the latest T end in any lead): for every beat with at least six leads annotated,
the latest annotated T offset minus the earliest annotated QRS onset over the leads; the
record's reference is the median over its beats, LeadSynth's the QT of its median beat.
(The latest of twelve independent annotations is itself pulled late by their scatter, so
this reference errs long; the carts of ``measure_carts.py`` are the other reference.)

``--compare neurokit`` also scores neurokit2's wavelet delineator (``ecg_delineate(...,
method="dwt")`` on lead II with the same R peaks) against the lead-II annotations of
records 1-160, beside LeadSynth's delineator on the same reference: the numbers that chose
the delineator (neurokit2 is not a dependency; put it on PYTHONPATH for this comparison).

Usage::

    PYTHONPATH=. python benchmarks/measure_ludb.py [--data ../shared/data/ludb/data] [--compare neurokit]

Writes benchmarks/results/measure_ludb.md and .json.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import wfdb

from benchmarks.differences import summarize_differences
from leadsynth_core.files import atomic_write_text
from leadsynth_core.io import read_record
from leadsynth_core.measurement.beats import NotMeasurable, form_beats
from leadsynth_core.measurement.delineate import DelineationSettings, delineate_median

ROOT = Path(__file__).resolve().parents[1]
TOLERANCE_S = 0.150
POINTS = ("p_on", "p_off", "qrs_on", "qrs_off", "t_off")
LEADS = ("i", "ii", "iii", "avr", "avl", "avf", "v1", "v2", "v3", "v4", "v5", "v6")
_WAVE = {"p": "p", "N": "qrs", "t": "t"}


def reference_points(record_path: Path, lead: str) -> tuple[dict[str, np.ndarray], tuple[int, int]]:
    """The cardiologist's points of one lead and the annotated span (first, last sample)."""
    ann = wfdb.rdann(str(record_path), lead)
    sym, smp = list(ann.symbol), np.asarray(ann.sample)
    pts: dict[str, list[int]] = {k: [] for k in POINTS}
    for i, s in enumerate(sym):
        wave = _WAVE.get(s)
        if wave is None:
            continue
        if i > 0 and sym[i - 1] == "(" and wave != "t":
            pts[f"{wave}_on"].append(int(smp[i - 1]))
        if i + 1 < len(sym) and sym[i + 1] == ")":
            pts["t_off" if wave == "t" else f"{wave}_off"].append(int(smp[i + 1]))
    return {k: np.asarray(v, dtype=np.int64) for k, v in pts.items()}, (int(smp.min()), int(smp.max()))


def own_points(signal: np.ndarray, fs: float, names: tuple[str, ...],
               settings: DelineationSettings | None = None) -> dict[str, np.ndarray]:
    """LeadSynth's global points projected onto every beat (empty when not measurable).

    Also ``"qt_ms"`` (one value: the median beat's QT; empty without a T end) and
    ``"r_peaks"`` (the beats the points were projected on).
    """
    try:
        beats = form_beats(signal, fs, names)
    except NotMeasurable:
        return {k: np.zeros(0, dtype=np.int64) for k in (*POINTS, "qt_ms", "r_peaks")}
    f = delineate_median(beats.median, fs, beats.r_index, beats.rr_s, settings, beats.beats)
    rel = {"p_on": f.p_on, "p_off": f.p_off, "qrs_on": f.qrs_on, "qrs_off": f.qrs_off, "t_off": f.t_end}
    out = {}
    for k, v in rel.items():
        out[k] = np.zeros(0, dtype=np.int64) if v is None else beats.r_peaks + (v - beats.r_index)
    out["qt_ms"] = np.asarray([] if f.t_end is None else [(f.t_end - f.qrs_on) * 1000.0 / fs])
    out["r_peaks"] = np.asarray(beats.r_peaks)
    return out


def global_qt_reference(refs: list[dict[str, np.ndarray]], r_peaks: np.ndarray, fs: float) -> float | None:
    """LUDB's global QT of a record (ms): see the module notes; ``None`` without six leads."""
    qts = []
    for r in r_peaks:
        on = [p["qrs_on"][(p["qrs_on"] > r - 0.15 * fs) & (p["qrs_on"] <= r)] for p in refs]
        off = [p["t_off"][(p["t_off"] > r + 0.1 * fs) & (p["t_off"] < r + 0.7 * fs)] for p in refs]
        on_min = [o.min() for o in on if o.size]
        off_max = [o.max() for o in off if o.size]
        if len(on_min) >= 6 and len(off_max) >= 6:
            qts.append((max(off_max) - min(on_min)) * 1000.0 / fs)
    return float(np.median(qts)) if qts else None


def qt_summary(pairs: list[tuple[float, float]]) -> dict:
    """n, mean and SD of (LeadSynth - reference), mean, median and largest absolute (ms)."""
    return summarize_differences(a - b for a, b in pairs)


def neurokit_points(lead: np.ndarray, fs: float, r_peaks: np.ndarray) -> dict[str, np.ndarray]:
    """neurokit2's DWT delineation of one lead with the given R peaks."""
    import neurokit2 as nk

    cleaned = nk.ecg_clean(lead, sampling_rate=int(fs))
    try:
        _, waves = nk.ecg_delineate(cleaned, r_peaks, sampling_rate=int(fs), method="dwt")
    except Exception:  # noqa: BLE001 - a third-party failure counts as no detection
        return {k: np.zeros(0, dtype=np.int64) for k in POINTS}
    keys = {"p_on": "ECG_P_Onsets", "p_off": "ECG_P_Offsets", "qrs_on": "ECG_R_Onsets",
            "qrs_off": "ECG_R_Offsets", "t_off": "ECG_T_Offsets"}
    out = {}
    for k, nk_key in keys.items():
        v = np.asarray(waves.get(nk_key, []), dtype=float)
        out[k] = v[np.isfinite(v)].astype(np.int64)
    return out


def score(ref: np.ndarray, det: np.ndarray, span: tuple[int, int], tol: int) -> tuple[int, int, int, list[int]]:
    """(tp, fn, fp, errors in samples) for one kind of point."""
    det = det[(det >= span[0] - tol // 3) & (det <= span[1] + tol // 3)]
    used = np.zeros(det.size, dtype=bool)
    errors = []
    for r in ref:
        if det.size == 0:
            break
        d = np.abs(det - r).astype(float)
        d[used] = np.inf
        j = int(np.argmin(d))
        if d[j] <= tol:
            used[j] = True
            errors.append(int(det[j] - r))
    tp = len(errors)
    return tp, int(ref.size - tp), int(det.size - tp), errors


class Tally:
    """Running counts and errors per point."""

    def __init__(self) -> None:
        self.c = {k: {"tp": 0, "fn": 0, "fp": 0, "err_ms": []} for k in POINTS}

    def add(self, ref: dict, det: dict, span: tuple[int, int], fs: float) -> None:
        for k in POINTS:
            tp, fn, fp, err = score(ref[k], det[k], span, int(TOLERANCE_S * fs))
            c = self.c[k]
            c["tp"] += tp
            c["fn"] += fn
            c["fp"] += fp
            c["err_ms"].extend(e * 1000.0 / fs for e in err)

    def summary(self) -> dict:
        out = {}
        for k, c in self.c.items():
            e = np.asarray(c["err_ms"])
            out[k] = {"tp": c["tp"], "fn": c["fn"], "fp": c["fp"],
                      "sensitivity": c["tp"] / max(1, c["tp"] + c["fn"]),
                      "ppv": c["tp"] / max(1, c["tp"] + c["fp"]),
                      "mean_error_ms": float(e.mean()) if e.size else None,
                      "sd_error_ms": float(e.std()) if e.size else None,
                      "mean_abs_error_ms": float(np.abs(e).mean()) if e.size else None}
        return out


def paced_records(data: Path) -> set[str]:
    """LUDB records with cardiac pacing (ludb.csv column 'Cardiac pacing')."""
    table = data.parent / "ludb.csv"
    if not table.exists():
        return set()
    with table.open(newline="", encoding="utf-8") as fh:
        return {row["ID"] for row in csv.DictReader(fh) if (row.get("Cardiac pacing") or "").strip()}


def evaluate(data: Path, ids: list[int], *, settings: DelineationSettings | None = None,
             compare: bool = False) -> dict:
    groups = {"all": Tally(), "no_pacing": Tally(), "lead_ii": Tally()}
    nk_tally = Tally() if compare else None
    paced = paced_records(data)
    not_measurable = []
    qt_pairs: dict[str, list[tuple[float, float]]] = {"all": [], "no_pacing": []}
    for rid in ids:
        path = data / str(rid)
        rec = read_record(path.with_suffix(".hea"))
        det = own_points(np.asarray(rec.signal), rec.fs, rec.lead_names, settings)
        if det["qrs_on"].size == 0:
            not_measurable.append(rid)
        annotations = {lead: reference_points(path, lead) for lead in LEADS}  # read once per lead
        qt_ref = global_qt_reference([pts for pts, _ in annotations.values()], det["r_peaks"], rec.fs)
        if qt_ref is not None and det["qt_ms"].size:
            qt_pairs["all"].append((float(det["qt_ms"][0]), qt_ref))
            if str(rid) not in paced:
                qt_pairs["no_pacing"].append((float(det["qt_ms"][0]), qt_ref))
        for lead, (ref, span) in annotations.items():
            groups["all"].add(ref, det, span, rec.fs)
            if str(rid) not in paced:
                groups["no_pacing"].add(ref, det, span, rec.fs)
            if lead == "ii":
                groups["lead_ii"].add(ref, det, span, rec.fs)
                if nk_tally is not None:
                    from leadsynth_core.preprocess import detect_r_peaks
                    peaks = detect_r_peaks(np.asarray(rec.signal, dtype=np.float64), rec.fs)
                    nkd = neurokit_points(np.asarray(rec.lead("II"), dtype=np.float64), rec.fs, peaks)
                    nk_tally.add(ref, nkd, span, rec.fs)
    out = {k: v.summary() for k, v in groups.items()}
    if nk_tally is not None:
        out["neurokit2_lead_ii"] = nk_tally.summary()
    out["global_qt"] = {k: qt_summary(v) for k, v in qt_pairs.items()}
    out["not_measurable"] = not_measurable
    out["records"] = len(ids)
    out["paced_records"] = sorted(int(p) for p in paced if int(p) in ids)
    return out


def _table(title: str, summ: dict) -> list[str]:
    lines = [f"**{title}**", "", "| point | Se % | PPV % | error mean ± SD (ms) | mean abs (ms) | TP | FN | FP |",
             "|---|---|---|---|---|---|---|---|"]
    names = {"p_on": "P onset", "p_off": "P offset", "qrs_on": "QRS onset", "qrs_off": "QRS offset (J)",
             "t_off": "T offset"}
    for k in POINTS:
        c = summ[k]
        err = "-" if c["mean_error_ms"] is None else f"{c['mean_error_ms']:+.1f} ± {c['sd_error_ms']:.1f}"
        mae = "-" if c["mean_abs_error_ms"] is None else f"{c['mean_abs_error_ms']:.1f}"
        lines.append(f"| {names[k]} | {100 * c['sensitivity']:.2f} | {100 * c['ppv']:.2f} | {err} | {mae} | "
                     f"{c['tp']} | {c['fn']} | {c['fp']} |")
    return [*lines, ""]


def _qt_table(rows: list[tuple[str, dict]]) -> list[str]:
    lines = ["**QT against LUDB's global QT** (earliest annotated QRS onset to the latest annotated T end "
             "over the 12 leads, median over beats; LeadSynth - reference, ms)", "",
             "| records | n | mean ± SD | mean abs | median abs | largest abs |", "|---|---|---|---|---|---|"]
    for title, q in rows:
        if q.get("n"):
            lines.append(f"| {title} | {q['n']} | {q['mean']:+.1f} ± {q['sd']:.1f} | {q['mean_abs']:.1f} | "
                         f"{q['median_abs']:.1f} | {q['max_abs']:.0f} |")
    return [*lines, ""]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "ludb" / "data")
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "measure_ludb.json")
    p.add_argument("--compare", choices=("neurokit",), help="also score neurokit2 on lead II of records 1-160")
    args = p.parse_args(argv)
    t0 = time.time()
    results = {"tolerance_ms": TOLERANCE_S * 1000,
               "settings": dataclasses.asdict(DelineationSettings()),
               "development_1_160": evaluate(args.data, list(range(1, 161)), compare=args.compare == "neurokit"),
               "held_out_161_200": evaluate(args.data, list(range(161, 201)))}
    results["all_200"] = evaluate(args.data, list(range(1, 201)))
    # The previous T end (no lead qualifies, so the spatial magnitude's own end), for the QT table.
    results["spatial_t_end_all_200"] = evaluate(args.data, list(range(1, 201)),
                                                settings=DelineationSettings(t_lead_min_mv=math.inf))
    results["seconds"] = round(time.time() - t0, 1)
    md = ["# Delineation against LUDB's cardiologist annotations", "",
          f"Command: `PYTHONPATH=. python benchmarks/measure_ludb.py{' --compare neurokit' if args.compare else ''}` "
          f"({results['seconds']:.0f} s). Global (all-lead) median-beat fiducial points projected onto each beat, "
          f"scored against every lead's annotation; match tolerance {TOLERANCE_S * 1000:.0f} ms; "
          "error = detected - cardiologist.", ""]
    a = results["all_200"]
    md += _table("All 200 records, 12 leads", a["all"])
    md += _table(f"Without cardiac pacing ({a['records'] - len(a['paced_records'])} records)", a["no_pacing"])
    md += _table("Held out from tuning: records 161-200, 12 leads", results["held_out_161_200"]["all"])
    d = results["development_1_160"]
    md += _table("Records 1-160 (thresholds tuned here), lead II annotation", d["lead_ii"])
    if "neurokit2_lead_ii" in d:
        md += _table("neurokit2 0.3 DWT delineator on lead II, records 1-160, same R peaks", d["neurokit2_lead_ii"])
    md += _qt_table([("1-160 (T-end rule chosen here)", d["global_qt"]["all"]),
                     ("161-200 (held out)", results["held_out_161_200"]["global_qt"]["all"]),
                     ("all 200 without pacing", a["global_qt"]["no_pacing"]),
                     ("all 200 without pacing, the T end before 2026-11-30 (spatial magnitude only)",
                      results["spatial_t_end_all_200"]["global_qt"]["no_pacing"])])
    md += [f"Not measurable (no beat delineated): {', '.join(map(str, a['not_measurable'])) or 'none'}.", ""]
    atomic_write_text(args.out, json.dumps(results, indent=2))
    atomic_write_text(args.out.with_suffix(".md"), "\n".join(md))
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    sys.exit(main())
