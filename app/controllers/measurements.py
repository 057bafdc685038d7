"""Keeps the measurements of what the viewer shows: the displayed 12-lead and its truth.

The measured stretch is the 10 s from the page's left edge (a cart's recording).  What is
measured is the synthesized 12-lead when there is one (every lead with its provenance), and
the record as read; with both, :func:`leadsynth_core.measurement.compare_measurements` gives
the differences and the flags.

Measuring runs in a worker (:class:`~app.controllers.workers.TaskRunner`, kind
``"measurements"``), debounced, and only while a view that shows it asks for it
(``set_active``).  Whenever the record, the synthesis, the loaded window or the page
position changes, the running task is cancelled and the values held are dropped at once
(``pending`` is True until the new ones arrive): values of another record or another
stretch are never shown as this one's.  A result that arrives for a stretch that is no
longer the one shown is discarded (the runner drops superseded tasks, and the controller
checks its own generation number as well).

The one exception is :meth:`ensure`, which the PDF/PNG export calls: the export paints the
page in the GUI thread and returns the file, so when the values are not there yet it
measures the 10 s there and then (about a tenth of a second) rather than exporting a page
without them.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from leadsynth_core.errors import LeadSynthError
from leadsynth_core.measurement import (
    Comparison,
    DeviceRow,
    Measurements,
    compare_measurements,
    compare_with_device,
    measure_record,
)
from leadsynth_core.measurement.globals import GlobalValues
from leadsynth_core.progress import CancelToken, check
from leadsynth_core.record import EcgRecord, Provenance

from ..state.document import ViewerDocument, ViewState
from .synthesis import Progress
from .workers import TaskRunner

log = logging.getLogger(__name__)

WINDOW_S = 10.0
TASK_KIND = "measurements"


@dataclasses.dataclass(frozen=True)
class MeasuredView:
    """What one measurement of the displayed stretch gives (see :func:`measure_view`)."""

    shown: Measurements | None
    truth: Measurements | None
    comparison: Comparison | None
    #: The record as read (what a cart's own measurements are compared with).
    as_read: Measurements | None = None


def measure_view(record: EcgRecord, result: EcgRecord | None, cancel: CancelToken | None = None) -> MeasuredView:
    """Measure the displayed stretch: ``result`` (the synthesized 12-lead) or else ``record``.

    Both arguments are the same stretch of time.  With a result, the record's measured
    leads are the truth of the synthesized ones that it also holds, and their comparison
    is returned.  Plain numpy work, no Qt: it runs in a worker thread.
    """
    truth = measure_record(record, duration_s=None)
    if result is None:
        return MeasuredView(truth, None, None, truth)
    check(cancel)
    shown = measure_record(result, duration_s=None)
    leads = [n for n in result.leads_with(Provenance.SYNTHESIZED)
             if n in record.lead_names and record.provenance_of(n) is Provenance.MEASURED]
    if not leads:
        return MeasuredView(shown, None, None, truth)
    return MeasuredView(shown, truth, compare_measurements(truth, shown, leads), truth)


class MeasurementController(QObject):
    """``shown`` (measurements of the displayed record), ``truth`` and ``comparison``."""

    changed = Signal()

    def __init__(self, document: ViewerDocument, state: ViewState, tasks: TaskRunner,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._doc = document
        self._state = state
        self._tasks = tasks
        self.shown: Measurements | None = None
        self.truth: Measurements | None = None
        self.comparison: Comparison | None = None
        self.as_read: Measurements | None = None
        #: True while the values held (none) are not those of what is shown.
        self.pending = True
        #: Why the last measurement gave nothing (a stretch too short, for instance).
        self.error: str | None = None
        self._generation = 0
        self._users = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self.update_now)
        for sig in (document.record_changed, document.result_changed, document.window_changed):
            sig.connect(self._invalidate)
        state.position_changed.connect(lambda _s: self._invalidate())
        # The band arrives with or after the synthesis: what is shown of it (value_band) changes.
        document.band_changed.connect(self.changed)

    def set_active(self, user_active: bool) -> None:
        """A view that shows measurements became visible (True) or hidden (False)."""
        self._users = max(0, self._users + (1 if user_active else -1))
        if not self._users:
            # Nobody shows the values (the window may be closing, its workers already
            # joined): no measurement is started for them.
            self._timer.stop()
        elif self.pending and not self._tasks.is_running(TASK_KIND):
            self._timer.start()

    def _invalidate(self) -> None:
        self._generation += 1
        self._tasks.cancel(TASK_KIND)
        had_values = self.shown is not None or not self.pending
        self.pending = True
        self.shown = self.truth = self.comparison = self.as_read = None
        self.error = None
        if had_values:
            self.changed.emit()
        if self._users:
            self._timer.start()

    def _window(self, rec: EcgRecord) -> EcgRecord:
        i0 = self._window_start(rec)
        i1 = min(rec.n_samples, i0 + int(WINDOW_S * rec.fs))
        return rec.slice_time(i0 / rec.fs, i1 / rec.fs)

    def _window_start(self, rec: EcgRecord) -> int:
        """The first sample of the measured stretch in ``rec`` (the loaded window's samples)."""
        i0 = max(0, int(self._state.position * rec.fs) - self._doc.offset)
        return min(i0, max(0, rec.n_samples - int(2 * rec.fs)))

    def _snapshot(self) -> tuple[EcgRecord, EcgRecord | None] | None:
        """The stretch to measure, taken in the GUI thread (views of the loaded samples)."""
        rec, res = self._doc.record, self._doc.result
        if rec is None:
            return None
        return self._window(rec), (self._window(res) if res is not None else None)

    def ensure(self) -> None:
        """Have the values of what is shown now, measuring here if need be (the export)."""
        if not self.pending:
            return
        self._timer.stop()
        self._tasks.cancel(TASK_KIND)
        snap = self._snapshot()
        view: MeasuredView | LeadSynthError | None = None
        if snap is not None:
            try:
                view = measure_view(*snap)
            except LeadSynthError as exc:  # a window too short to measure, for instance
                view = exc
        self._accept(self._generation, view)

    def update_now(self) -> None:
        """Start measuring what is shown now in a worker (the debounce timer calls this)."""
        self._timer.stop()
        if not self._users:
            return  # hidden since the timer started; measured when a view shows it again
        snap = self._snapshot()
        gen = self._generation
        if snap is None:
            self._tasks.cancel(TASK_KIND)
            self._accept(gen, None)
            return
        record, result = snap

        def work(_progress: Progress, cancel: CancelToken) -> Any:
            check(cancel)
            return measure_view(record, result, cancel)

        def failed(exc: BaseException) -> None:
            self._accept(gen, exc)

        self._tasks.start(TASK_KIND, work, on_success=lambda view: self._accept(gen, view), on_error=failed)

    def _accept(self, generation: int, view: MeasuredView | BaseException | None) -> None:
        if generation != self._generation:
            return  # measured for a record, synthesis or stretch no longer shown
        self.pending = False
        self.error = None
        if isinstance(view, BaseException):
            log.info("measurements: %s", view)
            self.error = str(view)
            view = None
        self.shown = view.shown if view is not None else None
        self.truth = view.truth if view is not None else None
        self.comparison = view.comparison if view is not None else None
        self.as_read = view.as_read if view is not None else None
        self.changed.emit()

    def value_band(self, key: str) -> dict[str, float]:
        """The band's half-width (mV) where each synthesized lead's value ``key`` is read in the
        stretch measured (``st_j60_mv``, ``t_mv``: :func:`leadsynth_core.uncertainty.confidence.band_at`);
        {} without a band."""
        from leadsynth_core.uncertainty.confidence import band_at

        band, shown = self._doc.band, self.shown
        if band is None or shown is None or not shown.measurable:
            return {}
        # ``shown`` is the result's stretch from where the page starts now: any move of the
        # page, the record or the synthesis drops it (_invalidate), so its start is derived.
        names = band.result.lead_names
        half = band.half_width[:, [names.index(n) for n in shown.lead_names]]
        return band_at(shown, half, self._window_start(band.result), key)

    def report(self, serial: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """The measurement report of what the Measurements dock shows (the JSON document of
        ``leadsynth measure``, :mod:`leadsynth_core.measurement.report`): the 10 s from the page's
        left edge, in the recording's own seconds; ``serial``: the changes from a prior ECG
        (:meth:`app.controllers.prior.PriorController.report`).  None with no record open."""
        from leadsynth_core.measurement.report import measurement_report

        self.ensure()
        rec, res = self._doc.record, self._doc.result
        if rec is None or self.shown is None:
            return None
        banded = self._doc.band is not None and res is not None
        return measurement_report(
            self.shown, record=rec, offset_s=(self._doc.offset + self._window_start(rec)) / rec.fs,
            inputs=res.measured_standard_leads if res is not None else None,
            truth=self.truth, comparison=self.comparison, as_read=self.as_read,
            st_band=self.value_band("st_j60_mv") if banded else None,
            t_band=self.value_band("t_mv") if banded else None,
            cautions=[c.text() for c in self._doc.cautions], serial=serial)

    @property
    def record(self) -> EcgRecord | None:
        """The record as read whose stretch is measured (its patient, time and source)."""
        return self._doc.record

    @property
    def device_report(self) -> dict[str, Any] | None:
        """What the cart that recorded the file measured (``metadata["device_report"]``), if anything."""
        rec = self._doc.record
        report = rec.metadata.get("device_report") if rec is not None else None
        return report if isinstance(report, dict) and report.get("measurements") else None

    def device_rows(self) -> list[DeviceRow]:
        """The cart's global values beside LeadSynth's of the record as read ([] without a report)."""
        report = self.device_report
        if report is None:
            return []
        values = self.as_read.values if self.as_read is not None and self.as_read.measurable else GlobalValues()
        return compare_with_device(values, report)
