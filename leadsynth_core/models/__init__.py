"""Synthesis models: architectures, model cards, the registry of shipped and personal models.

Public API (see ``docs/models.md``)::

    from leadsynth_core.models import list_models, load_model, select_model, save_model
    card = select_model("I,II,V2,V4")
    model = load_model(card.id)          # LoadedModel: .card, .module (eval), .fs
    x, y = model.prepare(record, "I,II,V2,V4")
"""

from __future__ import annotations

from .card import ModelCard, read_card
from .features import INDEPENDENT_LEADS, MODEL_FS, independent_lead_set
from .loaded import LoadedModel
from .networks import ARCHITECTURES, build_network, count_parameters
from .patient_rule import PatientMatch, PatientMatchStatus, check_model_patient, require_model_patient
from .registry import (
    file_sha256,
    find_model,
    list_models,
    load_model,
    save_model,
    select_model,
    shipped_models_dir,
)

__all__ = [
    "ARCHITECTURES",
    "INDEPENDENT_LEADS",
    "MODEL_FS",
    "LoadedModel",
    "PatientMatch",
    "PatientMatchStatus",
    "check_model_patient",
    "require_model_patient",
    "ModelCard",
    "build_network",
    "count_parameters",
    "file_sha256",
    "find_model",
    "independent_lead_set",
    "list_models",
    "load_model",
    "read_card",
    "save_model",
    "select_model",
    "shipped_models_dir",
]
