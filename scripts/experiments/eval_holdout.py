"""hp mean PCC on the CPSC + SPH records (a whole source): eval_holdout.py LEADS MODEL..."""

import sys

from _common import data_sets, hp_pcc

from leadsynth_core.models import load_model

records = data_sets("holdout")["holdout"]
leads = tuple(sys.argv[1].split(","))
for m in sys.argv[2:]:
    print(f"{m:55s} cpsc+sph ({len(records)}) hp {hp_pcc(load_model(m), records, leads):.3f}", flush=True)
