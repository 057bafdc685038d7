"""Valid values and defaults of options shared by the engine, the CLI and the GUI: each once.

Kept apart from the modules that use them so that argument parsers and dialogs can list
the choices without importing PyTorch (``leadsynth --version`` must stay fast).  The score
references live with the scoring (:data:`leadsynth_core.scoring.REFERENCES`); the viewer's
own settings in ``app.state.settings.DEFAULTS``.
"""

from __future__ import annotations

__all__ = [
    "TRAINABLE",
    "DEVICES",
    "VERDICTS",
    "DEFAULT_EPOCHS",
    "DEFAULT_LR",
    "DEFAULT_HOLDOUT",
    "DEFAULT_SEED",
    "VERDICT_PCC_TOLERANCE",
    "VERDICT_RMSE_TOLERANCE",
    "FLAT_LEAD_PTP_MV",
    "HDF5_SUFFIXES",
    "MULTI_RECORD_SUFFIXES",
]

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
#: A held-out mean PCC change within this is "unchanged"; beyond it, a change (the verdict,
#: and the colours of the wizard's before/after table).
VERDICT_PCC_TOLERANCE: float = 0.002
#: A held-out mean RMSE changing by more than this fraction is a change.
VERDICT_RMSE_TOLERANCE: float = 0.01

#: A lead whose peak-to-peak range is below this (mV) is flat (a disconnected electrode):
#: refused as a synthesis input, and it makes a library recording incomplete.
FLAT_LEAD_PTP_MV: float = 0.01

#: File name endings read (and written) as HDF5.
HDF5_SUFFIXES: tuple[str, ...] = (".h5", ".hdf5", ".hdf")
#: File name endings of files that may hold several records, each read by its key: HDF5, the
#: iPhone's Health export (``export.zip``, one record per Apple Watch ECG) and the Kardia API's
#: list of recordings (``.json``).
MULTI_RECORD_SUFFIXES: tuple[str, ...] = HDF5_SUFFIXES + (".zip", ".json")
