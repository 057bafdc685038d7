"""Score networks of any depth on the PTB-XL fold-9 selection records (the capacity study).

    PYTHONPATH=. .venv/bin/python scripts/experiments/eval_capacity.py CACHE "I,II" MODEL [MODEL ...]

The 500 seeded fold-9 records of ``finalize_big.py``; hp PCC, band PCC and RMSE (mV) as
``benchmarks/accuracy_external.score_arrays``.  Every window is padded to a multiple of 32
samples so that a depth-5 network (five halvings) runs beside the product's depth 4; the
same padding for every row keeps them comparable (docs/models.md, "Width, depth and length
of training").  ``--paired``: each model after the first also as the paired difference to the
first over the same records (mean +- standard error of the per-record mean PCC), which says
whether a small gain is more than the record-to-record spread.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

from leadsynth_core.models.registry import load_model

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1] / "benchmarks"))
from accuracy_external import paired_difference, predict_batch, score_arrays  # noqa: E402
from finalize_big import fold9_sample  # noqa: E402

#: 2**5: the length a depth-5 U-Net needs.
MULTIPLE = 32


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("cache", type=Path)
    p.add_argument("inputs")
    p.add_argument("models", nargs="+", help="model cards or ids")
    p.add_argument("--n", type=int, default=500)
    p.add_argument("--paired", action="store_true", help="paired difference of each model to the first")
    a = p.parse_args()
    torch.set_num_threads(1)
    fold9 = fold9_sample(a.cache, a.n)
    inputs = a.inputs.split(",")
    first: np.ndarray | None = None
    for path in a.models:
        s = score_arrays(fold9, predict_batch(load_model(path), fold9, inputs, multiple=MULTIPLE), inputs,
                         per_record=a.paired)
        line = f"{path}: hp {s['mean_pcc']:.4f} band {s['mean_band_pcc']:.4f} RMSE {s['mean_rmse_mv']:.4f}"
        if a.paired:
            rec = np.asarray(s["record_pcc"])
            if first is None:
                first = rec
            else:
                mean, se, better = paired_difference(rec, first)
                line += f"; paired vs the first {mean:+.4f} +- {se:.4f} (better on {better * 100:.0f} % of records)"
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
