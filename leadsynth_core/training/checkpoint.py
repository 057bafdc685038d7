"""Checkpoints of ``leadsynth train``: written whole or not at all.

A checkpoint is serialised to a temporary file in the same folder and moved over the old
one with :func:`os.replace`; a failed write (a full disk, a kill) leaves the previous
checkpoint as it was and removes the temporary.  Checkpoints are read with
``torch.load(weights_only=True)`` (no pickled code).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from ..errors import TrainingError

__all__ = ["save_checkpoint", "load_checkpoint"]


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    """Write ``state`` to ``path`` atomically.

    Raises
    ------
    TrainingError
        If it cannot be written (the message says the previous checkpoint is intact).
    """
    tmp = path.with_name(f".tmp-{path.name}-{os.getpid()}")
    try:
        with open(tmp, "wb") as fh:
            torch.save(state, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except (OSError, RuntimeError) as exc:  # torch reports some write failures as RuntimeError
        reason = getattr(exc, "strerror", None) or str(exc)
        kept = f"the previous checkpoint {path} is intact" if path.exists() else "no earlier checkpoint exists"
        raise TrainingError(f"{path}: cannot write checkpoint ({reason}); {kept}") from None
    finally:
        if tmp.exists():
            tmp.unlink()


def load_checkpoint(path: Path) -> dict[str, Any]:
    """Read a checkpoint written by :func:`save_checkpoint` (tensors and plain values only)."""
    try:
        state = torch.load(path, weights_only=True, map_location="cpu")
    except (OSError, RuntimeError, EOFError, ValueError) as exc:
        raise TrainingError(f"{path}: not a readable checkpoint: {exc}") from None
    if not isinstance(state, dict) or "step" not in state or "model" not in state:
        raise TrainingError(f"{path}: not a leadsynth train checkpoint (no 'step'/'model')")
    return state
