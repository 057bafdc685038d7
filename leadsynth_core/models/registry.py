"""Finding, loading, choosing and saving models.

Shipped models live in the ``resources.models`` package (read with
:mod:`importlib.resources`); personal models in
:func:`leadsynth_core.paths.personal_models_dir`.  Each model is two files with the same
stem: ``<id>.safetensors`` (weights) and ``<id>.json`` (:class:`ModelCard`).  Only
safetensors are read: no pickle is ever loaded.
"""

from __future__ import annotations

import importlib.resources
import logging
import os
from collections.abc import Iterable
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import nn

from ..errors import ModelError
from ..files import atomic_paths, file_sha256
from ..leads import parse_lead_list
from ..paths import personal_models_dir
from .card import CARD_SUFFIX, WEIGHTS_SUFFIX, ModelCard, read_card
from .features import MODEL_FS, independent_lead_set
from .loaded import LoadedModel
from .networks import build_network

__all__ = [
    "list_models",
    "load_model",
    "select_model",
    "save_model",
    "find_model",
    "shipped_models_dir",
    "file_sha256",
]

log = logging.getLogger(__name__)

_SHIPPED_PACKAGE = "resources.models"


def shipped_models_dir() -> Path:
    """Folder of the models shipped with the program."""
    return Path(str(importlib.resources.files(_SHIPPED_PACKAGE)))


def _cards_in(folder: Path) -> list[ModelCard]:
    cards = []
    if not folder.is_dir():
        return cards
    for path in sorted(folder.rglob(f"*{CARD_SUFFIX}")):
        if not path.with_suffix(WEIGHTS_SUFFIX).exists():
            continue  # not a model card (or its weights are gone): not listed
        try:
            cards.append(read_card(path))
        except ModelError as exc:
            # One broken personal model must not hide all the others.
            log.warning("skipping model card: %s", exc)
    return cards


def list_models(include_personal: bool = True) -> list[ModelCard]:
    """Cards of the shipped models (and the personal ones), shipped first, by id."""
    cards = _cards_in(shipped_models_dir())
    if include_personal:
        cards += _cards_in(personal_models_dir())
    return cards


def find_model(id_or_path: str | os.PathLike[str]) -> ModelCard:
    """The card of a model given by id or by path (card, weights or stem).

    Raises
    ------
    ModelError
        If no such file or id exists; the message lists the known ids.
    """
    text = os.fspath(id_or_path)
    path = Path(text).expanduser()
    candidates = [path] if path.suffix == CARD_SUFFIX else [path.with_suffix(CARD_SUFFIX), Path(text + CARD_SUFFIX)]
    if path.suffix == WEIGHTS_SUFFIX or path.suffix == CARD_SUFFIX or os.sep in text or "/" in text:
        for c in candidates:
            if c.is_file():
                return read_card(c)
        raise ModelError(f"{text}: no model card found (looked for {', '.join(str(c) for c in candidates)})")
    cards = list_models()
    for card in cards:
        if card.id == text:
            return card
    for c in candidates:  # a bare stem in the working directory
        if c.is_file():
            return read_card(c)
    known = ", ".join(c.id for c in cards) or "none"
    raise ModelError(f"unknown model {text!r}; known models: {known}")


def _build_module(card: ModelCard) -> nn.Module:
    params = dict(card.arch_params)
    if params.get("in_channels") != card.in_channels or params.get("out_channels") != len(card.outputs):
        raise ModelError(
            f"{card.path or card.id}: arch_params in/out channels {params.get('in_channels')}/"
            f"{params.get('out_channels')} do not match the card's inputs/outputs "
            f"({card.in_channels}/{len(card.outputs)})"
        )
    try:
        return build_network(card.architecture, **params)
    except ModelError as exc:
        # build_network does not know the file: name it here.
        raise ModelError(f"{card.path or card.id}: field 'architecture': {exc}") from None


def load_model(id_or_path: str | os.PathLike[str] | ModelCard | LoadedModel) -> LoadedModel:
    """Load a model (safetensors only) and check it against its card.

    Checks the SHA-256 of the weight file against ``card.weights_sha256`` and that the
    stored tensors have exactly the names and shapes of the card's architecture.

    Raises
    ------
    ModelError
        With the file and the reason on any mismatch or unreadable file.
    """
    if isinstance(id_or_path, LoadedModel):
        return id_or_path
    card = id_or_path if isinstance(id_or_path, ModelCard) else find_model(id_or_path)
    if card.path is None:
        raise ModelError(f"model card {card.id!r} has no file location; save it first")
    if float(card.fs) != MODEL_FS:
        raise ModelError(f"{card.path}: fs {card.fs} Hz; this version runs models at {MODEL_FS:g} Hz only")
    weights = card.path.with_suffix(WEIGHTS_SUFFIX)
    if not weights.is_file():
        raise ModelError(f"{card.path}: weight file {weights} is missing")
    digest = file_sha256(weights)
    if digest != card.weights_sha256:
        raise ModelError(
            f"{weights}: SHA-256 {digest[:16]}... does not match the card's weights_sha256 "
            f"{card.weights_sha256[:16] or '(empty)'}...; the file is corrupt or not this model's"
        )
    module = _build_module(card)
    try:
        tensors = load_file(str(weights), device="cpu")
    except (SafetensorError, OSError) as exc:
        raise ModelError(f"{weights}: not a readable safetensors file: {exc}") from None
    expected = module.state_dict()
    missing = sorted(set(expected) - set(tensors))
    extra = sorted(set(tensors) - set(expected))
    wrong = sorted(k for k in set(expected) & set(tensors) if tuple(expected[k].shape) != tuple(tensors[k].shape))
    if missing or extra or wrong:
        parts = []
        if missing:
            parts.append(f"missing tensors {', '.join(missing[:5])}")
        if extra:
            parts.append(f"unexpected tensors {', '.join(extra[:5])}")
        if wrong:
            parts.append(
                "shape mismatch " + ", ".join(f"{k} {tuple(tensors[k].shape)} != {tuple(expected[k].shape)}" for k in wrong[:5])
            )
        raise ModelError(f"{weights}: weights do not fit architecture {card.architecture!r}: {'; '.join(parts)}")
    module.load_state_dict(tensors, strict=True)
    log.info("loaded model %s from %s", card.id, weights)
    return LoadedModel(card, module)


def _preference(card: ModelCard) -> int:
    # Lower is better: a dedicated learned model, then the any-subset model, then the
    # linear baseline (kept as the floor, not as the default).
    if card.any_subset:
        return 1
    return 2 if card.is_baseline else 0


def _personal_fits(card: ModelCard, indep: tuple[str, ...]) -> bool:
    """A personal model serves only the lead set it was fine-tuned for, and only if it helped.

    A personal model made from the any-subset base keeps the any-subset architecture,
    but its head was fitted for one choice of measured leads: offering it for another
    choice would use a head nobody validated.  A model whose held-out verdict was
    "worse" is never chosen automatically (the user can still pick it by id).
    """
    if (card.metrics or {}).get("verdict") == "worse":
        return False
    trained_for = (card.training or {}).get("inputs")
    if not trained_for:
        return True
    return independent_lead_set(parse_lead_list(trained_for)) == tuple(indep)


def select_model(
    measured_leads: str | Iterable[str],
    patient_id: str | None = None,
    *,
    cards: list[ModelCard] | None = None,
) -> ModelCard:
    """Choose the model for a set of measured leads.

    Order: a personal model of ``patient_id`` fine-tuned for exactly that (independent)
    lead set (dedicated before any-subset architecture; never one whose held-out verdict
    was "worse"), a shipped dedicated model for exactly
    that lead set, the any-subset model, and last the linear baseline for that set.

    Raises
    ------
    ModelError
        If no model takes that lead set.
    """
    measured = parse_lead_list(measured_leads)
    indep = independent_lead_set(measured)
    cards = list_models() if cards is None else cards
    usable = [c for c in cards if c.accepts(indep)]
    if patient_id is not None:
        personal = [c for c in usable if c.patient_id == patient_id and _personal_fits(c, indep)]
        dedicated = [c for c in personal if not c.any_subset]
        if dedicated:
            return max(dedicated, key=lambda c: c.created)
        if personal:
            return max(personal, key=lambda c: c.created)
    shipped = [c for c in usable if not c.is_personal]
    if not shipped:
        raise ModelError(
            f"no model takes the leads {', '.join(measured)} (independent leads {', '.join(indep) or 'none'}); "
            f"available: {'; '.join(c.summary() for c in cards) or 'no models installed'}"
        )
    return min(shipped, key=lambda c: (_preference(c), c.id))


def save_model(module: nn.Module, card: ModelCard, path: str | os.PathLike[str]) -> ModelCard:
    """Write ``module``'s weights (safetensors) and ``card`` (JSON) atomically.

    ``path`` is the file stem, or either file's name; the weights go to
    ``<stem>.safetensors`` and the card, with ``weights_sha256`` filled in, to
    ``<stem>.json``.  Both are written through :func:`leadsynth_core.files.atomic_paths`
    (temporaries in the same folder, moved into place), so a crash leaves no half-written model.

    Returns the card as written (with ``path`` set).
    """
    stem = Path(path)
    if stem.suffix in (CARD_SUFFIX, WEIGHTS_SUFFIX):
        stem = stem.with_suffix("")
    try:
        stem.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a path under a file, a read-only folder...
        raise ModelError(f"{stem}: cannot write model: {exc.strerror or exc}") from None
    expected = _build_module(card).state_dict()
    state = {k: v.detach().to("cpu").contiguous().clone() for k, v in module.state_dict().items()}
    if set(state) != set(expected) or any(tuple(state[k].shape) != tuple(expected[k].shape) for k in state):
        raise ModelError(f"{stem}: the module does not match the card's architecture {card.architecture!r}")
    weights = stem.with_suffix(WEIGHTS_SUFFIX)
    card_path = stem.with_suffix(CARD_SUFFIX)
    try:
        # Weights first, card last: the registry lists a model only once its card exists.
        with atomic_paths([weights, card_path]) as (tmp_w, tmp_c):
            # One metadata entry: safetensors writes its metadata map in hash order, which varies
            # between runs, so with two entries the same weights gave files (and SHA-256s) that
            # differ, and a rebuilt model could not be recognized as the same.
            save_file(state, str(tmp_w), metadata={"leadsynth_model": f"{card.id} ({card.architecture})"})
            card.weights_sha256 = file_sha256(tmp_w)
            tmp_c.write_text(card.to_json(), encoding="utf-8")
    except (OSError, SafetensorError) as exc:  # safetensors reports a full disk as SafetensorError
        raise ModelError(f"{stem}: cannot write model: {getattr(exc, 'strerror', None) or exc}") from None
    card.path = card_path
    log.info("saved model %s to %s", card.id, weights)
    return card


def state_dict_equal(a: nn.Module, b: nn.Module) -> bool:
    """True if two modules hold identical tensors (used by tests and training checks)."""
    sa, sb = a.state_dict(), b.state_dict()
    return set(sa) == set(sb) and all(torch.equal(sa[k], sb[k]) for k in sa)
