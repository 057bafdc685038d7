"""Losses and scores of ``leadsynth train``: the training loss, validation PCC, the card's metrics."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from ..leads import STANDARD_LEADS, derive_limb_leads
from ..models.card import ModelCard
from ..models.features import INDEPENDENT_LEADS, MODEL_FS
from ..models.loaded import LoadedModel
from ..record import EcgRecord
from .shards import ShardSet

__all__ = ["calibrate_batchnorm", "masked_mse", "crop_pcc", "card_metrics"]


def calibrate_batchnorm(net: nn.Module, inputs: list[torch.Tensor]) -> None:
    """Set the BatchNorm running statistics of a new network to the mean over ``inputs``.

    The closed-form head fit runs in eval mode; with the initial statistics (0, 1) the
    features it fits would not be those the network computes in training.
    """
    norms = [m for m in net.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    saved = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative average over the batches below
    net.train()
    with torch.no_grad():
        for x in inputs:
            net(x)
    for m, momentum in zip(norms, saved, strict=True):
        m.momentum = momentum


def masked_mse(pred: torch.Tensor, target: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Mean squared error over the leads with ``weight`` 1 (as ``train_network``: the synthesized ones)."""
    return (((pred.float() - target) ** 2) * weight).sum() / (weight.sum() * target.shape[-1])


def crop_pcc(pred: torch.Tensor, target: torch.Tensor, weight: torch.Tensor) -> list[float]:
    """PCC of every synthesized (weight > 0) lead of every crop."""
    p = pred.float().cpu().numpy().astype(np.float64)
    t = target.cpu().numpy().astype(np.float64)
    wm = weight.cpu().numpy()[:, :, 0] > 0
    p = p - p.mean(-1, keepdims=True)
    t = t - t.mean(-1, keepdims=True)
    den = np.sqrt((p**2).sum(-1) * (t**2).sum(-1))
    r = np.where(den > 0, (p * t).sum(-1) / np.where(den > 0, den, 1), np.nan)
    return r[wm].tolist()


def card_metrics(data: ShardSet, rows: Sequence[int], inputs: Sequence[str], card: ModelCard, net: nn.Module) -> dict[str, Any]:
    """Validation through the product's synthesis path, as the shipped models' cards."""
    from .evaluate import evaluate_model
    from .run import ANY_SUBSET_VALIDATION_SETS

    if not rows:
        return {"data": "none: the validation split is empty"}
    records = []
    for i in rows:
        x = dict(zip(INDEPENDENT_LEADS, data.crop(i, 0, data.rows[i].length), strict=True))
        x.update(derive_limb_leads(x["I"], x["II"]))  # 12 leads, as a record the viewer opens
        records.append(EcgRecord(signal=np.stack([x[n] for n in STANDARD_LEADS], axis=1).astype(np.float32),
                                 fs=MODEL_FS, lead_names=STANDARD_LEADS, source=data.rows[i].record_id))
    loaded = LoadedModel(card, net)
    sets = [list(inputs)] if inputs else [list(s) for s in ANY_SUBSET_VALIDATION_SETS]
    metrics: dict[str, Any] = {
        "data": f"validation split of {data.folder} ({len(records)} records, model space: 250 Hz, "
                "high-passed 0.5 Hz)",
        "by_inputs": {},
    }
    for leads in sets:
        res = evaluate_model(loaded, records, leads)
        metrics["by_inputs"][",".join(leads)] = {
            "mean_pcc": round(res["mean_pcc"], 4), "median_pcc": round(res["median_pcc"], 4),
            "leads": {n: {k: round(v, 4) for k, v in d.items()} for n, d in res["leads"].items()},
        }
    metrics["mean_pcc"] = metrics["by_inputs"][",".join(sets[0])]["mean_pcc"]
    return metrics
