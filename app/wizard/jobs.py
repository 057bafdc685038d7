"""The wizard's background work: adding recordings, checking them, fine-tuning.

Each job runs in a QThread through the viewer's :class:`~app.workers.TaskRunner`, so it
reports progress, can be cancelled and is joined by :meth:`WizardJobs.shutdown` when the
wizard closes.  Each worker opens its own :class:`~leadsynth_core.library.Library`
connection (SQLite connections belong to the thread that made them).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from leadsynth_core.library import AddReport, Library
from leadsynth_core.personalization import EpochReport, PersonalizationResult, save_personal_model
from leadsynth_core.progress import CancelToken
from leadsynth_core.runtime import prepare_training, training_ready

from ..controllers.workers import TaskRunner
from .candidates import Candidate, assess_candidates
from .review import Review, TrainingRequest, run_personalization

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]


#: Shortest interval between two updates sent from the fine-tune to the GUI (seconds):
#: an epoch can take a millisecond, and a flood of queued signals would stall the GUI.
UPDATE_INTERVAL_S = 0.05


class _EpochRelay(QObject):
    """Carries epoch reports from the worker thread to the GUI thread (queued signal)."""

    reported = Signal(int, list)  # run number, [EpochReport, ...] since the last update


class _Throttle:
    """Worker-side batching of epoch reports and progress, at most every UPDATE_INTERVAL_S."""

    def __init__(self, run: int, relay: _EpochRelay, progress: Progress) -> None:
        self._run = run
        self._relay = relay
        self._progress = progress
        self._pending: list[EpochReport] = []
        self._last_epoch = 0.0
        self._last_progress = 0.0

    def epoch(self, report: EpochReport) -> None:
        self._pending.append(report)
        now = time.perf_counter()
        if report.epoch == report.epochs or now - self._last_epoch >= UPDATE_INTERVAL_S:
            self._relay.reported.emit(self._run, self._pending)
            self._pending = []
            self._last_epoch = now

    def progress(self, fraction: float, message: str) -> None:
        now = time.perf_counter()
        if (
            fraction >= 1.0
            or not message.startswith("epoch")
            or now - self._last_progress >= UPDATE_INTERVAL_S
        ):
            self._progress(fraction, message)
            self._last_progress = now


class WizardJobs(QObject):
    """Starts the wizard's jobs; every result arrives as a signal in the GUI thread."""

    add_progress = Signal(float, str)
    added = Signal(object)  # AddReport
    add_failed = Signal(str)
    add_cancelled = Signal()
    scanned = Signal(list)  # list[Candidate]
    scan_failed = Signal(str)
    training_prepared = Signal()
    train_progress = Signal(float, str)
    epochs = Signal(list)  # [EpochReport, ...] since the last update
    trained = Signal(object)  # Review
    train_failed = Signal(str)
    train_cancelled = Signal()
    saved = Signal(object)  # ModelCard as written
    save_failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks = TaskRunner(self)
        self._relay = _EpochRelay(self)
        self._relay.reported.connect(self._on_epoch)
        self._run = 0
        self.started_at = 0.0

    # ------------------------------------------------------------ recordings
    def add_recordings(self, paths: Sequence[str | Path], patient_id: str) -> None:
        targets = [Path(p) for p in paths]

        def work(progress: Progress, cancel: CancelToken) -> AddReport:
            with Library() as lib:
                return lib.add_recordings(targets, patient_id=patient_id, progress=progress, cancel=cancel)

        self._tasks.start(
            "add",
            work,
            on_success=self.added.emit,
            on_progress=self.add_progress.emit,
            on_error=lambda exc: self.add_failed.emit(str(exc)),
            on_cancel=self.add_cancelled.emit,
        )

    def cancel_add(self) -> None:
        if self._tasks.is_running("add"):
            self._tasks.cancel("add")
            self.add_cancelled.emit()

    def scan(self, patient_id: str, open_path: Path | None, open_key: str | None) -> None:
        def work(progress: Progress, cancel: CancelToken) -> list[Candidate]:
            with Library() as lib:
                entries = lib.list_recordings(patient_id)
            return assess_candidates(
                entries, open_path=open_path, open_key=open_key, progress=progress, cancel=cancel
            )

        self._tasks.start(
            "scan", work, on_success=self.scanned.emit, on_error=lambda exc: self.scan_failed.emit(str(exc))
        )

    # -------------------------------------------------------------- training
    def prepare_training(self) -> None:
        """Pay PyTorch's one-off first-optimizer cost (0.8 s here) in a worker while the user
        still picks the patient and recordings, so the fine-tune starts at once and takes
        what the settings page estimated."""
        if not training_ready():
            self._tasks.start(
                "prepare",
                lambda _progress, _cancel: prepare_training(),
                on_success=lambda _result: self.training_prepared.emit(),
            )

    def train(self, request: TrainingRequest) -> None:
        self._run += 1
        run = self._run
        relay = self._relay

        def work(progress: Progress, cancel: CancelToken) -> Review:
            throttle = _Throttle(run, relay, progress)
            return run_personalization(request, throttle.progress, cancel, throttle.epoch)

        self.started_at = time.perf_counter()
        self._tasks.start(
            "train",
            work,
            on_success=self.trained.emit,
            on_progress=self.train_progress.emit,
            on_error=lambda exc: self.train_failed.emit(str(exc)),
            on_cancel=self.train_cancelled.emit,
        )
        log.info(
            "personalization started: %d recording(s) of patient %s, %d epochs, lr %g, device %s",
            len(request.recordings),
            request.patient_id,
            request.epochs,
            request.lr,
            request.device,
        )

    def cancel_training(self) -> None:
        """Stop the fine-tune; its late result, if any, is dropped."""
        if self._tasks.is_running("train"):
            self._run += 1  # late epoch reports of the cancelled run are ignored
            self._tasks.cancel("train")
            self.train_cancelled.emit()

    def training(self) -> bool:
        return self._tasks.is_running("train")

    def _on_epoch(self, run: int, reports: list[EpochReport]) -> None:
        if run == self._run:
            self.epochs.emit(reports)

    # ------------------------------------------------------------- lifetime
    def active(self) -> int:
        return self._tasks.active_count()

    # ---------------------------------------------------------------- saving
    def save(self, result: PersonalizationResult) -> None:
        """Write the personal model and its library row in a worker (file and SQLite work
        never runs on the GUI thread); :attr:`saved` or :attr:`save_failed` follows."""
        self._tasks.start(
            "save",
            lambda _progress, _cancel: save_personal_model(result),
            on_success=self.saved.emit,
            on_error=lambda exc: self.save_failed.emit(str(exc)),
        )

    def is_saving(self) -> bool:
        return self._tasks.is_running("save")

    def shutdown(self) -> bool:
        """Cancel every job and join its thread."""
        self._run += 1
        return self._tasks.shutdown()
