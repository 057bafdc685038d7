"""Blend a learned model with the linear baseline: hp mean PCC for blend weights alpha.

    python scripts/experiments/eval_blend.py DIR_LEARNED DIR_LINEAR [sets...]

out = (1 - alpha) * learned + alpha * linear, folded exactly into the learned model's
pointwise head (its linear columns and bias take alpha of the linear baseline's weights,
its residual columns are scaled by 1 - alpha), so the blend is still one network.
Scores the CPSC + SPH records (``holdout``), LUDB 161-200 and PTB S0001-S0010.
"""

import sys
from pathlib import Path

from _common import data_sets, hp_pcc

from leadsynth_core.models import load_model
from leadsynth_core.models.networks import blend_with_linear

ALPHAS = (0.0, 0.25, 0.5, 0.75, 1.0)
SETS = {"I,II,V2,V4": "i-ii-v2-v4", "I,II,V4": "i-ii-v4", "I,II,V3": "i-ii-v3", "I,II": "i-ii"}

learned_dir, linear_dir = Path(sys.argv[1]), Path(sys.argv[2])
names = sys.argv[3].split(",") if len(sys.argv) > 3 else ["holdout", "ludb", "ptb"]
data = data_sets(*names)
for leads, tag in SETS.items():
    learned = load_model(learned_dir / f"linres-{tag}.json")
    linear = load_model(linear_dir / f"linear-{tag}.json")
    for alpha in ALPHAS:
        learned.module = blend_with_linear(load_model(learned_dir / f"linres-{tag}.json").module, linear.module, alpha)
        scores = "  ".join(f"{n} {hp_pcc(learned, recs, tuple(leads.split(','))):.3f}" for n, recs in data.items())
        print(f"{leads:11s} alpha {alpha:.2f}  {scores}", flush=True)
