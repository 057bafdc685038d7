"""What a personalization produced: the recordings used and excluded, the epochs, the
before/after scores and the verdict (written by :func:`~leadsynth_core.personalization.train.personalize`)."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from ..models import LoadedModel


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
