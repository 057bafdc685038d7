"""GUI fixtures: isolated settings, a real main window, and leak checks after each test."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QThreadPool  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.controllers import notify  # noqa: E402
from app.shell.main_window import MainWindow  # noqa: E402
from app.state.document import ViewerDocument  # noqa: E402


@pytest.fixture
def isolated_settings() -> Path:
    """The fresh folder that holds this test's viewer settings (``viewer.ini``).

    :class:`app.state.settings.Settings` keeps its file under ``$LEADSYNTH_HOME/settings``,
    and the autouse fixture of ``tests/conftest.py`` points ``LEADSYNTH_HOME`` at a new
    folder for every test, so that is where the settings live (pointing QSettings' user
    scope elsewhere would change nothing: with ``LEADSYNTH_HOME`` set it is not used).
    """
    folder = Path(os.environ["LEADSYNTH_HOME"]) / "settings"
    folder.mkdir(parents=True, exist_ok=True)
    assert not any(folder.iterdir()), f"settings folder {folder} is not fresh"
    return folder


@pytest.fixture
def error_boxes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Replace the modal error box by a recorder; tests that expect no error check it is empty."""
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(notify.QMessageBox, "critical", lambda _parent, title, text: shown.append((title, text)))
    return shown


@pytest.fixture
def make_window(qtbot, isolated_settings: Path, error_boxes: list) -> Iterator[Callable[[], MainWindow]]:
    """Build shown main windows; afterwards close them and fail on leaked windows or threads."""
    threads_before = {t.ident for t in threading.enumerate()}
    windows: list[MainWindow] = []

    def make() -> MainWindow:
        w = MainWindow()
        w.resize(1680, 1000)
        w.show()
        qtbot.waitExposed(w)
        windows.append(w)
        return w

    yield make
    for w in windows:
        w.close()
        assert w.tasks.active_count() == 0, "worker threads still running after close"
        w.deleteLater()
    QApplication.processEvents()
    qtbot.wait(10)
    leaked = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
    assert not leaked, f"top-level windows left open: {leaked}"
    # QThreads that ran Python code leave daemon "dummy" entries in `threading`; a real
    # leak is a non-daemon Python thread or a busy Qt pool thread.
    new_threads = [t for t in threading.enumerate()
                   if t.ident not in threads_before and t.is_alive() and not t.daemon]
    assert not new_threads, f"threads left running: {new_threads}"
    assert QThreadPool.globalInstance().activeThreadCount() == 0


def wait_synthesis(qtbot, window: MainWindow, timeout: int = 60_000) -> None:
    """Wait until the document's synthesis has finished (done, or nothing to do)."""
    doc = window.document
    qtbot.waitUntil(lambda: doc.record is not None and not window.tasks.is_running("load"), timeout=timeout)
    qtbot.waitUntil(lambda: doc.state in (ViewerDocument.DONE, ViewerDocument.IDLE, ViewerDocument.FAILED)
                    and not window.tasks.is_running("synthesis"), timeout=timeout)
    assert doc.state != ViewerDocument.FAILED, doc.state_message


@pytest.fixture
def print_to_pdf(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], list]:
    """Make File > Print's system dialog accept at once and print to a PDF file instead of a
    printer: ``printers = print_to_pdf(out)`` returns the list the dialog's printers go into."""
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter

    def arrange(out: Path) -> list[QPrinter]:
        seen: list[QPrinter] = []

        def fake_exec(dialog: QPrintDialog) -> int:
            printer = dialog.printer()
            printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
            printer.setOutputFileName(str(out))
            seen.append(printer)
            return QPrintDialog.DialogCode.Accepted

        monkeypatch.setattr(QPrintDialog, "exec", fake_exec)
        return seen

    return arrange
