"""Compare whole-source hold-out models of one lead set on what none of them saw.

    PYTHONPATH=. .venv/bin/python scripts/experiments/eval_holdout_runs.py CACHE "I,II" A.json B.json ...

Every model must have been trained without CinC 2011, CPSC and SPH (``holdout_scratch.sh ...
cinc2011,cpsc,sph``).  Band PCC (0.5-40 Hz, as the external evaluation) and RMSE on CinC 2011
(754 recordings), on the 41 CPSC + SPH records, and on the 500 fold-9 selection records;
each model after the first also as the paired difference to the first over the same records
(mean +- standard error), so that a change of recipe is read against the record-to-record
spread.  A second seed of the first recipe gives the run-to-run spread to read it against.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

from leadsynth_core.models.registry import load_model
from leadsynth_core.training.data import load_records

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1] / "benchmarks"))
from accuracy_external import paired_difference, predict_batch, score_arrays, score_records  # noqa: E402
from finalize_big import fold9_sample  # noqa: E402

HELD = {"cinc2011", "cpsc", "sph"}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("cache", type=Path)
    p.add_argument("inputs")
    p.add_argument("models", nargs="+")
    a = p.parse_args()
    torch.set_num_threads(1)
    inputs = a.inputs.split(",")
    sets = {"cinc2011": np.load(a.cache / "cinc2011.npz")["leads"].astype(np.float32),
            "fold9": fold9_sample(a.cache, 500)}
    cpsc_sph = load_records("train", ["cpsc", "sph"])
    first: dict[str, np.ndarray] = {}
    for path in a.models:
        model = load_model(path)
        held = set((model.card.training.get("continued") or {}).get("held_out_sources", []))
        if not HELD <= held:
            print(f"{path}: trained on {sorted(HELD - held)}; not a hold-out of all three", flush=True)
            return 2
        parts = []
        for name, arr in sets.items():
            s = score_arrays(arr, predict_batch(model, arr, inputs), inputs, per_record=True)
            parts.append((name, s["mean_band_pcc"], s["mean_rmse_mv"], np.asarray(s["record_band_pcc"])))
        s = score_records(model, cpsc_sph, inputs, per_record=True)
        parts.append(("cpsc+sph", s["mean_band_pcc"], float("nan"), np.asarray(s["record_band_pcc"])))
        line = [Path(path).parent.parent.name + "/" + Path(path).name]
        for name, mean, rmse, rec in parts:
            cell = f"{name} {mean:.4f}" + (f" rmse {rmse:.4f}" if np.isfinite(rmse) else "")
            if name in first:
                mean, se, _ = paired_difference(rec, first[name])
                cell += f" ({mean:+.4f} +- {se:.4f})"
            else:
                first[name] = rec
            line.append(cell)
        print(" | ".join(line), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
