"""``personalize()``: split each recording by time, fit, score the held-out parts, judge.

Writes nothing; :func:`~leadsynth_core.personalization.store.save_personal_model` does."""

from __future__ import annotations

import copy
import dataclasses
import datetime as _dt
import logging
import math
import os
import re
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch

from ..errors import (
    LeadSynthError,
    ModelError,
    PersonalizationError,
    SynthesisError,
)
from ..leads import parse_lead_list
from ..library import RecordingEntry
from ..models import LoadedModel, ModelCard, count_parameters, load_model
from ..options import (
    DEFAULT_EPOCHS,
    DEFAULT_HOLDOUT,
    DEFAULT_LR,
    DEFAULT_SEED,
    TRAINABLE,
)
from ..progress import CancelToken, ProgressCallback, check, report
from ..record import EcgRecord
from ..runtime import describe_cpu, select_device, torch_threads, training_threads
from .cost import plan_device
from .fit import _WINDOW_BATCH, _fit
from .recordings import RecordingLike, _check_patients, _electrode_warnings, _load_recordings
from .result import EpochReport, ExcludedRecording, PersonalizationResult, TrainingRecording
from .validate import _prepare_part, _score
from .verdict import held_out_verdict

#: Malpani et al. fine-tune on five past recordings.
RECOMMENDED_RECORDINGS = 5
#: ... of 10 s each; with the default 20 % hold-out that is 40 s of training signal.
RECOMMENDED_TRAIN_SECONDS = 40.0
#: Shortest training or held-out part used (seconds): about one beat.
MIN_PART_SECONDS = 1.0

log = logging.getLogger(__name__)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "patient"


def _auto_device(
    dev: torch.device, dev_text: str, base_model: LoadedModel, used: Sequence[TrainingRecording], trainable: str,
    epochs: int, window: int, batch_samples: int | None,
) -> tuple[torch.device, str]:
    """``device="auto"`` on a machine with an accelerator: keep it only where it is estimated faster.

    Returns the device and, where the CPU was chosen instead, the reason (for the audit trail).
    """
    params = count_parameters(base_model.module, trainable_only=False)
    plan = plan_device("auto", params, sum(r.duration_s for r in used), len(used), epochs, trainable=trainable,
                       window=window, batch_samples=batch_samples)
    other, other_s = plan.passed_over or ("none", float("nan"))
    log.info("device auto: %s, estimated %.2f s (%s: %.2f s)", plan.device, plan.seconds, other, other_s)
    if plan.device == dev.type:
        return dev, ""
    return torch.device("cpu"), (
        f"; chosen automatically over {dev_text} (estimated {plan.seconds:.1f} s against {other_s:.1f} s)"
    )


def personalize(
    base: str | os.PathLike | ModelCard | LoadedModel,
    inputs: str | Sequence[str],
    recordings: Sequence[RecordingLike],
    *,
    trainable: str = "head",
    k: int = 1,
    epochs: int = DEFAULT_EPOCHS,
    lr: float = DEFAULT_LR,
    device: str = "auto",
    holdout: float = DEFAULT_HOLDOUT,
    seed: int = DEFAULT_SEED,
    patient_id: str | None = None,
    allow_mixed_patients: bool = False,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    on_epoch: Callable[[EpochReport], None] | None = None,
    batch_samples: int | None = None,
    patient_required: str | None = None,
) -> PersonalizationResult:
    """Fine-tune ``base`` for one patient on their past complete 12-lead recordings.

    Parameters
    ----------
    base
        Model id, path, card or loaded model (see :func:`leadsynth_core.models.load_model`).
    inputs
        The measured leads (``"I,II,V2,V4"``); the model must take them.
    recordings
        The patient's past recordings: paths, library entries or :class:`EcgRecord`.
    trainable
        ``"head"`` (Malpani et al.: only the final 1x1 convolution), ``"last_blocks"`` (also
        the last ``k`` weight layers before the head) or ``"all"``.
    k
        Number of weight layers before the head that ``"last_blocks"`` trains.
    epochs, lr
        Adam epochs and learning rate (defaults from Malpani et al.: 60, 0.002).
    device
        One of :data:`DEVICES`; ``"auto"``: the machine's accelerator (CUDA, else MPS) where
        it is estimated faster for this fine-tune, else the CPU (:mod:`.cost`).
    holdout
        Fraction (0 <= holdout < 1) at the end of each recording held out for validation.
    seed
        Seeds the minibatch order: the same inputs give the same model.
    patient_id
        The patient; by default the one the recordings name.
    allow_mixed_patients
        Accept recordings that name different patients (refused otherwise).
    progress, cancel, on_epoch
        ``progress(fraction, message)`` (the message carries epoch, loss and ETA during
        training), a :class:`CancelToken` checked between minibatches, and a callback that
        receives an :class:`EpochReport` after each epoch.
    batch_samples
        Head training only.  ``None`` (default): one minibatch per recording per epoch,
        as Malpani et al. train on one median beat per recording, so the number of updates
        (epochs x recordings) does not grow with the recordings' length.  An integer:
        minibatches of that many time samples drawn across all recordings (many more
        updates on long recordings; fits the session better and, on the one cross-visit
        case that hurt, generalized worse -- see benchmarks/results/personalization.md).
    patient_required
        When given (the caller will save the model, which needs a patient), refuse before
        any training if neither ``patient_id`` nor the recordings name a patient; the text
        names how the caller's user gives one (the CLI passes ``"--patient ID"``).

    Returns
    -------
    PersonalizationResult
        The personal model (not yet saved) with the held-out before/after scores and verdict.

    Raises
    ------
    PersonalizationError
        Bad settings, no usable recording, recordings of another patient, or a lead set
        the base model does not take.
    CancelledError
        If ``cancel`` was triggered; nothing was written and ``base`` is unchanged.
    """
    t_start = time.perf_counter()
    if trainable not in TRAINABLE:
        raise PersonalizationError(f"unknown trainable={trainable!r}; valid: {', '.join(TRAINABLE)}")
    if int(k) < 1:
        raise PersonalizationError(f"k must be at least 1, got {k}")
    if int(epochs) < 1:
        raise PersonalizationError(f"epochs must be at least 1, got {epochs}")
    if not (math.isfinite(float(lr)) and float(lr) > 0):
        raise PersonalizationError(f"lr must be a positive number, got {lr}")
    if batch_samples is not None and int(batch_samples) < 1:
        raise PersonalizationError(f"batch_samples must be at least 1 or None, got {batch_samples}")
    if not 0.0 <= float(holdout) < 1.0:
        raise PersonalizationError(f"holdout must be in [0, 1), got {holdout}")
    if isinstance(recordings, (str, os.PathLike, EcgRecord, RecordingEntry)):
        recordings = [recordings]
    if not recordings:
        raise PersonalizationError("no training recordings given")
    # Resolved now so that a device that is not there fails before any file is read; "auto"
    # is decided again below, once the amount of signal is known.
    dev, dev_text = select_device(device)
    try:
        base_model = load_model(base)
    except ModelError as exc:
        raise PersonalizationError(f"base model: {exc}") from exc
    card = base_model.card
    try:
        measured = parse_lead_list(inputs)
        indep = base_model.input_leads(measured)
    except (LeadSynthError, ValueError) as exc:
        raise PersonalizationError(f"inputs {inputs!r}: {exc}") from exc
    targets = [i for i, n in enumerate(card.outputs) if n not in indep]
    if not targets:
        raise PersonalizationError(f"model {card.id!r} synthesizes no lead beyond the measured {', '.join(measured)}")
    leads = tuple(card.outputs[i] for i in targets)
    warnings: list[str] = []

    report(progress, 0.0, "reading recordings")
    kept, excluded = _load_recordings(recordings, cancel)
    if not kept:
        reasons = "; ".join(f"{e.label}: {e.reason}" for e in excluded)
        raise PersonalizationError(f"no usable training recording ({reasons})")
    pid = _check_patients(kept, patient_id, allow_mixed_patients, warnings)
    _electrode_warnings(kept, warnings)
    if pid is None and patient_required:
        named = sorted({e.patient_id for e in kept if e.patient_id})
        what = (f"name {len(named)} patients ({', '.join(named)})" if named else "name no patient")
        raise PersonalizationError(
            f"{patient_required} is needed: the training recordings {what}, so the personal model could "
            "not be saved for a patient; nothing was trained"
        )

    # Split each recording by time: train on the first part, hold out the last.
    xs: list[torch.Tensor] = []
    ys: list[torch.Tensor] = []
    held: list[tuple[EcgRecord, np.ndarray, np.ndarray, float]] = []
    used: list[TrainingRecording] = []
    for i, e in enumerate(kept):
        check(cancel)
        rec = e.record
        n_train = int(round(rec.n_samples * (1.0 - float(holdout))))
        train_part = rec.replace(signal=rec.signal[:n_train])
        hold_part = rec.replace(signal=rec.signal[n_train:])
        if train_part.duration < MIN_PART_SECONDS:
            excluded.append(ExcludedRecording(e.label, f"too short: {train_part.duration:.2f} s left for training"))
            continue
        try:
            x, y = base_model.prepare(train_part, measured)
            if hold_part.duration >= MIN_PART_SECONDS:
                held.append((hold_part, *_prepare_part(base_model, hold_part, measured)))
                hold_s = hold_part.duration
            else:
                hold_s = 0.0
                if holdout > 0:
                    warnings.append(f"{e.label}: held-out part of {hold_part.duration:.2f} s is too short to score")
        except (SynthesisError, LeadSynthError) as exc:
            excluded.append(ExcludedRecording(e.label, str(exc)))
            continue
        if y is None:
            excluded.append(ExcludedRecording(e.label, "lacks one of the model's output leads"))
            continue
        xs.append(x)
        ys.append(y)
        used.append(TrainingRecording(
            label=e.label, path=e.path, key=e.key, sha256=e.sha256, patient_id=e.patient_id,
            recorded_at=rec.recorded_at.isoformat() if rec.recorded_at else None,
            duration_s=rec.duration, train_seconds=train_part.duration, holdout_seconds=hold_s,
            library_id=e.library_id,
        ))
        report(progress, 0.15 * (i + 1) / len(kept), f"prepared {Path(e.label).name}")
    if not used:
        reasons = "; ".join(f"{e.label}: {e.reason}" for e in excluded)
        raise PersonalizationError(f"no usable training recording ({reasons})")
    train_s = sum(r.train_seconds for r in used)
    if len(used) < RECOMMENDED_RECORDINGS or train_s < RECOMMENDED_TRAIN_SECONDS:
        warnings.append(
            f"less data than recommended: {len(used)} recording(s), {train_s:.1f} s of training signal "
            f"(recommended: {RECOMMENDED_RECORDINGS} complete 12-lead recordings, "
            f"{RECOMMENDED_TRAIN_SECONDS:g} s); the result may not generalize"
        )

    why = ""
    if str(device).lower() == "auto" and dev.type != "cpu":
        dev, why = _auto_device(dev, dev_text, base_model, used, trainable, int(epochs), int(card.window),
                                batch_samples)
    threads = training_threads() if dev.type == "cpu" else 0
    if threads:
        dev_text = describe_cpu(threads) + why

    module = copy.deepcopy(base_model.module)
    with torch_threads(dev, threads):
        history = _fit(
            module, xs, ys, targets, trainable=trainable, k=int(k), epochs=int(epochs), lr=float(lr),
            batch_samples=None if batch_samples is None else int(batch_samples), seed=seed, device=dev,
            window=int(card.window), progress=progress, cancel=cancel, on_epoch=on_epoch,
        )
        module.to("cpu").eval()
        for p in module.parameters():
            p.requires_grad_(False)
        report(progress, 0.92, "scoring the held-out parts")
        before = after = None
        if held:
            before = _score(base_model.module, base_model, held, targets, leads, cancel)
            after = _score(module, base_model, held, targets, leads, cancel)
    verdict = held_out_verdict(before, after)
    recommendation = "personal" if verdict == "improved" else "base"
    if verdict == "worse":
        warnings.append("the personal model did worse than the base model on the held-out data; keep the base model")
    elif verdict == "not_validated":
        warnings.append("nothing was held out, so the personal model is not validated")
    seconds = time.perf_counter() - t_start
    settings = {
        "trainable": trainable, "k": int(k), "epochs": int(epochs), "lr": float(lr), "holdout": float(holdout),
        "seed": int(seed),
        "batch": (("one per recording" if batch_samples is None else f"{int(batch_samples)} samples")
                  if trainable == "head" else f"{_WINDOW_BATCH} windows"),
        "optimizer": "Adam", "loss": "MSE (model space)",
    }
    created = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)
    model_id = f"{card.id}--{_slug(pid or 'unknown')}--{created.strftime('%Y%m%dT%H%M%SZ')}-{uuid.uuid4().hex[:6]}"
    personal_card = dataclasses.replace(
        card,
        id=model_id,
        name=f"{card.name} personalized for {pid or 'an unknown patient'}",
        description=(
            f"{card.id} fine-tuned ({trainable}) on {len(used)} recording(s) of patient {pid} for inputs "
            f"{','.join(measured)}; held-out verdict: {verdict}."
        ),
        weights_sha256="",
        base_model={"id": card.id, "sha256": card.weights_sha256},
        patient_id=pid,
        training={
            "kind": "personalization",
            "method": "Malpani et al.: fine-tune the final convolution on the patient's past 12-lead recordings",
            "inputs": list(measured),
            "trained_leads": list(leads),
            "recordings": [r.to_dict() for r in used],
            "excluded": [dataclasses.asdict(x) for x in excluded],
            "settings": settings,
            "device": dev_text,
            "seconds": round(seconds, 3),
            "final_loss": history[-1],
            "warnings": list(warnings),
        },
        metrics={
            "holdout_before": before.to_dict() if before else None,
            "holdout_after": after.to_dict() if after else None,
            "verdict": verdict,
            "mean_pcc": after.mean_pcc if after else None,
        },
        created=created.isoformat(),
        path=None,
    )
    report(progress, 1.0, f"done: {verdict}")
    result = PersonalizationResult(
        model=LoadedModel(personal_card, module), base=base_model, inputs=tuple(measured), leads=leads,
        patient_id=pid, recordings=used, excluded=excluded, settings=settings, device=dev_text,
        seconds=seconds, history=history, before=before, after=after, verdict=verdict,
        recommendation=recommendation, warnings=warnings,
    )
    log.info(
        "personalized %s for patient %s on %d recording(s) in %.2f s on %s: %s",
        card.id, pid, len(used), seconds, dev_text, verdict,
    )
    return result
