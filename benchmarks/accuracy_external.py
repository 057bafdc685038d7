"""Accuracy across hospitals: PTB-XL fold 10 and every source the models never trained on.

    python benchmarks/accuracy_external.py --external-cache DIR [--old-rev 26e6ad2] \
        [--holdout-models runs/big/hold runs/hold2/blend ...] [--info-records N]

``DIR`` holds ``ptbxl.npz`` made by ``scripts/experiments/cache_external.py`` from the PTB-XL
snapshot named in ``../shared/data/external/README.md`` (all 21,837 records at 100 Hz, in
model space: 250 Hz, 0.5 Hz high-pass).  Writes ``benchmarks/results/accuracy_external.json``
and ``.md`` with three tables:

1. **PTB-XL fold 10** (the standard test fold, 2,203 records, never used for training or
   model selection): per lead set, the shipped model, the previously shipped one
   (``--old-rev``, read from git) and the linear baseline; mean and median PCC and RMSE
   (mV) per record and per lead, beside the published figures for the same data.
2. **Sources never trained on**, old shipped vs new shipped vs linear: the PTB ``S``
   records (another hospital, 1000 Hz), LUDB 161-200, PTB-XL fold 10, and whole-source
   hold-outs: each model of a ``--holdout-models`` folder (default: the folders of
   ``benchmarks/holdout_models``, kept in the repository) is the shipped recipe trained
   without the sources its card names (``training.held_out_sources``), scored on them: CPSC +
   SPH (the 41 shared records), CinC 2011 (all 754 acceptable recordings of ``cinc2011.npz``,
   which the old models and the linear baseline never saw either) and PTB-XL fold 10.
3. **Which chest electrode carries most information** (Gradowski & Buchner's table): the
   any-subset model on fold 10 (``--info-records`` of them, seeded), the mean PCC of every
   chest lead for each set I,II + one chest lead (6) and I,II + two chest leads (15).

PCC is computed against the truth high-passed at 0.5 Hz (*hp*, the product's default
reference) and, as the cross-hospital evaluation does, with both signals band-passed
0.5-40 Hz (*band*).  Record score = mean over its synthesized leads (lead I alone: the 11
leads synthesized or derived from synthesized II); figures = mean (median) over records.
Fold-10 records are 10 s at the model rate, so one network window covers each: they are run
in batches through the model's own ``prepare_arrays`` (the synthesis path without its
per-record overhead); the other sources go through ``synthesize`` itself.
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from scipy import signal as sps

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(ROOT))

from leadsynth_core.io import read_record  # noqa: E402
from leadsynth_core.leads import STANDARD_LEADS, derive_limb_leads  # noqa: E402
from leadsynth_core.metrics import pcc, rmse  # noqa: E402
from leadsynth_core.models.card import read_card  # noqa: E402
from leadsynth_core.models.features import HIGHPASS_HZ, INDEPENDENT_LEADS, MODEL_FS, highpass, pad_to_multiple  # noqa: E402
from leadsynth_core.models.networks import LENGTH_MULTIPLE  # noqa: E402
from leadsynth_core.models.registry import load_model, select_model  # noqa: E402
from leadsynth_core.record import EcgRecord, Provenance  # noqa: E402
from leadsynth_core.synthesis import synthesize  # noqa: E402
from leadsynth_core.training.data import default_data_root, load_records  # noqa: E402

MODELS = ROOT / "resources" / "models"
SETS: dict[str, str] = {"I,II,V2,V4": "linres-i-ii-v2-v4", "I,II,V4": "linres-i-ii-v4", "I,II,V3": "linres-i-ii-v3",
                        "I,II": "linres-i-ii", "I": "linres-i"}
LINEAR = {k: "linear-" + k.lower().replace(",", "-") for k in SETS}
#: Whole-source hold-out models kept in the repository, one folder per group of sources held
#: out (``benchmarks/holdout_models/README.md``), so that the tables rebuild from a clean
#: checkout and the external cache alone; ``--holdout-models`` names other folders instead.
HOLDOUT_MODELS = ROOT / "benchmarks" / "holdout_models"
PUBLISHED = {
    "I,II,V4": "U-Net on PTB-XL (Gradowski & Buchner, DATA_5000): chest r 0.744-0.846",
    "I": "MCMA one lead -> 12: PCC 0.79 in-distribution, 0.74 external",
}
CHEST = ("V1", "V2", "V3", "V4", "V5", "V6")
BATCH = 32
#: Held-out source groups a --holdout-models card can name, and the table each is scored in
#: (``FOLD10``: the fold-10 table; the others are tables of ``res["external"]``).
FOLD10 = "fold10"
HELD_TABLES = {"cpsc+sph": "CPSC + SPH (China)", "cinc2011": "CinC 2011 (consumer-grade set-ups, 754 recordings)",
               "ptbxl_big": FOLD10}
#: The sources a model must have held out to be scored in each group's table.
HELD_GROUPS = {"cpsc+sph": {"cpsc", "sph"}, "cinc2011": {"cinc2011"}, "ptbxl_big": {"ptbxl_big"}}
SOURCE_NAMES = {"cpsc": "CPSC", "sph": "SPH", "cinc2011": "CinC 2011", "ptbxl_big": "PTB-XL", "ptbxl": "PTB-XL"}


def default_holdout_dirs() -> list[Path]:
    """The folders of :data:`HOLDOUT_MODELS` that hold model cards (sorted)."""
    if not HOLDOUT_MODELS.is_dir():
        return []
    return sorted(p for p in HOLDOUT_MODELS.iterdir() if p.is_dir() and any(p.glob("*.json")))


def held_out_sources(card: Any) -> list[str]:
    """The training sources a hold-out model's card says it never saw."""
    t = card.training
    return sorted(set(t.get("held_out_sources", [])) | set(t.get("continued", {}).get("held_out_sources", [])))


def held_out_tag(sources: Sequence[str]) -> str:
    names = sorted({SOURCE_NAMES.get(s, s) for s in sources})
    return "new, without " + " + ".join(names)


def band(x: np.ndarray, fs: float) -> np.ndarray:
    """0.5-40 Hz zero-phase band-pass (2nd-order Butterworth), as the external evaluation."""
    sos = sps.butter(2, [0.5, 40.0], btype="bandpass", fs=fs, output="sos")
    return sps.sosfiltfilt(sos, np.asarray(x, dtype=np.float64), axis=-1)


def record_from_model_space(x8: np.ndarray, name: str) -> EcgRecord:
    """A 12-lead record at the model rate from one cached (8, T) array (I, II, V1..V6)."""
    x = x8.astype(np.float32)
    leads = {"I": x[0], "II": x[1], **derive_limb_leads(x[0], x[1]), **{f"V{i}": x[1 + i] for i in range(1, 7)}}
    return EcgRecord(signal=np.stack([leads[n] for n in STANDARD_LEADS], axis=1), fs=MODEL_FS,
                     lead_names=tuple(STANDARD_LEADS), provenance=(Provenance.MEASURED,) * 12, source=name)


def _twelve(x8: np.ndarray) -> dict[str, np.ndarray]:
    x = x8.astype(np.float64)
    return {"I": x[0], "II": x[1], **derive_limb_leads(x[0], x[1]), **{f"V{i}": x[1 + i] for i in range(1, 7)}}


def synthesized_leads(inputs: Sequence[str]) -> list[str]:
    """The leads scored for ``inputs``: chest leads not measured, plus II and the limb leads
    derived from it when II is not measured."""
    if "II" in inputs:
        return [n for n in CHEST if n not in inputs]
    return [n for n in STANDARD_LEADS if n not in inputs]


def predict_batch(model: Any, arrays: np.ndarray, inputs: Sequence[str], *, multiple: int = LENGTH_MULTIPLE) -> np.ndarray:
    """Synthesize cached model-space records (N, 8, T) -> (N, 8, T) independent leads in mV,
    the measured ones copied, exactly as ``synthesize`` would at the model rate.

    ``multiple``: the length each window is zero-padded to a multiple of (the product's; a
    deeper network of the capacity study needs more)."""
    out = arrays.astype(np.float64).copy()
    ids = [INDEPENDENT_LEADS.index(n) for n in model.card.outputs]
    for b0 in range(0, len(arrays), BATCH):
        preps = [model.prepare_arrays(record_from_model_space(a, "x"), list(inputs), with_target=False)
                 for a in arrays[b0:b0 + BATCH]]
        xs, lengths = zip(*(pad_to_multiple(p.x, multiple) for p in preps), strict=True)
        with torch.no_grad():
            ys = model.module(torch.from_numpy(np.ascontiguousarray(np.stack(xs), dtype=np.float32))).numpy()
        for j, p in enumerate(preps):
            for k, i in enumerate(ids):
                if model.card.outputs[k] not in p.measured:
                    out[b0 + j, i] = ys[j, k, : lengths[j]] * p.scale
    return out


def score_arrays(truth: np.ndarray, est: np.ndarray, inputs: Sequence[str], *,
                 per_record: bool = False) -> dict[str, Any]:
    """Per-record and per-lead PCC (hp and band) and RMSE of (N, 8, T) model-space arrays.

    ``per_record``: also ``record_pcc`` and ``record_band_pcc``, each record's mean hp and band
    PCC (for paired comparisons)."""
    leads = synthesized_leads(inputs)
    per_lead: dict[str, dict[str, list[float]]] = {n: {"pcc": [], "band": [], "rmse": []} for n in leads}
    rec_pcc, rec_band, rec_rmse = [], [], []
    for t8, e8 in zip(truth, est, strict=True):
        t12, e12 = _twelve(t8), _twelve(e8)
        ps, bs, rs = [], [], []
        for n in leads:
            p, b, r = pcc(t12[n], e12[n]), pcc(band(t12[n], MODEL_FS), band(e12[n], MODEL_FS)), rmse(t12[n], e12[n])
            per_lead[n]["pcc"].append(p)
            per_lead[n]["band"].append(b)
            per_lead[n]["rmse"].append(r)
            ps.append(p)
            bs.append(b)
            rs.append(r)
        rec_pcc.append(np.nanmean(ps))
        rec_band.append(np.nanmean(bs))
        rec_rmse.append(np.mean(rs))
    out: dict[str, Any] = {
        "n": len(truth),
        "mean_pcc": float(np.nanmean(rec_pcc)), "median_pcc": float(np.nanmedian(rec_pcc)),
        "mean_band_pcc": float(np.nanmean(rec_band)),
        "mean_rmse_mv": float(np.mean(rec_rmse)), "median_rmse_mv": float(np.median(rec_rmse)),
        "leads": {n: {"mean_pcc": float(np.nanmean(v["pcc"])), "median_pcc": float(np.nanmedian(v["pcc"])),
                      "mean_band_pcc": float(np.nanmean(v["band"])), "mean_rmse_mv": float(np.mean(v["rmse"]))}
                  for n, v in per_lead.items()},
    }
    if per_record:
        out["record_pcc"] = [float(v) for v in rec_pcc]
        out["record_band_pcc"] = [float(v) for v in rec_band]
    return out


def score_records(model: Any, records: Sequence[EcgRecord], inputs: Sequence[str], *,
                  per_record: bool = False) -> dict[str, Any]:
    """hp and band mean PCC of records of any rate and length, through ``synthesize``.

    ``per_record``: also ``record_pcc`` and ``record_band_pcc``, as :func:`score_arrays`."""
    leads = synthesized_leads(inputs)
    hp, bd = [], []
    for rec in records:
        out = synthesize(rec, list(inputs), model)
        hp.append(np.nanmean([pcc(highpass(rec.lead(n), rec.fs, HIGHPASS_HZ), out.lead(n)) for n in leads]))
        bd.append(np.nanmean([pcc(band(rec.lead(n), rec.fs), band(out.lead(n), rec.fs)) for n in leads]))
    res: dict[str, Any] = {"n": len(records), "mean_pcc": float(np.nanmean(hp)), "mean_band_pcc": float(np.nanmean(bd))}
    if per_record:
        res["record_pcc"] = [float(v) for v in hp]
        res["record_band_pcc"] = [float(v) for v in bd]
    return res


def paired_difference(new: Sequence[float], base: Sequence[float]) -> tuple[float, float, float]:
    """Per-record ``new - base`` over the same records: mean, standard error and the share of
    records where ``new`` is higher (whether a small gain is more than the record-to-record spread)."""
    d = np.asarray(new, dtype=np.float64) - np.asarray(base, dtype=np.float64)
    return float(np.nanmean(d)), float(np.nanstd(d, ddof=1) / np.sqrt(len(d))), float(np.mean(d > 0))


def old_models(rev: str, dest: Path) -> Path:
    """The shipped models of git revision ``rev`` (``resources/models``) written to ``dest``."""
    names = subprocess.run(["git", "-C", str(ROOT), "ls-tree", "--name-only", f"{rev}:resources/models"],
                           check=True, capture_output=True, text=True).stdout.split()
    for name in names:
        if name.endswith((".json", ".safetensors")):
            blob = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:resources/models/{name}"],
                                  check=True, capture_output=True).stdout
            (dest / name).write_bytes(blob)
    return dest


def model_for(folder: Path, inputs: Sequence[str]) -> Path:
    """The model of ``folder`` the product would take for ``inputs`` (``select_model``'s rule).

    The older shipped folders have no dedicated lead-I model: the any-subset model served it.
    """
    cards = [read_card(p) for p in sorted(folder.glob("*.json")) if p.with_suffix(".safetensors").exists()]
    card = select_model(list(inputs), cards=cards)
    return folder / card.id


def run(cache: Path, old_dir: Path | None, holdout_dirs: Sequence[Path], info_records: int) -> dict[str, Any]:
    torch.set_num_threads(1)
    z = np.load(cache / "ptbxl.npz")
    fold10 = np.flatnonzero(z["strat_fold"] == 10)
    truth = z["leads"][fold10].astype(np.float32)
    cinc = np.load(cache / "cinc2011.npz")["leads"].astype(np.float32) if (cache / "cinc2011.npz").exists() else None
    folders = {"new": MODELS} | ({"old": old_dir} if old_dir else {})
    res: dict[str, Any] = {"fold10": {}, "external": {}, "information": {}, "n_fold10": len(fold10)}
    root = default_data_root()
    ext = {
        "PTB S0001-S0010 (Berlin, 1000 Hz)": [read_record(p) for p in sorted(root.glob("cinc2021/**/S00[01]?.hea"))],
        "LUDB 161-200 (Nizhny Novgorod)": load_records("validation"),
    }
    held = load_records("train", ["cpsc", "sph"])

    def score_held(group: str, leads: str, tag: str, model: Any, inputs: list[str]) -> None:
        """Score ``model`` on a held-out group's data into that group's table."""
        table = HELD_TABLES[group]
        if table == FOLD10:
            res["fold10"][leads][tag] = score_arrays(truth, predict_batch(model, truth, inputs), inputs)
        elif group == "cinc2011":
            res["external"].setdefault(table, {}).setdefault(leads, {})[tag] = score_arrays(
                cinc, predict_batch(model, cinc, inputs), inputs)
        else:
            res["external"].setdefault(table, {}).setdefault(leads, {})[tag] = score_records(model, held, inputs)

    for leads, mid in SETS.items():
        inputs = leads.split(",")
        rows = {tag: model_for(folder, inputs) for tag, folder in folders.items()} | {"linear": MODELS / LINEAR[leads]}
        for tag, path in rows.items():
            t0 = time.time()
            model = load_model(path)
            res["fold10"].setdefault(leads, {})[tag] = score_arrays(truth, predict_batch(model, truth, inputs), inputs)
            for src, recs in ext.items():
                res["external"].setdefault(src, {}).setdefault(leads, {})[tag] = score_records(model, recs, inputs)
            if tag == "linear" or (not holdout_dirs and tag == "old"):
                score_held("cpsc+sph", leads, tag, model, inputs)
            if tag in ("old", "linear") and cinc is not None:  # neither was trained on CinC 2011
                score_held("cinc2011", leads, tag, model, inputs)
            print(f"{leads} {tag}: fold 10 {res['fold10'][leads][tag]['mean_pcc']:.3f} ({time.time() - t0:.0f} s)", flush=True)
        for folder in holdout_dirs:
            if not (folder / f"{mid}.json").exists():
                continue
            model = load_model(folder / mid)
            sources = set(held_out_sources(model.card))
            tag = held_out_tag(sorted(sources))
            for group, needs in HELD_GROUPS.items():
                if needs <= sources and (group != "cinc2011" or cinc is not None):
                    score_held(group, leads, tag, model, inputs)
    any_new = load_model(MODELS / "anysubset")
    rng = np.random.default_rng(10)
    pick = np.sort(rng.choice(len(truth), size=min(info_records, len(truth)), replace=False))
    sub = truth[pick]
    res["n_information"] = len(sub)
    for k in (1, 2):
        for extra in itertools.combinations(CHEST, k):
            inputs = ["I", "II", *extra]
            s = score_arrays(sub, predict_batch(any_new, sub, inputs), inputs)
            res["information"][",".join(inputs)] = {n: round(v["mean_pcc"], 3) for n, v in s["leads"].items()} | {
                "mean": round(s["mean_pcc"], 3)}
    return res


def _f(x: float | None) -> str:
    return "" if x is None else f"{x:.3f}"


def to_markdown(res: dict[str, Any]) -> str:
    out = ["## Across hospitals: PTB-XL fold 10 and sources never trained on", "",
           f"PTB-XL fold 10: the standard test fold, {res['n_fold10']} records (100 Hz, 10 s), never trained or "
           "selected on. *new*: the shipped models; *old*: the models shipped before they were retrained on "
           "PTB-XL folds 1-8 and CinC 2011; *linear*: the population linear regression (LUDB, PTB-XL samples, "
           "CPSC, SPH). PCC vs the truth high-passed at 0.5 Hz, mean (median) over records; *band*: both "
           "signals band-passed 0.5-40 Hz; RMSE in mV. Lead I alone: 11 leads (II synthesized, III, aVR, "
           "aVL, aVF derived from it, V1-V6); each folder's model for a lead set is the one the product picks "
           "(`select_model`): for lead I alone the dedicated linres-i in *new*, the any-subset model in *old*. "
           "*new, without PTB-XL*: the shipped recipe trained on no PTB-XL record at all (what transfers to "
           "PTB-XL from the other sources).", "",
           "| inputs | model | PCC mean (median) | band PCC | RMSE mV mean (median) | published |",
           "|---|---|---|---|---|---|"]
    for leads, rows in res["fold10"].items():
        for tag, s in rows.items():
            out.append(f"| {leads} | {tag} | {_f(s['mean_pcc'])} ({_f(s['median_pcc'])}) | {_f(s['mean_band_pcc'])} | "
                       f"{_f(s['mean_rmse_mv'])} ({_f(s['median_rmse_mv'])}) | {PUBLISHED.get(leads, '') if tag == 'new' else ''} |")
    out += ["", "Per lead, fold 10, mean PCC new / old / linear:", "",
            "| inputs | " + " | ".join(STANDARD_LEADS) + " |", "|---|" + "---|" * len(STANDARD_LEADS)]
    for leads, rows in res["fold10"].items():
        cells = []
        for n in STANDARD_LEADS:
            vals = [rows[t]["leads"].get(n, {}).get("mean_pcc") for t in ("new", "old", "linear") if t in rows]
            cells.append(" / ".join(_f(v) for v in vals) if vals and vals[0] is not None else "")
        out.append(f"| {leads} | " + " | ".join(cells) + " |")
    out += ["", "Sources never trained on (band PCC 0.5-40 Hz; hp PCC in brackets). CPSC, SPH and CinC 2011 were "
            "training sources of the shipped models: a column *new, without X* is the shipped recipe trained "
            "without X (and scored on it), the honest transfer figure; the old models and the linear baseline "
            "never saw CinC 2011.", ""]
    for src, sets in res["external"].items():
        seen = list(dict.fromkeys(t for rows in sets.values() for t in rows))
        tags = [t for t in ("new", *sorted(t for t in seen if t.startswith("new, without")), "old", "linear") if t in seen]
        out += [f"**{src}**", "", "| inputs | " + " | ".join(tags) + " |", "|---|" + "---|" * len(tags)]
        for leads, rows in sets.items():
            out.append(f"| {leads} | " + " | ".join(
                f"{_f(rows[t]['mean_band_pcc'])} ({_f(rows[t]['mean_pcc'])})" if t in rows else "" for t in tags) + " |")
        out.append("")
    out += [f"Which chest electrode carries most information: the any-subset model on {res['n_information']} "
            "fold-10 records (seeded sample), mean PCC (hp) of each synthesized chest lead.", "",
            "| inputs | " + " | ".join(CHEST) + " | mean |", "|---|" + "---|" * (len(CHEST) + 1)]
    for leads, row in sorted(res["information"].items(), key=lambda kv: -kv[1]["mean"]):
        out.append(f"| {leads} | " + " | ".join("measured" if n in leads.split(",") else _f(row.get(n))
                                                for n in CHEST) + f" | {_f(row['mean'])} |")
    out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--external-cache", type=Path, required=True, help="folder with ptbxl.npz (cache_external.py)")
    p.add_argument("--old-rev", default=None, help="git revision of the previously shipped models (e.g. 26e6ad2)")
    p.add_argument("--holdout-models", type=Path, nargs="*", default=None,
                   help="folders of models trained without whole sources (named in each card's training); "
                        "default: the folders of benchmarks/holdout_models; with no folder: none")
    p.add_argument("--info-records", type=int, default=10**6, help="fold-10 records for the information table")
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    a = p.parse_args(argv)
    if not (a.external_cache / "ptbxl.npz").exists():
        print(f"{a.external_cache}/ptbxl.npz not found: run scripts/experiments/cache_external.py first", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        old = old_models(a.old_rev, Path(tmp)) if a.old_rev else None
        holdout = default_holdout_dirs() if a.holdout_models is None else a.holdout_models
        res = run(a.external_cache, old, holdout, a.info_records)
    res["holdout_models"] = [str(p.relative_to(ROOT)) if p.is_relative_to(ROOT) else str(p) for p in holdout]
    res["command"] = "python benchmarks/accuracy_external.py " + " ".join(argv if argv is not None else sys.argv[1:])
    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / "accuracy_external.json").write_text(json.dumps(res, indent=1), encoding="utf-8")
    (a.out / "accuracy_external.md").write_text(to_markdown(res), encoding="utf-8")
    print(to_markdown(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
