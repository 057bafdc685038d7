"""Record controller: opens records (dialog, drop, recent list, command line) in a worker.

Controllers are the only code that writes to the document and the only code that starts
work.  A bad file leaves the previous record open.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from leadsynth_core import io as lsio
from leadsynth_core.errors import LeadSynthError
from leadsynth_core.io import RecordInfo
from leadsynth_core.measurement.electrodes import ElectrodeReversal, electrode_cautions
from leadsynth_core.measurement.swap_back import electrode_words, swap_back_step_of, swap_electrodes
from leadsynth_core.progress import CancelToken, check
from leadsynth_core.record import EcgRecord

from ..state.document import ViewerDocument
from ..state.settings import DEFAULTS
from .input_choice import choose_inputs
from .notify import Notifier, describe
from .window_paging import is_long, read_first_window
from .workers import TaskRunner

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]


class RecordController(QObject):
    """Opens records (dialog, drop, recent list, command line) without blocking the GUI."""

    opened = Signal(str)  # path
    failed = Signal(str, str)  # path, message

    def __init__(self, document: ViewerDocument, tasks: TaskRunner, notifier: Notifier,
                 parent: QObject | None = None, *,
                 long_threshold_mb: Callable[[], float] = lambda: float(DEFAULTS["files/long_recording_mb"]),
                 preferred_inputs: Callable[[], tuple[str, ...] | None] = lambda: None) -> None:
        super().__init__(parent)
        self._doc = document
        self._tasks = tasks
        self._notifier = notifier
        #: Above this many MB of float32 samples a file opens as a long recording.
        self._long_threshold_mb = long_threshold_mb
        #: The user's preferred inputs, or None when they are fixed (``--inputs``): an opened
        #: file that cannot supply them gets the best set it can (:mod:`.input_choice`).
        self._preferred_inputs = preferred_inputs

    def fail(self, path: str | Path, exc: BaseException | str) -> None:
        """Report that ``path`` cannot be opened (also for checks made before the reader runs)."""
        p = Path(path)
        self._notifier.error(f"Cannot open {p.name}", exc)
        self.failed.emit(str(p), describe(exc) if isinstance(exc, BaseException) else exc)

    def open(self, path: str | Path, key: str | None = None, *, swap_back: tuple[str, str] | None = None) -> None:
        """Read ``path`` in a worker and open it; ``swap_back``: with those two limb electrodes
        swapped back from the start (as :meth:`swap_back` does later)."""
        p = Path(path)
        threshold_mb = self._long_threshold_mb()
        log.info("opening %s (key=%s)", p, key)

        def work(progress: Progress, cancel: CancelToken) -> tuple[EcgRecord, RecordInfo | None, tuple[ElectrodeReversal, ...]]:
            # A damaged HDF5 file can hang or crash libhdf5: it is checked in a child process
            # first (cached, so a file already checked when its key was chosen costs nothing).
            progress(0.0, f"checking {p.name}")
            lsio.guard_record(p, key=key)
            check(cancel)
            progress(0.0, f"reading {p.name}")
            # The header first: a file too large to hold comfortably is shown window by
            # window instead of read whole (bounded memory, any length).
            info = lsio.inspect_record(p, key=key)
            long = is_long(info, threshold_mb)
            record = read_first_window(p, info, key, cancel) if long else lsio.read_record(p, key=key)
            check(cancel)
            if swap_back is not None:
                record = swap_electrodes(record, swap_back)
            # Checked once per file, on its first ten seconds: a swapped cable is the recording's.
            return record, info if long else None, electrode_cautions(record)

        def done(payload: tuple[EcgRecord, RecordInfo | None, tuple[ElectrodeReversal, ...]]) -> None:
            record, info, cautions = payload
            preferred = self._preferred_inputs()
            inputs, note = choose_inputs(record, preferred) if preferred is not None else (None, "")
            self._doc.set_record(record, p, key, long_info=info, offset=0, inputs=inputs, cautions=cautions)
            if note:
                self._notifier.info(note)
            for caution in cautions:  # shown in the caution bar above the traces
                log.warning("%s: %s", p, caution.text())
            self.opened.emit(str(p))

        self._tasks.start("load", work, on_success=done, on_error=lambda exc: self.fail(p, exc),
                          on_progress=lambda f, m: self._doc.synthesis_progress.emit(f, m))

    def swap_back(self, electrodes: tuple[str, str] | None) -> None:
        """Show the open record with two limb ``electrodes`` swapped back (``("RA", "LA")`` or
        ``("RA", "LL")``), or as read (``None``).

        Exact for every lead (``measurement.swap_electrodes``); the record's audit trail
        says so, which the record panel and the printed page show, and the windows of a long
        file read later are swapped back too (:mod:`.window_paging`).  One swap at a time:
        choosing the other pair first restores the record as read.  The synthesis runs again
        from the corrected leads; the electrode check runs again on them.
        """
        doc = self._doc
        current = doc.electrodes_swapped_back
        if doc.record is None or current == electrodes:
            return
        try:
            record = doc.record if current is None else swap_electrodes(doc.record, current)
            if electrodes is not None:
                record = swap_electrodes(record, electrodes)
        except LeadSynthError as exc:
            pair = electrodes or current  # not both None: that was no change
            assert pair is not None
            self._notifier.error(f"Cannot swap the {electrode_words(pair)} back", exc)
            return
        cautions = electrode_cautions(record)  # the first ten seconds: a tenth of a second
        doc.set_record(record, doc.path, doc.key, long_info=doc.long_info, offset=doc.offset, cautions=cautions)
        # The record's own audit-trail step: worded for the leads this file has.
        step = swap_back_step_of(record) or "limb leads as recorded again"
        self._notifier.info(step[0].upper() + step[1:])
        log.info("%s: %s", doc.path, step)
