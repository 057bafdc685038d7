"""Long recordings (Holter-length files): shown window by window, in bounded memory.

A file whose samples would take more than the ``files/long_recording_mb`` setting as
float32 is never read whole.  The document then holds one *window* of it (the page the
grid shows plus one page of margin on each side, read with
:func:`leadsynth_core.io.read_window`), and :class:`WindowPager` reads the next window in
a worker whenever the time position leaves the loaded one.  Synthesis and the PCC scores
follow the window (the :class:`~app.controllers.SynthesisController` reacts to
``window_changed``), so memory is a few pages whatever the length of the file.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer

from leadsynth_core import io as lsio
from leadsynth_core.io import RecordInfo
from leadsynth_core.measurement.swap_back import swap_electrodes
from leadsynth_core.progress import CancelToken, check
from leadsynth_core.record import EcgRecord

from ..state.document import ViewerDocument, ViewState, fmt_hms
from ..state.paper import DATA_WIDTH_MM
from ..state.settings import SPEEDS_MM_S
from .notify import Notifier
from .workers import TaskRunner

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]

#: Float32 bytes per stored value: what a whole read would allocate per sample and lead.
BYTES_PER_VALUE = 4
#: Pause after the last position change before a window is read (scroll bar drags and
#: held arrow keys fire many changes; only where the user stops is read).
DEBOUNCE_MS = 120
#: Pages of margin read on each side of the shown page: panning by up to a page needs no
#: read, and the synthesis at the page's edges sees its neighbours.
MARGIN_PAGES = 1.0


def is_long(info: RecordInfo, threshold_mb: float) -> bool:
    """True when reading ``info``'s samples whole would take more than ``threshold_mb``."""
    return info.n_samples * info.n_leads * BYTES_PER_VALUE > threshold_mb * 1024 * 1024


def window_bounds(position_s: float, page_s: float, fs: float, n_samples: int) -> tuple[int, int]:
    """Samples ``[start, stop)`` to read for a page starting at ``position_s``."""
    margin = MARGIN_PAGES * page_s
    start = max(0, int((position_s - margin) * fs))
    stop = min(n_samples, int((position_s + page_s + margin) * fs) + 1)
    return start, max(start, stop)


def first_window(info: RecordInfo) -> tuple[int, int]:
    """The window read when the file is opened (page at 0 s, slowest paper speed)."""
    return window_bounds(0.0, DATA_WIDTH_MM / min(SPEEDS_MM_S), info.fs, info.n_samples)


def read_first_window(path: Path, info: RecordInfo, key: str | None, cancel: CancelToken) -> EcgRecord:
    """Read the opening window of a long file (in a worker)."""
    start, stop = first_window(info)
    log.info("%s: long recording (%d samples x %d leads), reading window %d-%d",
             path, info.n_samples, info.n_leads, start, stop)
    record = lsio.read_window(path, start, stop, key=key)
    check(cancel)
    return record


class WindowPager(QObject):
    """Reads the window of a long recording that the time position needs (debounced)."""

    def __init__(self, document: ViewerDocument, state: ViewState, tasks: TaskRunner, notifier: Notifier,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._doc = document
        self._state = state
        self._tasks = tasks
        self._notifier = notifier
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.load_needed)
        state.position_changed.connect(self._schedule)
        state.changed.connect(lambda what: self._schedule() if what == "speed" else None)
        document.record_changed.connect(self._on_record_changed)

    def _on_record_changed(self) -> None:
        # A new file: any window still being read belongs to the previous one.
        self._timer.stop()
        self._tasks.cancel("window")

    def _schedule(self, *_args: object) -> None:
        if self._doc.is_long:
            self._timer.start()

    def page_seconds(self) -> float:
        return DATA_WIDTH_MM / self._state.speed

    def load_needed(self) -> None:
        """Read the window around the current page unless the loaded one covers it."""
        doc, info = self._doc, self._doc.long_info
        if info is None or doc.path is None:
            return
        page_s = self.page_seconds()
        pos = self._state.position
        if doc.covers(pos, pos + page_s):
            self._tasks.cancel("window")  # moved back inside: a pending read is stale
            return
        start, stop = window_bounds(pos, page_s, info.fs, info.n_samples)
        path, key = doc.path, doc.key

        def work(progress: Progress, cancel: CancelToken) -> EcgRecord:
            progress(0.0, f"reading {fmt_hms(start / info.fs)}-{fmt_hms(stop / info.fs)}")
            record = lsio.read_window(path, start, stop, key=key)
            check(cancel)
            return record

        def done(record: EcgRecord) -> None:
            if doc.path != path or doc.key != key:
                return  # another file was opened meanwhile
            if (pair := doc.electrodes_swapped_back) is not None:  # as chosen for this file (record.swap_back)
                record = swap_electrodes(record, pair)
            doc.set_window(record, start)

        def fail(exc: BaseException) -> None:
            self._notifier.error(f"Cannot read {path.name} at {fmt_hms(start / info.fs)}", exc)

        self._tasks.start("window", work, on_success=done, on_error=fail,
                          on_progress=lambda f, m: doc.synthesis_progress.emit(f, m))

