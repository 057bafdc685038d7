"""Median beats of every lead, computed in a worker (R-peak detection is too slow for the GUI thread).

Beats are aligned on R peaks found in one reference lead (the rhythm strip's: II when
measured, else the first measured lead; never a synthesized lead when a measured one exists)
so that every lead's median beat shares the same time axis.  They are the beats of the
stretch the measurements are read on (:data:`app.controllers.measurements.WINDOW_S`, 10 s
from the page's left edge, as a cart's median complexes are those of its 10-s recording): the
measurement marks drawn on them, the values in the Measurements dock and the printed report
all come from the same beats, and a 24-hour recording is not scanned on every page turn.

Each median beat is drawn on ECG paper against its isoelectric level: the flattest
:data:`ISO_WINDOW_S` stretch before the QRS (the PR or TP segment) of the reference beat.
The measured truth and the synthesis are shifted by their own level in that same stretch,
so a baseline-free synthesis and a truth with an offset sit on one baseline (issue 13,
item 8).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, Signal

from leadsynth_core.errors import LeadSynthError
from leadsynth_core.leads import STANDARD_LEADS
from leadsynth_core.progress import CancelToken, check
from leadsynth_core.record import EcgRecord

from ..state.document import LeadDisplay, ViewerDocument, ViewState
from ..state.filters import DisplayFilters
from ..state.median_paper import AFTER_S, BEFORE_S, MedianBeats

__all__ = ["BEFORE_S", "AFTER_S", "MedianBeats", "MedianController", "compute_median_beats",
           "isoelectric_slice", "prior_median_beats"]
from .measurements import WINDOW_S
from .workers import TaskRunner

log = logging.getLogger(__name__)

#: Length of the stretch that defines a beat's isoelectric level (s).
ISO_WINDOW_S = 0.02
#: Where before the R peak that stretch is searched for (s, relative to the R peak).
ISO_SEARCH_S = (-0.30, -0.04)

Progress = Callable[[float, str], None]


def isoelectric_slice(beat: np.ndarray, fs: float) -> slice:
    """The flattest :data:`ISO_WINDOW_S` stretch of ``beat`` before its R peak."""
    r = int(round(BEFORE_S * fs))
    a = max(0, r + int(round(ISO_SEARCH_S[0] * fs)))
    b = max(a + 1, r + int(round(ISO_SEARCH_S[1] * fs)))
    n = max(2, int(round(ISO_WINDOW_S * fs)))
    best, best_range = slice(a, min(a + n, beat.shape[0])), np.inf
    for s in range(a, max(a + 1, b - n + 1)):
        seg = beat[s:s + n]
        if seg.size < 2 or not np.isfinite(seg).all():
            continue
        rng = float(seg.max() - seg.min())
        if rng < best_range:
            best, best_range = slice(s, s + n), rng
    return best


def compute_median_beats(displays: dict[str, LeadDisplay], fs: float, i0: int, i1: int,
                         filters: DisplayFilters, cancel: CancelToken | None = None,
                         ref_lead: str | None = None) -> MedianBeats:
    """Median beat of every lead's shown samples (and truth) in ``[i0, i1)``; plain numpy.

    ``ref_lead``: the lead whose R peaks align the beats (default II, else the first lead
    with samples).
    """
    from leadsynth_core import preprocess  # scipy.signal: imported in the worker

    span = (i0 / fs, i1 / fs)
    if ref_lead is None or displays[ref_lead].samples is None:
        ref_lead = "II" if displays["II"].samples is not None else next(
            (lead for lead in STANDARD_LEADS if displays[lead].samples is not None), None)
    if ref_lead is None:
        return MedianBeats(None, 0, *span, fs, {}, "no lead to align beats on")
    ref = filters.apply_window(displays[ref_lead].samples, i0, i1, fs)
    try:
        peaks = np.asarray(preprocess.detect_r_peaks(ref, fs))
        ref_beat = np.asarray(preprocess.median_beat(ref, fs, peaks, before=BEFORE_S, after=AFTER_S), np.float64)
    except LeadSynthError as exc:
        return MedianBeats(ref_lead, 0, *span, fs, {}, f"no beats found: {exc}")
    iso = isoelectric_slice(ref_beat, fs)
    beats: dict[str, dict[str, np.ndarray]] = {}
    for lead, disp in displays.items():  # the 12, then any supplementary lead (V4R, V7)
        check(cancel)
        beats[lead] = {}
        for role, samples in (("truth", disp.truth), ("trace", disp.samples)):
            if samples is None:
                continue
            try:
                beat = np.asarray(preprocess.median_beat(filters.apply_window(samples, i0, i1, fs), fs, peaks,
                                                         before=BEFORE_S, after=AFTER_S), dtype=np.float64)
            except LeadSynthError as exc:
                log.info("median beat of %s: %s", lead, exc)
                continue
            level = float(np.nanmean(beat[iso])) if beat[iso].size else 0.0
            beats[lead][role] = beat - level
    # The beats the medians are taken of: a peak at either edge of the stretch, without the
    # whole window around it, is found but not used, so it is not counted.
    used = preprocess.complete_beats(peaks, ref.shape[0], fs, BEFORE_S, AFTER_S).size
    return MedianBeats(ref_lead, int(used), *span, fs, beats)


def prior_median_beats(prior: EcgRecord, fs: float, filters: DisplayFilters,
                       cancel: CancelToken | None = None) -> dict[str, np.ndarray]:
    """The median beat of every recorded lead of a prior ECG (``prior``: the stretch its
    measurements come from, as the Prior ECG dock read it), resampled to ``fs`` so that it
    lies on the same time axis as this ECG's beats (both start :data:`BEFORE_S` before their
    R peak).  The prior's own synthesized leads, if it has any, are no reference and are left
    out (``measurement.serial.prior_reference_leads``)."""
    from leadsynth_core.measurement.serial import prior_reference_leads

    displays = {lead: LeadDisplay(lead, None, None, None, None, None) for lead in STANDARD_LEADS}
    for lead in prior_reference_leads(prior):
        if lead in displays:
            displays[lead] = LeadDisplay(lead, prior.provenance_of(lead), prior.lead(lead), None, None, None)
    beats = compute_median_beats(displays, prior.fs, 0, prior.n_samples, filters, cancel)
    m = int(round((BEFORE_S + AFTER_S) * fs))
    out: dict[str, np.ndarray] = {}
    for lead, roles in beats.beats.items():
        beat = roles.get("trace")
        if beat is None or not beat.size:
            continue
        t_src = np.arange(beat.shape[0]) / prior.fs
        out[lead] = np.interp(np.arange(m) / fs, t_src, beat, left=np.nan, right=np.nan)
    return out


class MedianController(QObject):
    """Computes the median beats of the shown window in a worker; :attr:`ready` brings them."""

    ready = Signal(object)  # MedianBeats
    #: The prior ECG drawn under the beats was set or dropped: the beats are to be found again.
    prior_changed = Signal()

    def __init__(self, document: ViewerDocument, state: ViewState, tasks: TaskRunner,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._doc = document
        self._state = state
        self._tasks = tasks
        self._prior: EcgRecord | None = None
        self._prior_name: str | None = None

    def set_prior(self, prior: EcgRecord | None, name: str | None = None) -> None:
        """Draw the median beats of ``prior`` (a prior ECG of the patient) under this ECG's; None: none."""
        if prior is self._prior:
            return
        self._prior, self._prior_name = prior, (name if prior is not None else None)
        self.prior_changed.emit()

    def is_running(self) -> bool:
        return self._tasks.is_running("median")

    def request(self) -> bool:
        """Start computing the beats of the current window; False when no record is open."""
        job = self._job()
        if job is None:
            self._tasks.cancel("median")
            return False
        work, failed = job
        self._tasks.start("median", work, on_success=self.ready.emit, on_error=lambda exc: self.ready.emit(failed(exc)))
        return True

    def compute_now(self) -> MedianBeats | None:
        """The beats of the current window, computed here (the report export, which paints in the
        GUI thread and needs them whether or not the Median beats tab was ever shown); None
        when no record is open."""
        job = self._job()
        if job is None:
            return None
        work, failed = job
        try:
            return work(lambda *_: None, CancelToken())
        except LeadSynthError as exc:
            return failed(exc)

    def _job(self) -> tuple[Callable[[Progress, CancelToken], MedianBeats], Callable[[BaseException], MedianBeats]] | None:
        """The work that finds the beats of the current window, and the beats of a failure."""
        rec = self._doc.record
        if rec is None:
            return None
        # Indices into the loaded samples (a long recording holds one window of the file).
        i0 = int(self._state.position * rec.fs) - self._doc.offset
        i1 = min(rec.n_samples, i0 + int(WINDOW_S * rec.fs))
        i0 = min(max(0, i0), rec.n_samples)
        i1 = max(i0, i1)
        displays = {lead: self._doc.lead_display(lead, "compare")
                    for lead in STANDARD_LEADS + self._doc.supplementary_leads()}
        filters, fs, offset = self._state.filters, rec.fs, self._doc.offset
        ref_lead = self._doc.rhythm_lead()  # a measured lead whenever one exists
        prior, prior_name = self._prior, self._prior_name

        def work(_progress: Progress, cancel: CancelToken) -> MedianBeats:
            beats = compute_median_beats(displays, fs, i0, i1, filters, cancel, ref_lead)
            if prior is not None and beats.beats:
                for lead, beat in prior_median_beats(prior, fs, filters, cancel).items():
                    beats.beats.setdefault(lead, {})["prior"] = beat
                beats = dataclasses.replace(beats, prior_source=prior_name)
            # Report file times, not loaded-window indices.
            return dataclasses.replace(beats, start_s=(offset + i0) / fs, stop_s=(offset + i1) / fs)

        def failed(exc: BaseException) -> MedianBeats:
            return MedianBeats(None, 0, i0 / fs, i1 / fs, fs, {}, f"no beats found: {exc}")

        return work, failed
