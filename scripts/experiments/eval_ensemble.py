"""Single models vs the average of 2 and 4 of them (tags of holdout_rotation.sh):
eval_ensemble.py [TAG TAG TAG TAG] (default base base_s1 rot20 rot20_s1)."""

import sys

import numpy as np
from _common import ROOT, data_sets

from leadsynth_core.metrics import pcc
from leadsynth_core.models import load_model
from leadsynth_core.models.features import highpass
from leadsynth_core.record import Provenance
from leadsynth_core.synthesis import synthesize
from leadsynth_core.training.specs import set_slug

tags = sys.argv[1:] or ["base", "base_s1", "rot20", "rot20_s1"]
sets = data_sets("holdout", "ludb", "ptb")


def record_score(rec, estimates: dict[str, np.ndarray]) -> float:
    return float(np.mean([pcc(highpass(rec.lead(n), rec.fs, 0.5), est) for n, est in estimates.items()]))


for leads in (("I", "II", "V2", "V4"), ("I", "II", "V4"), ("I", "II", "V3"), ("I", "II")):
    models = [load_model(ROOT / "runs" / "exp4" / t / f"linres-{set_slug(leads)}.json") for t in tags]
    line = []
    for name, recs in sets.items():
        single, ens2, ens_all = [], [], []
        for rec in recs:
            outs = [synthesize(rec, leads, m) for m in models]
            syn = [n for n, p in zip(outs[0].lead_names, outs[0].provenance, strict=True) if p is Provenance.SYNTHESIZED]
            single.append(np.mean([record_score(rec, {n: o.lead(n) for n in syn}) for o in outs]))
            ens2.append(record_score(rec, {n: (outs[0].lead(n) + outs[1].lead(n)) / 2 for n in syn}))
            ens_all.append(record_score(rec, {n: sum(o.lead(n) for o in outs) / len(outs) for n in syn}))
        line.append(f"{name} single {np.mean(single):.3f} ens2 {np.mean(ens2):.3f} ens{len(outs)} {np.mean(ens_all):.3f}")
    print(",".join(leads).ljust(11), " | ".join(line), flush=True)
