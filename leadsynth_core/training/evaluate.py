"""Validation of a model on real records through the product's own synthesis path."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import OptionError
from ..leads import parse_lead_list
from ..metrics import pcc, rmse
from ..models.features import HIGHPASS_HZ, highpass
from ..models.loaded import LoadedModel
from ..record import EcgRecord, Provenance
from ..synthesis import synthesize

__all__ = ["evaluate_model", "evaluate_model_truths", "TRUTH_FILTERS"]

log = logging.getLogger(__name__)


#: Valid values of ``truth`` in :func:`evaluate_model`.
TRUTH_FILTERS = ("raw", "highpass")


def evaluate_model(
    model: LoadedModel, records: Sequence[EcgRecord], inputs: str | Sequence[str], *, truth: str = "raw"
) -> dict[str, Any]:
    """Per-lead and per-record PCC and RMSE (mV) of the synthesized leads.

    Synthesizes each record with :func:`leadsynth_core.synthesis.synthesize` and compares
    every lead of provenance ``synthesized`` with the record's own lead: as read
    (``truth="raw"``) or after the same 0.5 Hz high-pass the synthesized leads have
    (``truth="highpass"``: baseline wander of the reference is then not counted as a
    synthesis error).  The record score is the mean PCC over its synthesized leads;
    ``mean_pcc`` is the mean of the record scores.
    """
    return evaluate_model_truths(model, records, inputs, (truth,))[truth]


def evaluate_model_truths(
    model: LoadedModel, records: Sequence[EcgRecord], inputs: str | Sequence[str], truths: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """:func:`evaluate_model` for several references at once (each record synthesized once)."""
    bad = [t for t in truths if t not in TRUTH_FILTERS]
    if bad:
        raise OptionError(f"truth: unknown filter(s) {', '.join(bad)}; valid: {', '.join(TRUTH_FILTERS)}")
    measured = parse_lead_list(inputs)
    hp_hz = float(model.card.normalization.get("highpass_hz", HIGHPASS_HZ))
    per_record: dict[str, list[dict[str, Any]]] = {t: [] for t in truths}
    per_lead: dict[str, dict[str, dict[str, list[float]]]] = {t: {} for t in truths}
    for rec in records:
        out = synthesize(rec, measured, model)
        leads = out.leads_with(Provenance.SYNTHESIZED)
        for t in truths:
            scores = {}
            for name in leads:
                ref = rec.lead(name)
                if t == "highpass":
                    ref = highpass(ref, rec.fs, hp_hz)
                est = out.lead(name)
                p, r = pcc(ref, est), rmse(ref, est)
                scores[name] = {"pcc": p, "rmse": r}
                acc = per_lead[t].setdefault(name, {"pcc": [], "rmse": []})
                acc["pcc"].append(p)
                acc["rmse"].append(r)
            per_record[t].append(
                {
                    "record": rec.metadata.get("split_path", rec.source),
                    "mean_pcc": float(np.nanmean([s["pcc"] for s in scores.values()])),
                    "leads": scores,
                }
            )
    results = {}
    for t in truths:
        lead_summary = {
            name: {
                "mean_pcc": float(np.nanmean(v["pcc"])),
                "median_pcc": float(np.nanmedian(v["pcc"])),
                "mean_rmse_mv": float(np.mean(v["rmse"])),
                "median_rmse_mv": float(np.median(v["rmse"])),
            }
            for name, v in per_lead[t].items()
        }
        rec_scores = [r["mean_pcc"] for r in per_record[t]]
        results[t] = {
            "inputs": list(measured),
            "truth": t,
            "n_records": len(records),
            "mean_pcc": float(np.nanmean(rec_scores)) if rec_scores else float("nan"),
            "median_pcc": float(np.nanmedian(rec_scores)) if rec_scores else float("nan"),
            "leads": lead_summary,
            "records": per_record[t],
        }
    return results
