"""Keeps a prior 12-lead ECG of the patient and its comparison with what the viewer measures.

A cardiologist reads a new ECG against the patient's previous one; on a patch recording the
prior, recorded with all twelve leads, is also the nearest thing to a truth there is.  The
prior is read and measured (its first 10 s, as a cart) in a worker, kind ``"prior"``; the
comparison itself (:func:`leadsynth_core.measurement.serial.compare_with_prior`) is cheap
and is redone in the GUI thread whenever the measurements of the displayed stretch change,
with each synthesized lead's band where its ST level and T wave are read.

A prior belongs to the recording it was chosen for: opening another file drops it, so a
reader never sees one patient's changes measured against another patient's ECG.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from leadsynth_core.leads import STANDARD_LEADS
from leadsynth_core.measurement import Measurements, measure_record
from leadsynth_core.measurement.serial import SerialComparison, compare_with_prior, prior_reference_leads
from leadsynth_core.progress import CancelToken, check
from leadsynth_core.record import EcgRecord
from leadsynth_core.scoring import LeadScore

from ..state.document import ViewerDocument
from .measurements import WINDOW_S, MeasurementController
from .notify import Notifier
from .synthesis import Progress
from .workers import TaskRunner

TASK_KIND = "prior"
#: The task that synthesizes the prior from this synthesis's inputs (the model checked on it).
CHECK_KIND = "prior-check"


def read_prior(path: Path, key: str | None, cancel: CancelToken | None = None) -> tuple[EcgRecord, Measurements]:
    """Read the first 10 s of a prior ECG and measure them (plain work, no Qt: runs in a worker)."""
    from leadsynth_core import io as lsio

    # A damaged file can hang or crash a reader library: checked in a child process first.
    lsio.guard_record(path, key=key)
    check(cancel)
    # Only the stretch compared is read: a prior may be a long recording too.
    record = lsio.read_seconds(path, 0.0, WINDOW_S, key=key)
    check(cancel)
    return record, measure_record(record, duration_s=None)


class PriorController(QObject):
    """``record``/``measurements`` of the prior ECG and its ``comparison`` with what is shown."""

    changed = Signal()

    def __init__(self, document: ViewerDocument, measurements: MeasurementController, tasks: TaskRunner,
                 notifier: Notifier, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._doc = document
        self._ctl = measurements
        self._tasks = tasks
        self._notifier = notifier
        #: This model on the prior ECG: its own measured leads (the same inputs) synthesized the
        #: rest, scored against its recorded leads; how far to trust the synthesis for this
        #: patient.  ``None`` until done; ``model_check_note`` says what was checked, or why not.
        self.model_check: dict[str, LeadScore] | None = None
        self.model_check_note: str | None = None
        self.path: Path | None = None
        self.key: str | None = None
        self.record: EcgRecord | None = None
        self.measurements: Measurements | None = None
        self.comparison: SerialComparison | None = None
        #: The same comparison made with the file's own measured leads, where it holds the truth
        #: of the synthesized ones: the true changes, for a reader checking the synthesis.
        self.truth_comparison: SerialComparison | None = None
        #: True while the prior chosen is being read and measured.
        self.loading = False
        #: Why the last prior chosen could not be read.
        self.error: str | None = None
        measurements.changed.connect(self._compare)
        # A new synthesis (other inputs, another model): the check on the prior is redone.
        document.result_changed.connect(self._check_model)

    def set_prior(self, path: str | Path, key: str | None = None) -> None:
        """Read and measure ``path`` in a worker, then compare it with what is shown."""
        self.path, self.key = Path(path), key
        self.record = self.measurements = self.comparison = self.truth_comparison = None
        self.model_check = self.model_check_note = None
        self.loading, self.error = True, None
        self.changed.emit()
        p = self.path

        def work(_progress: Progress, cancel: CancelToken) -> tuple[EcgRecord, Measurements]:
            return read_prior(p, key, cancel)

        self._tasks.start(TASK_KIND, work, on_success=self._loaded, on_error=self._failed)

    def clear(self) -> None:
        """Forget the prior (another file was opened, or the reader asked)."""
        self._tasks.cancel(TASK_KIND)
        self._tasks.cancel(CHECK_KIND)
        self.model_check = self.model_check_note = None
        had = self.path is not None
        self.path = self.key = self.record = self.measurements = self.comparison = self.truth_comparison = None
        self.loading, self.error = False, None
        if had:
            self.changed.emit()

    def set_active(self, user_active: bool) -> None:
        """A view of the comparison became visible (True) or hidden: this ECG's measurements are
        needed while one shows it."""
        self._ctl.set_active(user_active)

    @property
    def now_basis(self) -> tuple[str, ...]:
        """The synthesized leads the global values of this ECG rest on (empty: measured only)."""
        shown = self._ctl.shown
        return shown.synthesized_basis("qrs_ms") if shown is not None else ()

    def _loaded(self, payload: tuple[EcgRecord, Measurements]) -> None:
        self.record, self.measurements = payload
        self.loading = False
        self._compare()
        self._check_model()

    def _check_model(self) -> None:
        """Synthesize the prior from this synthesis's inputs with its model, and score it."""
        self._tasks.cancel(CHECK_KIND)
        self.model_check = None
        doc, prior = self._doc, self.record
        card, result = doc.model_card, doc.result
        if prior is None or card is None or result is None:
            self.model_check_note = None
            return
        inputs = result.measured_standard_leads
        recorded = prior_reference_leads(prior)
        missing = [n for n in STANDARD_LEADS if n not in recorded]
        if missing:
            self.model_check_note = (f"not checked on the prior ECG: it does not hold all 12 leads as recorded "
                                     f"({', '.join(missing)} missing)")
            self.changed.emit()
            return
        self.model_check_note = f"{card.name or card.id} from {', '.join(inputs)}"
        reference = doc.score_reference

        def work(_progress: Progress, cancel: CancelToken) -> dict[str, LeadScore]:
            from leadsynth_core.evaluation import evaluate_record
            from leadsynth_core.models import load_model

            return evaluate_record(prior, inputs, load_model(card), reference=reference, cancel=cancel)

        def done(scores: dict[str, LeadScore]) -> None:
            self.model_check = scores
            self.changed.emit()

        def failed(exc: BaseException) -> None:
            self.model_check_note = f"not checked on the prior ECG: {exc}"
            self.changed.emit()

        self._tasks.start(CHECK_KIND, work, on_success=done, on_error=failed)

    def report(self) -> dict[str, Any] | None:
        """The ``serial`` part of the measurement report (``leadsynth measure --prior``'s): the
        changes the Prior ECG dock shows, the true ones where the file holds them, and the model
        on the prior once checked; None without a comparison."""
        from leadsynth_core.measurement.report import model_on_prior_report, serial_report

        if self.comparison is None:
            return None
        card, result = self._doc.model_card, self._doc.result
        check = None
        if card is not None and result is not None:
            inputs = result.measured_standard_leads
            if self.model_check is not None:
                check = model_on_prior_report(card.id, inputs, {n: s.pcc for n, s in self.model_check.items()})
            elif self.model_check_note and self.model_check_note.startswith("not checked"):
                check = model_on_prior_report(card.id, inputs, None, self.model_check_note)
        return serial_report(self.comparison, truth=self.truth_comparison, model_on_prior=check)

    def _failed(self, exc: BaseException) -> None:
        self.loading = False
        self.error = str(exc)
        self.changed.emit()
        self._notifier.error("Cannot read the prior ECG", exc)

    def _compare(self) -> None:
        shown = self._ctl.shown
        if self.measurements is None:
            return
        self.comparison = self.truth_comparison = None
        if shown is not None:
            doc_record = self._ctl.record
            self.comparison = compare_with_prior(
                shown, self.measurements, st_band=self._ctl.value_band("st_j60_mv"),
                t_band=self._ctl.value_band("t_mv"), records=(doc_record, self.record))
            truth = self._ctl.truth
            if truth is not None and truth.measurable:
                self.truth_comparison = compare_with_prior(truth, self.measurements)
        self.changed.emit()
