"""Seed ensembles of a dedicated model: one network that is the mean of several.

    python -m leadsynth_core.training.ensemble MODEL_ID --members DIR [DIR ...] --out DIR

Each member folder holds ``MODEL_ID.json`` + ``.safetensors`` trained by the same spec
with another ``--seed`` (``scripts/experiments/train_seed_members.sh``).  The result is
saved as ``MODEL_ID`` in ``--out`` with architecture ``linres_ensemble``: a single
pointwise head over every member's features (:func:`~leadsynth_core.models.networks.ensemble_of`),
so synthesis, streaming and personalization treat it like any other model.  Why: on
records from hospitals never trained on, changing only the seed moves the mean PCC by up
to 0.03-0.06; the average of seeds is steadier (``docs/models.md``).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from ..errors import LeadSynthError, ModelError
from ..models.card import ModelCard
from ..models.networks import LinearResidualUNet, count_parameters, ensemble_of
from ..models.registry import load_model, save_model
from .run import ANY_SUBSET_VALIDATION_SETS, validate

__all__ = ["build_ensemble", "main"]

log = logging.getLogger(__name__)


def build_ensemble(model_id: str, members: Sequence[Path], out: Path, *, data_root: Path | None = None,
                   command: str = "") -> ModelCard:
    """Combine ``members/<model_id>`` into one ensemble model saved as ``out/<model_id>``."""
    if len(members) < 2:
        raise ModelError(f"{model_id}: an ensemble needs at least two member folders, got {len(members)}")
    t0 = time.time()
    loaded = [load_model(Path(m) / f"{model_id}.json") for m in members]
    nets = [m.module for m in loaded]
    if not all(isinstance(n, LinearResidualUNet) for n in nets):
        raise ModelError(f"{model_id}: every member must be a linres network")
    first = loaded[0].card
    for m in loaded[1:]:
        if (m.card.inputs, m.card.outputs, m.card.arch_params) != (first.inputs, first.outputs, first.arch_params):
            raise ModelError(f"{model_id}: member {m.card.path} differs from {first.path} in inputs, outputs or size")
    module = ensemble_of(nets).eval()
    training = {
        **first.training,
        "ensemble_of": [
            {"path": str(m.card.path), "weights_sha256": m.card.weights_sha256, "seed": m.card.training.get("seed"),
             "time_s": m.card.training.get("time_s"), "command": m.card.training.get("command")}
            for m in loaded
        ],
        "parameters": count_parameters(module),
        "command": command or first.training.get("command", ""),
        "time_s": round(sum(float(m.card.training.get("time_s") or 0.0) for m in loaded) + time.time() - t0, 1),
    }
    training.pop("seed", None)
    card = dataclasses.replace(
        first,
        name=f"{first.name} (mean of {len(nets)} seeds)",
        architecture="linres_ensemble",
        arch_params={**first.arch_params, "members": len(nets)},
        training=training,
        description=(first.description + f"  Shipped as the mean of {len(nets)} such networks trained with "
                     "different seeds (one network, one pointwise head over all members' features)."),
        path=None,
        weights_sha256="",
    )
    lead_sets = [list(card.inputs)] if card.inputs else [list(x) for x in ANY_SUBSET_VALIDATION_SETS]
    card.metrics = validate(card, module, lead_sets, data_root)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    card = save_model(module, card, out / model_id)
    log.info("ensemble %s of %d members written to %s (validation mean PCC %.4f)",
             model_id, len(nets), card.path, card.metrics["mean_pcc"])
    return card


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m leadsynth_core.training.ensemble",
                                     description="Combine seed members of a dedicated model into one ensemble model.")
    parser.add_argument("model_id")
    parser.add_argument("--members", nargs="+", required=True, type=Path, help="folders holding MODEL_ID.json")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--data-root", type=Path, default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    command = "python -m leadsynth_core.training.ensemble " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    try:
        build_ensemble(args.model_id, args.members, args.out, data_root=args.data_root, command=command)
    except LeadSynthError as exc:
        log.error("ensemble %s failed: %s", args.model_id, exc)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
