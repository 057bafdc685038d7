"""Accuracy of the shipped synthesis models on real records they were never trained on.

    python benchmarks/accuracy.py [--data-root ../shared/data] [--holdout-dir runs/holdout]

Writes ``benchmarks/results/accuracy.json`` and ``benchmarks/results/accuracy.md``:

1. per standard lead set (I,II,V2,V4; I,II,V4; I,II,V3; I,II): per synthesized lead, mean and
   median PCC and RMSE on LUDB 161-200 for every shipped model that takes the set (the
   linear baseline, the dedicated model, the any-subset model), beside published figures;
2. the Gradowski-style table: mean PCC of every chest lead for each input set I,II + one
   chest lead and I,II + two chest leads, via the any-subset model;
3. external data (other hospitals, never trained on): the PTB Diagnostic ``S`` records
   (PTB, Berlin, 1000 Hz) for the standard sets;
4. if ``--holdout-dir`` holds models trained without some sources (see ``holdout.json``
   there), their accuracy on the held-out sources' records.

PCC is computed against the record's lead as read (no filtering); the record score is the
mean over its synthesized leads, the reported figure the mean over records.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(ROOT))

from leadsynth_core.io import read_record  # noqa: E402
from leadsynth_core.models import list_models, load_model  # noqa: E402
from leadsynth_core.record import EcgRecord  # noqa: E402
from leadsynth_core.training.data import default_data_root, load_records  # noqa: E402
from leadsynth_core.training.evaluate import evaluate_model  # noqa: E402
from leadsynth_core.training.specs import STANDARD_SETS, set_slug  # noqa: E402

log = logging.getLogger("benchmarks.accuracy")

CHEST = ("V1", "V2", "V3", "V4", "V5", "V6")
PUBLISHED = {
    "I,II,V4": "U-Net on PTB-XL (Gradowski & Buchner): chest PCC 0.74-0.85",
    "I,II,V2,V4": "Malpani et al. general model, median beats: r about 0.94",
    "I": "MCMA one lead -> 12: PCC 0.79 in-distribution, 0.74 external",
}


def _summary(res: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in res.items() if k != "records"}


def _ptb_records(root: Path) -> list[EcgRecord]:
    folder = root / "cinc2021" / "PTB_PTBXL"
    recs = []
    for n in range(1, 11):
        rec = read_record(folder / f"S{n:04d}.hea")
        recs.append(rec.replace(metadata={**rec.metadata, "split_path": f"cinc2021/PTB_PTBXL/S{n:04d}"}))
    return recs


def _fmt(x: float) -> str:
    return "—" if x is None or not np.isfinite(x) else f"{x:.3f}"


def run(root: Path, holdout_dir: Path | None) -> dict[str, Any]:
    t0 = time.time()
    val = load_records("validation", root=root)
    cards = {c.id: c for c in list_models(include_personal=False)}
    any_subset = next((c for c in cards.values() if c.any_subset), None)
    models = {cid: load_model(cid) for cid in cards}
    result: dict[str, Any] = {
        "validation_data": "LUDB 1.0.1 records 161-200 (40 records, 500 Hz, 10 s), never trained on",
        "published": PUBLISHED,
        "lead_sets": {},
        "gradowski_table": {},
        "external": {},
        "holdout": {},
    }
    for leads in STANDARD_SETS:
        key = ",".join(leads)
        slug = set_slug(leads)
        entry: dict[str, Any] = {}
        for cid in (f"linear-{slug}", f"linres-{slug}", any_subset.id if any_subset else None):
            if cid and cid in models:
                entry[cid] = _summary(evaluate_model(models[cid], val, leads))
                log.info("%s %s: %.4f", key, cid, entry[cid]["mean_pcc"])
        result["lead_sets"][key] = entry
    if any_subset is not None:
        for k in (1, 2):
            for chest in itertools.combinations(CHEST, k):
                leads = ("I", "II", *chest)
                res = evaluate_model(models[any_subset.id], val, leads)
                result["gradowski_table"][",".join(leads)] = {
                    "mean_pcc": res["mean_pcc"],
                    "leads": {n: res["leads"][n]["mean_pcc"] for n in CHEST if n in res["leads"]},
                }
    ptb = _ptb_records(root)
    result["external_data"] = (
        "PTB Diagnostic ECG DB as cinc2021 S0001-S0010 (5 patients, 1000 Hz, 38-115 s; a hospital "
        "and device not in the training data; excluded from training)"
    )
    for leads in STANDARD_SETS:
        key = ",".join(leads)
        slug = set_slug(leads)
        entry = {}
        for cid in (f"linear-{slug}", f"linres-{slug}", any_subset.id if any_subset else None):
            if cid and cid in models:
                entry[cid] = _summary(evaluate_model(models[cid], ptb, leads))
        result["external"][key] = entry
    if holdout_dir is not None and (holdout_dir / "holdout.json").exists():
        spec = json.loads((holdout_dir / "holdout.json").read_text())
        recs = load_records("train", spec["held_out_sources"], root=root)
        result["holdout"]["held_out_sources"] = spec["held_out_sources"]
        result["holdout"]["trained_on"] = spec["trained_on"]
        for leads in STANDARD_SETS:
            key = ",".join(leads)
            slug = set_slug(leads)
            entry = {}
            for cid in (f"linear-{slug}", "anysubset"):
                path = holdout_dir / f"{cid}.json"
                if path.exists():
                    entry[cid] = _summary(evaluate_model(load_model(path), recs, leads))
            result["holdout"][key] = entry
    result["elapsed_s"] = round(time.time() - t0, 1)
    return result


def to_markdown(res: dict[str, Any]) -> str:
    out = ["## Synthesis accuracy", "", f"Validation: {res['validation_data']}. PCC against the lead as read; "
           "record score = mean over its synthesized leads; figures = mean (median) over records.", ""]
    for key, entry in res["lead_sets"].items():
        if not entry:
            continue
        out.append(f"### Inputs {key}")
        if key in res["published"]:
            out.append(f"Published: {res['published'][key]}.")
        out.append("")
        ids = list(entry)
        leads = list(next(iter(entry.values()))["leads"])
        out.append("| lead | " + " | ".join(f"{i} PCC mean (median) | {i} RMSE mV" for i in ids) + " |")
        out.append("|---|" + "---|---|" * len(ids))
        for n in leads:
            cells = []
            for i in ids:
                d = entry[i]["leads"].get(n)
                cells += [f"{_fmt(d['mean_pcc'])} ({_fmt(d['median_pcc'])})", _fmt(d["mean_rmse_mv"])] if d else ["—", "—"]
            out.append(f"| {n} | " + " | ".join(cells) + " |")
        cells = []
        for i in ids:
            cells += [f"**{_fmt(entry[i]['mean_pcc'])}** ({_fmt(entry[i]['median_pcc'])})", ""]
        out.append("| all | " + " | ".join(cells) + " |")
        out.append("")
    if res["gradowski_table"]:
        out += ["### Any-subset model: I, II + chest lead(s) (mean PCC per chest lead)", "",
                "| inputs | " + " | ".join(CHEST) + " | mean |", "|---|" + "---|" * (len(CHEST) + 1)]
        for key, d in res["gradowski_table"].items():
            cells = [("meas." if n in key.split(",") else _fmt(d["leads"].get(n))) for n in CHEST]
            out.append(f"| {key} | " + " | ".join(cells) + f" | {_fmt(d['mean_pcc'])} |")
        out.append("")
    if res["external"]:
        out += [f"### External: {res['external_data']}", "", "| inputs | " + " | ".join(["model", "mean PCC", "median PCC"]) + " |", "|---|---|---|---|"]
        for key, entry in res["external"].items():
            for i, d in entry.items():
                out.append(f"| {key} | {i} | {_fmt(d['mean_pcc'])} | {_fmt(d['median_pcc'])} |")
        out.append("")
    hold = res.get("holdout") or {}
    if hold.get("held_out_sources"):
        out += [f"### Whole-source hold-out: trained on {', '.join(hold['trained_on'])}, tested on "
                f"{', '.join(hold['held_out_sources'])} (training-split records of those sources)", "",
                "| inputs | model | mean PCC | median PCC |", "|---|---|---|---|"]
        for key, entry in hold.items():
            if isinstance(entry, dict):
                for i, d in entry.items():
                    out.append(f"| {key} | {i} | {_fmt(d['mean_pcc'])} | {_fmt(d['median_pcc'])} |")
        out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-root", type=Path, default=default_data_root())
    parser.add_argument("--holdout-dir", type=Path, default=ROOT / "runs" / "holdout")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if not (args.data_root / "ludb" / "data" / "161.hea").exists():
        print(f"reference data not found at {args.data_root}", file=sys.stderr)
        return 2
    res = run(args.data_root, args.holdout_dir)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "accuracy.json").write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
    (args.out / "accuracy.md").write_text(to_markdown(res) + "\n", encoding="utf-8")
    print(to_markdown(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
