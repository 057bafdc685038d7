"""Where LeadSynth keeps user data: the library, personal models, logs.

``LEADSYNTH_HOME`` overrides the platform directories (tests and portable installs use it).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

__all__ = ["user_data_dir", "user_log_dir", "personal_models_dir", "library_path"]

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
