"""Which of a patient's library recordings can be fine-tuned on, and which are ticked by default.

Qt-free: the wizard runs :func:`assess_candidates` in a worker thread because it reads
every file (to flag noise, which the library does not store) and the GUI must not wait.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from leadsynth_core import io as lsio
from leadsynth_core.errors import LeadSynthError
from leadsynth_core.library import RecordingEntry, assess_quality, record_files
from leadsynth_core.progress import CancelToken, ProgressCallback, check, report
from leadsynth_core.record import EcgRecord

from ..controllers.model_choice import same_recording

log = logging.getLogger(__name__)

#: Recordings ticked by default (Malpani et al. fine-tune on five past recordings).
DEFAULT_TICKED = 5
#: Median over leads of RMS(> 40 Hz) / RMS(> 0.5 Hz) above which a recording is "noisy".
#: Clean LUDB records stay below 0.19 (100 records); 50 uV of white noise reaches 0.26.
NOISE_RATIO_LIMIT = 0.25


@dataclasses.dataclass(frozen=True)
class Candidate:
    """One library recording as the wizard lists it."""

    entry: RecordingEntry
    usable: bool
    flags: tuple[str, ...]  # short quality flags: "missing lead", "flat", "noisy", ...
    reason: str  # why it cannot be used, or a caution for a usable one ("" when clean)
    is_open_record: bool = False

    @property
    def id(self) -> int:
        return self.entry.id

    @property
    def noisy(self) -> bool:
        return "noisy" in self.flags

    @property
    def date_text(self) -> str:
        """Recording time (or, where the file has none, when it was added, marked so)."""
        if self.entry.recorded_at:
            return self.entry.recorded_at.replace("T", " ")[:16]
        return f"(added {self.entry.added_at[:10]})"

    @property
    def name(self) -> str:
        return self.entry.file_label


def noise_ratio(record: EcgRecord) -> float:
    """Median over the standard leads of the high-frequency (> 40 Hz) share of the RMS."""
    x = np.asarray(record.signal, dtype=np.float64)
    if x.shape[0] < 4 * record.fs or record.fs <= 100:
        return 0.0  # too short or too slow to tell noise from QRS
    # scipy.signal is imported here, not at module level: it costs ~1 s of start-up.
    from leadsynth_core import preprocess

    x = preprocess.highpass(x, record.fs, 0.5)
    hf = x - preprocess.lowpass(x, record.fs, 40.0)
    total = np.sqrt(np.mean(x**2, axis=0))
    ratio = np.sqrt(np.mean(hf**2, axis=0)) / np.maximum(total, 1e-9)
    return float(np.median(ratio[np.isfinite(ratio)])) if np.isfinite(ratio).any() else float("nan")


def _quality_flags(notes: Sequence[str]) -> list[str]:
    flags = []
    for note in notes:
        if note.startswith("missing lead"):
            flags.append("missing lead")
        elif "flat" in note:
            flags.append("flat")
        elif "non-finite" in note:
            flags.append("invalid samples")
    return sorted(set(flags), key=flags.index)


def _sort_key(c: Candidate) -> tuple[int, str, str]:
    # Most recent first: by recording time, then (no time in the file) by when it was added.
    return (0 if c.entry.recorded_at else 1, c.entry.recorded_at or "", c.entry.added_at)


def assess_candidates(
    entries: Sequence[RecordingEntry],
    *,
    open_path: str | os.PathLike | None = None,
    open_key: str | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> list[Candidate]:
    """Read each recording and decide whether it can be fine-tuned on, most recent first.

    Unusable: missing on disk, unreadable, not a complete 12-lead recording (missing,
    flat or non-finite leads), or the record open in the viewer (kept out of training so
    that it can be scored).  Noisy recordings stay usable but are flagged and not ticked
    by default.
    """
    out: list[Candidate] = []
    for i, entry in enumerate(entries):
        check(cancel)
        report(progress, i / max(1, len(entries)), f"checking {Path(entry.path).name}")
        if same_recording(entry, open_path, open_key):
            out.append(
                Candidate(
                    entry,
                    False,
                    ("open record",),
                    "open record: kept out of training so that it can be scored",
                    True,
                )
            )
            continue
        absent = [f.name for f in record_files(entry.path) if not f.exists()]
        if absent:
            out.append(Candidate(entry, False, ("file missing",), f"file not found: {', '.join(absent)}"))
            continue
        try:
            record = lsio.read_record(entry.path, key=entry.key)
        except (LeadSynthError, OSError) as exc:
            out.append(Candidate(entry, False, ("unreadable",), f"cannot be read: {exc}"))
            continue
        complete, notes = assess_quality(record)
        if not complete:
            out.append(Candidate(entry, False, tuple(_quality_flags(notes)), "; ".join(notes)))
            continue
        ratio = noise_ratio(record)
        if ratio > NOISE_RATIO_LIMIT:
            out.append(
                Candidate(
                    entry,
                    True,
                    ("noisy",),
                    f"noisy: {100 * ratio:.0f}% of the signal is above 40 Hz (not ticked by default)",
                )
            )
            continue
        out.append(Candidate(entry, True, (), ""))
    report(progress, 1.0, f"{sum(c.usable for c in out)} of {len(out)} recordings usable")
    return sorted(out, key=_sort_key, reverse=True)


def default_selection(candidates: Sequence[Candidate], n: int = DEFAULT_TICKED) -> set[int]:
    """Ids of the ``n`` most recent clean usable recordings (``candidates`` sorted newest first)."""
    clean = [c for c in candidates if c.usable and not c.noisy]
    return {c.id for c in clean[:n]}
