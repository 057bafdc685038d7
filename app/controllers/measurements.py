"""Keeps the measurements of what the viewer shows: the displayed 12-lead and its truth.

The measured stretch is the 10 s from the page's left edge (a cart's recording).  What is
measured is the synthesized 12-lead when there is one (every lead with its provenance), and
the record as read; with both, :func:`leadsynth_core.measurement.compare_measurements` gives
the differences and the flags.  Measuring 10 s takes about a tenth of a second, so it runs in
the GUI thread, debounced, and only while a view that shows it asks for it (``set_active``).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal

from leadsynth_core.errors import LeadSynthError
from leadsynth_core.measurement import Comparison, Measurements, compare_measurements, measure_record
from leadsynth_core.record import EcgRecord, Provenance

from ..state.document import ViewerDocument, ViewState

log = logging.getLogger(__name__)

WINDOW_S = 10.0


class MeasurementController(QObject):
    """``shown`` (measurements of the displayed record), ``truth`` and ``comparison``."""

    changed = Signal()

    def __init__(self, document: ViewerDocument, state: ViewState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._doc = document
        self._state = state
        self.shown: Measurements | None = None
        self.truth: Measurements | None = None
        self.comparison: Comparison | None = None
        self._dirty = True
        self._users = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self.update_now)
        for sig in (document.record_changed, document.result_changed, document.window_changed):
            sig.connect(self._invalidate)
        state.position_changed.connect(lambda _s: self._invalidate())

    def set_active(self, user_active: bool) -> None:
        """A view that shows measurements became visible (True) or hidden (False)."""
        self._users = max(0, self._users + (1 if user_active else -1))
        if self._users and self._dirty:
            self._timer.start()

    def _invalidate(self) -> None:
        self._dirty = True
        if self._users:
            self._timer.start()

    def _window(self, rec: EcgRecord) -> EcgRecord:
        i0 = max(0, int(self._state.position * rec.fs) - self._doc.offset)
        i0 = min(i0, max(0, rec.n_samples - int(2 * rec.fs)))
        i1 = min(rec.n_samples, i0 + int(WINDOW_S * rec.fs))
        return rec.slice_time(i0 / rec.fs, i1 / rec.fs)

    def ensure(self) -> None:
        """Measure now if anything changed since the last time (exports call this)."""
        if self._dirty:
            self.update_now()

    def update_now(self) -> None:
        self._timer.stop()
        self._dirty = False
        rec, res = self._doc.record, self._doc.result
        self.shown = self.truth = self.comparison = None
        if rec is not None:
            try:
                truth = measure_record(self._window(rec), duration_s=None)
                if res is not None:
                    self.shown = measure_record(self._window(res), duration_s=None)
                    leads = [n for n in res.leads_with(Provenance.SYNTHESIZED)
                             if n in rec.lead_names and rec.provenance_of(n) is Provenance.MEASURED]
                    if leads:
                        self.truth = truth
                        self.comparison = compare_measurements(truth, self.shown, leads)
                else:
                    self.shown = truth
            except LeadSynthError as exc:  # a window too short to measure, for instance
                log.info("measurements: %s", exc)
        self.changed.emit()
