"""The band at the ST point: does it hold the true ST level of a synthesized lead?

The viewer's Measurements panel shows each synthesized lead's ST level at J+60 ms with
the calibrated band's half-width there (``leadsynth_core.uncertainty.confidence.band_at_st``):
"0.17 ±0.44" tells a reader that an ST elevation in a V2 synthesized from lead I can be
neither claimed nor excluded.  This benchmark checks that reading against the truth on
records never trained on (LUDB 161-200 and PTB S0001-S0010, the first 10 s of each; both
are the band's calibration records, which were calibrated over every sample, not at the
ST point):

* coverage: how often the true ST J+60 (the measured lead, same measurement) lies within
  the synthesized ST J+60 +- the band there;
* the band's width against the actual error;
* decisions at ``ST_FINDING_MV`` (0.1 mV): where the band excludes an ST finding
  (|ST| + band < 0.1 mV), how often the truth has none; where it asserts one
  (|ST| - band >= 0.1 mV), how often the truth has one of the same sign; and how many leads
  it leaves undecided.

Usage::

    PYTHONPATH=. python benchmarks/st_band.py [--threads 1]

Writes ``benchmarks/results/st_band.md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(ROOT))

from leadsynth_core.io import read_record  # noqa: E402
from leadsynth_core.measurement import measure_record  # noqa: E402
from leadsynth_core.measurement.compare import ST_FINDING_MV  # noqa: E402
from leadsynth_core.models import load_model  # noqa: E402
from leadsynth_core.paths import reference_data_dir  # noqa: E402
from leadsynth_core.uncertainty.band import synthesize_with_band  # noqa: E402
from leadsynth_core.uncertainty.confidence import band_at_st  # noqa: E402

SETS = {"I": "linres-i", "I,II": "linres-i-ii", "I,II,V4": "linres-i-ii-v4", "I,II,V2,V4": "linres-i-ii-v2-v4"}
WINDOW_S = 10.0


def sources(data: Path) -> dict[str, list[Path]]:
    return {
        "LUDB 161-200": [data / "ludb" / "data" / f"{i}.hea" for i in range(161, 201)],
        "PTB S0001-S0010": [data / "cinc2021" / "PTB_PTBXL" / f"S{i:04d}.hea" for i in range(1, 11)],
    }


def pairs(paths: list[Path], inputs: tuple[str, ...], model_id: str) -> np.ndarray:
    """``(4, n)``: synthesized - true ST J+60, the band there, the true and the synthesized ST (mV)."""
    model = load_model(model_id)
    rows: list[tuple[float, float, float, float]] = []
    for path in paths:
        rec = read_record(path)
        rec = rec.slice_time(0.0, min(WINDOW_S, rec.duration))
        banded = synthesize_with_band(rec, inputs, model)
        shown, truth = measure_record(banded.record), measure_record(rec)
        if not (shown.measurable and truth.measurable):
            continue
        for lead, half in band_at_st(shown, banded.half_width).items():
            a = shown.leads[lead].values.st_j60_mv
            t = truth.leads[lead].values.st_j60_mv if lead in truth.leads else None
            if a is not None and t is not None:
                rows.append((a - t, half, t, a))
    return np.asarray(rows, dtype=np.float64).T.reshape(4, -1)


def summarize(err: np.ndarray, half: np.ndarray, true: np.ndarray, synth: np.ndarray) -> dict:
    sure = np.abs(synth) - half >= ST_FINDING_MV
    none = np.abs(synth) + half < ST_FINDING_MV
    found = np.abs(true) >= ST_FINDING_MV
    return {
        "leads": int(err.size),
        "coverage": float(np.mean(np.abs(err) <= half)) if err.size else None,
        "median_band_mv": float(np.median(half)) if err.size else None,
        "median_abs_error_mv": float(np.median(np.abs(err))) if err.size else None,
        "p90_abs_error_mv": float(np.percentile(np.abs(err), 90)) if err.size else None,
        "true_findings": int(found.sum()),
        "excluded": int(none.sum()),
        "excluded_right": int((none & ~found).sum()),
        "asserted": int(sure.sum()),
        "asserted_right": int((sure & found & (np.sign(true) == np.sign(synth))).sum()),
        "undecided": int((~sure & ~none).sum()),
        "true_findings_undecided": int((~sure & ~none & found).sum()),
    }


def run(data: Path) -> dict:
    out: dict = {"finding_mv": ST_FINDING_MV, "rows": []}
    for source, paths in sources(data).items():
        for inputs, model_id in SETS.items():
            err, half, true, synth = pairs(paths, tuple(inputs.split(",")), model_id)
            out["rows"].append({"source": source, "inputs": inputs, "model": model_id,
                                **summarize(err, half, true, synth)})
    return out


def _pct(a: int, b: int) -> str:
    return f"{a}/{b}" if b else "-"


def markdown(res: dict) -> str:
    f = res["finding_mv"]
    lines = [
        "# The band at the ST point (synthesized ST J+60 +- the 90 % band there)",
        "",
        f"Command: `PYTHONPATH=. python benchmarks/st_band.py` ({res['seconds']:.0f} s, {res['threads']} CPU "
        "thread(s)). First 10 s of each record, never trained on; these are the band's calibration records, "
        "calibrated over every sample and not at the ST point. Truth: the measured lead's own ST J+60 "
        "(same measurement). Coverage: the true ST J+60 within the synthesized one +- the band there "
        f"(median over beats). Decisions at {f} mV: excluded = |ST| + band < {f} "
        f"(no finding, even at the band's edges), asserted = |ST| - band >= {f}; right = the truth agrees; "
        "undecided = the band reaches across the threshold (what the panel says as 'neither claimed nor excluded').",
        "",
        "| source | inputs | leads | coverage | median band mV | median / 90th pct. error mV | "
        "excluded (right) | asserted (right) | undecided (of them true findings) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in res["rows"]:
        if not r["leads"]:
            continue
        lines.append(
            f"| {r['source']} | {r['inputs']} | {r['leads']} | {100 * r['coverage']:.1f} % | {r['median_band_mv']:.3f} | "
            f"{r['median_abs_error_mv']:.3f} / {r['p90_abs_error_mv']:.3f} | "
            f"{_pct(r['excluded_right'], r['excluded'])} | {_pct(r['asserted_right'], r['asserted'])} | "
            f"{r['undecided']} ({r['true_findings_undecided']} of {r['true_findings']}) |")
    rows = [r for r in res["rows"] if r["leads"]]
    total = {k: sum(r[k] for r in rows) for k in ("leads", "excluded", "excluded_right", "asserted",
                                                     "asserted_right", "undecided")}
    cover = [r["coverage"] for r in rows]
    if rows:
        lines += ["", f"Over every row: coverage {100 * min(cover):.1f}-{100 * max(cover):.1f} %; of "
                  f"{total['leads']} synthesized leads the band excluded an ST finding in {total['excluded']} "
                  f"(the truth agreeing in {total['excluded_right']}), asserted one in {total['asserted']} "
                  f"({total['asserted_right']} right) and left {total['undecided']} undecided. The band was "
                  "calibrated over whole recordings and is widest around the QRS, so at J+60 it is wider than "
                  "the error: a conservative reading, which leaves leads undecided rather than misread."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", type=Path, default=None, help="the shared data folder (default: found)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "st_band")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    data = args.data_root or reference_data_dir()
    if not (data / "ludb" / "data").is_dir():
        print(f"st_band: no LUDB under {data}: nothing to measure", file=sys.stderr)
        return 1
    t0 = time.perf_counter()
    res = run(data)
    res["seconds"] = time.perf_counter() - t0
    res["threads"] = args.threads
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(res, indent=2) + "\n")
    text = markdown(res)
    args.out.with_suffix(".md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
