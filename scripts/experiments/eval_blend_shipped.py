"""Re-decide the linear share of the shipped dedicated models (docs/models.md, "The linear blend").

    PYTHONPATH=. .venv/bin/python scripts/experiments/eval_blend_shipped.py --cache DIR [--json OUT]

The shipped dedicated models hold a quarter of their linear baseline folded into the head
(``training.blend``) and were trained on with it.  Shifting a model along the line between it
and its linear baseline gives any other linear share ``t``: with ``out_t = (1 - t) E + t L``
and the shipped ``0.75 E + 0.25 L``, ``out_t = (1 - a) shipped + a L`` for
``a = 1 - (1 - t) / 0.75`` (negative to take linear out), folded into a copy of the head
by :func:`~leadsynth_core.models.networks.shift_along_linear` (``blend_with_linear`` without
its [0, 1] check: a product blend never subtracts).  Scored like ``eval_big.py``;
select on ``fold9`` only.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

from leadsynth_core.models.loaded import LoadedModel
from leadsynth_core.models.networks import shift_along_linear
from leadsynth_core.models.registry import load_model, shipped_models_dir

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1] / "benchmarks"))
from accuracy_external import LINEAR, SETS  # noqa: E402
from eval_big import datasets, score  # noqa: E402

SHARES = (0.0, 0.25, 0.5)
SHIPPED_SHARE = 0.25


def shifted(model: LoadedModel, linear: LoadedModel, share: float, *, holds: float = SHIPPED_SHARE) -> LoadedModel:
    """``model``, which holds a linear share ``holds`` already, moved to the linear share ``share``."""
    a = 1.0 - (1.0 - share) / (1.0 - holds)
    return LoadedModel(model.card, shift_along_linear(model.module, linear.module, a))


def score_shares(model: LoadedModel, linear: LoadedModel, leads: str, data: dict, shares: tuple[float, ...],
                 *, holds: float = SHIPPED_SHARE) -> dict[float, dict[str, float]]:
    """``eval_big.score`` of ``model`` moved to each linear share, on every data set (printed as it goes)."""
    out = {}
    for share in shares:
        m = shifted(model, linear, share, holds=holds)
        out[share] = {ds: round(score(m, recs, leads.split(","))[0], 4) for ds, recs in data.items()}
        print(leads, "linear share", share, out[share], flush=True)
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cache", type=Path, required=True, help="model-space cache (cache_external.py)")
    p.add_argument("--sets", default="fold9,holdout,ptb,ludb")
    p.add_argument("--n-fold9", type=int, default=300)
    p.add_argument("--json", type=Path, default=None)
    a = p.parse_args()
    torch.set_num_threads(1)
    data = datasets(a.cache, a.sets.split(","), a.n_fold9)
    models = shipped_models_dir()
    res: dict[str, dict[float, dict[str, float]]] = {}
    for leads, mid in SETS.items():
        if not mid.startswith("linres"):
            continue
        base = load_model(models / f"{mid}.json")
        lin = load_model(models / f"{LINEAR[leads]}.json")
        res[leads] = score_shares(base, lin, leads, data, SHARES)
    if a.json:
        a.json.write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
