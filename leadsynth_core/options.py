"""Valid values of options shared by the engine, the CLI and the GUI.

Kept apart from the modules that use them so that argument parsers and dialogs can list
the choices without importing PyTorch (``leadsynth --version`` must stay fast).
"""

from __future__ import annotations

__all__ = ["TRAINABLE", "DEVICES", "VERDICTS"]

#: Valid values of ``trainable`` in personalization: the final layer (Malpani et al.),
#: the last k blocks, or everything.
TRAINABLE: tuple[str, ...] = ("head", "last_blocks", "all")
#: Valid values of ``device``.
DEVICES: tuple[str, ...] = ("auto", "cpu", "cuda", "mps")
#: Possible verdicts of the held-out comparison of a personal model with its base.
VERDICTS: tuple[str, ...] = ("improved", "unchanged", "worse", "not_validated")
