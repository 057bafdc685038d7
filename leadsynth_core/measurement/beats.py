"""Beats of a recording: R peaks, RR intervals, signal-quality gates and median beats.

Everything the measurement engine measures is measured on the median beat of each lead
(the way electrocardiographs do): noise and single ectopic beats average out, and the
same beat window serves every lead, so intervals can be taken over all leads together.
A recording on which no beat can be formed raises :class:`NotMeasurable` with the reason,
never a guessed number.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from ..errors import SignalQualityError
from ..preprocess import detect_r_peaks, highpass, lowpass

__all__ = ["NotMeasurable", "BeatSet", "form_beats", "qrs_peaks", "median_at_beats", "BEFORE_S", "AFTER_S"]

#: The median beat spans ``[R - BEFORE_S, R + AFTER_S)``.
BEFORE_S = 0.5
AFTER_S = 0.9
#: A lead whose peak-to-peak amplitude stays below this is flat (mV).
FLAT_MV = 0.05
#: Fewer beats than this cannot give a median beat worth measuring.
MIN_BEATS = 3
#: An RR gap longer than this (s) is a pause no delineation should bridge (asystole).
MAX_RR_S = 3.0
#: Median correlation of the beats with their median below this means noise, not beats.
MIN_TEMPLATE_CORR = 0.6
#: Complexes smaller than this fraction of the typical QRS are noise, not beats.
MIN_QRS_FRACTION = 0.2
#: A pacing spike: a deflection this large (mV) that comes and goes within ~8 ms.
SPIKE_MV = 0.5


class NotMeasurable(SignalQualityError):
    """No beat of the recording can be delineated; the message says why."""


@dataclasses.dataclass(frozen=True)
class BeatSet:
    """The beats of one recording.

    Attributes
    ----------
    fs
        Sampling rate (Hz).
    lead_names
        Column names of ``median``.
    r_peaks
        Sample indices of the R peaks in the recording.
    median
        ``(n_window, n_leads)`` median beat of each lead in mV, baseline-corrected
        (0.5 Hz high-pass, which keeps the ST segment) but otherwise unfiltered.
    r_index
        Index of the R peak within ``median``.
    n_beats
        How many beats went into the median.
    beats
        ``(n_beats, n_window, n_leads)`` the aligned beats themselves (for consistency checks).
    """

    fs: float
    lead_names: tuple[str, ...]
    r_peaks: np.ndarray
    median: np.ndarray
    r_index: int
    n_beats: int
    beats: np.ndarray

    @property
    def rr_ms(self) -> np.ndarray:
        """RR intervals in ms."""
        return np.diff(self.r_peaks) * 1000.0 / self.fs

    @property
    def rr_s(self) -> float:
        """Median RR interval (s)."""
        return float(np.median(np.diff(self.r_peaks))) / self.fs


def _pacing_spikes(x: np.ndarray, fs: float) -> np.ndarray:
    """Sample indices where some lead has a pacing-like spike (narrow, large deflection)."""
    if fs < 250:
        return np.zeros(0, dtype=np.int64)  # spikes are not resolved at low rates
    # A spike is a deflection from the local mean over +-4 ms that exceeds SPIKE_MV on both
    # sides: QRS slopes are too slow for that, a pacemaker artefact is not.
    half = max(1, int(round(0.004 * fs)))
    lead_hits = []
    for col in range(x.shape[1]):
        v = x[:, col]
        left = v[half:-half] - v[:-2 * half]
        right = v[half:-half] - v[2 * half:]
        hit = (np.abs(left) > SPIKE_MV) & (np.abs(right) > SPIKE_MV) & (np.sign(left) == np.sign(right))
        lead_hits.append(np.flatnonzero(hit) + half)
    return np.unique(np.concatenate(lead_hits)) if lead_hits else np.zeros(0, dtype=np.int64)


def _window(fs: float) -> tuple[int, int]:
    """Samples of the median beat before and after its R peak."""
    return int(round(BEFORE_S * fs)), int(round(AFTER_S * fs))


def _usable(peaks: np.ndarray, a: int, b: int, n: int) -> np.ndarray:
    """The R peaks whose whole beat window lies inside the recording."""
    return peaks[(peaks - a >= 0) & (peaks + b <= n)]


def median_at_beats(signal: np.ndarray, beats: BeatSet) -> np.ndarray:
    """The median beat of other leads of the same recording (``(n_samples, k)`` mV, the
    samples ``beats`` was formed from) over exactly the beats of ``beats``, baseline-corrected
    alike: a V4R or V7 read on the 12-lead's beats and fiducials, never steering them."""
    x = np.asarray(signal, dtype=np.float64).reshape(len(signal), -1)
    base = highpass(x, beats.fs, 0.5, order=2, axis=0)
    a, b = _window(beats.fs)
    usable = _usable(np.asarray(beats.r_peaks), a, b, x.shape[0])
    return np.median(np.stack([base[p - a:p + b] for p in usable]), axis=0)


def qrs_peaks(base: np.ndarray, fs: float) -> np.ndarray:
    """R peaks (sample indices) of ``(n, leads)`` leads already high-passed at 0.5 Hz.

    The 40-Hz low-passed leads go to the energy detector together
    (:func:`~leadsynth_core.preprocess.detect_r_peaks`); complexes smaller than
    :data:`MIN_QRS_FRACTION` of the stretch's typical QRS are dropped.  One front end for the
    median beats (:func:`form_beats`) and the heart rate over a recording (:mod:`.rhythm`).
    """
    smooth = lowpass(base, fs, min(40.0, 0.45 * fs), axis=0)
    peaks = detect_r_peaks(smooth, fs)
    if peaks.size:
        # An adaptive detector finds "beats" in the noise of an asystole: keep only complexes
        # of at least a fifth of the record's typical QRS size (largest peak-to-peak over leads).
        half = max(1, int(0.05 * fs))
        size = np.array([np.ptp(smooth[max(0, p - half):p + half + 1], axis=0).max() for p in peaks])
        peaks = peaks[size >= MIN_QRS_FRACTION * np.percentile(size, 90)]
    return peaks


def form_beats(signal: np.ndarray, fs: float, lead_names: Sequence[str], *, source: str = "record") -> BeatSet:
    """R peaks, quality gates and the median beat of every lead.

    Parameters
    ----------
    signal
        ``(n_samples, n_leads)`` in mV, as read (it is not changed).
    fs
        Sampling rate (Hz).
    lead_names
        One name per column.
    source
        Named in the reasons of :class:`NotMeasurable`.

    Raises
    ------
    NotMeasurable
        Flat signal, fewer than three beats or a pause over 3 s (asystole), beats that
        do not resemble one another (noise), or a paced rhythm.
    """
    x = np.asarray(signal, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != len(lead_names):
        raise NotMeasurable(f"{source}: signal of shape {x.shape} does not match {len(lead_names)} lead names")
    if not np.isfinite(x).all():
        raise NotMeasurable(f"{source}: signal holds NaN or infinite samples")
    if x.shape[0] < 2 * fs:
        raise NotMeasurable(f"{source}: {x.shape[0] / fs:.1f} s is too short to measure (needs 2 s)")
    live = np.ptp(x, axis=0) >= FLAT_MV
    if not live.any():
        raise NotMeasurable(f"{source}: every lead is flat (peak-to-peak under {FLAT_MV} mV)")
    base = highpass(x, fs, 0.5, order=2, axis=0)
    # R peaks from the live leads only (a flat lead adds nothing but its noise).
    peaks = qrs_peaks(base[:, live], fs)
    if peaks.size < MIN_BEATS:
        raise NotMeasurable(f"{source}: {peaks.size} QRS complex(es) found; no rhythm to measure (asystole or no ECG)")
    rr = np.diff(peaks) / fs
    gaps = np.concatenate([[peaks[0] / fs], rr, [(x.shape[0] - peaks[-1]) / fs]])
    if gaps.max() > MAX_RR_S:
        raise NotMeasurable(f"{source}: a pause of {gaps.max():.1f} s without a QRS complex (asystole)")
    spikes = _pacing_spikes(x[:, live], fs)
    if spikes.size:
        # Paced when most beats have a spike in the 300 ms before their R peak.
        paced = sum(bool(np.any((spikes > p - 0.3 * fs) & (spikes < p + 0.02 * fs))) for p in peaks)
        if paced >= 0.5 * peaks.size:
            raise NotMeasurable(f"{source}: pacemaker spikes precede {paced} of {peaks.size} beats "
                                "(paced rhythm: intervals and ST are not measured)")
    a, b = _window(fs)
    usable = _usable(peaks, a, b, x.shape[0])
    if usable.size < MIN_BEATS:
        # Short strips: fall back to the part of the beat every peak has.
        raise NotMeasurable(f"{source}: only {usable.size} complete beat(s) of {BEFORE_S + AFTER_S:.1f} s; "
                            f"needs {MIN_BEATS}")
    stack = np.stack([base[p - a:p + b] for p in usable])
    med = np.median(stack, axis=0)
    # Noise gate: the QRS-T part of each beat must resemble the median beat.
    lo, hi = a - int(0.1 * fs), a + int(0.4 * fs)
    tmpl = med[lo:hi, live].ravel()
    corr = [np.corrcoef(base[p - a + lo:p - a + hi, live].ravel(), tmpl)[0, 1] for p in usable]
    score = float(np.nanmedian(corr)) if corr else 0.0
    if not np.isfinite(score) or score < MIN_TEMPLATE_CORR:
        raise NotMeasurable(f"{source}: the beats do not resemble one another (median correlation "
                            f"{score:.2f} < {MIN_TEMPLATE_CORR}); noise or artefact, not a measurable rhythm")
    return BeatSet(fs=float(fs), lead_names=tuple(lead_names), r_peaks=peaks, median=med,
                   r_index=a, n_beats=int(usable.size), beats=stack)
