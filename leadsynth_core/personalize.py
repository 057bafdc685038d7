"""Personalization (compatibility name): the package :mod:`leadsynth_core.personalization`.

Kept so that ``from leadsynth_core.personalize import personalize, save_personal_model``
keeps working; new code imports from :mod:`leadsynth_core.personalization`.
"""

from __future__ import annotations

from .personalization import (
    DEVICES,
    RECOMMENDED_RECORDINGS,
    RECOMMENDED_TRAIN_SECONDS,
    TRAINABLE,
    VERDICTS,
    EpochReport,
    ExcludedRecording,
    LeadScores,
    PersonalizationResult,
    TrainingRecording,
    evaluate_personalization,
    personalize,
    save_personal_model,
    select_device,
)

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
