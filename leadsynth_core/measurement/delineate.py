"""Delineation of a multi-lead median beat: P, QRS and T onsets, peaks and offsets.

LeadSynth's own delineator (chosen over neurokit2's wavelet delineator on LUDB records
1-160, see ``docs/measurements.md``).  It works on the median beats of all leads at once,
as electrocardiographs do, so the fiducial points are *global*: the QRS onset is the
earliest onset over the leads and the T end the latest offset (in practice: where the
spatial activity of all leads together starts and ends).

* QRS: the spatial velocity (root sum of squared slopes over the leads, 40 Hz low-pass)
  rises above ``qrs_frac`` of its QRS maximum; onset and offset are the outermost points
  before and after the R peak where it stays below that level.
* Isoelectric (PR) baseline per lead: the mean over 4-20 ms before the QRS onset.
* T: the spatial magnitude of the leads against their baseline (15 Hz low-pass) after the
  QRS; the T peak is its maximum.  The T end is the latest over the leads, as the QT is
  defined (earliest QRS onset to the latest T end in any lead): in each lead whose T wave
  stands ``t_lead_min_mv`` from the baseline, where the tangent at its steepest descent
  meets the baseline (the tangent method); the latest of those ends that lies within
  ``t_end_spread_ms`` of their median, so one noisy lead or a U wave does not stretch the
  QT.  Where no lead qualifies, the spatial magnitude's own tangent end.  (The spatial
  end alone, used before 2026-11-30, read the QT 20 ms shorter than the carts on average.)
* P: the same spatial magnitude, detrended over the P search window before the QRS; a P
  wave is present when its peak stands ``p_min_mv`` above the window's ends; onset and
  offset where the curve falls to ``p_frac`` of the peak height.

All positions are sample indices in the median beat; ``None`` where a wave is absent.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..preprocess import lowpass

__all__ = ["Fiducials", "DelineationSettings", "delineate_median", "pr_baseline"]


@dataclasses.dataclass(frozen=True)
class DelineationSettings:
    """Thresholds of the delineator (tuned on LUDB 1-160; 161-200 untouched)."""

    qrs_frac: float = 0.03
    qrs_off_frac: float = 0.08
    p_frac: float = 0.35
    p_off_frac: float = 0.5
    p_min_mv: float = 0.025
    p_min_corr: float = 0.7
    t_end_frac: float = 0.0  # 0: tangent method; > 0: where the T magnitude falls to this fraction
    # The T end over the leads (chosen on LUDB 1-160's global QT, see docs/measurements.md):
    t_lead_min_mv: float = 0.05  # a lead's T wave counts when it stands this far from baseline
    t_end_spread_ms: float = 80.0  # lead ends later than their median + this are outliers


@dataclasses.dataclass(frozen=True)
class Fiducials:
    """Global fiducial points of one median beat (sample indices; ``None`` = absent)."""

    r: int
    qrs_on: int
    qrs_off: int
    t_peak: int | None
    t_end: int | None
    p_on: int | None
    p_peak: int | None
    p_off: int | None
    baseline_mv: np.ndarray  # per-lead PR (isoelectric) level, mV

    def to_ms(self, fs: float) -> dict[str, float | None]:
        """Positions relative to the R peak in ms (``None`` where absent)."""
        def ms(i: int | None) -> float | None:
            return None if i is None else round((i - self.r) * 1000.0 / fs, 1)
        return {"p_on": ms(self.p_on), "p_peak": ms(self.p_peak), "p_off": ms(self.p_off),
                "qrs_on": ms(self.qrs_on), "r": 0.0, "qrs_off": ms(self.qrs_off),
                "t_peak": ms(self.t_peak), "t_end": ms(self.t_end)}


def _run_below(v: np.ndarray, start: int, stop: int, step: int, level: float, hold: int) -> int:
    """First index from ``start`` towards ``stop`` (exclusive) where ``v`` stays below
    ``level`` for ``hold`` samples; ``stop - step`` when it never does."""
    count = 0
    i = start
    while i != stop:
        count = count + 1 if v[i] < level else 0
        if count >= hold:
            return i - step * (hold - 1)
        i += step
    return stop - step


def _p_repeats(beats: np.ndarray | None, median: np.ndarray, p_on: int, p_off: int, min_corr: float) -> bool:
    """Whether the P wave of the median is in the beats themselves (median correlation)."""
    if beats is None or len(beats) < 3:
        return True
    ref = np.asarray(median)[p_on:p_off + 1]
    ref = (ref - ref.mean(axis=0)).ravel()
    corr = []
    for beat in beats:
        seg = beat[p_on:p_off + 1]
        seg = (seg - seg.mean(axis=0)).ravel()
        den = float(np.linalg.norm(seg) * np.linalg.norm(ref))
        corr.append(float(seg @ ref) / den if den > 0 else 0.0)
    return float(np.median(corr)) >= min_corr


def _lead_t_ends(x15: np.ndarray, t_lo: int, t_hi: int) -> tuple[np.ndarray, np.ndarray]:
    """Each lead's tangent T end (offset from ``t_lo``, samples) and its T wave's height (mV).

    ``x15`` holds the leads against their PR baseline; a lead's T wave is its largest
    deflection between ``t_lo`` and ``t_hi`` (either sign), its end where the tangent at
    the steepest return towards the baseline meets the baseline.  Leads that never turn
    back towards the baseline are left out.
    """
    ends, heights = [], []
    for seg in x15[t_lo:t_hi].T:
        k = int(np.argmax(np.abs(seg)))
        wave = seg * np.sign(seg[k])  # the T wave upright, whatever its polarity
        slope = np.gradient(wave)
        tail = slope[k:]
        if tail.size < 3 or tail.min() >= 0:
            continue
        j = k + int(np.argmin(tail))
        cross = j - wave[j] / slope[j]  # where the tangent at j meets the baseline (0)
        ends.append(min(max(cross, j), wave.size - 1))
        heights.append(abs(float(seg[k])))
    return np.asarray(ends, dtype=np.float64), np.asarray(heights, dtype=np.float64)


def _latest_lead_t_end(x15: np.ndarray, t_lo: int, t_hi: int, ms: float, s: DelineationSettings) -> int | None:
    """The latest per-lead tangent T end within ``t_end_spread_ms`` of the leads' median.

    Only leads whose T wave reaches ``t_lead_min_mv`` count; ``None`` when none does.
    """
    ends, heights = _lead_t_ends(x15, t_lo, t_hi)
    e = ends[heights >= s.t_lead_min_mv]
    if not e.size:
        return None
    return int(round(t_lo + float(e[e <= np.median(e) + s.t_end_spread_ms * ms].max())))


def _pr_level(x40: np.ndarray, qrs_on: int, ms: float) -> np.ndarray:
    """Each lead's isoelectric level: the mean over 4-20 ms before the QRS onset."""
    b0, b1 = max(0, qrs_on - int(20 * ms)), max(1, qrs_on - int(4 * ms))
    return x40[b0:b1].mean(axis=0) if b1 > b0 else x40[qrs_on]


def pr_baseline(median: np.ndarray, fs: float, fid: Fiducials) -> np.ndarray:
    """The PR level of leads that were not delineated themselves (a V4R read on the 12-lead's
    fiducials), by the same rule as :func:`delineate_median`'s own."""
    x = np.asarray(median, dtype=np.float64).reshape(len(median), -1)
    return np.asarray(_pr_level(_smooth(x, fs, 40.0), fid.qrs_on, fs / 1000.0), dtype=np.float64)


def _smooth(x: np.ndarray, fs: float, cutoff: float) -> np.ndarray:
    return lowpass(x, fs, min(cutoff, 0.45 * fs), order=2, axis=0) if x.shape[0] > 30 else x


def delineate_median(
    median: np.ndarray, fs: float, r_index: int, rr_s: float, settings: DelineationSettings | None = None,
    beats: np.ndarray | None = None,
) -> Fiducials:
    """Fiducial points of a ``(n, leads)`` median beat whose R peak is at ``r_index``.

    ``rr_s`` (the median RR interval) bounds the searches so that a fast rhythm's next
    P wave is not taken for this beat's T wave.  ``beats`` (``(n_beats, n, leads)``, the
    beats behind the median) lets the P wave be confirmed beat by beat: fibrillation waves
    leave a residue in a median beat but do not repeat from one beat to the next.
    """
    s = settings or DelineationSettings()
    x = np.asarray(median, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    n = x.shape[0]
    ms = fs / 1000.0
    x40 = _smooth(x, fs, 40.0)
    vel = np.sqrt((np.gradient(x40, axis=0) ** 2).sum(axis=1))
    lo_q, hi_q = max(1, r_index - int(150 * ms)), min(n - 1, r_index + int(200 * ms))
    core = slice(max(0, r_index - int(60 * ms)), min(n, r_index + int(60 * ms)))
    vmax = float(vel[core].max()) if vel[core].size else 0.0
    hold = max(1, int(round(8 * ms)))
    qrs_on = _run_below(vel, r_index, lo_q, -1, s.qrs_frac * vmax, hold)
    qrs_off = _run_below(vel, r_index, hi_q, +1, s.qrs_off_frac * vmax, hold)
    baseline = _pr_level(x40, qrs_on, ms)

    x15 = _smooth(x, fs, 15.0) - baseline
    # ---- T wave: after the QRS, before the next beat's P wave could start.
    t_lo = qrs_off + int(40 * ms)
    t_hi = min(n - 1, r_index + int(min(0.75 * rr_s, rr_s - 0.1, 0.8) * fs))
    t_peak = t_end = None
    if t_hi - t_lo > int(60 * ms):
        mag = np.sqrt((x15[t_lo:t_hi] ** 2).sum(axis=1))
        k = int(np.argmax(mag))
        t_peak = t_lo + k
        settle = float(np.percentile(mag[k:], 5)) if mag[k:].size else 0.0
        slope = np.gradient(mag)
        tail = slope[k:]
        below = np.flatnonzero(mag[k:] - settle < s.t_end_frac * (mag[k] - settle))
        if s.t_end_frac > 0 and below.size:
            t_end = t_lo + k + int(below[0])
        elif tail.size > 2 and tail.min() < 0:
            j = k + int(np.argmin(tail))
            # Tangent at the steepest descent meets the settled level.
            cross = j + (settle - mag[j]) / slope[j]
            t_end = int(round(t_lo + min(max(cross, j), mag.size - 1)))
        else:
            t_end = t_hi
    # ---- P wave: between the previous T wave and the QRS onset.
    p_lo = max(0, qrs_on - int(min(300.0, 0.45 * rr_s * 1000) * ms))
    if t_end is not None:
        # Not before the previous beat's T wave has ended (where the leads' activity
        # together has ended: the P search was tuned with this end).
        p_lo = max(p_lo, t_end - int(round(rr_s * fs)) + int(20 * ms))
        latest = None if s.t_end_frac > 0 else _latest_lead_t_end(x15, t_lo, t_hi, ms, s)
        if latest is not None:
            t_end = latest
    p_hi = qrs_on - int(10 * ms)
    p_on = p_peak = p_off = None
    if p_hi - p_lo > int(60 * ms):
        seg = x15[p_lo:p_hi]
        # Detrend each lead between the window ends so a T-P slope is not a P wave.
        ramp = np.linspace(0.0, 1.0, seg.shape[0])[:, None]
        seg = seg - (seg[:1] + ramp * (seg[-1:] - seg[:1]))
        mag = np.sqrt((seg**2).sum(axis=1) / seg.shape[1])
        k = int(np.argmax(mag))
        height = float(mag[k])
        if height >= s.p_min_mv and int(10 * ms) < k < mag.size - int(5 * ms):
            left = np.flatnonzero(mag[:k] < s.p_frac * height)
            right = np.flatnonzero(mag[k:] < s.p_off_frac * height)
            if left.size and right.size:
                p_on, p_peak, p_off = p_lo + int(left[-1]), p_lo + k, p_lo + k + int(right[0])
                if not 40 * ms <= (p_off - p_on) <= 180 * ms or not _p_repeats(beats, median, p_on, p_off, s.p_min_corr):
                    p_on = p_peak = p_off = None
    return Fiducials(r=r_index, qrs_on=int(qrs_on), qrs_off=int(qrs_off), t_peak=t_peak, t_end=t_end,
                     p_on=p_on, p_peak=p_peak, p_off=p_off, baseline_mv=np.asarray(baseline, dtype=np.float64))
