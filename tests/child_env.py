"""The environment of a child process that runs this checkout's code."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def child_env(**extra: str) -> dict[str, str]:
    """``os.environ`` with this checkout first on PYTHONPATH (what PYTHONPATH already named kept
    after it: packages installed beside the interpreter's, as on a GPU machine), plus ``extra``."""
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, **extra}
