"""Personalization: fine-tune a base model on a few past 12-lead recordings of one patient.

After Malpani, Xue, Albert and Clifford: freeze everything but the final convolution
(``module.head``), fine-tune it for 60 epochs at a learning rate of 0.002 (``options.DEFAULT_EPOCHS`` /
``DEFAULT_LR``) on the patient's
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

Modules (each one concept): :mod:`.result` (what a personalization produced),
:mod:`.recordings` (reading the training recordings), :mod:`.fit` (the fine-tune),
:mod:`.validate` (held-out and later-visit scores), :mod:`.verdict` (improved, unchanged or
worse), :mod:`.cost` (the time a fine-tune takes on each device, which ``device="auto"``
decides by), :mod:`.train` (:func:`personalize`, which writes nothing) and :mod:`.store`
(:func:`save_personal_model`).  Devices and threads come from :mod:`leadsynth_core.runtime`,
the defaults from :mod:`leadsynth_core.options`.
"""

from __future__ import annotations

from ..options import DEVICES, TRAINABLE, VERDICTS
from ..runtime import select_device
from .result import EpochReport, ExcludedRecording, LeadScores, PersonalizationResult, TrainingRecording
from .store import save_personal_model
from .train import RECOMMENDED_RECORDINGS, RECOMMENDED_TRAIN_SECONDS, personalize
from .validate import evaluate_personalization

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
