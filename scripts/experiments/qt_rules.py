"""How the global T end was chosen (docs/measurements.md, "The QT against LUDB's global QT").

    PYTHONPATH=. .venv/bin/python scripts/experiments/qt_rules.py [--data ../shared/data]

Candidate T-end rules, applied to the median beat LeadSynth's delineator works on, scored as
the QT against LUDB's global QT (``benchmarks/measure_ludb.global_qt_reference``).  The rule
was chosen on records 1-160 by mean absolute error; 161-200 and the carts' QT
(``../shared/data/formats``) are printed for the record and were looked at after the choice.
The shipped rule (``delineate._latest_lead_t_end``) is ``latest0.05_80``, plus the spatial
end where no lead qualifies (so its rows in measure_ludb.md differ slightly from this
script's, which skips such records).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from leadsynth_core.io import read_record
from leadsynth_core.measurement.beats import NotMeasurable, form_beats
from leadsynth_core.measurement.delineate import DelineationSettings, _lead_t_ends, _smooth, delineate_median

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from measure_ludb import LEADS, global_qt_reference, reference_points  # noqa: E402

AMPLITUDES = (0.05, 0.1, 0.15)
SPREADS_MS = (30, 50, 80)


def candidate_t_ends(median: np.ndarray, fs: float, r: int, rr_s: float) -> dict[str, int]:
    """Every candidate T end (sample index in the median beat)."""
    spatial = delineate_median(median, fs, r, rr_s, DelineationSettings(t_lead_min_mv=np.inf))
    out = {"spatial": spatial.t_end}
    for frac in (0.05, 0.1, 0.2):
        out[f"spatial{frac}"] = delineate_median(median, fs, r, rr_s, DelineationSettings(t_end_frac=frac)).t_end
    ms = fs / 1000.0
    x15 = _smooth(np.asarray(median, dtype=np.float64), fs, 15.0) - spatial.baseline_mv
    t_lo = spatial.qrs_off + int(40 * ms)
    t_hi = min(x15.shape[0] - 1, r + int(min(0.75 * rr_s, rr_s - 0.1, 0.8) * fs))
    offsets, amps_a = _lead_t_ends(x15, t_lo, t_hi)
    ends_a = t_lo + offsets
    for a in AMPLITUDES:
        e = np.sort(ends_a[amps_a >= a])
        if not e.size:
            continue
        out[f"latest{a}"] = int(round(e[-1]))
        out[f"second{a}"] = int(round(e[-2] if e.size > 1 else e[-1]))
        out[f"median{a}"] = int(round(np.median(e)))
        for d in SPREADS_MS:
            out[f"latest{a}_{d}"] = int(round(e[e <= np.median(e) + d * ms].max()))
    return {k: v for k, v in out.items() if v is not None}


def qt_candidates(record) -> tuple[dict[str, float], np.ndarray] | None:
    x = np.asarray(record.select(record.standard_leads).signal[: int(10 * record.fs)], dtype=np.float64)
    try:
        b = form_beats(x, record.fs, record.standard_leads)
    except NotMeasurable:
        return None
    ends = candidate_t_ends(b.median, record.fs, b.r_index, b.rr_s)
    on = delineate_median(b.median, record.fs, b.r_index, b.rr_s).qrs_on
    return {k: (e - on) * 1000.0 / record.fs for k, e in ends.items()}, b.r_peaks


def report(title: str, pairs: list[tuple[dict[str, float], float]]) -> None:
    print(f"\n{title}: LeadSynth - reference (ms), n / mean / SD / mean abs")
    for k in sorted({k for q, _ in pairs for k in q}):
        d = np.asarray([q[k] - ref for q, ref in pairs if k in q])
        print(f"  {k:16s} {d.size:4d} {d.mean():+7.1f} {d.std():6.1f} {np.abs(d).mean():6.1f}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    a = p.parse_args()
    ludb = {"1-160": [], "161-200": []}
    for rid in range(1, 201):
        path = a.data / "ludb" / "data" / str(rid)
        got = qt_candidates(read_record(path.with_suffix(".hea")))
        if got is None:
            continue
        ref = global_qt_reference([reference_points(path, lead)[0] for lead in LEADS], got[1], 500.0)
        if ref is not None:
            ludb["1-160" if rid <= 160 else "161-200"].append((got[0], ref))
    report("LUDB 1-160 (choose here)", ludb["1-160"])
    report("LUDB 161-200 (held out)", ludb["161-200"])
    carts, seen = [], set()
    for f in sorted((a.data / "formats").rglob("*")):
        if f.suffix not in (".xml", ".dcm"):
            continue
        try:
            rec = read_record(f)
        except Exception:  # noqa: BLE001 - the broken fixtures are refused, as intended
            continue
        qt = ((rec.metadata.get("device_report") or {}).get("measurements") or {}).get("qt_ms")
        key = np.asarray(rec.signal[:100]).tobytes()
        got = qt_candidates(rec) if qt is not None and key not in seen else None
        seen.add(key)
        if got is not None:
            carts.append((got[0], float(qt)))
    report("Carts' QT (formats/)", carts)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
