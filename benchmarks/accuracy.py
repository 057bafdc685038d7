"""Accuracy of the shipped synthesis models on real records they were never trained on.

    python benchmarks/accuracy.py [--data-root ../shared/data] [--holdout-dir runs/holdout]

Writes ``benchmarks/results/accuracy.json`` and ``benchmarks/results/accuracy.md``:

1. per standard lead set (I,II,V2,V4; I,II,V4; I,II,V3; I,II) and lead I alone (the watch
   preset, 11 leads synthesized or derived from synthesized II): per synthesized lead, mean and
   median PCC and RMSE on LUDB 161-200 for every shipped model that takes the set (the
   linear baseline, the dedicated model, the any-subset model), beside published figures;
2. the Gradowski-style table: mean PCC of every chest lead for each input set I,II + one
   chest lead and I,II + two chest leads, via the any-subset model;
3. external data (other hospitals, never trained on): the PTB Diagnostic ``S`` records
   (PTB, Berlin, 1000 Hz) for the same sets;
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
from leadsynth_core.leads import STANDARD_LEADS  # noqa: E402
from leadsynth_core.metrics import pcc  # noqa: E402
from leadsynth_core.models import list_models, load_model  # noqa: E402
from leadsynth_core.models.features import HIGHPASS_HZ, highpass  # noqa: E402
from leadsynth_core.record import EcgRecord  # noqa: E402
from leadsynth_core.training.data import default_data_root, load_records  # noqa: E402
from leadsynth_core.training.evaluate import evaluate_model, evaluate_model_truths  # noqa: E402
from leadsynth_core.training.specs import STANDARD_SETS, set_slug  # noqa: E402

log = logging.getLogger("benchmarks.accuracy")

CHEST = ("V1", "V2", "V3", "V4", "V5", "V6")
#: The viewer's "I (watch)" preset (a dedicated model, linres-i, since 2026-11-30; the any-subset model before).
WATCH = ("I",)
#: Every input set reported: the four standard sets, then lead I alone.
REPORTED_SETS = (*STANDARD_SETS, WATCH)
PUBLISHED = {
    "I,II,V4": "U-Net on PTB-XL (Gradowski & Buchner): chest PCC 0.74-0.85",
    "I,II,V2,V4": "Malpani et al. general model, median beats: r about 0.94",
    "I": "MCMA one lead -> 12: PCC 0.79 in-distribution, 0.74 external",
}


def _summary(res: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in res.items() if k != "records"}


def _oracle(records: list[EcgRecord], leads: tuple[str, ...]) -> dict[str, Any]:
    """PCC of each lead as read against itself high-passed at 0.5 Hz: the best any
    baseline-free synthesis can score on the raw reference (its wander is not predicted)."""
    if {"I", "II"} <= set(leads):
        outputs = [n for n in CHEST if n not in leads]  # limb leads follow exactly from I, II
    else:  # lead I alone: II is synthesized, so are the limb leads derived from it
        outputs = [n for n in STANDARD_LEADS if n not in leads]
    per_record = [np.mean([pcc(r.lead(n), highpass(r.lead(n), r.fs, HIGHPASS_HZ)) for n in outputs]) for r in records]
    return {"mean_pcc": float(np.mean(per_record)), "median_pcc": float(np.median(per_record))}


def _ptb_records(root: Path) -> list[EcgRecord]:
    folder = root / "cinc2021" / "PTB_PTBXL"
    recs = []
    for n in range(1, 11):
        rec = read_record(folder / f"S{n:04d}.hea")
        recs.append(rec.replace(metadata={**rec.metadata, "split_path": f"cinc2021/PTB_PTBXL/S{n:04d}"}))
    return recs


def _fmt(x: float) -> str:
    return "—" if x is None or not np.isfinite(x) else f"{x:.3f}"


def _models_for(leads: tuple[str, ...], models: dict[str, Any], any_subset_id: str | None) -> list[str]:
    slug = set_slug(leads)
    return [c for c in (f"linear-{slug}", f"linres-{slug}", any_subset_id) if c and c in models]


def _both(model: Any, records: list[EcgRecord], leads: tuple[str, ...]) -> dict[str, Any]:
    res = evaluate_model_truths(model, records, leads, ("raw", "highpass"))
    return {t: _summary(r) for t, r in res.items()}


def run(root: Path, holdout_dir: Path | None) -> dict[str, Any]:
    t0 = time.time()
    val = load_records("validation", root=root)
    cards = {c.id: c for c in list_models(include_personal=False)}
    any_subset = next((c.id for c in cards.values() if c.any_subset), None)
    models = {cid: load_model(cid) for cid in cards}
    result: dict[str, Any] = {
        "validation_data": "LUDB 1.0.1 records 161-200 (40 records, 500 Hz, 10 s), never trained on",
        "truth": {
            "raw": "reference lead as read (includes its baseline wander)",
            "highpass": "reference lead high-passed at 0.5 Hz like the synthesized leads",
        },
        "published": PUBLISHED,
        "lead_sets": {},
        "criteria": {},
        "gradowski_table": {},
        "external": {},
        "holdout": {},
    }
    for leads in REPORTED_SETS:
        key = ",".join(leads)
        entry: dict[str, Any] = {"oracle_raw": _oracle(val, leads)}
        for cid in _models_for(leads, models, any_subset):
            entry[cid] = _both(models[cid], val, leads)
            log.info("%s %s: raw %.4f", key, cid, entry[cid]["raw"]["mean_pcc"])
        result["lead_sets"][key] = entry
        slug = set_slug(leads)
        lin, ded = entry.get(f"linear-{slug}"), entry.get(f"linres-{slug}")
        anys = entry.get(any_subset) if any_subset else None
        crit: dict[str, Any] = {}
        for t in ("raw", "highpass"):
            if lin and ded:
                gain = ded[t]["mean_pcc"] - lin[t]["mean_pcc"]
                crit[f"dedicated_minus_linear_{t}"] = round(gain, 4)
                crit[f"dedicated_beats_linear_by_0.03_{t}"] = bool(gain >= 0.03)
            if ded and anys:
                gap = ded[t]["mean_pcc"] - anys[t]["mean_pcc"]
                crit[f"dedicated_minus_anysubset_{t}"] = round(gap, 4)
                crit[f"anysubset_within_0.02_{t}"] = bool(gap <= 0.02)
        result["criteria"][key] = crit
    if any_subset is not None:
        for k in (1, 2):
            for chest in itertools.combinations(CHEST, k):
                leads = ("I", "II", *chest)
                res = evaluate_model(models[any_subset], val, leads)
                result["gradowski_table"][",".join(leads)] = {
                    "mean_pcc": res["mean_pcc"],
                    "leads": {n: res["leads"][n]["mean_pcc"] for n in CHEST if n in res["leads"]},
                }
    ptb = _ptb_records(root)
    result["external_data"] = (
        "PTB Diagnostic ECG DB as cinc2021 S0001-S0010 (5 patients, 1000 Hz, 38-115 s; a hospital "
        "and device not in the training data; excluded from training)"
    )
    for leads in REPORTED_SETS:
        key = ",".join(leads)
        result["external"][key] = {cid: _both(models[cid], ptb, leads) for cid in _models_for(leads, models, any_subset)}
    if holdout_dir is not None and (holdout_dir / "holdout.json").exists():
        spec = json.loads((holdout_dir / "holdout.json").read_text())
        recs = load_records("train", spec["held_out_sources"], root=root)
        result["holdout"]["held_out_sources"] = spec["held_out_sources"]
        result["holdout"]["trained_on"] = spec["trained_on"]
        result["holdout"]["sets"] = {}
        for leads in STANDARD_SETS:
            key = ",".join(leads)
            entry = {}
            for cid in (f"linear-{set_slug(leads)}", "anysubset"):
                path = holdout_dir / f"{cid}.json"
                if path.exists():
                    entry[cid] = _both(load_model(path), recs, leads)
            result["holdout"]["sets"][key] = entry
    result["elapsed_s"] = round(time.time() - t0, 1)
    return result


def _pair(d: dict[str, Any]) -> str:
    return f"{_fmt(d['mean_pcc'])} ({_fmt(d['median_pcc'])})"


def to_markdown(res: dict[str, Any]) -> str:
    out = [
        "## Synthesis accuracy",
        "",
        f"Validation: {res['validation_data']}. Record score = mean PCC over its synthesized leads; "
        "figures = mean (median) over records. Two references: **raw** = the lead as read, "
        "**hp** = the lead high-passed at 0.5 Hz like the synthesized leads (LUDB has marked "
        "baseline wander, which a baseline-free synthesis cannot and should not reproduce; "
        "*oracle raw* is the raw-reference PCC of the true lead itself high-passed: the ceiling "
        "of the raw figure).",
        "",
        "### Summary per input set (LUDB 161-200)",
        "",
        "| inputs | model | PCC raw | PCC hp | RMSE mV (hp) | published |",
        "|---|---|---|---|---|---|",
    ]
    for key, entry in res["lead_sets"].items():
        pub = res["published"].get(key, "")
        out.append(f"| {key} | *oracle raw* | {_pair(entry['oracle_raw'])} | 1 | 0 | |")
        for cid, d in entry.items():
            if cid == "oracle_raw":
                continue
            rm = np.mean([v["mean_rmse_mv"] for v in d["highpass"]["leads"].values()])
            out.append(f"| {key} | {cid} | {_pair(d['raw'])} | {_pair(d['highpass'])} | {_fmt(rm)} | {pub} |")
            pub = ""
    out += ["", "### Acceptance criteria", "",
            "| inputs | dedicated - linear (raw / hp) | >= 0.03? | dedicated - any-subset (raw / hp) | <= 0.02? |",
            "|---|---|---|---|---|"]
    for key, c in res["criteria"].items():
        if not c:
            continue
        out.append(
            f"| {key} | {c.get('dedicated_minus_linear_raw', '—')} / {c.get('dedicated_minus_linear_highpass', '—')} | "
            f"{c.get('dedicated_beats_linear_by_0.03_raw', '—')} / {c.get('dedicated_beats_linear_by_0.03_highpass', '—')} | "
            f"{c.get('dedicated_minus_anysubset_raw', '—')} / {c.get('dedicated_minus_anysubset_highpass', '—')} | "
            f"{c.get('anysubset_within_0.02_raw', '—')} / {c.get('anysubset_within_0.02_highpass', '—')} |"
        )
    out.append("")
    for key, entry in res["lead_sets"].items():
        ids = [i for i in entry if i != "oracle_raw"]
        if not ids:
            continue
        leads = list(entry[ids[0]]["raw"]["leads"])
        out += [f"### Per lead, inputs {key}: PCC raw mean (median) / PCC hp mean / RMSE hp mV", "",
                "| lead | " + " | ".join(ids) + " |", "|---|" + "---|" * len(ids)]
        for n in leads:
            cells = []
            for i in ids:
                r, h = entry[i]["raw"]["leads"][n], entry[i]["highpass"]["leads"][n]
                cells.append(f"{_fmt(r['mean_pcc'])} ({_fmt(r['median_pcc'])}) / {_fmt(h['mean_pcc'])} / {_fmt(h['mean_rmse_mv'])}")
            out.append(f"| {n} | " + " | ".join(cells) + " |")
        out.append("")
    if res["gradowski_table"]:
        out += ["### Any-subset model, I, II + chest lead(s): mean PCC (raw) per chest lead, LUDB 161-200", "",
                "| inputs | " + " | ".join(CHEST) + " | mean |", "|---|" + "---|" * (len(CHEST) + 1)]
        for key, d in res["gradowski_table"].items():
            cells = [("meas." if n in key.split(",") else _fmt(d["leads"].get(n))) for n in CHEST]
            out.append(f"| {key} | " + " | ".join(cells) + f" | {_fmt(d['mean_pcc'])} |")
        out.append("")
    if res["external"]:
        out += [f"### External: {res['external_data']}", "", "| inputs | model | PCC raw | PCC hp |", "|---|---|---|---|"]
        for key, entry in res["external"].items():
            for i, d in entry.items():
                out.append(f"| {key} | {i} | {_pair(d['raw'])} | {_pair(d['highpass'])} |")
        out.append("")
    hold = res.get("holdout") or {}
    if hold.get("held_out_sources"):
        out += [f"### Whole-source hold-out (development experiment): trained on {', '.join(hold['trained_on'])} only, "
                f"tested on the {', '.join(hold['held_out_sources'])} records", "",
                "| inputs | model | PCC raw | PCC hp |", "|---|---|---|---|"]
        for key, entry in hold["sets"].items():
            for i, d in entry.items():
                out.append(f"| {key} | {i} | {_pair(d['raw'])} | {_pair(d['highpass'])} |")
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
