"""Score the from-scratch hold-out models at several linear shares on the held-out sources.

    PYTHONPATH=. .venv/bin/python scripts/experiments/eval_holdout_share.py CACHE RUN [--json OUT]

RUN holds ``linear-<set>`` and ``e/linres-<set>`` from ``holdout_scratch_init.py`` and
``finetune_big.py --holdout cinc2011,cpsc,sph``.  Output at linear share t:
``(1 - t) E + t L`` (``networks.shift_along_linear``).  Sources: CinC 2011 set-a (held out,
754 consumer-grade recordings; 300 seeded), CPSC + SPH (held out, 41), PTB-XL fold 9 (300
seeded, in-distribution), and PTB S (a test set: printed, never used to choose).  Score =
band PCC (0.5-40 Hz) as ``eval_big.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

from leadsynth_core.models.loaded import LoadedModel
from leadsynth_core.models.networks import shift_along_linear
from leadsynth_core.models.registry import load_model

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1] / "benchmarks"))
from accuracy_external import record_from_model_space  # noqa: E402
from eval_big import datasets, score  # noqa: E402

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
    data = datasets(a.cache, ["fold9", "holdout", "ptb"], a.n)
    z = np.load(a.cache / "cinc2011.npz")
    pick = np.sort(np.random.default_rng(11).choice(len(z["record"]), size=min(a.n, len(z["record"])), replace=False))
    data["cinc2011"] = [record_from_model_space(z["leads"][i], f"cinc2011/{z['record'][i]}") for i in pick]
    res: dict = {}
    for leads, slug in SETS.items():
        card = a.run / "e" / f"linres-{slug}.json"
        if not card.exists():
            continue
        e, lin = load_model(card), load_model(a.run / f"linear-{slug}.json")
        for t in SHARES:
            m = LoadedModel(e.card, shift_along_linear(e.module, lin.module, t))
            row = {ds: round(score(m, recs, leads.split(","))[0], 4) for ds, recs in data.items()}
            res.setdefault(leads, {})[t] = row
            print(leads, "linear share", t, row, flush=True)
    if a.json:
        a.json.write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
