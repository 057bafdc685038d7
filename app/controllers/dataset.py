"""Data-set controller: evaluates every 12-lead record of a folder in a worker.

The engine is :func:`leadsynth_core.evaluation.evaluate_dataset` (behind ``leadsynth
evaluate``); :class:`app.views.dataset_dialog.DatasetDialog` shows its progress and
result.  As every controller, this is the code that starts the work and holds its state.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from leadsynth_core.progress import CancelToken

from ..state.document import ViewerDocument
from .notify import Notifier
from .workers import TaskRunner

TASK = "dataset"


class DatasetController(QObject):
    """One data-set evaluation at a time: run, cancel, keep the result, save it as JSON."""

    state_changed = Signal(str, str)  # state (ViewerDocument's names), message
    progressed = Signal(float, str)
    finished = Signal(object)  # evaluate_dataset's dict

    def __init__(self, tasks: TaskRunner, notifier: Notifier, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._notifier = notifier
        #: The last finished evaluation (``evaluate_dataset``'s dict), or None.
        self.result: dict[str, Any] | None = None
        self.state: str = ViewerDocument.IDLE

    def run(self, target: Path, inputs: tuple[str, ...], reference: str) -> None:
        """Evaluate ``target`` (folder or HDF5 file) with ``inputs``, scored against ``reference``."""

        def work(progress: Any, cancel: CancelToken) -> dict[str, Any]:
            from leadsynth_core.evaluation import evaluate_dataset

            return evaluate_dataset(target, inputs, isolate=True, reference=reference,
                                    progress=progress, cancel=cancel)

        def done(result: dict[str, Any]) -> None:
            self.result = result
            self._set_state(ViewerDocument.DONE)
            self.finished.emit(result)

        def fail(exc: BaseException) -> None:
            self._set_state(ViewerDocument.FAILED, str(exc))
            self._notifier.error(f"Cannot evaluate {target.name}", exc)

        self.result = None
        self._set_state(ViewerDocument.RUNNING, f"evaluating {target}")
        self._tasks.start(TASK, work, on_success=done, on_error=fail, on_progress=self.progressed.emit,
                          on_cancel=lambda: self._set_state(ViewerDocument.CANCELLED, "evaluation cancelled"))

    def cancel(self) -> None:
        if self._tasks.is_running(TASK):
            self._tasks.cancel(TASK)
            self._set_state(ViewerDocument.CANCELLED, "evaluation cancelled")

    def save(self, path: str | Path) -> Path | None:
        """Write the last result as ``leadsynth evaluate`` does (JSON, atomic); None without one."""
        from leadsynth_core.evaluation import write_evaluation

        if self.result is None:
            return None
        return write_evaluation(self.result, path)

    def _set_state(self, state: str, message: str = "") -> None:
        self.state = state
        self.state_changed.emit(state, message)
