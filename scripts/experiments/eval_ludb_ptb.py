"""hp mean PCC on LUDB 161-200 and the PTB S records: eval_ludb_ptb.py LEADS MODEL..."""

import sys

from _common import data_sets, hp_pcc

from leadsynth_core.models import load_model

sets = data_sets("ludb", "ptb")
leads = tuple(sys.argv[1].split(","))
for m in sys.argv[2:]:
    model = load_model(m)
    print(f"{m:55s} " + " | ".join(f"{k} hp {hp_pcc(model, r, leads):.3f}" for k, r in sets.items()), flush=True)
