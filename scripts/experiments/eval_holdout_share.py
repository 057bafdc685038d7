"""Score the from-scratch hold-out models at several linear shares on the held-out sources.

    PYTHONPATH=. .venv/bin/python scripts/experiments/eval_holdout_share.py CACHE RUN [--json OUT]

RUN holds ``linear-<set>`` and ``e/linres-<set>`` from ``holdout_scratch_init.py`` and
``finetune_big.py --holdout cinc2011,cpsc,sph``.  Output at linear share t:
``(1 - t) E + t L`` (``eval_blend_shipped.score_shares``).  Sources: CinC 2011 set-a (held out,
754 consumer-grade recordings; 300 seeded), CPSC + SPH (held out, 41), PTB-XL fold 9 (300
seeded, in-distribution), and PTB S (a test set: printed, never used to choose).  Score =
band PCC (0.5-40 Hz) as ``eval_big.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

from leadsynth_core.models.registry import load_model

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1] / "benchmarks"))
from eval_big import datasets  # noqa: E402
from eval_blend_shipped import score_shares  # noqa: E402

SHARES = (0.0, 0.25, 0.5, 0.75, 1.0)
SETS = {"I,II,V4": "i-ii-v4", "I,II,V2,V4": "i-ii-v2-v4", "I,II,V3": "i-ii-v3", "I,II": "i-ii"}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("cache", type=Path)
    p.add_argument("run", type=Path)
    p.add_argument("--n", type=int, default=300)
    p.add_argument("--json", type=Path, default=None)
    a = p.parse_args()
    torch.set_num_threads(1)
    data = datasets(a.cache, ["fold9", "holdout", "ptb", "cinc2011"], a.n)
    res: dict = {}
    for leads, slug in SETS.items():
        card = a.run / "e" / f"linres-{slug}.json"
        if not card.exists():
            continue
        e, lin = load_model(card), load_model(a.run / f"linear-{slug}.json")
        res[leads] = score_shares(e, lin, leads, data, SHARES, holds=0.0)  # trained without any linear share
    if a.json:
        a.json.write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
