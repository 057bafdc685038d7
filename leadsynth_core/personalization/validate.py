"""Scoring a base and a personal model on held-out data (model space: resampled,
high-passed, as trained), on the held-out parts and on other whole recordings."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from torch import nn

from .. import metrics as ecg_metrics
from ..errors import PersonalizationError
from ..models import LoadedModel
from ..models.loaded import run_windowed
from ..progress import CancelToken
from ..record import EcgRecord
from .recordings import RecordingLike, _load_recordings
from .result import LeadScores, PersonalizationResult


def _score(
    module: nn.Module,
    model: LoadedModel,
    parts: list[tuple[EcgRecord, np.ndarray, np.ndarray, float]],
    targets: list[int],
    leads: tuple[str, ...],
    cancel: CancelToken | None,
) -> LeadScores:
    """Mean over recordings of per-lead PCC and RMSE (mV) of ``module`` on ``parts``."""
    pcc: dict[str, list[float]] = {n: [] for n in leads}
    rmse: dict[str, list[float]] = {n: [] for n in leads}
    for _, x, y, scale in parts:
        pred = run_windowed(module, x, model.card.window, model.card.hop, cancel=cancel)
        for lead, c in zip(leads, targets, strict=True):
            truth = y[c].astype(np.float64) * scale
            est = pred[c] * scale
            pcc[lead].append(float(ecg_metrics.pcc(truth, est)))
            rmse[lead].append(float(ecg_metrics.rmse(truth, est)))
    return LeadScores(
        pcc={n: float(np.nanmean(v)) for n, v in pcc.items()},
        rmse={n: float(np.nanmean(v)) for n, v in rmse.items()},
    )


def _prepare_part(model: LoadedModel, part: EcgRecord, inputs: Sequence[str]) -> tuple[np.ndarray, np.ndarray, float]:
    p = model.prepare_arrays(part, inputs)
    if p.y is None:  # cannot happen for a complete 12-lead record
        raise PersonalizationError(f"{part.source or 'record'}: lacks one of the model's output leads")
    return p.x, p.y, p.scale


def evaluate_personalization(
    result: PersonalizationResult,
    recordings: Sequence[RecordingLike],
    *,
    cancel: CancelToken | None = None,
) -> tuple[LeadScores, LeadScores]:
    """Score the base and the personal model on *other* whole recordings (a later visit).

    Returns
    -------
    (base scores, personal scores)
        Per-lead PCC and RMSE (mV), averaged over the recordings.

    Raises
    ------
    PersonalizationError
        If none of the recordings is a usable complete 12-lead recording.
    """
    kept, excluded = _load_recordings(recordings, cancel)
    if not kept:
        raise PersonalizationError(
            "no usable recording to evaluate on (" + "; ".join(f"{e.label}: {e.reason}" for e in excluded) + ")"
        )
    base = result.base
    targets = [base.card.outputs.index(n) for n in result.leads]
    parts = [(e.record, *_prepare_part(base, e.record, result.inputs)) for e in kept]
    return (
        _score(base.module, base, parts, targets, result.leads, cancel),
        _score(result.model.module, base, parts, targets, result.leads, cancel),
    )
