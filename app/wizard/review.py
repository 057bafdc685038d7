"""The fine-tune and its review, as one function a worker thread runs, and the verdict in words.

Qt-free.  :func:`run_personalization` calls :func:`leadsynth_core.personalization.personalize`
(which writes nothing), scores the open record when it has all 12 leads, and synthesizes
one stretch of signal with the general and the personal model for the overlay plot.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from leadsynth_core import io as lsio
from leadsynth_core.library import RecordingEntry, assess_quality
from leadsynth_core.models import ModelCard
from leadsynth_core.options import VERDICT_PCC_TOLERANCE
from leadsynth_core.personalization import (
    EpochReport,
    LeadScores,
    PersonalizationResult,
    evaluate_personalization,
    personalize,
)
from leadsynth_core.progress import CancelToken, ProgressCallback, check, report
from leadsynth_core.record import EcgRecord
from leadsynth_core.synthesis import synthesize

log = logging.getLogger(__name__)

#: Longest stretch drawn in the overlay plot (seconds).
OVERLAY_SECONDS = 5.0


@dataclasses.dataclass(frozen=True)
class TrainingRequest:
    """Everything the fine-tune needs, fixed when the user starts it."""

    base: ModelCard
    inputs: tuple[str, ...]
    recordings: tuple[RecordingEntry, ...]
    patient_id: str
    device: str
    epochs: int
    lr: float
    open_record: EcgRecord | None
    open_name: str


@dataclasses.dataclass(frozen=True)
class Overlay:
    """One stretch of signal: the measured truth and both models' synthesis, per lead."""

    label: str
    fs: float
    truth: dict[str, np.ndarray]
    general: dict[str, np.ndarray]
    personal: dict[str, np.ndarray]


@dataclasses.dataclass(frozen=True)
class Review:
    """What the review page shows."""

    result: PersonalizationResult
    open_scores: tuple[LeadScores, LeadScores] | None  # (general, personal) on the open record
    open_name: str
    overlay: Overlay


def run_personalization(
    request: TrainingRequest,
    progress: ProgressCallback,
    cancel: CancelToken,
    on_epoch: Callable[[EpochReport], None] | None = None,
) -> Review:
    """Fine-tune, then score and draw; every step honours ``cancel``."""
    result = personalize(
        request.base,
        request.inputs,
        list(request.recordings),
        epochs=request.epochs,
        lr=request.lr,
        device=request.device,
        patient_id=request.patient_id,
        progress=lambda f, m: progress(0.9 * f, m),
        cancel=cancel,
        on_epoch=on_epoch,
    )
    check(cancel)
    report(progress, 0.92, "scoring the open record")
    open_scores = None
    rec = request.open_record
    if rec is not None and assess_quality(rec)[0]:
        open_scores = evaluate_personalization(result, [rec], cancel=cancel)
        stretch = rec.slice_time(0.0, OVERLAY_SECONDS)
        label = f"open record {request.open_name} (never trained on)"
    else:
        stretch, label = _held_out_stretch(result)
    report(progress, 0.96, "synthesizing with both models")
    overlay = _overlay(result, stretch, label, cancel)
    report(progress, 1.0, f"done: {result.verdict}")
    return Review(result, open_scores, request.open_name, overlay)


def _held_out_stretch(result: PersonalizationResult) -> tuple[EcgRecord, str]:
    """The held-out end of the most recent recording used (never trained on)."""
    used = [r for r in result.recordings if r.holdout_seconds > 0] or list(result.recordings)
    last = max(used, key=lambda r: r.recorded_at or "")
    record = lsio.read_record(last.path, key=last.key)
    start = max(0.0, record.duration - max(last.holdout_seconds, 1.0))
    name = Path(last.label).name
    return (
        record.slice_time(start, start + OVERLAY_SECONDS),
        f"held-out last {record.duration - start:.1f} s of {name} (never trained on)",
    )


def _overlay(result: PersonalizationResult, stretch: EcgRecord, label: str, cancel: CancelToken) -> Overlay:
    general = synthesize(stretch, result.inputs, result.base, cancel=cancel)
    check(cancel)
    personal = synthesize(stretch, result.inputs, result.model, cancel=cancel)
    leads = [n for n in result.leads if n in stretch.lead_names]
    return Overlay(
        label=label,
        fs=float(stretch.fs),
        truth={n: np.asarray(stretch.lead(n)) for n in leads},
        general={n: np.asarray(general.lead(n)) for n in leads},
        personal={n: np.asarray(personal.lead(n)) for n in leads},
    )


# ------------------------------------------------------------------------ verdict
@dataclasses.dataclass(frozen=True)
class Verdict:
    """The review's conclusion in plain language."""

    helped: bool
    headline: str
    detail: str


def _change(before: LeadScores, after: LeadScores) -> str:
    return (
        f"mean correlation {before.mean_pcc:.3f} with the general model, {after.mean_pcc:.3f} with the "
        f"personal one; mean error {before.mean_rmse * 1000:.0f} µV, {after.mean_rmse * 1000:.0f} µV"
    )


def verdict_of(review: Review) -> Verdict:
    """Say whether personalization helped, on the held-out data and on the open record."""
    res = review.result
    parts: list[str] = []
    if res.before is not None and res.after is not None:
        parts.append(
            f"On the held-out part of the {len(res.recordings)} recording(s): {_change(res.before, res.after)}."
        )
    if review.open_scores is not None:
        gen, pers = review.open_scores
        parts.append(f"On the open record {review.open_name}: {_change(gen, pers)}.")
    if res.verdict == "improved":
        headline = "Personalization helped: the personal model is better on data it was not trained on."
        if (
            review.open_scores is not None
            and review.open_scores[1].mean_pcc < review.open_scores[0].mean_pcc - VERDICT_PCC_TOLERANCE
        ):
            parts.append("It was worse on the open record, though: look at the overlay before accepting.")
    elif res.verdict == "worse":
        headline = "Personalization did not help; keep the general model. The personal model did worse."
    elif res.verdict == "unchanged":
        headline = "Personalization did not help; keep the general model. It made no clear difference."
    else:
        headline = (
            "Personalization did not help; keep the general model. Nothing could be held out to check it."
        )
    parts += res.warnings[:2] if res.verdict == "improved" else []
    return Verdict(res.verdict == "improved", headline, " ".join(parts))


def format_recordings(entries: Sequence[RecordingEntry]) -> str:
    """``"5 recordings, 50 s"`` for a summary line."""
    seconds = sum(e.duration for e in entries)
    return f"{len(entries)} recording{'s' if len(entries) != 1 else ''}, {seconds:.0f} s of signal"
