"""Step 4: the fine-tune, in a worker thread: progress, live loss curve, elapsed time, ETA,
and a Cancel that stops it within half a second and leaves nothing behind."""

from __future__ import annotations

import logging
import time

import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWizardPage

from leadsynth_core.personalization import EpochReport

from .jobs import WizardJobs
from .review import Review
from .state import WizardState

log = logging.getLogger(__name__)

_TICK_MS = 200


class TrainingPage(QWizardPage):
    def __init__(self, state: WizardState, jobs: WizardJobs) -> None:
        super().__init__()
        self._state = state
        self._jobs = jobs
        self._losses: list[float] = []
        self._eta: float | None = None
        self.setTitle("4. Training")
        self.setSubTitle(
            "The model is fine-tuned on the chosen recordings. Nothing is saved until you accept it "
            "on the next page."
        )
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.status_label = QLabel()
        self.time_label = QLabel()
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMinimumHeight(220)
        self.plot.setLabel("bottom", "epoch")
        self.plot.setLabel("left", "training loss (MSE)")
        self.plot.setTitle("Training loss")
        self.plot.setLogMode(y=True)  # a diverging run (too large a learning rate) stays readable
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.curve = self.plot.plot([], [], pen=pg.mkPen("#1f77b4", width=2))
        self.cancel_button = QPushButton("Cancel training")
        self.cancel_button.clicked.connect(self.cancel)
        self.restart_button = QPushButton("Train again")
        self.restart_button.clicked.connect(self.start)
        row = QHBoxLayout()
        row.addWidget(self.time_label, 1)
        row.addWidget(self.restart_button)
        row.addWidget(self.cancel_button)
        lay = QVBoxLayout(self)
        lay.addWidget(self.progress)
        lay.addWidget(self.status_label)
        lay.addWidget(self.plot, 1)
        lay.addLayout(row)
        self._timer = QTimer(self)
        self._timer.setInterval(_TICK_MS)
        self._timer.timeout.connect(self._tick)
        jobs.train_progress.connect(self._on_progress)
        jobs.epochs.connect(self._on_epochs)
        jobs.trained.connect(self._on_trained)
        jobs.train_failed.connect(self._on_stopped)
        jobs.train_cancelled.connect(self._on_cancelled)

    @property
    def losses(self) -> tuple[float, ...]:
        """Mean training loss of each epoch so far (the curve's data)."""
        return tuple(self._losses)

    # ------------------------------------------------------------- QWizardPage
    def initializePage(self) -> None:  # noqa: N802 (Qt API)
        self.start()

    def cleanupPage(self) -> None:  # noqa: N802 (Qt API)
        # Back: stop the run; the settings page may change what the next run does.
        self._jobs.cancel_training()
        self._state.set_review(None)

    def isComplete(self) -> bool:  # noqa: N802 (Qt API)
        return self._state.review is not None

    # ------------------------------------------------------------------ slots
    def start(self) -> None:
        st = self._state
        st.set_review(None)
        self._losses = []
        self._eta = None
        self.curve.setData([], [])
        self.progress.setValue(0)
        self.progress.setFormat("%p%")
        self.status_label.setText(
            f"Fine-tuning {st.base.id if st.base else '?'} for patient {st.patient_id} "
            f"on {len(st.selected)} recording(s), {st.epochs} epochs, learning rate {st.lr:g}…"
        )
        self._set_running(True)
        self._jobs.train(st.request())
        self._timer.start()
        self._tick()

    def cancel(self) -> None:
        self._jobs.cancel_training()

    def _set_running(self, on: bool) -> None:
        self.cancel_button.setEnabled(on)
        self.restart_button.setVisible(not on)
        self.completeChanged.emit()

    def _tick(self) -> None:
        elapsed = time.perf_counter() - self._jobs.started_at
        eta = "" if self._eta is None else f" · about {self._eta:.1f} s left"
        epoch = f" · epoch {len(self._losses)}/{self._state.epochs}" if self._losses else ""
        self.time_label.setText(f"Elapsed {elapsed:.1f} s{eta}{epoch}")

    def _on_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 1000))
        self.progress.setFormat(f"{message}  %p%")

    def _on_epochs(self, reports: list[EpochReport]) -> None:
        self._losses += [r.loss for r in reports]
        self._eta = reports[-1].eta_s
        self.curve.setData(list(range(1, len(self._losses) + 1)), self._losses)
        self._tick()

    def _on_trained(self, review: Review) -> None:
        self._timer.stop()
        self._eta = 0.0
        self._tick()
        res = review.result
        self.status_label.setText(
            f"Done in {res.seconds:.1f} s on {res.device}. Press Next to review the result."
        )
        self._state.set_review(review)
        self._set_running(False)

    def _on_stopped(self, message: str) -> None:
        self._timer.stop()
        self._eta = None
        self._tick()
        self.status_label.setText(f"Training failed: {message}")
        self._set_running(False)

    def _on_cancelled(self) -> None:
        self._timer.stop()
        self._eta = None
        self._tick()
        self.progress.setFormat("cancelled")
        self.status_label.setText(
            "Training cancelled; nothing was saved. Go Back to change the settings, or train again."
        )
        self._set_running(False)
