"""The reader's interpretation of the open recording: found in the library, filed, printed.

A cardiologist who reads a reconstruction writes what they conclude; the library keeps it
with what they were shown (:class:`~leadsynth_core.library.ReadingContext`: which leads were
measured, which synthesized, by which model), append-only, keyed by the recording's content
(:mod:`leadsynth_core.library.interpretations`).  Opening a recording looks its
interpretations up in a worker (kind ``"interpretation"``: the files are hashed there, a Holter
file's gigabytes never in the GUI thread); filing one is a single quick write.

The printed page carries the current interpretation, and says so when the page shows the
recording otherwise than the reader saw it (other inputs, another model): a statement read on
V1-V6 synthesized by one model must not appear to be about another model's V1-V6.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from leadsynth_core.errors import LeadSynthError
from leadsynth_core.leads import try_ecg_lead_name
from leadsynth_core.library import Interpretation, Library, ReadingContext, RecordIdentity, identify_record
from leadsynth_core.progress import CancelToken
from leadsynth_core.record import Provenance

from ..render.page import BoldLine
from ..state.document import ViewerDocument, ViewState
from .notify import Notifier
from .synthesis import Progress
from .workers import TaskRunner

log = logging.getLogger(__name__)

TASK_KIND = "interpretation"


def look_up(path: Path, key: str | None, cancel: CancelToken | None = None
            ) -> tuple[RecordIdentity, list[Interpretation]]:
    """The recording's identity and its interpretations, oldest first (plain work: a worker's)."""
    record = identify_record(path, key, cancel)  # a Holter file's hashing stops when cancelled
    with Library() as lib:
        return record, lib.interpretations(record)


def reading_context(doc: ViewerDocument, mode: str) -> ReadingContext:
    """What the page shows now in ``mode``: the measured inputs, the synthesized leads, their
    model and which of them are drawn over their recorded truth, and any processing of the
    samples; a recording read without synthesis: its leads as recorded."""
    rec, res = doc.record, doc.result
    if rec is None:
        return ReadingContext(())
    processing = rec.processing
    synthesized = res.leads_with(Provenance.SYNTHESIZED) if res is not None else ()
    if not synthesized:
        leads = tuple(n for n in rec.lead_names if try_ecg_lead_name(n) == n)
        return ReadingContext(leads, processing=processing)
    shown = tuple(n for n in synthesized if doc.truth_drawn(n, mode))
    return ReadingContext(tuple(doc.inputs), tuple(synthesized), res.model_id or "", processing, shown)


class InterpretationController(QObject):
    """Holds the open recording's interpretations; files new ones (amending the latest)."""

    #: The interpretations (or the lookup's state) changed.
    changed = Signal()

    def __init__(self, document: ViewerDocument, state: ViewState, tasks: TaskRunner, notifier: Notifier,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.state = state
        self.tasks = tasks
        self.notifier = notifier
        self.record: RecordIdentity | None = None
        self.entries: list[Interpretation] = []
        #: Why the recording's interpretations are not known ("" once looked up).
        self.status = "no recording open"
        self._source: tuple[Path, str | None] | None = None
        document.record_changed.connect(self._on_record)

    @property
    def current(self) -> Interpretation | None:
        """The recording's interpretation in force: the latest (None: not interpreted yet)."""
        return self.entries[-1] if self.entries else None

    @property
    def ready(self) -> bool:
        """Whether the recording's interpretations have been looked up (filing needs its identity)."""
        return self.record is not None

    def _on_record(self) -> None:
        doc = self.document
        source = (doc.path, doc.key) if doc.path is not None and doc.record is not None else None
        if source == self._source:
            return  # the same file (a long recording's window moved, the arms swapped back)
        self._source = source
        self.record, self.entries = None, []
        if source is None:
            self.status = "no recording open" if doc.record is None else "a recording without a file"
            self.changed.emit()
            return
        self.status = "looking up the library…"
        self.changed.emit()
        path, key = source

        def task(progress: Progress, cancel: CancelToken) -> tuple[RecordIdentity, list[Interpretation]]:
            return look_up(path, key, cancel)

        self.tasks.start(TASK_KIND, task, on_success=self._found, on_error=self._failed)

    def _found(self, found: tuple[RecordIdentity, list[Interpretation]]) -> None:
        self.record, self.entries = found
        self.status = ""
        self.changed.emit()

    def _failed(self, exc: BaseException) -> None:
        log.warning("interpretations of %s not looked up: %s", self.document.path, exc)
        self.status = f"the library could not be read ({exc})"
        self.changed.emit()

    def context(self) -> ReadingContext:
        """What the reader is shown now (filed with the interpretation)."""
        return reading_context(self.document, self.state.mode)

    def why_not_ready(self) -> str | None:
        """Why an interpretation cannot be filed now (None: it can)."""
        doc = self.document
        if doc.record is None:
            return "open a recording first"
        if doc.path is None:
            return "this recording has no file to file the interpretation under"
        if doc.synthesis_pending or (doc.needs_synthesis() and doc.result is None):
            return "the synthesized leads are not drawn yet: read them once they are"
        if self.record is None:
            return f"the recording's interpretations are not known yet: {self.status}"
        return None

    def file(self, reader: str, text: str) -> Interpretation | None:
        """File ``text`` by ``reader`` with the page's reading context, amending the current
        interpretation; None (and the reason told) when refused."""
        reason = self.why_not_ready()
        if reason is not None:
            self.notifier.error("Interpretation not filed", reason)
            return None
        assert self.record is not None
        try:
            with Library() as lib:
                entry = lib.add_interpretation(self.record, reader, text, self.context(),
                                               amends=self.current.id if self.current is not None else None)
                self.entries = lib.interpretations(self.record)
        except LeadSynthError as exc:
            self.notifier.error("Interpretation not filed", exc)
            return None
        self.changed.emit()
        self.notifier.info(f"Interpretation #{entry.id} filed in the library")
        return entry

    def differs(self) -> str | None:
        """What the page shows now when that is not what the current interpretation was read
        on (:meth:`ReadingContext.describe`; None: it is, or there is none)."""
        cur = self.current
        if cur is None or self.document.record is None:
            return None
        now = self.context()
        if now == cur.context:
            return None
        return now.describe()

    def report(self) -> dict | None:
        """The interpretation in force as the measurement report carries it (``caution``: how
        the page now differs from what it was read on); None when there is none."""
        cur = self.current
        if cur is None:
            return None
        doc = cur.to_dict()
        other = self.differs()
        if other is not None:
            doc["caution"] = f"read on {cur.context.describe()}; the page shows {other}"
        return doc

    def page_lines(self) -> tuple[str, ...]:
        """The printed page's lines: the current interpretation, and how the page differs from
        what it was read on; nothing when the recording has none."""
        cur = self.current
        if cur is None:
            return ()
        lines: list[str] = [BoldLine(cur.one_line())]  # in bold: what the report is signed for
        other = self.differs()
        if other is not None:
            lines.append(f"CAUTION: the interpretation above was read on {cur.context.describe()}; "
                         f"this page shows {other}")
        return tuple(lines)
