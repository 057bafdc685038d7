"""Personalization: fine-tune a base model on a few past 12-lead recordings of one patient.

After Malpani, Xue, Albert and Clifford: freeze everything but the final convolution
(``module.head``), fine-tune it for 60 epochs at a learning rate of 0.002 on the patient's
past complete 12-lead recordings, and keep the personal model only where it helps.

How it works here
-----------------
* Every given recording is split by time: the first ``1 - holdout`` is for training, the
  last ``holdout`` is held out.  The two parts never overlap and are converted to model
  space separately, so nothing of the held-out part leaks into training.
* With ``trainable="head"`` (the default) the frozen body runs once: ``module.features``
  of the training data is computed a single time and only the head (a 1x1 convolution,
  a per-sample linear map) is trained on it, sample by sample, with seeded minibatches.
  Five 10-s recordings and 60 epochs take well under a second on a laptop CPU.
  ``"last_blocks"`` also trains the last ``k`` weight layers before the head (BatchNorm
  statistics stay frozen), ``"all"`` the whole network.
* Honest validation: the held-out parts are synthesized by the base and by the personal
  model; per-lead PCC and RMSE (mV) before/after are in the result, and the ``verdict``
  (``improved``, ``unchanged`` or ``worse``) decides the ``recommendation`` (the personal
  model only when it improved the held-out result).
* Guard rails: a recording lacking one of the 12 leads, or with a flat or non-finite lead,
  is excluded with its reason (an error if none remain); recordings of another patient are
  refused unless ``allow_mixed_patients``; less data than recommended is a warning in the
  result, not an error.

:func:`personalize` writes nothing; :func:`save_personal_model` writes the model
(safetensors + card) atomically and registers it in the patient library.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import datetime as _dt
import hashlib
import logging
import math
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from . import metrics as ecg_metrics
from .errors import (
    LeadSynthError,
    ModelError,
    PersonalizationError,
    SynthesisError,
)
from .leads import parse_lead_list
from .library import Library, RecordingEntry, assess_quality, hash_record_files
from .models import LoadedModel, ModelCard, load_model, save_model
from .models.loaded import run_windowed
from .models.networks import LENGTH_MULTIPLE
from .options import DEFAULT_EPOCHS, DEFAULT_HOLDOUT, DEFAULT_LR, DEFAULT_SEED, DEVICES, TRAINABLE, VERDICTS
from .paths import personal_models_dir, user_data_dir
from .progress import CancelToken, ProgressCallback, check, report
from .record import EcgRecord

__all__ = [
    "personalize",
    "save_personal_model",
    "evaluate_personalization",
    "select_device",
    "PersonalizationResult",
    "TrainingRecording",
    "ExcludedRecording",
    "EpochReport",
    "LeadScores",
    "TRAINABLE",
    "DEVICES",
    "VERDICTS",
    "RECOMMENDED_RECORDINGS",
    "RECOMMENDED_TRAIN_SECONDS",
]

log = logging.getLogger(__name__)

#: Malpani et al. fine-tune on five past recordings.
RECOMMENDED_RECORDINGS = 5
#: ... of 10 s each; with the default 20 % hold-out that is 40 s of training signal.
RECOMMENDED_TRAIN_SECONDS = 40.0
#: Shortest training or held-out part used (seconds): about one beat.
MIN_PART_SECONDS = 1.0
# A held-out mean PCC change within this is "unchanged"; beyond it, a change.
_PCC_TOLERANCE = 0.002
# A held-out mean RMSE growing by more than this fraction counts as worse.
_RMSE_TOLERANCE = 0.01
# Whole-network training: windows per minibatch.
_WINDOW_BATCH = 8


# ---------------------------------------------------------------------------- results
@dataclasses.dataclass(frozen=True)
class TrainingRecording:
    """One recording used for fine-tuning, with where its parts begin and end."""

    label: str
    path: str | None
    key: str | None
    sha256: str
    patient_id: str | None
    recorded_at: str | None
    duration_s: float
    train_seconds: float
    holdout_seconds: float
    library_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class ExcludedRecording:
    """A recording that was not used, and why."""

    label: str
    reason: str


@dataclasses.dataclass(frozen=True)
class EpochReport:
    """What the ``on_epoch`` callback receives after each epoch."""

    epoch: int
    epochs: int
    loss: float
    elapsed_s: float
    eta_s: float


@dataclasses.dataclass(frozen=True)
class LeadScores:
    """Per-lead PCC and RMSE (mV), averaged over recordings, and their means over leads."""

    pcc: dict[str, float]
    rmse: dict[str, float]

    @property
    def mean_pcc(self) -> float:
        return float(np.mean(list(self.pcc.values()))) if self.pcc else float("nan")

    @property
    def mean_rmse(self) -> float:
        return float(np.mean(list(self.rmse.values()))) if self.rmse else float("nan")

    def to_dict(self) -> dict[str, Any]:
        return {"pcc": dict(self.pcc), "rmse": dict(self.rmse), "mean_pcc": self.mean_pcc, "mean_rmse": self.mean_rmse}


@dataclasses.dataclass
class PersonalizationResult:
    """Everything :func:`personalize` produced; nothing has been written yet.

    Attributes
    ----------
    model
        The personal model, ready to synthesize with (its card is provisional until
        :func:`save_personal_model` writes it).
    base
        The base model it was fine-tuned from.
    inputs
        The measured leads it was personalized for.
    leads
        The synthesized leads that were trained and scored.
    patient_id
        The patient (``None`` if neither the files nor the caller named one).
    recordings, excluded
        Recordings used (with SHA-256 and train/hold-out seconds) and those excluded, with why.
    settings
        trainable, k, epochs, lr, holdout, seed, batch size.
    device
        The device it ran on, in words (e.g. ``"cpu (2 threads)"``, ``"cuda:0 (NVIDIA ...)"``).
    seconds
        Wall time of the whole call.
    history
        Mean training loss (model space, MSE) per epoch.
    before, after
        Held-out scores of the base and the personal model (``None`` if nothing was held out).
    verdict, recommendation
        See :data:`VERDICTS`; ``recommendation`` is ``"personal"`` or ``"base"``.
    warnings
        Things the user should know (little data, no patient id...).
    """

    model: LoadedModel
    base: LoadedModel
    inputs: tuple[str, ...]
    leads: tuple[str, ...]
    patient_id: str | None
    recordings: list[TrainingRecording]
    excluded: list[ExcludedRecording]
    settings: dict[str, Any]
    device: str
    seconds: float
    history: list[float]
    before: LeadScores | None
    after: LeadScores | None
    verdict: str
    recommendation: str
    warnings: list[str]

    @property
    def improved(self) -> bool:
        return self.verdict == "improved"

    def table(self) -> str:
        """The before/after table on the held-out parts, and the verdict, as text."""
        lines = [
            f"Personalization of {self.base.card.id} for patient {self.patient_id or '(unknown)'}; "
            f"inputs {','.join(self.inputs)}; {len(self.recordings)} recording(s), "
            f"{sum(r.train_seconds for r in self.recordings):.1f} s trained, "
            f"{sum(r.holdout_seconds for r in self.recordings):.1f} s held out; "
            f"{self.settings['epochs']} epochs on {self.device} in {self.seconds:.2f} s",
        ]
        if self.before is not None and self.after is not None:
            lines.append("held-out (last part of each recording, never trained on):")
            lines.append(f"  {'lead':<6}{'PCC base':>10}{'PCC pers.':>11}{'RMSE base':>11}{'RMSE pers.':>12}  (mV)")
            for lead in self.leads:
                lines.append(
                    f"  {lead:<6}{self.before.pcc[lead]:>10.3f}{self.after.pcc[lead]:>11.3f}"
                    f"{self.before.rmse[lead]:>11.4f}{self.after.rmse[lead]:>12.4f}"
                )
            lines.append(
                f"  {'mean':<6}{self.before.mean_pcc:>10.3f}{self.after.mean_pcc:>11.3f}"
                f"{self.before.mean_rmse:>11.4f}{self.after.mean_rmse:>12.4f}"
            )
        lines.append(f"verdict: {self.verdict}; recommended model: {self.recommendation}"
                     + ("" if self.recommendation == "personal" else f" ({self.base.card.id})"))
        for ex in self.excluded:
            lines.append(f"excluded: {ex.label}: {ex.reason}")
        for w in self.warnings:
            lines.append(f"warning: {w}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (no tensors)."""
        return {
            "base_model": {"id": self.base.card.id, "sha256": self.base.card.weights_sha256},
            "model_id": self.model.card.id,
            "patient_id": self.patient_id,
            "inputs": list(self.inputs),
            "leads": list(self.leads),
            "recordings": [r.to_dict() for r in self.recordings],
            "excluded": [dataclasses.asdict(e) for e in self.excluded],
            "settings": dict(self.settings),
            "device": self.device,
            "seconds": self.seconds,
            "history": list(self.history),
            "before": self.before.to_dict() if self.before else None,
            "after": self.after.to_dict() if self.after else None,
            "verdict": self.verdict,
            "recommendation": self.recommendation,
            "warnings": list(self.warnings),
        }


# ---------------------------------------------------------------------------- devices
def select_device(device: str = "auto") -> tuple[torch.device, str]:
    """Resolve ``device`` (one of :data:`DEVICES`) to a torch device and a description.

    ``auto`` picks CUDA, else Apple MPS, else the CPU.

    Raises
    ------
    PersonalizationError
        On an unknown name (listing the valid ones) or a device that is not available.
    """
    name = str(device).lower()
    if name not in DEVICES:
        raise PersonalizationError(f"unknown device {device!r}; valid: {', '.join(DEVICES)}")
    mps_ok = bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else ("mps" if mps_ok else "cpu")
    if name == "cuda":
        if not torch.cuda.is_available():
            raise PersonalizationError("device 'cuda' requested but no CUDA GPU is available; use --device cpu or auto")
        dev = torch.device("cuda", torch.cuda.current_device())
        return dev, f"{dev} ({torch.cuda.get_device_name(dev)})"
    if name == "mps":
        if not mps_ok:
            raise PersonalizationError("device 'mps' requested but Apple MPS is not available; use cpu or auto")
        return torch.device("mps"), "mps (Apple GPU)"
    return torch.device("cpu"), _describe_cpu(_cpu_threads())


def _cpu_cores() -> int:
    # The cores this process may use, not the machine's: containers and CI pin fewer.
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def _cpu_threads() -> int:
    """Threads for the CPU: the cores that are free now, at most 8.

    OpenMP threads that wait for a descheduled sibling at every barrier make small
    convolutions many times slower on a busy machine (measured here: 0.45 s with one
    thread, 4.8 s with two, on two cores shared with a training job), so cores busy with
    other work (the 1-minute load average) are not counted.  Past ~8 threads these small
    networks get no faster.
    """
    cores = _cpu_cores()
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # Windows has no load average
        load = 0.0
    free = int(cores - load + 0.5)
    return max(1, min(cores, free, 8))


def _describe_cpu(threads: int) -> str:
    return f"cpu ({threads} thread{'s' if threads > 1 else ''} of {_cpu_cores()} cores)"


@contextlib.contextmanager
def _threads(device: torch.device, threads: int) -> Iterator[None]:
    if device.type != "cpu":
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


# ------------------------------------------------------------------------- recordings
@dataclasses.dataclass
class _Loaded:
    record: EcgRecord
    label: str
    path: str | None
    key: str | None
    sha256: str
    patient_id: str | None
    library_id: int | None


RecordingLike = EcgRecord | RecordingEntry | str | os.PathLike


def _signal_sha256(record: EcgRecord) -> str:
    h = hashlib.sha256()
    h.update(",".join(record.lead_names).encode() + f"@{record.fs:g}".encode())
    h.update(np.ascontiguousarray(record.signal).tobytes())
    return h.hexdigest()


def _load_recordings(
    recordings: Sequence[RecordingLike], cancel: CancelToken | None
) -> tuple[list[_Loaded], list[ExcludedRecording]]:
    from . import io as ecg_io

    kept: list[_Loaded] = []
    excluded: list[ExcludedRecording] = []
    for item in recordings:
        check(cancel)
        if isinstance(item, EcgRecord):
            label = item.source or f"<in-memory record {len(kept) + len(excluded) + 1}>"
        elif isinstance(item, RecordingEntry):
            label = f"{item.path}[{item.key}]" if item.key else item.path
        else:
            label = os.fspath(item)
        try:
            if isinstance(item, EcgRecord):
                src = Path(item.source) if item.source else None
                sha = hash_record_files(src) if src is not None and src.exists() else _signal_sha256(item)
                entry = _Loaded(item, label, item.source, None, sha, item.patient_id, None)
            elif isinstance(item, RecordingEntry):
                record = ecg_io.read_record(item.path, key=item.key)
                sha = hash_record_files(item.path)
                if sha != item.sha256:
                    excluded.append(ExcludedRecording(label, "the file changed since it was added to the library"))
                    continue
                entry = _Loaded(record, label, item.path, item.key, sha, item.patient_id or record.patient_id, item.id)
            else:
                record = ecg_io.read_record(label)
                path = record.source or label
                entry = _Loaded(record, label, str(Path(path).resolve()), None, hash_record_files(path),
                                record.patient_id, None)
        except LeadSynthError as exc:
            excluded.append(ExcludedRecording(label, f"cannot be read: {exc}"))
            continue
        same = next((k for k in kept if k.sha256 == entry.sha256 and k.key == entry.key), None)
        if same is not None:
            excluded.append(ExcludedRecording(label, f"the same recording as {same.label}"))
            continue
        complete, notes = assess_quality(entry.record)
        if not complete:
            excluded.append(ExcludedRecording(entry.label, "not a usable complete 12-lead recording: " + "; ".join(notes)))
            continue
        kept.append(entry)
    return kept, excluded


def _check_patients(
    kept: list[_Loaded], patient_id: str | None, allow_mixed: bool, warnings: list[str]
) -> str | None:
    named = {e.label: e.patient_id for e in kept if e.patient_id}
    ids = sorted(set(named.values()))
    if patient_id is None and len(ids) == 1:
        patient_id = ids[0]
    if patient_id is not None:
        others = {label: pid for label, pid in named.items() if pid != patient_id}
    else:
        others = named if len(ids) > 1 else {}
    if others:
        if patient_id is not None:
            listing = "; ".join(f"{label}: {pid}" for label, pid in others.items())
            msg = f"recordings of another patient than {patient_id!r}: {listing}"
        else:
            listing = "; ".join(f"{label}: {pid}" for label, pid in named.items())
            msg = f"recordings of {len(ids)} different patients ({', '.join(ids)}): {listing}"
        if not allow_mixed:
            raise PersonalizationError(
                f"{msg}. A personal model is fine-tuned on one patient's recordings only; "
                "remove those recordings or allow mixed patients explicitly"
            )
        warnings.append(f"mixed patients allowed: {msg}")
    unnamed = [e.label for e in kept if not e.patient_id]
    if unnamed and patient_id is not None:
        warnings.append(
            f"{len(unnamed)} recording(s) name no patient; taken as patient {patient_id} on the caller's word"
        )
    if patient_id is None:
        warnings.append("no patient id given or found in the recordings; the model cannot be saved for a patient")
    return patient_id


# --------------------------------------------------------------------------- training
def _chunks(x: torch.Tensor, length: int) -> list[torch.Tensor]:
    """Cut (1, C, T) into windows of ``length`` (the last one aligned to the end)."""
    t = x.shape[-1]
    if t <= length:
        return [x]
    starts = list(range(0, t - length + 1, length))
    if starts[-1] + length < t:
        starts.append(t - length)
    return [x[..., s : s + length] for s in starts]


def _select_trainable(module: nn.Module, trainable: str, k: int) -> list[nn.Parameter]:
    for p in module.parameters():
        p.requires_grad_(False)
    if trainable == "all":
        params = list(module.parameters())
    else:
        params = list(module.head.parameters())
        if trainable == "last_blocks":
            # The last k weight layers before the head (registration order follows the
            # forward pass in every shipped architecture) and the BatchNorm layers after
            # the first of them.
            named = [(n, m) for n, m in module.named_modules() if n and not n.startswith("head")]
            weighted = [i for i, (_, m) in enumerate(named) if isinstance(m, (nn.Conv1d, nn.ConvTranspose1d, nn.Linear))]
            if not weighted:
                raise PersonalizationError("trainable='last_blocks': the model has no layer before its head")
            first = weighted[-min(k, len(weighted))]
            for _, m in named[first:]:
                if isinstance(m, (nn.Conv1d, nn.ConvTranspose1d, nn.Linear, nn.BatchNorm1d)):
                    params += [p for p in m.parameters(recurse=False)]
    for p in params:
        p.requires_grad_(True)
    return params


def _head_is_pointwise(module: nn.Module) -> bool:
    head = getattr(module, "head", None)
    return isinstance(head, nn.Conv1d) and head.kernel_size == (1,) and head.groups == 1 and head.dilation == (1,)


def _fit(
    module: nn.Module,
    xs: list[torch.Tensor],
    ys: list[torch.Tensor],
    targets: list[int],
    *,
    trainable: str,
    k: int,
    epochs: int,
    lr: float,
    batch_samples: int | None,
    seed: int,
    device: torch.device,
    window: int,
    progress: ProgressCallback | None,
    cancel: CancelToken | None,
    on_epoch: Callable[[EpochReport], None] | None,
) -> list[float]:
    """Fine-tune ``module`` in place; return the mean loss per epoch."""
    # A private generator: the minibatch order is seeded without touching torch's global RNG.
    gen = torch.Generator(device="cpu").manual_seed(int(seed))
    module.to(device)
    # BatchNorm statistics stay those of the base model: a few recordings cannot
    # estimate them, and eval mode makes training and inference agree.
    module.eval()
    params = _select_trainable(module, trainable, k)
    tgt = torch.tensor(targets, dtype=torch.long)
    history: list[float] = []

    if trainable == "head" and _head_is_pointwise(module):
        # Frozen body: features once, then a per-sample linear regression by Adam.
        feats, outs, bounds = [], [], [0]
        for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
            for xc, yc in zip(_chunks(x, window), _chunks(y, window), strict=True):
                check(cancel)
                with torch.no_grad():
                    f = module.features(xc.to(device))
                feats.append(f[0].transpose(0, 1))  # (L, C_f)
                outs.append(yc[0][tgt].transpose(0, 1).to(device))  # (L, C_target)
            bounds.append(bounds[-1] + sum(x.shape[-1] for x in _chunks(x, window)))
            report(progress, 0.15 + 0.1 * (i + 1) / len(xs), "computing frozen features")
        f_all = torch.cat(feats)
        y_all = torch.cat(outs)
        head: nn.Conv1d = module.head
        w = head.weight.detach()[:, :, 0][tgt].clone().requires_grad_(True)  # (C_target, C_f)
        b = (head.bias.detach()[tgt].clone() if head.bias is not None else torch.zeros(len(targets), device=device))
        b.requires_grad_(True)
        opt = torch.optim.Adam([w, b], lr=lr)
        n = f_all.shape[0]
        t0 = time.perf_counter()
        for epoch in range(epochs):
            if batch_samples is None:
                # One minibatch per recording, as one median beat per recording in Malpani et al.
                rec_order = torch.randperm(len(bounds) - 1, generator=gen).tolist()
                batches = [torch.arange(bounds[r], bounds[r + 1], device=device) for r in rec_order]
            else:
                order = torch.randperm(n, generator=gen).to(device)
                batches = [order[s : s + batch_samples] for s in range(0, n, batch_samples)]
            total = 0.0
            for idx in batches:
                check(cancel)
                pred = f_all[idx] @ w.T + b
                loss = torch.mean((pred - y_all[idx]) ** 2)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                total += float(loss.detach()) * idx.numel()
            history.append(total / n)
            _epoch_done(epoch, epochs, history[-1], t0, progress, on_epoch)
        with torch.no_grad():
            head.weight[tgt, :, 0] = w.detach()
            if head.bias is not None:
                head.bias[tgt] = b.detach()
        return history

    # General case: run the network, train the selected parameters on windows.
    length = min(window, min(x.shape[-1] for x in xs))
    length = max(LENGTH_MULTIPLE, (length // LENGTH_MULTIPLE) * LENGTH_MULTIPLE)
    xw = torch.cat([c for x in xs for c in _chunks(x, length)]).to(device)
    yw = torch.cat([c for y in ys for c in _chunks(y, length)])[:, tgt].to(device)
    opt = torch.optim.Adam(params, lr=lr)
    n = xw.shape[0]
    t0 = time.perf_counter()
    for epoch in range(epochs):
        order = torch.randperm(n, generator=gen).to(device)
        total = 0.0
        for s in range(0, n, _WINDOW_BATCH):
            check(cancel)
            idx = order[s : s + _WINDOW_BATCH]
            pred = module(xw[idx])[:, tgt]
            loss = torch.mean((pred - yw[idx]) ** 2)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += float(loss.detach()) * idx.numel()
        history.append(total / n)
        _epoch_done(epoch, epochs, history[-1], t0, progress, on_epoch)
    return history


def _epoch_done(
    epoch: int,
    epochs: int,
    loss: float,
    t0: float,
    progress: ProgressCallback | None,
    on_epoch: Callable[[EpochReport], None] | None,
) -> None:
    elapsed = time.perf_counter() - t0
    eta = elapsed / (epoch + 1) * (epochs - epoch - 1)
    report(progress, 0.25 + 0.65 * (epoch + 1) / epochs, f"epoch {epoch + 1}/{epochs}, loss {loss:.5f}, ETA {eta:.1f} s")
    if on_epoch is not None:
        on_epoch(EpochReport(epoch + 1, epochs, loss, elapsed, eta))


# ------------------------------------------------------------------------- validation
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


def _verdict(before: LeadScores | None, after: LeadScores | None) -> str:
    if before is None or after is None:
        return "not_validated"
    d_pcc = after.mean_pcc - before.mean_pcc
    rel_rmse = after.mean_rmse / before.mean_rmse - 1.0 if before.mean_rmse > 0 else 0.0
    if not (math.isfinite(d_pcc) and math.isfinite(rel_rmse)):
        return "not_validated"
    if d_pcc < -_PCC_TOLERANCE or rel_rmse > _RMSE_TOLERANCE:
        return "worse"
    if d_pcc > _PCC_TOLERANCE or rel_rmse < -_RMSE_TOLERANCE:
        return "improved"
    return "unchanged"


def _prepare_part(model: LoadedModel, part: EcgRecord, inputs: Sequence[str]) -> tuple[np.ndarray, np.ndarray, float]:
    p = model.prepare_arrays(part, inputs)
    if p.y is None:  # cannot happen for a complete 12-lead record
        raise PersonalizationError(f"{part.source or 'record'}: lacks one of the model's output leads")
    return p.x, p.y, p.scale


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "patient"


# -------------------------------------------------------------------------- the API
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
        One of :data:`DEVICES`; ``"auto"`` picks CUDA, MPS, else the CPU.
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
    dev, dev_text = select_device(device)
    threads = _cpu_threads() if dev.type == "cpu" else 0
    if threads:
        dev_text = _describe_cpu(threads)
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

    module = copy.deepcopy(base_model.module)
    with _threads(dev, threads):
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
    verdict = _verdict(before, after)
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


# ------------------------------------------------------------------------------ saving
def _staging_root() -> Path:
    # Outside personal_models_dir() (the registry lists every card under it) but on the
    # same file system, so the final move is one atomic rename.
    return user_data_dir() / "staging"


_STALE_STAGING_S = 3600.0


def _process_alive(pid: int) -> bool:
    if os.name != "posix":
        # os.kill(pid, 0) would send CTRL_C_EVENT on Windows; rely on the age test there.
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _sweep_stale_staging(root: Path) -> None:
    """Remove staging folders left by a process that died mid-save.

    A folder is stale when the process named in it is gone, or when it is older than an
    hour (no save takes that long; this also covers platforms without a process check).
    """
    if not root.is_dir():
        return
    now = time.time()
    for d in root.iterdir():
        pid_text = d.name.split("-", 1)[0]
        try:
            old = now - d.stat().st_mtime > _STALE_STAGING_S
        except OSError:
            continue
        dead = pid_text.isdigit() and int(pid_text) != os.getpid() and not _process_alive(int(pid_text))
        if old or dead:
            log.info("removing stale staging folder %s", d)
            shutil.rmtree(d, ignore_errors=True)


def save_personal_model(
    result: PersonalizationResult,
    path: str | os.PathLike | None = None,
    library: Library | None = None,
    *,
    allow_worse: bool = False,
) -> ModelCard:
    """Write the personal model (safetensors + JSON card) and register it in the library.

    Parameters
    ----------
    result
        From :func:`personalize`; it must name a patient.
    path
        File stem (``MODEL`` gives ``MODEL.safetensors`` + ``MODEL.json``).  Default: a
        folder of its own, ``personal_models_dir()/<model id>/``, where the registry finds it.
    library
        The library to register it in; default the user's library.
    allow_worse
        Save a model whose verdict is ``"worse"`` (refused otherwise: once saved,
        ``select_model`` would prefer it for this patient).

    Returns
    -------
    ModelCard
        The card as written (``path`` and ``weights_sha256`` set).

    Notes
    -----
    The files are written into a staging folder and moved into place with one rename (the
    default location) or weights first and card last (an explicit ``path``): a crash
    leaves either the complete model or nothing the registry would list.  The library row
    is written after the files, in one transaction; if it fails the files are removed.
    """
    if result.patient_id is None:
        raise PersonalizationError("the personalization names no patient; pass patient_id to personalize()")
    if result.verdict == "worse" and not allow_worse:
        raise PersonalizationError(
            "the personal model did worse than the base model on the held-out data; it is not saved "
            "(keep the base model, or save with allow_worse=True)"
        )
    card = dataclasses.replace(result.model.card, path=None)
    staging_root = _staging_root()
    _sweep_stale_staging(staging_root)
    staging = staging_root / f"{os.getpid()}-{uuid.uuid4().hex}"
    staging.mkdir(parents=True)
    written: list[Path] = []
    try:
        if path is None:
            final_dir = personal_models_dir() / card.id
            if final_dir.exists():
                raise PersonalizationError(f"{final_dir}: a personal model with this id already exists")
            stage_dir = staging / card.id
            save_model(result.model.module, card, stage_dir / card.id)
            final_dir.parent.mkdir(parents=True, exist_ok=True)
            os.rename(stage_dir, final_dir)
            written = [final_dir]
            weights = final_dir / f"{card.id}.safetensors"
            card.path = final_dir / f"{card.id}.json"
        else:
            stem = Path(path)
            if stem.suffix in (".json", ".safetensors"):
                stem = stem.with_suffix("")
            stem.parent.mkdir(parents=True, exist_ok=True)
            save_model(result.model.module, card, staging / stem.name)
            weights = stem.with_suffix(".safetensors")
            # Weights first, card last: the registry lists a model only once its card exists.
            os.replace(staging / f"{stem.name}.safetensors", weights)
            written = [weights]
            os.replace(staging / f"{stem.name}.json", stem.with_suffix(".json"))
            written.append(stem.with_suffix(".json"))
            card.path = stem.with_suffix(".json")
    except OSError as exc:
        for w in written:
            shutil.rmtree(w, ignore_errors=True) if w.is_dir() else w.unlink(missing_ok=True)
        raise PersonalizationError(f"cannot write the personal model: {exc.strerror or exc}") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)

    own = library is None
    lib = Library() if own else library
    try:
        ids = []
        for r in result.recordings:
            if r.library_id is not None:
                ids.append(r.library_id)
            else:
                found = lib.find_recording(r.sha256, r.key)
                if found is not None:
                    ids.append(found.id)
        # A model written over an older one at the same path replaces its library row.
        target = str(Path(weights).resolve())
        for old in lib.list_models():
            if old.path == target:
                log.info("model %s at %s was overwritten by %s; unregistering it", old.id, target, card.id)
                lib.remove_model(old.id)
        lib.add_model(card, weights, recording_ids=ids)
    except LeadSynthError:
        for w in written:
            shutil.rmtree(w, ignore_errors=True) if w.is_dir() else w.unlink(missing_ok=True)
        raise
    finally:
        if own:
            lib.close()
    log.info("saved personal model %s for patient %s at %s", card.id, card.patient_id, card.path)
    return card

