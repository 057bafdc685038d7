"""The heart rate over the open recording, from its measured leads (the Agreement tab's plot).

An ordinary record's beats are found as soon as it opens and whenever the measured leads
change, in a worker (kind ``"rhythm"``: samples already in memory).  A long recording's are
found only when asked (:meth:`RhythmController.find_whole`): the file is read again chunk by
chunk (``leadsynth_core.measurement.rhythm.rhythm_of_file``), with progress and cancel, in
bounded memory.  The beats come from the measured inputs only, as the device recorded them:
a synthesized lead holds no timing its inputs lack.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from leadsynth_core.measurement.rhythm import RhythmTrend, rhythm_of_file, rhythm_of_record
from leadsynth_core.progress import CancelToken
from leadsynth_core.record import format_hms

from ..state.document import ViewerDocument
from .notify import Notifier
from .synthesis import Progress
from .workers import TaskRunner

log = logging.getLogger(__name__)

TASK_KIND = "rhythm"
#: A recording longer than this (s) gets its whole rhythm on the printed pages.
PAGE_RHYTHM_MIN_S = 60.0


class RhythmController(QObject):
    """Keeps :attr:`trend` (the beats and heart rate of the whole recording) in step."""

    #: The trend, or the state of finding it, changed.
    changed = Signal()
    progressed = Signal(float, str)

    def __init__(self, document: ViewerDocument, tasks: TaskRunner, notifier: Notifier,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._doc = document
        self._tasks = tasks
        self._notifier = notifier
        self.trend: RhythmTrend | None = None
        #: What the plot says instead of a trend ("" while there is one).
        self.message = "no recording open"
        self._source: tuple[object, ...] | None = None
        self._busy = False
        document.record_changed.connect(self._update)
        document.inputs_changed.connect(self._update)

    @property
    def running(self) -> bool:
        """Whether beats are being found (False already in the callbacks that end it)."""
        return self._busy

    def leads(self) -> tuple[str, ...]:
        """The measured leads the beats are found on: the inputs the recording holds."""
        rec = self._doc.record
        return () if rec is None else tuple(n for n in self._doc.inputs if n in rec.lead_names)

    def _update(self) -> None:
        doc = self._doc
        leads = self.leads()
        source = (doc.path, doc.key, doc.record.source if doc.record is not None else None, leads)
        if source == self._source and (self.trend is not None or self.running):
            return  # the same file and leads (the arms swapped back move no beat)
        self._source = source
        self.cancel(quiet=True)
        self.trend = None
        if doc.record is None or not leads:
            self.message = "no recording open" if doc.record is None else "no measured lead to find beats on"
        elif doc.is_long:
            self.message = "a long recording: find the beats of the whole file on request"
        else:
            record = doc.record

            def work(progress: Progress, cancel: CancelToken) -> RhythmTrend:
                return rhythm_of_record(record, leads, progress=progress, cancel=cancel)

            self._start(work, "finding the beats")
        self.changed.emit()

    def can_find_whole(self) -> bool:
        doc = self._doc
        return doc.is_long and doc.path is not None and bool(self.leads()) and not self.running

    def find_whole(self) -> None:
        """Find the beats of the whole long recording, chunk by chunk."""
        if not self.can_find_whole():
            return
        path, key, leads = self._doc.path, self._doc.key, self.leads()

        def work(progress: Progress, cancel: CancelToken) -> RhythmTrend:
            return rhythm_of_file(path, leads, key=key, progress=progress, cancel=cancel)

        self._start(work, "finding the beats of the whole recording")
        self.changed.emit()

    def _start(self, work: Callable[[Progress, CancelToken], RhythmTrend], message: str) -> None:
        self.message = message + "…"
        self._busy = True

        def done(trend: RhythmTrend) -> None:
            self._busy = False
            self.trend, self.message = trend, ""
            self.changed.emit()

        def fail(exc: BaseException) -> None:
            self._busy = False
            self.trend, self.message = None, f"no heart rate: {exc}"
            self.changed.emit()
            if self._doc.is_long:  # asked for explicitly: say why it failed
                self._notifier.error("Cannot find the beats", exc)

        def cancelled() -> None:
            self._busy = False
            self.message = "cancelled"
            self.changed.emit()

        self._tasks.start(TASK_KIND, work, on_success=done, on_error=fail, on_cancel=cancelled,
                          on_progress=self.progressed.emit)

    def page_line(self) -> str | None:
        """The printed pages' line on the rhythm of a recording longer than the page (its 10 s
        say the rest); None for a short one or before the beats are found."""
        trend = self.trend
        if trend is None or trend.duration_s <= PAGE_RHYTHM_MIN_S:
            return None
        return f"Heart rate over the whole recording ({format_hms(trend.duration_s)}): {trend.summary()}"

    def cancel(self, quiet: bool = False) -> None:
        if self._busy:
            self._busy = False
            self._tasks.cancel(TASK_KIND)
            if not quiet:
                self.message = "cancelled"
                self.changed.emit()
