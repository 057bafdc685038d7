"""Long work off the GUI thread: one QThread per task, cancellable, never leaked.

A task is a plain callable ``fn(progress, cancel) -> result`` (the core's own
``progress(fraction, message)`` / :class:`~leadsynth_core.progress.CancelToken`
convention), so the core stays Qt-free and the same function runs in tests and the CLI.

:class:`TaskRunner` keeps at most one task per *kind* ("load", "synthesis", "export"...):
starting a new one cancels the previous one of that kind, and the old one's result is
dropped because its generation number is stale.  :meth:`TaskRunner.shutdown` cancels
everything and joins the threads; the main window calls it when it closes.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QDeadlineTimer, QObject, Qt, QThread, Signal, Slot

from leadsynth_core.errors import CancelledError, LeadSynthError
from leadsynth_core.progress import CancelToken

log = logging.getLogger(__name__)

TaskFn = Callable[[Callable[[float, str], None], CancelToken], Any]


class _Worker(QObject):
    """Runs one callable in its thread and reports through queued signals."""

    progressed = Signal(float, str)
    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    done = Signal()

    def __init__(self, fn: TaskFn, token: CancelToken, name: str) -> None:
        super().__init__()
        self._fn = fn
        self._token = token
        self._name = name

    def _progress(self, fraction: float, message: str) -> None:
        self.progressed.emit(float(fraction), str(message))

    @Slot()
    def run(self) -> None:
        started = time.perf_counter()
        try:
            result = self._fn(self._progress, self._token)
            if self._token.cancelled:
                raise CancelledError("cancelled by the user")
        except CancelledError:
            log.info("task %s cancelled", self._name)
            self.cancelled.emit()
        except (LeadSynthError, OSError, MemoryError) as exc:
            # Errors a user can cause (bad file, full disk, impossible lead set, a
            # 24-hour file too big for memory): reported, never fatal.  Anything else is
            # a bug: it reaches sys.excepthook (logged) while ``done`` still fires below.
            log.warning("task %s failed: %s", self._name, exc)
            self.failed.emit(exc)
        else:
            log.info("task %s finished in %.3f s", self._name, time.perf_counter() - started)
            self.succeeded.emit(result)
        finally:
            self.done.emit()


class _Relay(QObject):
    """GUI-thread end of one task: forwards results only while the task is the newest."""

    def __init__(
        self,
        parent: QObject,
        fresh: Callable[[], bool],
        on_success: Callable[[Any], None],
        on_error: Callable[[BaseException], None] | None,
        on_progress: Callable[[float, str], None] | None,
        on_cancel: Callable[[], None] | None,
    ) -> None:
        super().__init__(parent)
        self._fresh = fresh
        self._on_success = on_success
        self._on_error = on_error
        self._on_progress = on_progress
        self._on_cancel = on_cancel
        self.reap: Callable[[], None] = lambda: None

    @Slot(object)
    def succeeded(self, result: Any) -> None:
        if self._fresh():
            self._on_success(result)

    @Slot(object)
    def failed(self, exc: BaseException) -> None:
        if self._fresh() and self._on_error is not None:
            self._on_error(exc)

    @Slot(float, str)
    def progressed(self, fraction: float, message: str) -> None:
        if self._fresh() and self._on_progress is not None:
            self._on_progress(fraction, message)

    @Slot()
    def cancelled(self) -> None:
        if self._fresh() and self._on_cancel is not None:
            self._on_cancel()

    @Slot()
    def finished(self) -> None:
        self.reap()


@dataclasses.dataclass
class _Running:
    generation: int
    thread: QThread
    worker: _Worker
    token: CancelToken
    relay: _Relay


class TaskRunner(QObject):
    """Starts, supersedes, cancels and joins background tasks."""

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._generation = 0
        self._current: dict[str, int] = {}
        self._running: dict[int, _Running] = {}

    def start(
        self,
        kind: str,
        fn: TaskFn,
        *,
        on_success: Callable[[Any], None],
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[float, str], None] | None = None,
        on_cancel: Callable[[], None] | None = None,
    ) -> int:
        """Run ``fn`` in a new thread; supersede any running task of the same ``kind``.

        The callbacks run in the GUI thread and only for the newest task of its kind.
        Returns the task's generation number.
        """
        self.cancel(kind)
        self._generation += 1
        gen = self._generation
        self._current[kind] = gen
        token = CancelToken()
        thread = QThread()
        thread.setObjectName(f"leadsynth-{kind}-{gen}")
        worker = _Worker(fn, token, f"{kind}#{gen}")
        worker.moveToThread(thread)

        # The relay lives in the GUI thread: the worker's signals reach its slots through
        # queued connections, so every callback runs in the GUI thread.
        relay = _Relay(self, lambda: self._current.get(kind) == gen, on_success, on_error, on_progress, on_cancel)
        worker.succeeded.connect(relay.succeeded)
        worker.failed.connect(relay.failed)
        worker.progressed.connect(relay.progressed)
        worker.cancelled.connect(relay.cancelled)
        # Direct: QThread.quit is thread-safe, and a queued call would need the GUI event
        # loop, which is blocked in thread.wait() during shutdown (a 30-s deadlock).
        worker.done.connect(thread.quit, Qt.ConnectionType.DirectConnection)
        thread.finished.connect(relay.finished)
        relay.reap = lambda: self._reap(gen)
        thread.started.connect(worker.run)
        self._running[gen] = _Running(gen, thread, worker, token, relay)
        thread.start()
        if len(self._running) == 1:
            self.busy_changed.emit(True)
        return gen

    def cancel(self, kind: str) -> None:
        """Cancel the running task of ``kind`` (its late result will be ignored)."""
        gen = self._current.pop(kind, None)
        if gen is not None and gen in self._running:
            self._running[gen].token.cancel()

    def is_running(self, kind: str) -> bool:
        gen = self._current.get(kind)
        return gen is not None and gen in self._running

    def active_count(self) -> int:
        return len(self._running)

    def _reap(self, gen: int) -> None:
        running = self._running.pop(gen, None)
        if running is not None:
            running.thread.wait()
            running.worker.deleteLater()
            running.thread.deleteLater()
            running.relay.deleteLater()
        for kind, g in list(self._current.items()):
            if g == gen:
                del self._current[kind]
        if not self._running:
            self.busy_changed.emit(False)

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Cancel every task and wait for the threads; True when all have stopped."""
        self._current.clear()
        ok = True
        for running in list(self._running.values()):
            running.token.cancel()
        for gen, running in list(self._running.items()):
            if not running.thread.wait(timeout_ms):
                log.error("thread %s did not stop within %d ms", running.thread.objectName(), timeout_ms)
                ok = False
                continue
            self._running.pop(gen, None)
            running.worker.deleteLater()
            running.thread.deleteLater()
            running.relay.deleteLater()
        if not self._running:
            self.busy_changed.emit(False)
        return ok


def process_events_while(busy: Callable[[], bool], timeout_ms: int) -> bool:
    """Run the GUI thread's events while ``busy()`` (a worker's result still to arrive), for at
    most ``timeout_ms``; True when it is no longer busy.  For a page exported or printed the
    moment a file opened (batch runs): it must not go out before the worker's part is in."""
    from PySide6.QtWidgets import QApplication

    deadline = QDeadlineTimer(timeout_ms)
    while busy() and not deadline.hasExpired():
        QApplication.processEvents()
        QThread.msleep(5)
    QApplication.processEvents()
    return not busy()
