"""Training of the shipped synthesis models.

One command per model::

    python -m leadsynth_core.training MODEL_ID --out DIR [--resume]

Model ids and what they are: :data:`leadsynth_core.training.specs.MODEL_SPECS`.  Splits:
``splits.json`` next to this file (LUDB 161-200 is validation only; the PTB ``S`` records are
never used).  See ``docs/models.md``.
"""

from __future__ import annotations

from .specs import MODEL_SPECS, ModelSpec, get_spec

__all__ = ["MODEL_SPECS", "ModelSpec", "get_spec"]
