"""Evaluate a model on a data set: every 12-lead record synthesized from chosen inputs and scored.

Behind ``leadsynth evaluate`` and the viewer's data-set browser (records sorted by how well
they were synthesized: the failure cases first).  Records that cannot be read or scored are
listed with the reason, never silently dropped.
"""

from __future__ import annotations

import logging
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from .errors import LeadSynthError, RecordFormatError
from .progress import CancelToken, ProgressCallback, check, report

__all__ = ["METRICS", "evaluate_dataset", "dataset_targets", "write_evaluation"]

log = logging.getLogger(__name__)

#: Metrics per lead, as in :func:`leadsynth_core.metrics.lead_metrics`.
METRICS = ("pcc", "rmse", "mae", "snr_db")


def dataset_targets(data: str | os.PathLike[str], isolate: bool = True) -> list[tuple[str, Path, str | None]]:
    """``(name, path, key)`` of every record in ``data``: a folder (searched recursively), an
    HDF5 file (each of its records) or one record."""
    from .io import find_records, guard_record, list_records

    data = Path(data)
    if data.is_dir():
        return [(str(p), p, None) for p in find_records(data)]
    if data.suffix.lower() in {".h5", ".hdf5"}:
        # Listing the keys is the first read of the file: check it in a child process first.
        guard_record(data, isolate=isolate)
        keys = list_records(data)
        if len(keys) > 1:
            return [(f"{data}::{k}", data, k) for k in keys]
        return [(str(data), data, None)]
    if data.exists() or data.with_suffix(".hea").exists():
        return [(str(data), data, None)]
    raise RecordFormatError(f"{data}: no such folder or file")


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def evaluate_dataset(
    data: str | os.PathLike[str],
    inputs: str | list[str] | tuple[str, ...],
    model: Any = None,
    *,
    isolate: bool = True,
    reference: str = "raw",
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> dict[str, Any]:
    """Synthesize every 12-lead record of ``data`` from ``inputs`` and score the synthesized leads.

    Parameters
    ----------
    model
        Model id, path, card or loaded model (default: the best shipped model for ``inputs``).
    isolate
        Probe each HDF5 file in a child process first (:func:`~leadsynth_core.io.guard_record`):
        a file that would hang or crash the HDF5 library is skipped with the reason.
    reference
        ``"raw"`` (the stored leads) or ``"highpass"`` (high-passed at 0.5 Hz like the
        synthesized leads); see :data:`leadsynth_core.agreement.REFERENCES`.

    Returns
    -------
    dict
        JSON-ready: ``records`` (per record: ``record``, ``path``, ``key``, ``fs``,
        ``duration_s``, ``leads`` {lead: metrics}, ``mean``, ``worst_lead``), ``skipped``
        (record and reason), ``per_lead_mean``, ``mean``, the model id and hash.
    """
    from .agreement import REFERENCES, reference_truth
    from .io import guard_record, read_record
    from .leads import STANDARD_LEADS, parse_lead_list
    from .metrics import lead_metrics
    from .models import load_model, select_model
    from .synthesis import synthesize

    if reference not in REFERENCES:
        raise ValueError(f"unknown reference {reference!r}; valid: {', '.join(REFERENCES)}")
    measured = parse_lead_list(inputs)
    loaded = load_model(model if model is not None else select_model(measured))
    targets = dataset_targets(data, isolate)
    records: list[dict[str, Any]] = []
    skipped: list[dict[str, str]] = []
    per_lead: dict[str, dict[str, list[float]]] = {}
    for i, (name, path, key) in enumerate(targets):
        check(cancel)
        report(progress, i / max(1, len(targets)), f"record {i + 1} of {len(targets)}: {Path(path).name}")
        try:
            guard_record(path, key=key, isolate=isolate)
            rec = read_record(path, key=key)
            rec.require_leads(STANDARD_LEADS)
            out = synthesize(rec, measured, loaded, cancel=cancel)
        except LeadSynthError as exc:
            if cancel is not None and cancel.cancelled:
                raise
            skipped.append({"record": name, "reason": str(exc)})
            log.info("skipped %s: %s", name, exc)
            continue
        synth = list(out.leads_with("synthesized"))
        truth = reference_truth(rec.select(STANDARD_LEADS), synth, reference)
        scores = lead_metrics(truth, out, synth)
        entry: dict[str, Any] = {"record": name, "path": str(path), "key": key, "fs": rec.fs,
                                 "duration_s": rec.duration, "leads": {}}
        for lead in synth:
            m = scores[lead]
            entry["leads"][lead] = {k: _finite(m[k]) for k in METRICS}
            for k in METRICS:
                per_lead.setdefault(lead, {}).setdefault(k, []).append(m[k])
        entry["mean"] = {
            k: _finite(float(np.nanmean([scores[ld][k] for ld in synth]))) if synth else None for k in METRICS
        }
        pccs = {ld: scores[ld]["pcc"] for ld in synth if math.isfinite(scores[ld]["pcc"])}
        entry["worst_lead"] = min(pccs, key=pccs.__getitem__) if pccs else None
        records.append(entry)
    report(progress, 1.0, f"{len(records)} record(s) scored, {len(skipped)} skipped")
    summary = {
        lead: {k: _finite(float(np.nanmean(v))) for k, v in vals.items()} for lead, vals in per_lead.items()
    }
    overall = {
        k: _finite(float(np.nanmean([r["mean"][k] for r in records if r["mean"][k] is not None])))
        if records else None
        for k in METRICS
    }
    return {
        "data": str(data),
        "inputs": list(measured),
        "model": loaded.card.id,
        "model_sha256": loaded.card.weights_sha256,
        "reference": reference,
        "n_records": len(records),
        "records": records,
        "skipped": skipped,
        "per_lead_mean": summary,
        "mean": overall,
    }


def write_evaluation(result: dict[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write :func:`evaluate_dataset`'s result as JSON, atomically (no half-written file)."""
    import json

    from .io import atomic_paths

    target = Path(path)
    text = json.dumps(result, indent=2, allow_nan=False) + "\n"
    with atomic_paths([target]) as (tmp,):
        tmp.write_text(text, encoding="utf-8")
    return target
