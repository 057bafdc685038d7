"""Validate the retrained models and write them, with their cards, to the shipped folder.

    .venv/bin/python scripts/experiments/finalize_big.py runs/big/all --cache cache/external \
        --out resources/models

For every model in the run folder: the card's ``metrics`` become the LUDB 161-200 validation
(``training.run.validate``, the figures the model indicator quotes) plus PTB-XL fold 9 (the
validation fold; 500 seeded records, band and hp PCC), and ``training.continued`` gets an
index hash of the training records (SHA-256 of the sorted record names), so a card names
exactly what it learned from.  Never scores fold 10, LUDB-as-selection or the PTB S records.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from accuracy_external import predict_batch, score_arrays  # noqa: E402
from finetune_big import PTBXL_SHARED_HELD  # noqa: E402

from leadsynth_core.models.registry import load_model, save_model  # noqa: E402
from leadsynth_core.training.data import split_paths  # noqa: E402
from leadsynth_core.training.run import ANY_SUBSET_VALIDATION_SETS, validate  # noqa: E402


def index_hash(cache: Path, holdout: list[str]) -> tuple[str, int]:
    z = np.load(cache / "ptbxl.npz")
    names = [f"ptbxl/{i}" for i, f in zip(z["ecg_id"], z["strat_fold"], strict=True) if f <= 8]
    names += [f"cinc2011/{n}" for n in np.load(cache / "cinc2011.npz")["record"]]
    names += [f"{s}/{p}" for s, p in split_paths("train") if s not in holdout and p not in PTBXL_SHARED_HELD]
    return hashlib.sha256("\n".join(sorted(names)).encode()).hexdigest(), len(names)


def fold9_sample(cache: Path, n: int) -> np.ndarray:
    """``n`` seeded PTB-XL fold-9 records (N, 8, T) from the model-space cache: the selection set."""
    z = np.load(cache / "ptbxl.npz")
    idx = np.flatnonzero(z["strat_fold"] == 9)
    idx = np.sort(np.random.default_rng(9).choice(idx, size=min(n, len(idx)), replace=False))
    return z["leads"][idx].astype(np.float32)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("run", type=Path)
    p.add_argument("--cache", type=Path, default=Path("cache/external"))
    p.add_argument("--out", type=Path, default=Path("resources/models"))
    p.add_argument("--fold9", type=int, default=500)
    p.add_argument("--names-from", type=Path, default=None,
                   help="folder of the cards these models continue (e.g. resources/models): their name and "
                        "description are kept, plus a sentence on the last round, instead of the run card's")
    p.add_argument("--round-note", default="", help="that sentence (with --names-from)")
    a = p.parse_args()
    torch.set_num_threads(1)
    fold9 = fold9_sample(a.cache, a.fold9)
    for card_path in sorted(a.run.glob("*.json")):
        if card_path.name.endswith(".done.json"):
            continue
        model = load_model(card_path)
        card = model.card
        cont = card.training.get("continued", {})
        digest, n = index_hash(a.cache, cont.get("held_out_sources", []))
        cont["records_index_sha256"], cont["records"] = digest, n
        card.training["continued"] = cont
        srcs = cont.get("sources", {})
        if card.training.get("data") == "from scratch":  # holdout_scratch_init.py --holdout ""
            card.training["data"] = (f"trained from scratch on PTB-XL folds 1-8 ({srcs.get('ptbxl_big', 0)} records "
                                     f"at 100 Hz), CinC 2011 set-a ({srcs.get('cinc2011', 0)}) and the shared "
                                     f"training records ({n} in all)")
        elif "continued on" not in str(card.training.get("data", "")):
            card.training["data"] = (f"{card.training.get('data', '')}; then continued on PTB-XL folds 1-8 "
                                     f"({srcs.get('ptbxl_big', 0)} records at 100 Hz), CinC 2011 set-a "
                                     f"({srcs.get('cinc2011', 0)}) and the shared training records ({n} in all)")
        if a.names_from is not None:
            # A run folder's cards descend from experiment cards whose names can be stale
            # (a hold-out name once reached the viewer this way): the shipped card's words win.
            shipped = load_model(a.names_from / f"{card.id}.json").card
            card.name = shipped.name
            card.description = (shipped.description + (f"  {a.round_note}" if a.round_note else "")).strip()
        sets = [list(card.inputs)] if card.inputs else [list(s) for s in ANY_SUBSET_VALIDATION_SETS]
        metrics = validate(card, model.module, sets)
        metrics["ptbxl_fold9"] = {"data": f"PTB-XL fold 9 (validation fold), {len(fold9)} seeded records",
                                  "by_inputs": {}}
        for leads in sets:
            s = score_arrays(fold9, predict_batch(model, fold9, leads), leads)
            metrics["ptbxl_fold9"]["by_inputs"][",".join(leads)] = {
                "mean_pcc": round(s["mean_pcc"], 4), "mean_band_pcc": round(s["mean_band_pcc"], 4),
                "mean_rmse_mv": round(s["mean_rmse_mv"], 4)}
        card.metrics = metrics
        save_model(model.module, card, a.out / card.id)
        print(card.id, json.dumps({k: v["mean_pcc"] for k, v in metrics["by_inputs"].items()}),
              json.dumps(metrics["ptbxl_fold9"]["by_inputs"]), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
