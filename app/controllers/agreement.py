"""Agreement controller: per-segment scores of the whole record (``document.agreement``)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from leadsynth_core.progress import CancelToken, check
from leadsynth_core.runtime import use_inference_threads

from ..state.document import ViewerDocument
from ..state.settings import DEFAULTS
from .notify import Notifier
from .synthesis import Progress
from .workers import TaskRunner

log = logging.getLogger(__name__)


class AgreementController(QObject):
    """Keeps ``document.agreement`` (per-segment scores of the whole record) in step.

    An ordinary record is scored as soon as its synthesis is there, in a worker (numpy on
    samples already in memory).  A long recording is scored only when asked
    (:meth:`score_whole`): the loaded window is not the record, so the file is read and
    synthesized again chunk by chunk (``leadsynth_core.agreement.score_recording``), with
    progress and cancel, in bounded memory.
    """

    state_changed = Signal(str, str)  # state (ViewerDocument's names), message
    progressed = Signal(float, str)
    options_changed = Signal()

    def __init__(self, document: ViewerDocument, tasks: TaskRunner, notifier: Notifier,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._doc = document
        self._tasks = tasks
        self._notifier = notifier
        self.segment_s: float = float(DEFAULTS["agreement/segment_s"])
        self.state: str = ViewerDocument.IDLE
        self.message: str = ""
        document.result_changed.connect(self._on_result)
        document.record_changed.connect(self._on_record)
        document.inputs_changed.connect(self._on_record)
        document.model_changed.connect(self._on_model)

    def set_options(self, segment_s: float | None = None) -> None:
        """Segment length (s); rescore what can be rescored.

        What the segments are compared with is not an option here: it is the reference of
        the document's own scores (``ViewerDocument.score_reference``), so that the table,
        the badges and the segments never disagree.
        """
        if segment_s is None or float(segment_s) == self.segment_s:
            return
        self.segment_s = float(segment_s)
        self.options_changed.emit()
        if self._doc.is_long:
            # Rescoring a long file takes a while: the user starts it again.
            self.cancel()
            self._doc.set_agreement(None)
        else:
            self._on_result()

    def _set_state(self, state: str, message: str = "") -> None:
        self.state = state
        self.message = message
        self.state_changed.emit(state, message)

    def _on_record(self) -> None:
        self.cancel()
        self._doc.set_agreement(None)
        self._set_state(ViewerDocument.IDLE)

    def _on_model(self) -> None:
        doc = self._doc
        card, ag = doc.model_card, doc.agreement
        if doc.is_long and ag is not None and card is not None and card.id != ag.model_id:
            doc.set_agreement(None)  # scored with another model: no longer what is shown

    def _on_result(self) -> None:
        doc = self._doc
        if doc.is_long:
            # A window's result; the whole recording is scored on request.  Scores of the
            # whole file against another reference than the window's are no longer shown.
            ag = doc.agreement
            if ag is not None and doc.result is not None and ag.reference != doc.score_reference:
                doc.set_agreement(None)
            return
        self._tasks.cancel("agreement")
        record, result = doc.record, doc.result
        if record is None or result is None or not doc.scores:
            doc.set_agreement(None)
            self._set_state(ViewerDocument.IDLE)
            return
        segment_s, reference = self.segment_s, doc.score_reference

        def work(_progress: Progress, cancel: CancelToken) -> Any:
            from leadsynth_core.agreement import segment_agreement

            check(cancel)
            return segment_agreement(record, result, segment_s=segment_s, reference=reference)

        self._start(work, "scoring segments")

    def can_score_whole(self) -> bool:
        doc = self._doc
        return doc.is_long and doc.path is not None and doc.model_card is not None and bool(doc.scores)

    def score_whole(self) -> None:
        """Score the whole long recording with the model serving the current inputs."""
        doc = self._doc
        if not self.can_score_whole():
            return
        path, key, inputs, card = doc.path, doc.key, doc.inputs, doc.model_card
        segment_s, reference, swap_back = self.segment_s, doc.score_reference, doc.electrodes_swapped_back

        def work(progress: Progress, cancel: CancelToken) -> Any:
            from leadsynth_core.agreement import score_recording

            use_inference_threads()
            return score_recording(path, inputs, card, key=key, segment_s=segment_s, reference=reference,
                                   progress=progress, cancel=cancel, swap_back=swap_back)

        self._start(work, f"scoring the whole recording with {card.name or card.id}")

    def _start(self, work: Callable[[Progress, CancelToken], Any], message: str) -> None:
        doc = self._doc

        def done(agreement: Any) -> None:
            if doc.is_long and agreement.reference != doc.score_reference:
                # The reference changed while the whole file was being scored.
                self._set_state(ViewerDocument.CANCELLED, "the score reference changed: score the recording again")
                return
            doc.set_agreement(agreement)
            self._set_state(ViewerDocument.DONE, f"{agreement.n_segments} segments scored")

        def fail(exc: BaseException) -> None:
            doc.set_agreement(None)
            self._set_state(ViewerDocument.FAILED, str(exc))
            if doc.is_long:  # asked for explicitly: say why it failed
                self._notifier.error("Cannot score the recording", exc)

        self._set_state(ViewerDocument.RUNNING, message)
        self._tasks.start("agreement", work, on_success=done, on_error=fail,
                          on_cancel=lambda: self._set_state(ViewerDocument.CANCELLED, "scoring cancelled"),
                          on_progress=self.progressed.emit)

    def cancel(self) -> None:
        if self._tasks.is_running("agreement"):
            self._tasks.cancel("agreement")
            self._set_state(ViewerDocument.CANCELLED, "scoring cancelled")
