"""Saving a personal model: files written atomically (a staging folder moved into place,
or :func:`leadsynth_core.models.save_model`), then registered in the patient library."""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import time
import uuid
from pathlib import Path

from ..errors import LeadSynthError, PersonalizationError
from ..library import Library
from ..models import ModelCard, save_model
from ..paths import personal_models_dir, user_data_dir
from .result import PersonalizationResult

log = logging.getLogger(__name__)


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
    default location) or atomically, weights first and card last (an explicit ``path``,
    :func:`leadsynth_core.models.save_model`): a crash
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
            # save_model writes both files atomically (leadsynth_core.files), card last.
            card = save_model(result.model.module, card, stem)
            weights = stem.with_suffix(".safetensors")
            written = [weights, stem.with_suffix(".json")]
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
