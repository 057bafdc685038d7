"""Valid values of options shared by the engine, the CLI and the GUI.

Kept apart from the modules that use them so that argument parsers and dialogs can list
the choices without importing PyTorch (``leadsynth --version`` must stay fast).
"""

from __future__ import annotations

__all__ = ["TRAINABLE", "DEVICES", "VERDICTS", "DEFAULT_EPOCHS", "DEFAULT_LR", "DEFAULT_HOLDOUT", "DEFAULT_SEED"]

#: Valid values of ``trainable`` in personalization: the final layer (Malpani et al.),
#: the last k blocks, or everything.
TRAINABLE: tuple[str, ...] = ("head", "last_blocks", "all")
#: Valid values of ``device``.
DEVICES: tuple[str, ...] = ("auto", "cpu", "cuda", "mps")
#: Possible verdicts of the held-out comparison of a personal model with its base.
VERDICTS: tuple[str, ...] = ("improved", "unchanged", "worse", "not_validated")
#: Personalization defaults (Malpani et al.: 60 epochs of Adam at a learning rate of 0.002),
#: the held-out fraction at the end of each recording, and the minibatch-order seed.  The
#: engine, the CLI and the wizard all take them from here.
DEFAULT_EPOCHS: int = 60
DEFAULT_LR: float = 0.002
DEFAULT_HOLDOUT: float = 0.2
DEFAULT_SEED: int = 0
