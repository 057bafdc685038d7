"""Logging set-up: a rotating file in the user log directory, optional console output.

The log holds what is needed to diagnose a failure (file paths, shapes, model ids,
timings, tracebacks) and no patient data beyond what the user opened.
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from .paths import user_log_dir

__all__ = ["configure_logging", "log_file_path"]

_FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(threadName)s]: %(message)s"
_HANDLER_NAME = "leadsynth-file"


def log_file_path() -> Path:
    return user_log_dir() / "leadsynth.log"


def configure_logging(verbosity: int = 0, *, console: bool = False) -> Path | None:
    """Attach the rotating file handler (once) and, if asked, a console handler.

    Returns the log file path, or ``None`` if the log directory cannot be written
    (a read-only home must not stop the program).
    """
    root = logging.getLogger("leadsynth_core")
    app_root = logging.getLogger("app")
    level = logging.DEBUG if verbosity >= 2 else logging.INFO
    for logger in (root, app_root):
        logger.setLevel(logging.DEBUG)
    path: Path | None = log_file_path()
    if not any(h.get_name() == _HANDLER_NAME for h in root.handlers):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handler = logging.handlers.RotatingFileHandler(
                path, maxBytes=2_000_000, backupCount=5, encoding="utf-8", delay=True
            )
        except OSError:
            path = None
        else:
            handler.set_name(_HANDLER_NAME)
            handler.setFormatter(logging.Formatter(_FORMAT))
            handler.setLevel(logging.DEBUG)
            for logger in (root, app_root):
                logger.addHandler(handler)
    if console and not any(h.get_name() == "leadsynth-console" for h in root.handlers):
        stream = logging.StreamHandler()
        stream.set_name("leadsynth-console")
        stream.setLevel(logging.WARNING if verbosity == 0 else level)
        stream.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        for logger in (root, app_root):
            logger.addHandler(stream)
    return path
