"""Where LeadSynth keeps user data (the library, personal models, logs), and where the
developers' reference data is.

``LEADSYNTH_HOME`` overrides the platform directories (tests and portable installs use it).
``LEADSYNTH_SHARED_DATA`` points tests, benchmarks and training at the reference data
(default: ``../shared/data`` next to the project folder).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

__all__ = [
    "user_data_dir",
    "user_log_dir",
    "personal_models_dir",
    "library_path",
    "reference_data_dir",
    "REFERENCE_DATA_ENV",
]

#: The environment variable that says where the reference data is.
REFERENCE_DATA_ENV = "LEADSYNTH_SHARED_DATA"

_APP = "LeadSynth"


def _home() -> Path | None:
    value = os.environ.get("LEADSYNTH_HOME")
    return Path(value).expanduser() if value else None


def user_data_dir() -> Path:
    home = _home()
    return home / "data" if home else Path(platformdirs.user_data_dir(_APP, appauthor=False))


def user_log_dir() -> Path:
    home = _home()
    return home / "logs" if home else Path(platformdirs.user_log_dir(_APP, appauthor=False))


def personal_models_dir() -> Path:
    return user_data_dir() / "models"


def library_path() -> Path:
    return user_data_dir() / "library.sqlite3"


def reference_data_dir() -> Path:
    """The reference data (LUDB, the Challenge records, ...): ``$LEADSYNTH_SHARED_DATA`` when
    set, else ``../shared/data`` next to the project folder (a source checkout's layout).

    The folder may not exist (an installed copy, a user's clone without the data); callers
    check and say where they looked.
    """
    value = os.environ.get(REFERENCE_DATA_ENV)
    if value:
        return Path(value).expanduser()
    return Path(__file__).resolve().parents[1].parent / "shared" / "data"
