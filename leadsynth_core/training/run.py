"""The training command: build one model by id, log to a file, validate, save with a card."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import platform
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..errors import LeadSynthError
from ..models.card import ModelCard
from ..models.features import HIGHPASS_HZ, MODEL_FS
from ..models.loaded import LoadedModel
from ..models.networks import count_parameters
from ..models.registry import save_model
from .data import default_data_root, load_records, load_training_records
from .evaluate import evaluate_model
from .linear import fit_linear, linear_network
from .specs import MODEL_SPECS, ModelSpec, get_spec

__all__ = ["main", "run_training", "build_card", "validate", "ANY_SUBSET_VALIDATION_SETS"]

log = logging.getLogger(__name__)

#: Lead sets an any-subset model is validated on (its card's ``metrics["by_inputs"]``).
ANY_SUBSET_VALIDATION_SETS: tuple[tuple[str, ...], ...] = (
    ("I", "II", "V2", "V4"), ("I", "II", "V4"), ("I", "II", "V3"), ("I", "II"), ("I",),
)

#: Inference window and hop at the model rate (10.24 s windows, 2.56 s cross-fade).
WINDOW = 2560
HOP = 1920


def build_card(spec: ModelSpec, module: torch.nn.Module, training: dict[str, Any], sources: Sequence[str] | None) -> ModelCard:
    """The model card of a freshly trained ``module`` (metrics filled in by :func:`validate`)."""
    any_subset = spec.kind == "anysubset"
    in_channels = 16 if any_subset else len(spec.inputs)
    return ModelCard(
        id=spec.id,
        name=spec.name,
        architecture=spec.architecture,
        arch_params={"in_channels": in_channels, "out_channels": len(spec.outputs), **spec.arch_params},
        inputs=[] if any_subset else list(spec.inputs),
        outputs=list(spec.outputs),
        any_subset=any_subset,
        fs=MODEL_FS,
        window=WINDOW,
        hop=HOP,
        normalization={"method": "record", "highpass_hz": HIGHPASS_HZ},
        training={**training, "parameters": count_parameters(module), "sources": list(sources or ["all"])},
        description=spec.description,
    )


def validate(card: ModelCard, module: torch.nn.Module, lead_sets: Sequence[Sequence[str]], root: Path | None = None) -> dict[str, Any]:
    """Validation metrics on LUDB 161-200 for each lead set (summary only, no per-record lists)."""
    records = load_records("validation", root=root)
    loaded = LoadedModel(card, module)
    metrics: dict[str, Any] = {"data": "LUDB records 161-200 (never trained on)", "by_inputs": {}}
    for leads in lead_sets:
        res = evaluate_model(loaded, records, leads)
        key = ",".join(leads)
        metrics["by_inputs"][key] = {
            "mean_pcc": round(res["mean_pcc"], 4),
            "median_pcc": round(res["median_pcc"], 4),
            "leads": {n: {k: round(v, 4) for k, v in d.items()} for n, d in res["leads"].items()},
        }
        log.info("validation %s on %s: mean PCC %.4f", card.id, key, res["mean_pcc"])
    first = metrics["by_inputs"][",".join(lead_sets[0])]
    metrics["mean_pcc"] = first["mean_pcc"]
    return metrics


def _train_linear(spec: ModelSpec, sources: Sequence[str] | None, root: Path | None) -> tuple[torch.nn.Module, dict[str, Any]]:
    records = load_training_records("train", sources, root)
    weight, bias = fit_linear(records, spec.inputs, spec.outputs)
    return linear_network(weight, bias), {"records": len(records), "steps": 0, "method": "least squares"}


def run_training(
    model_id: str,
    out: Path,
    *,
    resume: bool = False,
    seed: int = 0,
    sources: Sequence[str] | None = None,
    steps: int | None = None,
    data_root: Path | None = None,
    checkpoint_dir: Path | None = None,
    command: str = "",
    sampling: str | None = None,
    skip_augmentations: Sequence[str] = (),
    vcg_rotation_deg: float | None = None,
) -> ModelCard:
    """Train model ``model_id`` and save ``<out>/<id>.safetensors`` + ``.json``.

    Checkpoints (for ``resume``) go to ``runs/checkpoints/<id>/`` (gitignored).
    """
    spec = get_spec(model_id)
    if sampling is not None:
        spec = dataclasses.replace(spec, sampling=sampling)
    if skip_augmentations:
        spec = dataclasses.replace(spec, skip_augmentations=tuple(skip_augmentations))
    if vcg_rotation_deg is not None:
        spec = dataclasses.replace(spec, vcg_rotation_deg=float(vcg_rotation_deg))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    np.random.seed(seed)
    t0 = time.time()
    if spec.kind == "linear":
        module, info = _train_linear(spec, sources, data_root)
    else:
        from .train import train_network  # torch training loop; not needed for the baselines

        module, info = train_network(
            spec, out, resume=resume, seed=seed, sources=sources, steps=steps, data_root=data_root,
            checkpoint_dir=checkpoint_dir,
        )
    module.eval()
    training = {
        "data": "splits.json train split: " + ", ".join(sources or ["ludb", "ptbxl", "cpsc", "sph"])
        + (" + deepfake-ecg synthetic ECGs" if spec.synthetic_fraction > 0 else ""),
        "seed": seed,
        "time_s": round(time.time() - t0, 1),
        "command": command,
        "torch": torch.__version__,
        "host": platform.machine(),
        **info,
    }
    card = build_card(spec, module, training, sources)
    lead_sets = [list(spec.inputs)] if spec.inputs else [list(x) for x in ANY_SUBSET_VALIDATION_SETS]
    card.metrics = validate(card, module, lead_sets, data_root)
    card = save_model(module, card, out / spec.id)
    log.info("model %s written to %s (%.1f s)", spec.id, card.path, time.time() - t0)
    return card


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m leadsynth_core.training", description="Train one shipped model.")
    parser.add_argument("model_id", help="one of: " + ", ".join(MODEL_SPECS))
    parser.add_argument("--out", required=True, type=Path, help="output folder (e.g. resources/models)")
    parser.add_argument("--resume", action="store_true", help="continue from the last checkpoint")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=None, help="override the spec's number of steps")
    parser.add_argument("--sampling", choices=("record", "source"), default=None,
                        help="draw real crops per record or per source (default: the spec's)")
    parser.add_argument("--no-augment", default="", metavar="NAMES",
                        help="comma-separated augmentations to leave out (ablation): gain, lowpass, wander, noise, powerline")
    parser.add_argument("--vcg-rotation", type=float, default=None, metavar="DEG",
                        help="turn the heart vector of half the crops by up to DEG degrees per axis (default: the spec's)")
    parser.add_argument("--sources", default=None, help="comma-separated training sources (default: all)")
    parser.add_argument("--data-root", type=Path, default=None, help=f"reference data (default {default_data_root()})")
    parser.add_argument("--checkpoints", type=Path, default=None, help="checkpoint folder (default runs/checkpoints/MODEL_ID)")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    parser.add_argument("--log", type=Path, default=None, help="log file (default runs/training/MODEL_ID.log)")
    args = parser.parse_args(argv)
    log_path = args.log or Path("runs") / "training" / f"{args.model_id}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(log_path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    console = logging.StreamHandler()
    console.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    root_logger = logging.getLogger("leadsynth_core")
    root_logger.setLevel(logging.INFO)
    root_logger.addHandler(handler)
    root_logger.addHandler(console)
    torch.set_num_threads(max(1, args.threads))
    sources = args.sources.split(",") if args.sources else None
    command = "python -m leadsynth_core.training " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    try:
        card = run_training(
            args.model_id, args.out, resume=args.resume, seed=args.seed, sources=sources, steps=args.steps,
            data_root=args.data_root, checkpoint_dir=args.checkpoints, command=command, sampling=args.sampling,
            skip_augmentations=[a for a in args.no_augment.split(",") if a], vcg_rotation_deg=args.vcg_rotation,
        )
    except (LeadSynthError, ValueError) as exc:
        log.error("training %s failed: %s", args.model_id, exc)
        return 2
    finally:
        for h in (handler, console):
            root_logger.removeHandler(h)
        handler.close()
    print(card.summary())
    return 0




