"""Clinical-feature fidelity on PTB-XL fold 9 (the selection fold): ST, T and amplitudes kept?

    PYTHONPATH=. .venv/bin/python scripts/experiments/eval_fidelity_fold9.py CACHE "I,II" A.json B.json ... [--n 500]

``benchmarks/fidelity.py`` measures the shipped models on the test sources (LUDB 161-200,
PTB S, PTB-XL fold 10), which must not choose a model.  This applies the same measurement
(``fidelity.evaluate``: ST at J+60 ms, T amplitude and polarity, ST deviation >= 0.1 mV as a
finding) to the first N records of fold 9, so that a training recipe can be chosen on
clinical features as well as on PCC without looking at a test set.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from benchmarks.fidelity import SPLITS_FILE, evaluate, measured_truths  # noqa: E402
from benchmarks.ptbxl_cache import fold_records, trained_ecg_ids  # noqa: E402

SELECTION_FOLD = 9


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("cache", type=Path)
    p.add_argument("inputs")
    p.add_argument("models", nargs="+")
    p.add_argument("--n", type=int, default=500)
    a = p.parse_args()
    torch.set_num_threads(1)
    recs, _ = fold_records(a.cache, SELECTION_FOLD, limit=a.n, exclude_ecg_ids=trained_ecg_ids(SPLITS_FILE))
    recs, truths = measured_truths(recs)
    for path in a.models:
        s = evaluate(path, a.inputs, recs, truths)["all_synthesized"]
        st = s["st_findings"]
        print(f"{path}: ST Se {s['st_sensitivity']:.3f} ({st['tp']}/{st['tp'] + st['fn']}) Sp {s['st_specificity']:.3f}"
              f" | MAE ST {s['mae_st_j60_mv']:.4f} T {s['mae_t_mv']:.4f} R {s['mae_r_mv']:.4f} mV"
              f" | T polarity {s['t_polarity_agreement']:.3f} flips {s['t_polarity_flips']:.3f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
