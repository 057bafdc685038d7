"""Hold-out / LUDB / PTB hp PCC of the models of holdout_rotation.sh: eval_rotation.py TAG..."""

import sys

from _common import ROOT, data_sets, hp_pcc

from leadsynth_core.models import load_model
from leadsynth_core.training.specs import STANDARD_SETS, set_slug

sets = data_sets("holdout", "ludb", "ptb")


def score(model, leads: tuple[str, ...]) -> str:
    return " ".join(f"{k} {hp_pcc(model, r, leads):.3f}" for k, r in sets.items())


for leads in (*STANDARD_SETS, ("I",)):
    slug = set_slug(leads)
    if leads != ("I",):
        print(f"{','.join(leads):11s} linear(ho)     {score(load_model(ROOT / 'runs/holdout' / f'linear-{slug}.json'), leads)}")
    for tag in sys.argv[1:]:
        d = ROOT / "runs" / "exp4" / tag
        if leads != ("I",):
            print(f"{'':11s} {tag:8s} dedic. {score(load_model(d / f'linres-{slug}.json'), leads)}")
        print(f"{'':11s} {tag:8s} any    {score(load_model(d / 'anysubset.json'), leads)}", flush=True)
