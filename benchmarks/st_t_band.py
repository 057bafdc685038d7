"""The band where ST and T are read: does it hold the true ST level and T wave of a synthesized lead?

The viewer's Measurements panel and ``leadsynth measure --inputs`` show each synthesized
lead's ST level at J+60 ms and its T wave with the calibrated band's half-width where they
are read (``leadsynth_core.uncertainty.confidence.band_at``): "0.17 ±0.44" tells a reader
that an ST elevation in a V2 synthesized from lead I can be neither claimed nor excluded.
This benchmark checks that reading against the truth on records never trained on (LUDB
161-200 and PTB S0001-S0010, the first 10 s of each; both are the band's calibration
records, which were calibrated over every sample, not at these points):

* coverage: how often the true value (the measured lead, same measurement) lies within the
  synthesized value +- the band there;
* the band's width against the actual error;
* the verdicts of ``band_verdict``: ST: a deviation of ``ST_FINDING_MV`` (0.1 mV) or more
  present, absent even at the band's edges, or undecided; T: a wave of ``FLAT_T_MV``
  (0.05 mV) or more of the value's sign present (its polarity holds), flat even at the
  band's edges, or undecided.  Right: the truth agrees (present: same sign and at least the
  threshold; absent: under the threshold).

Usage::

    PYTHONPATH=. python benchmarks/st_t_band.py [--threads 1]

Writes ``benchmarks/results/st_t_band.md`` and ``.json``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(ROOT))

from benchmarks._results import benchmark_main  # noqa: E402
from leadsynth_core.io import read_record  # noqa: E402
from leadsynth_core.measurement import measure_record  # noqa: E402
from leadsynth_core.measurement.compare import ST_FINDING_MV  # noqa: E402
from leadsynth_core.measurement.per_lead import FLAT_T_MV  # noqa: E402
from leadsynth_core.models import load_model  # noqa: E402
from leadsynth_core.uncertainty.band import synthesize_with_band  # noqa: E402
from leadsynth_core.uncertainty.confidence import band_at, band_verdict  # noqa: E402

SETS = {"I": "linres-i", "I,II": "linres-i-ii", "I,II,V4": "linres-i-ii-v4", "I,II,V2,V4": "linres-i-ii-v2-v4"}
KEYS = {"st_j60_mv": ("ST J+60", ST_FINDING_MV), "t_mv": ("T wave", FLAT_T_MV)}
WINDOW_S = 10.0


def sources(data: Path) -> dict[str, list[Path]]:
    return {
        "LUDB 161-200": [data / "ludb" / "data" / f"{i}.hea" for i in range(161, 201)],
        "PTB S0001-S0010": [data / "cinc2021" / "PTB_PTBXL" / f"S{i:04d}.hea" for i in range(1, 11)],
    }


def pairs(paths: list[Path], inputs: tuple[str, ...], model_id: str) -> dict[str, np.ndarray]:
    """Per key, ``(3, n)``: the synthesized value, the true value, the band there (mV)."""
    model = load_model(model_id)
    rows: dict[str, list[tuple[float, float, float]]] = {k: [] for k in KEYS}
    for path in paths:
        rec = read_record(path)
        rec = rec.slice_time(0.0, min(WINDOW_S, rec.duration))
        banded = synthesize_with_band(rec, inputs, model)
        shown, truth = measure_record(banded.record), measure_record(rec)
        if not (shown.measurable and truth.measurable):
            continue
        for key in KEYS:
            for lead, half in band_at(shown, banded.half_width, 0, key).items():
                a = getattr(shown.leads[lead].values, key)
                t = getattr(truth.leads[lead].values, key) if lead in truth.leads else None
                if a is not None and t is not None:
                    rows[key].append((a, t, half))
    return {k: np.asarray(v, dtype=np.float64).T.reshape(3, -1) for k, v in rows.items()}


def summarize(key: str, synth: np.ndarray, true: np.ndarray, half: np.ndarray) -> dict:
    threshold = KEYS[key][1]
    verdicts = np.array([band_verdict(key, a, h) for a, h in zip(synth, half, strict=True)], dtype=object)
    present, absent = verdicts == "present", verdicts == "absent"
    real = np.abs(true) >= threshold
    err = synth - true
    return {
        "values": int(err.size),
        "coverage": float(np.mean(np.abs(err) <= half)) if err.size else None,
        "median_band_mv": float(np.median(half)) if err.size else None,
        "median_abs_error_mv": float(np.median(np.abs(err))) if err.size else None,
        "p90_abs_error_mv": float(np.percentile(np.abs(err), 90)) if err.size else None,
        "true_present": int(real.sum()),
        "absent": int(absent.sum()),
        "absent_right": int((absent & ~real).sum()),
        "present": int(present.sum()),
        "present_right": int((present & real & (np.sign(true) == np.sign(synth))).sum()),
        "undecided": int((~present & ~absent).sum()),
        "true_present_undecided": int((~present & ~absent & real).sum()),
        # Opposite signs, both at least the threshold: a T wave whose polarity flipped.
        "flipped_present": int((present & real & (np.abs(synth) >= threshold) & (np.sign(true) != np.sign(synth))).sum()),
        "flipped_undecided": int((~present & ~absent & real & (np.abs(synth) >= threshold)
                                  & (np.sign(true) != np.sign(synth))).sum()),
    }


def run(data: Path) -> dict:
    out: dict = {"thresholds_mv": {k: v[1] for k, v in KEYS.items()}, "rows": []}
    for source, paths in sources(data).items():
        for inputs, model_id in SETS.items():
            by_key = pairs(paths, tuple(inputs.split(",")), model_id)
            for key, (synth, true, half) in by_key.items():
                out["rows"].append({"source": source, "inputs": inputs, "model": model_id, "value": key,
                                    **summarize(key, synth, true, half)})
    return out


def _frac(a: int, b: int) -> str:
    return f"{a}/{b}" if b else "-"


def markdown(res: dict) -> str:
    lines = [
        "# The band where ST and T are read (synthesized value +- the 90 % band there)",
        "",
        f"Command: `PYTHONPATH=. python benchmarks/st_t_band.py` ({res['seconds']:.0f} s, {res['threads']} CPU "
        "thread(s)). First 10 s of each record, never trained on; these are the band's calibration records, "
        "calibrated over every sample and not at these points. Truth: the measured lead's own value (same "
        "measurement). Coverage: the true value within the synthesized one +- the band there (median over beats). "
        f"Verdicts (`band_verdict`): ST J+60: a deviation of {KEYS['st_j60_mv'][1]} mV or more present / absent "
        f"even at the band's edges / undecided; T wave: {KEYS['t_mv'][1]} mV or more of its sign present (the "
        "polarity holds) / flat even at the band's edges / undecided. Right: the truth agrees.",
    ]
    for key, (label, _threshold) in KEYS.items():
        rows = [r for r in res["rows"] if r["value"] == key and r["values"]]
        lines += ["", f"## {label}", "",
                  "| source | inputs | values | coverage | median band mV | median / 90th pct. error mV | "
                  "absent (right) | present (right) | undecided (of them truly present) |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for r in rows:
            lines.append(
                f"| {r['source']} | {r['inputs']} | {r['values']} | {100 * r['coverage']:.1f} % | "
                f"{r['median_band_mv']:.3f} | {r['median_abs_error_mv']:.3f} / {r['p90_abs_error_mv']:.3f} | "
                f"{_frac(r['absent_right'], r['absent'])} | {_frac(r['present_right'], r['present'])} | "
                f"{r['undecided']} ({r['true_present_undecided']} of {r['true_present']}) |")
        if rows:
            total = {k: sum(r[k] for r in rows) for k in ("values", "absent", "absent_right", "present",
                                                             "present_right", "undecided")}
            cover = [r["coverage"] for r in rows]
            lines += ["", f"Over every row: coverage {100 * min(cover):.1f}-{100 * max(cover):.1f} %; of "
                      f"{total['values']} synthesized leads the band said absent in {total['absent']} "
                      f"({total['absent_right']} right), present in {total['present']} ({total['present_right']} "
                      f"right) and left {total['undecided']} undecided."]
            if key == "t_mv":
                fp, fu = (sum(r[k] for r in rows) for k in ("flipped_present", "flipped_undecided"))
                lines += ["", "T polarity flipped (synthesized and true T waves of opposite signs, both at least "
                          f"{KEYS[key][1]} mV): {fp} of {total['present']} leads the band calls present "
                          f"({100 * fp / max(total['present'], 1):.1f} %), {fu} of {total['undecided']} it leaves "
                          f"undecided ({100 * fu / max(total['undecided'], 1):.1f} %). The viewer and `leadsynth "
                          "measure` mark the polarity of the undecided ones with \"?\"."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    return benchmark_main("st_t_band", __doc__.splitlines()[0], argv, run, markdown, ("ludb/data",))


if __name__ == "__main__":
    sys.exit(main())
