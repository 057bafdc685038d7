"""Heart rate over a whole recording, from its measured leads: the trend, the slowest and the
fastest stretch, the longest RR interval and the pauses.

A patch or a Holter is read for its rhythm before its morphology.  The beats come from the
*measured* leads only: a synthesized lead carries no timing its inputs lack, only the model's
errors.  R peaks are found chunk by chunk (:data:`CHUNK_S`, overlapping by :data:`OVERLAP_S`
so that no beat is lost or doubled at a seam), so a 24-hour file is read in bounded memory
with :func:`rhythm_of_file`; :func:`rhythm_of_record` does the same on samples in memory.

The heart rate of a segment is the time average of the instantaneous rate 60/RR over the part
of the segment that lies between two beats, so a 4-s pause reads as 15 bpm where it falls,
never as a gap the eye skips.  A segment that lies mostly before the first or after the last
beat has no rate (NaN): nothing is invented.  Validation against LUDB's annotated QRS
complexes: ``benchmarks/rhythm_beats.py``.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import OptionError, SignalQualityError
from ..leads import describe_leads, try_ecg_lead_name
from ..preprocess import highpass
from ..progress import CancelToken, ProgressCallback, check, report
from ..record import EcgRecord, format_hms
from .beats import FLAT_MV, qrs_peaks

__all__ = ["RhythmTrend", "Pause", "rhythm_of_record", "rhythm_of_file", "detect_beats",
           "SEGMENT_S", "PAUSE_S"]

#: Default segment of the heart-rate trend (s), a cart's rhythm strip.
SEGMENT_S = 10.0
#: An RR interval at least this long (s) is listed as a pause (the Holter convention; 3 s is
#: the usual threshold of significance, and every pause says how long it was).
PAUSE_S = 2.0
#: Samples read and searched at a time (s), and their overlap with the next chunk (s).
CHUNK_S = 300.0
OVERLAP_S = 5.0
#: A segment less covered than this fraction by RR intervals has no rate.
MIN_COVERAGE = 0.5


@dataclasses.dataclass(frozen=True)
class Pause:
    """An RR interval of :data:`PAUSE_S` or more: where it starts (s) and how long it is (s)."""

    start_s: float
    duration_s: float


@dataclasses.dataclass(frozen=True)
class RhythmTrend:
    """The beats of a recording and the heart rate they give, segment by segment.

    ``beats_s``: the R peaks (s from the recording's start); ``leads``: the measured leads
    they were found on; ``segment_s``: the trend's segment length.
    """

    source: str
    duration_s: float
    leads: tuple[str, ...]
    beats_s: np.ndarray
    segment_s: float = SEGMENT_S

    @property
    def n_beats(self) -> int:
        return int(self.beats_s.size)

    @property
    def rr_s(self) -> np.ndarray:
        return np.diff(self.beats_s)

    def segment_starts(self) -> np.ndarray:
        """Start of each segment (s); the last one may be shorter."""
        return np.arange(0.0, max(self.duration_s, 0.0), self.segment_s)

    def heart_rate(self) -> np.ndarray:
        """Heart rate (bpm) of each segment: the time average of 60/RR over it (NaN: too few beats).
        Read-only: computed once per trend (the summary, the plot and the JSON all read it)."""
        return self._segment_rates

    @functools.cached_property
    def _segment_rates(self) -> np.ndarray:
        starts = self.segment_starts()
        out = np.full(starts.size, np.nan)
        b = self.beats_s
        if b.size < 2:
            out.setflags(write=False)
            return out
        rate = 60.0 / np.diff(b)
        for i, a in enumerate(starts):
            z = min(a + self.segment_s, self.duration_s)
            # RR intervals overlapping [a, z): from the last beat before a to the first after z.
            lo = max(int(np.searchsorted(b, a, side="right")) - 1, 0)
            hi = min(int(np.searchsorted(b, z, side="left")), b.size - 1)
            if hi <= lo:
                continue
            left, right = np.maximum(b[lo:hi], a), np.minimum(b[lo + 1:hi + 1], z)
            weight = np.clip(right - left, 0.0, None)
            if weight.sum() >= MIN_COVERAGE * (z - a):
                out[i] = float(np.sum(weight * rate[lo:hi]) / weight.sum())
        out.setflags(write=False)
        return out

    def pauses(self, min_s: float = PAUSE_S) -> list[Pause]:
        """Every RR interval of ``min_s`` or more, in time order."""
        rr = self.rr_s
        return [Pause(float(self.beats_s[i]), float(rr[i])) for i in np.flatnonzero(rr >= min_s)]

    def mean_rate(self) -> float | None:
        """Beats per minute over the span from the first beat to the last (None: under two beats)."""
        if self.n_beats < 2:
            return None
        return 60.0 * (self.n_beats - 1) / float(self.beats_s[-1] - self.beats_s[0])

    def extremes(self) -> tuple[tuple[float, float] | None, tuple[float, float] | None]:
        """(start s, bpm) of the slowest and of the fastest segment (None: no segment has a rate)."""
        hr = self.heart_rate()
        if not np.isfinite(hr).any():
            return None, None
        starts = self.segment_starts()
        lo, hi = int(np.nanargmin(hr)), int(np.nanargmax(hr))
        return (float(starts[lo]), float(hr[lo])), (float(starts[hi]), float(hr[hi]))

    def longest_rr(self) -> tuple[float, float] | None:
        """(start s, length s) of the longest RR interval (None: under two beats)."""
        if self.n_beats < 2:
            return None
        i = int(np.argmax(self.rr_s))
        return float(self.beats_s[i]), float(self.rr_s[i])

    def summary(self) -> str:
        """One line: mean, slowest and fastest segment, longest RR, pauses."""
        mean = self.mean_rate()
        if mean is None:
            return f"{self.n_beats} beat(s) found on {describe_leads(self.leads)}: no heart rate"
        slow, fast = self.extremes()
        rr = self.longest_rr()
        pauses = self.pauses()
        parts = [f"{self.n_beats} beats, mean {mean:.0f} bpm"]
        if slow is not None and fast is not None and slow[0] != fast[0]:
            parts.append(f"{self.segment_s:g}-s segments {slow[1]:.0f} bpm (at {format_hms(slow[0])}) to "
                         f"{fast[1]:.0f} bpm (at {format_hms(fast[0])})")
        if rr is not None:
            parts.append(f"longest RR {rr[1]:.2f} s at {format_hms(rr[0])}")
        parts.append(f"{len(pauses)} pause(s) of {PAUSE_S:g} s or more" if pauses else f"no pause of {PAUSE_S:g} s or more")
        return "; ".join(parts) + f" (beats found on {describe_leads(self.leads)})"

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``leadsynth rhythm --json``."""
        slow, fast = self.extremes()
        rr = self.longest_rr()
        mean = self.mean_rate()

        def r(x: float, n: int = 3) -> float | None:
            return None if x is None or not np.isfinite(x) else round(float(x), n)

        return {
            "source": self.source, "duration_s": r(self.duration_s), "leads": list(self.leads),
            "n_beats": self.n_beats, "mean_bpm": r(mean, 1) if mean is not None else None,
            "segment_s": self.segment_s,
            "slowest": None if slow is None else {"start_s": r(slow[0]), "bpm": r(slow[1], 1)},
            "fastest": None if fast is None else {"start_s": r(fast[0]), "bpm": r(fast[1], 1)},
            "longest_rr": None if rr is None else {"start_s": r(rr[0]), "rr_s": r(rr[1])},
            "pause_threshold_s": PAUSE_S,
            "pauses": [{"start_s": r(p.start_s), "duration_s": r(p.duration_s)} for p in self.pauses()],
            "segments": [{"start_s": r(a), "bpm": r(h, 1)} for a, h in zip(self.segment_starts(), self.heart_rate(),
                                                                          strict=True)],
            "beats_s": [r(t) for t in self.beats_s],
        }


def detect_beats(signal: np.ndarray, fs: float) -> np.ndarray:
    """R peaks (sample indices) of ``(n, leads)`` mV samples: every live lead together.

    The measurement's own front end (:func:`.beats.qrs_peaks`: 0.5-40 Hz, the energy
    detector, complexes under a fifth of the stretch's typical QRS dropped) on the leads that
    are not flat; a stretch too short or without a lead says no beat instead of failing.
    """
    x = np.asarray(signal, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    finite = np.isfinite(x).all(axis=1)
    if not finite.all():
        x = np.where(np.isfinite(x), x, 0.0)  # a gap in a recording: no beat found there
    live = np.ptp(x, axis=0) >= FLAT_MV
    if not live.any() or x.shape[0] < int(fs):
        return np.zeros(0, dtype=np.int64)
    try:
        peaks = qrs_peaks(highpass(x[:, live], fs, 0.5, order=2, axis=0), fs)
    except SignalQualityError:
        return np.zeros(0, dtype=np.int64)
    return peaks[finite[peaks]].astype(np.int64)


def _chunks(n: int, fs: float) -> list[tuple[int, int, int, int]]:
    """(read_start, read_stop, keep_start, keep_stop) sample ranges covering ``[0, n)``."""
    step, pad = int(CHUNK_S * fs), int(OVERLAP_S * fs)
    out = []
    for keep0 in range(0, max(n, 1), step):
        keep1 = min(keep0 + step, n)
        out.append((max(0, keep0 - pad), min(n, keep1 + pad), keep0, keep1))
    return out


def _ecg_columns(lead_names: Sequence[str], leads: Sequence[str] | None) -> tuple[list[int], tuple[str, ...]]:
    names = list(lead_names)
    if leads is None:
        chosen = [n for n in names if try_ecg_lead_name(n) == n]
    else:
        missing = [n for n in leads if n not in names]
        if missing:
            raise OptionError(f"lead(s) {', '.join(missing)} not in the recording (it has {', '.join(names)})")
        chosen = list(leads)
    if not chosen:
        raise OptionError(f"no ECG lead to find beats on (the recording has {', '.join(names) or 'none'})")
    return [names.index(n) for n in chosen], tuple(chosen)


def _trend(source: str, n: int, fs: float, leads: tuple[str, ...], read: Any, segment_s: float,
           progress: ProgressCallback | None, cancel: CancelToken | None) -> RhythmTrend:
    if segment_s <= 0:
        raise OptionError(f"segment_s must be positive, got {segment_s}")
    chunks = _chunks(n, fs)
    found: list[np.ndarray] = []
    for i, (r0, r1, k0, k1) in enumerate(chunks):
        check(cancel)
        peaks = detect_beats(read(r0, r1), fs) + r0
        found.append(peaks[(peaks >= k0) & (peaks < k1)])
        report(progress, (i + 1) / len(chunks), f"finding beats {k1 / fs / 60:.0f} of {n / fs / 60:.0f} min")
    beats = np.concatenate(found) if found else np.zeros(0, dtype=np.int64)
    # Two chunks may each keep a beat of one complex at their seam (within the refractory time).
    if beats.size > 1:
        beats = beats[np.r_[True, np.diff(beats) > 0.25 * fs]]
    return RhythmTrend(source, n / fs, leads, beats / fs, float(segment_s))


def rhythm_of_record(record: EcgRecord, leads: Sequence[str] | None = None, *, segment_s: float = SEGMENT_S,
                     progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> RhythmTrend:
    """The beats and heart-rate trend of a record in memory, from ``leads`` (default: every
    ECG lead it holds; pass the measured ones when others are synthesized)."""
    cols, names = _ecg_columns(record.lead_names, leads)
    x = record.signal
    return _trend(record.source or "record", x.shape[0], record.fs, names,
                  lambda a, b: x[a:b, cols], segment_s, progress, cancel)


def rhythm_of_file(path: str | os.PathLike[str], leads: Sequence[str] | None = None, *, key: str | None = None,
                   segment_s: float = SEGMENT_S, progress: ProgressCallback | None = None,
                   cancel: CancelToken | None = None) -> RhythmTrend:
    """:func:`rhythm_of_record` of a file read chunk by chunk (a Holter file in bounded memory)."""
    from ..io import inspect_record, read_window

    info = inspect_record(path, key=key)
    cols, names = _ecg_columns(info.lead_names, leads)
    return _trend(str(path), info.n_samples, info.fs, names,
                  lambda a, b: read_window(path, a, b, key=key).signal[:, cols], segment_s, progress, cancel)
