"""Score model folders on the development hold-outs (never on PTB-XL fold 10).

    .venv/bin/python scripts/experiments/eval_big.py --cache cache/external \
        --models shipped=resources/models new=runs/big/all [--sets fold9,holdout,ptb,ludb] [--n-fold9 300]

Score = mean over records of the mean PCC over the synthesized leads, both signals band-passed
0.5-40 Hz (as the cross-hospital evaluation does).  Lead sets: the four dedicated models
(``linres-*``) and lead I alone (``anysubset``); ``linear`` rows use ``linear-*`` of the first
folder that has them.  ``fold9``: a seeded sample of PTB-XL fold 9 (validation);
``cinc2011``: a seeded sample of CinC 2011 set-a (as many as fold 9);
``holdout``: CPSC + SPH shared records; ``ptb``: PTB S0001-S0010 (another hospital, never
trained on); ``ludb``: LUDB 161-200.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

from leadsynth_core.metrics import pcc
from leadsynth_core.models.registry import load_model
from leadsynth_core.record import EcgRecord, Provenance
from leadsynth_core.synthesis import synthesize
from leadsynth_core.training.data import default_data_root, load_records

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from accuracy_external import LINEAR, SETS, band, record_from_model_space  # noqa: E402  (one copy of each)


def datasets(cache: Path, which: list[str], n_fold9: int) -> dict[str, list[EcgRecord]]:
    out: dict[str, list[EcgRecord]] = {}
    if "fold9" in which:
        z = np.load(cache / "ptbxl.npz")
        idx = np.flatnonzero(z["strat_fold"] == 9)
        idx = np.random.default_rng(9).choice(idx, size=min(n_fold9, len(idx)), replace=False)
        out["fold9"] = [record_from_model_space(z["leads"][i], f"ptbxl/{z['ecg_id'][i]}") for i in sorted(idx)]
    if "cinc2011" in which:  # a seeded sample of the same size (n_fold9) of CinC 2011 set-a
        z = np.load(cache / "cinc2011.npz")
        n = len(z["record"])
        pick = np.sort(np.random.default_rng(11).choice(n, size=min(n_fold9, n), replace=False))
        out["cinc2011"] = [record_from_model_space(z["leads"][i], f"cinc2011/{z['record'][i]}") for i in pick]
    if "holdout" in which:
        out["holdout"] = load_records("train", ["cpsc", "sph"])
    if "ptb" in which:
        from leadsynth_core.io import read_record

        root = default_data_root()
        out["ptb"] = [read_record(p) for p in sorted(root.glob("cinc2021/**/S00[01]?.hea"))]
    if "ludb" in which:
        out["ludb"] = load_records("validation")
    return out


def score(model, records: list[EcgRecord], inputs: list[str]) -> tuple[float, dict[str, float]]:
    rec_means, per_lead = [], {}
    for rec in records:
        out = synthesize(rec, inputs, model)
        vals = []
        for name in out.leads_with(Provenance.SYNTHESIZED):
            p = pcc(band(rec.lead(name), rec.fs), band(out.lead(name), rec.fs))
            vals.append(p)
            per_lead.setdefault(name, []).append(p)
        rec_means.append(np.nanmean(vals))
    return float(np.nanmean(rec_means)), {k: float(np.nanmean(v)) for k, v in per_lead.items()}


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--cache", type=Path, default=Path("cache/external"))
    p.add_argument("--models", nargs="+", required=True, help="TAG=FOLDER ...")
    p.add_argument("--sets", default="fold9,holdout,ptb,ludb")
    p.add_argument("--n-fold9", type=int, default=300)
    p.add_argument("--json", type=Path, default=None)
    a = p.parse_args()
    torch.set_num_threads(1)
    data = datasets(a.cache, a.sets.split(","), a.n_fold9)
    folders = dict(m.split("=", 1) for m in a.models)
    results: dict[str, dict[str, dict[str, float]]] = {}
    linear_dir = next((Path(f) for f in folders.values() if (Path(f) / "linear-i.json").exists()), None)
    for leads, mid in SETS.items():
        inputs = leads.split(",")
        rows = {tag: Path(f) / mid for tag, f in folders.items() if (Path(f) / f"{mid}.json").exists()}
        if linear_dir is not None:
            rows["linear"] = linear_dir / LINEAR[leads]
        for tag, path in rows.items():
            model = load_model(path)
            for ds, recs in data.items():
                m, per = score(model, recs, inputs)
                results.setdefault(leads, {}).setdefault(tag, {})[ds] = round(m, 4)
                results[leads][tag][f"{ds}_leads"] = {k: round(v, 3) for k, v in per.items()}
            print(leads, tag, {k: v for k, v in results[leads][tag].items() if not k.endswith("_leads")}, flush=True)
    if a.json:
        a.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
