"""The real viewer in a throw-away user folder, for the scripts that grab its screenshots
(``agreement_screenshot.py``, ``measurements_screenshot.py``, ``wizard_screenshot.py``).

``LEADSYNTH_HOME`` and the Qt settings point into a temporary directory, so the user's library
and settings are never touched; the viewer runs non-interactively (errors are logged, no
message box waits for a click).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def throwaway_home(prefix: str) -> Iterator[Path]:
    """A temporary folder that holds the session's ``LEADSYNTH_HOME`` (``home/``) and Qt settings."""
    from PySide6.QtCore import QSettings

    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        root = Path(tmp)
        os.environ["LEADSYNTH_HOME"] = str(root / "home")
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(root / "settings"))
        yield root


def open_viewer(width: int, height: int) -> tuple[Any, Any]:
    """``(app, window)``: the QApplication and a shown, non-interactive main window of that size."""
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    pg.setConfigOptions(antialias=True)
    from app.shell.main_window import MainWindow

    window = MainWindow(interactive=False)
    window.resize(width, height)
    window.show()
    return app, window


def wait_until(app: Any, condition: Callable[[], bool], what: str, deadline: float) -> None:
    """Process events until ``condition()`` holds; TimeoutError naming ``what`` past ``deadline``."""
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        app.processEvents()
        time.sleep(0.01)


def settle(app: Any, frames: int) -> None:
    """Let the last repaints land (``frames`` rounds of events, 10 ms apart)."""
    for _ in range(frames):
        app.processEvents()
        time.sleep(0.01)


def save_grab(widget: Any, out: Path) -> None:
    """Write what ``widget`` shows to ``out`` (PNG), creating its folder."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if not widget.grab().save(str(out)):
        raise OSError(f"{out}: cannot write the screenshot")
