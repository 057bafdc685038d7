"""Synthesis controller and the viewer's scoring of synthesized leads.

Controllers are the only code that writes to the document and the only code that starts
work.  ``SynthesisController`` chooses the model for the measured-lead selection and
re-synthesizes (in a worker, cancelling the stale run) whenever the record or the
selection changes.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from PySide6.QtCore import QObject

from leadsynth_core import scoring
from leadsynth_core.errors import ModelError
from leadsynth_core.progress import CancelToken, check
from leadsynth_core.record import EcgRecord, Provenance
from leadsynth_core.runtime import use_inference_threads
from leadsynth_core.scoring import DEFAULT_REFERENCE, LeadScore

from ..state.band import BandData
from ..state.document import ViewerDocument
from .notify import Notifier
from .workers import TaskRunner

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]


# leadsynth_core.models and .synthesis import torch (2-3 s).  They are imported inside the
# worker functions below, so the window and the first record appear before torch is loaded
# and the GUI thread never waits for it.
def _select_model(inputs: Sequence[str], patient_id: str | None) -> Any:
    from leadsynth_core.models import select_model

    return select_model(inputs, patient_id=patient_id)


@functools.lru_cache(maxsize=4)
def _loaded_model(card_path: str, weights_sha256: str) -> Any:
    """The model of a card file, loaded once per version of its weights.

    A long recording is synthesized window by window as the user pages: reading, hashing
    and building the network again for every window was repeated work on that path.  The
    key holds the weights' hash from the card just read, so a model saved again (a
    personal model re-trained) is loaded afresh; ``load_model`` checks the file against it.
    Inference only reads the network (eval mode, no gradients), so windows may share it.
    """
    from leadsynth_core.models import load_model

    return load_model(card_path)


def _synthesize(record: EcgRecord, inputs: Sequence[str], card: Any, progress: Progress,
                cancel: CancelToken) -> tuple[EcgRecord, BandData | None, str]:
    """The synthesis, with its calibrated band when the model has one (else None and why not)."""
    from leadsynth_core.models import LoadedModel, load_model
    from leadsynth_core.uncertainty.band import synthesize_with_band_if_any
    from leadsynth_core.uncertainty.confidence import find_beats, lead_confidence

    use_inference_threads()
    path = getattr(card, "path", None)
    if path is not None and getattr(card, "weights_sha256", ""):
        # The network comes from the cache; the card is the one chosen (its patient, name).
        cached = _loaded_model(str(path), card.weights_sha256)
        # A file replaced since the card was read: load_model(card) then names the mismatch.
        same = cached.card.weights_sha256 == card.weights_sha256
        loaded = LoadedModel(card, cached.module) if same else load_model(card)
    else:
        loaded = load_model(card)
    out, banded, why = synthesize_with_band_if_any(record, inputs, loaded, progress=progress, cancel=cancel)
    if banded is None:
        return out, None, why
    half = banded.half_width.astype(np.float32)
    measured = [n for n, p in zip(out.lead_names, out.provenance, strict=True) if p is Provenance.MEASURED]
    beats = find_beats(out.signal, out.fs, out.lead_names, measured)
    confidence = lead_confidence(out.signal, half, out.fs, out.lead_names, measured, beats)
    return out, BandData(out, half, banded.level, banded.calibration, confidence, banded.probe_factor,
                         banded.spread_factor, beats), ""


def score_leads(truth: EcgRecord, result: EcgRecord, cancel: CancelToken | None = None,
                reference: str = DEFAULT_REFERENCE) -> dict[str, LeadScore]:
    """The viewer's scores: :func:`leadsynth_core.scoring.score_leads`, in a worker (cancellable)."""
    check(cancel)
    return scoring.score_leads(truth, result, reference)


class SynthesisController(QObject):
    """Keeps ``document.result`` in step with the record and the measured-lead selection."""

    def __init__(self, document: ViewerDocument, tasks: TaskRunner, notifier: Notifier,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._doc = document
        self._tasks = tasks
        self._notifier = notifier
        document.record_changed.connect(self.run)
        document.window_changed.connect(self.run)  # a long recording: synthesize the new window
        document.inputs_changed.connect(self._on_inputs_changed)
        #: What the scores compare with (``leadsynth_core.scoring.REFERENCES``): :meth:`set_reference`.
        self.reference: str = DEFAULT_REFERENCE
        #: ``(inputs, record) -> ModelCard``, called in a worker; the main window plugs in the
        #: patient-aware choice of :class:`app.wizard.PatientModelChoice`.
        self.choose_model: Callable[[Sequence[str], EcgRecord | None], Any] = (
            lambda inputs, record: _select_model(inputs, record.patient_id if record is not None else None))

    def _on_inputs_changed(self) -> None:
        if self._doc.record is None:
            self._update_model()
        else:
            self.run()

    def refresh_model(self) -> None:
        self._update_model()

    def _update_model(self) -> None:
        """Show which model serves the selection (chosen in a worker: it loads torch)."""
        doc = self._doc
        if not doc.needs_synthesis():
            self._tasks.cancel("model")
            doc.set_model(None, "all 12 leads measured: nothing to synthesize")
            return
        inputs, record, choose = doc.inputs, doc.record, self.choose_model
        doc.set_model(None, "choosing a model…")
        self._tasks.start(
            "model",
            lambda _progress, _cancel: choose(inputs, record),
            on_success=lambda card: doc.set_model(card, str(card.name or card.id)),
            on_error=lambda exc: doc.set_model(None, str(exc)),
        )

    def set_reference(self, reference: str) -> None:
        """Score against ``reference`` from now on; rescore the result shown (no new synthesis)."""
        if reference == self.reference:
            return
        self.reference = reference
        if not self._tasks.is_running("synthesis"):  # a running one is rescored when done
            self._rescore()

    def _rescore(self) -> None:
        doc, reference = self._doc, self.reference
        record, result = doc.record, doc.result
        if record is None or result is None:
            return

        def work(_progress: Progress, cancel: CancelToken) -> dict[str, LeadScore]:
            return score_leads(record, result, cancel, reference)

        def done(scores: dict[str, LeadScore]) -> None:
            if doc.result is result:
                doc.set_result(result, scores, reference)

        self._tasks.start("rescore", work, on_success=done,
                          on_error=lambda exc: self._notifier.error("Cannot score the synthesis", exc))

    def cancel(self) -> None:
        if self._tasks.is_running("synthesis"):
            self._tasks.cancel("synthesis")
            self._doc.set_state(ViewerDocument.CANCELLED, "synthesis cancelled")

    def run(self) -> None:
        doc = self._doc
        record, inputs = doc.record, doc.inputs
        self._tasks.cancel("synthesis")
        if record is None:
            return
        doc.set_result(None, {})
        missing = [n for n in inputs if n not in record.lead_names]
        if missing:
            # Not an error dialog: the user is still choosing; the picker shows it.
            doc.set_state(ViewerDocument.FAILED, f"{', '.join(missing)} not in this record")
            return
        not_measured = [n for n in inputs if record.provenance_of(n) is not Provenance.MEASURED]
        if not_measured:
            # A lead this file carries as derived/synthesized (a LeadSynth output opened
            # again) must never become a "measured" input: rule 2.
            doc.set_state(ViewerDocument.FAILED,
                          f"{', '.join(not_measured)} not measured in this file (it is "
                          f"{record.provenance_of(not_measured[0])}); choose measured leads as inputs")
            return
        if not doc.needs_synthesis():
            doc.set_state(ViewerDocument.IDLE, "all 12 leads measured")
            return
        self._tasks.cancel("model")  # the synthesis task chooses the model itself
        choose = self.choose_model

        reference = self.reference

        def work(progress: Progress, cancel: CancelToken) -> tuple[Any, EcgRecord, dict[str, LeadScore], Any, str]:
            card = choose(inputs, record)
            check(cancel)
            result, band, why = _synthesize(record, inputs, card, progress, cancel)
            return card, result, score_leads(record, result, cancel, reference), band, why

        def done(payload: tuple[Any, EcgRecord, dict[str, LeadScore], Any, str]) -> None:
            card, result, scores, band, why = payload
            doc.set_model(card, str(card.name or card.id))
            doc.set_band(band, why)  # before the result: views drawing the result find its band
            doc.set_result(result, scores, reference)
            if reference != self.reference:  # the user switched while this synthesis ran
                self._rescore()
            doc.set_state(ViewerDocument.DONE, f"synthesized {', '.join(result.leads_with(Provenance.SYNTHESIZED))}")

        def fail(exc: BaseException) -> None:
            doc.set_state(ViewerDocument.FAILED, str(exc))
            if isinstance(exc, ModelError):
                # No model takes this lead set: the picker says so; no modal box per click.
                doc.set_model(None, str(exc))
                return
            self._notifier.error("Synthesis failed", exc)

        def cancelled() -> None:
            doc.set_state(ViewerDocument.CANCELLED, "synthesis cancelled")

        doc.set_state(ViewerDocument.RUNNING, f"synthesizing from {', '.join(inputs)}")
        self._tasks.start("synthesis", work, on_success=done, on_error=fail, on_cancel=cancelled,
                          on_progress=lambda f, m: doc.synthesis_progress.emit(f, m))
