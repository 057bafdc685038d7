"""Evaluate a model on a data set: every 12-lead record synthesized from chosen inputs and scored.

Behind ``leadsynth evaluate`` and the viewer's data-set browser (records sorted by how well
they were synthesized: the failure cases first).  Records that cannot be read or scored are
listed with the reason, never silently dropped.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .errors import LeadSynthError, RecordFormatError
from .options import HDF5_SUFFIXES, MULTI_RECORD_SUFFIXES
from .progress import CancelToken, ProgressCallback, check, report
from .record import EcgRecord
from .scoring import DEFAULT_REFERENCE, LeadScore, check_reference, score_leads

__all__ = ["METRICS", "evaluate_dataset", "evaluate_record", "dataset_targets", "write_evaluation"]

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
    if data.suffix.lower() in MULTI_RECORD_SUFFIXES:
        if data.suffix.lower() in HDF5_SUFFIXES:
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


def evaluate_record(
    record: EcgRecord,
    inputs: Sequence[str],
    model: Any,
    *,
    reference: str = DEFAULT_REFERENCE,
    cancel: CancelToken | None = None,
) -> dict[str, LeadScore]:
    """Synthesize a recorded 12-lead from ``inputs`` and score each synthesized lead against
    the record's own samples (:func:`leadsynth_core.scoring.score_leads`).

    One record of :func:`evaluate_dataset`; also how the model does for one patient, on a
    prior 12-lead ECG of theirs (the viewer's Prior ECG dock, ``leadsynth measure --prior``).
    ``model``: id, path, card or loaded model.  Raises ``LeadSynthError`` when the record
    lacks one of the 12 leads or cannot be synthesized.
    """
    from .leads import STANDARD_LEADS
    from .synthesis import synthesize

    record.require_leads(STANDARD_LEADS)
    out = synthesize(record, inputs, model, cancel=cancel)
    return score_leads(record.select(STANDARD_LEADS), out, reference)


def evaluate_dataset(
    data: str | os.PathLike[str],
    inputs: str | list[str] | tuple[str, ...],
    model: Any = None,
    *,
    isolate: bool = True,
    reference: str = DEFAULT_REFERENCE,
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
        One of :data:`leadsynth_core.scoring.REFERENCES`: ``"highpass"`` (the stored leads
        high-passed at 0.5 Hz like the synthesized leads) or ``"raw"`` (the stored leads).

    The leads scored are :func:`leadsynth_core.scoring.compared_leads`: the synthesized
    leads the file holds as *measured* (a lead stored as synthesized is no truth).

    Returns
    -------
    dict
        JSON-ready: ``records`` (per record: ``record``, ``path``, ``key``, ``fs``,
        ``duration_s``, ``leads`` {lead: metrics}, ``mean``, ``worst_lead``), ``skipped``
        (record and reason), ``per_lead_mean``, ``mean``, the model id and hash.
    """
    from .io import guard_record, read_record
    from .leads import parse_lead_list
    from .models import load_model, select_model

    check_reference(reference)
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
            lead_scores = evaluate_record(rec, measured, loaded, reference=reference, cancel=cancel)
        except LeadSynthError as exc:
            if cancel is not None and cancel.cancelled:
                raise
            skipped.append({"record": name, "reason": str(exc)})
            log.info("skipped %s: %s", name, exc)
            continue
        scores = {lead: s.as_metrics() for lead, s in lead_scores.items()}
        synth = list(scores)
        if not synth:
            reason = "nothing to compare: the file holds none of the synthesized leads as measured samples"
            skipped.append({"record": name, "reason": reason})
            log.info("skipped %s: %s", name, reason)
            continue
        entry: dict[str, Any] = {"record": name, "path": str(path), "key": key, "fs": rec.fs,
                                 "duration_s": rec.duration, "leads": {}}
        for lead in synth:
            m = scores[lead]
            entry["leads"][lead] = {k: _finite(m[k]) for k in METRICS}
            for k in METRICS:
                per_lead.setdefault(lead, {}).setdefault(k, []).append(m[k])
        entry["mean"] = {k: _finite(float(np.nanmean([scores[ld][k] for ld in synth]))) for k in METRICS}
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
