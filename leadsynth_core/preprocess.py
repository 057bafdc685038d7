"""Signal preprocessing: resampling, filters, R-peak detection, median beats, windowing.

All functions are NumPy/SciPy only, work on ``(n_samples,)`` or ``(n_samples, n_leads)``
arrays (time along ``axis``, 0 by default), and never modify their input: a display
filter is a view setting, the measured samples stay as read.  Filters are zero-phase
(forward-backward), so waves do not shift in time.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Sequence
from fractions import Fraction
from types import ModuleType
from typing import Any

import numpy as np

from .errors import SignalQualityError


class _LazyModule:
    """A module imported on first use.  ``scipy.signal`` alone costs the viewer about 0.8 s
    at start-up, and the viewer imports this module (through measurements and the band)
    long before it filters anything."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attr)


signal: Any = _LazyModule("scipy.signal")
ndimage: Any = _LazyModule("scipy.ndimage")

__all__ = [
    "resample",
    "remove_baseline",
    "notch",
    "lowpass",
    "highpass",
    "bandpass",
    "complete_beats",
    "detect_r_peaks",
    "median_beat",
    "sliding_windows",
    "overlap_add",
    "BASELINE_METHODS",
    "R_PEAK_METHODS",
]

log = logging.getLogger(__name__)

BASELINE_METHODS: tuple[str, ...] = ("highpass", "median")
R_PEAK_METHODS: tuple[str, ...] = ("energy",)
#: Fraction of the detection threshold used when searching a long RR gap again.
_SEARCH_BACK = 0.5


def _float(x: np.ndarray) -> np.ndarray:
    arr = np.asarray(x)
    return arr if np.issubdtype(arr.dtype, np.floating) else arr.astype(np.float64)


def _check_fs(fs: float) -> float:
    fs = float(fs)
    if not np.isfinite(fs) or fs <= 0:
        raise ValueError(f"sampling rate must be a positive number, got {fs!r}")
    return fs


def resample(x: np.ndarray, fs_in: float, fs_out: float, axis: int = 0) -> np.ndarray:
    """Polyphase resampling from ``fs_in`` to ``fs_out`` Hz (anti-aliased, no phase shift).

    The rate ratio is approximated by a fraction with a denominator of at most 1000
    (exact for the usual ECG rates: 100, 250, 257, 360, 400, 500, 1000 Hz...).
    Returns the input dtype (float32 stays float32).
    """
    fs_in, fs_out = _check_fs(fs_in), _check_fs(fs_out)
    arr = _float(x)
    if fs_in == fs_out:
        return arr.copy()
    ratio = Fraction(fs_out / fs_in).limit_denominator(1000)
    if abs(float(ratio) - fs_out / fs_in) > 1e-6 * fs_out / fs_in:
        log.warning("resampling %g -> %g Hz approximated by %s", fs_in, fs_out, ratio)
    out = signal.resample_poly(arr.astype(np.float64), ratio.numerator, ratio.denominator, axis=axis)
    return out.astype(arr.dtype, copy=False)


def _sos_filter(x: np.ndarray, sos: np.ndarray, axis: int) -> np.ndarray:
    arr = _float(x)
    # sosfiltfilt needs a few filter lengths of signal for its edge padding.
    padlen = 3 * (2 * len(sos) + 1)
    if arr.shape[axis] <= padlen:
        raise SignalQualityError(
            f"signal of {arr.shape[axis]} samples is too short to filter (needs more than {padlen})"
        )
    return signal.sosfiltfilt(sos, arr.astype(np.float64), axis=axis).astype(arr.dtype, copy=False)


def _nyquist_check(fs: float, *cutoffs: float) -> None:
    for c in cutoffs:
        if not 0 < c < fs / 2:
            raise ValueError(f"cut-off {c} Hz must lie between 0 and the Nyquist frequency {fs / 2:g} Hz")


def lowpass(x: np.ndarray, fs: float, cutoff: float = 40.0, *, order: int = 4, axis: int = 0) -> np.ndarray:
    """Zero-phase Butterworth low-pass (``order`` per direction)."""
    fs = _check_fs(fs)
    _nyquist_check(fs, cutoff)
    return _sos_filter(x, signal.butter(order, cutoff, "lowpass", fs=fs, output="sos"), axis)


def highpass(x: np.ndarray, fs: float, cutoff: float = 0.5, *, order: int = 2, axis: int = 0) -> np.ndarray:
    """Zero-phase Butterworth high-pass; 0.5 Hz keeps the ST segment (AHA recommends <= 0.67 Hz)."""
    fs = _check_fs(fs)
    _nyquist_check(fs, cutoff)
    return _sos_filter(x, signal.butter(order, cutoff, "highpass", fs=fs, output="sos"), axis)


def bandpass(
    x: np.ndarray, fs: float, low: float = 0.5, high: float = 40.0, *, order: int = 2, axis: int = 0
) -> np.ndarray:
    """Zero-phase Butterworth band-pass between ``low`` and ``high`` Hz."""
    fs = _check_fs(fs)
    _nyquist_check(fs, low, high)
    if low >= high:
        raise ValueError(f"band-pass low cut-off {low} Hz must be below the high cut-off {high} Hz")
    return _sos_filter(x, signal.butter(order, [low, high], "bandpass", fs=fs, output="sos"), axis)


def notch(x: np.ndarray, fs: float, freq: float = 50.0, *, quality: float = 30.0, axis: int = 0) -> np.ndarray:
    """Zero-phase power-line notch at ``freq`` (50 Hz in Europe/Asia, 60 Hz in the Americas)."""
    fs = _check_fs(fs)
    _nyquist_check(fs, freq)
    b, a = signal.iirnotch(freq, quality, fs=fs)
    return _sos_filter(x, signal.tf2sos(b, a), axis)


def remove_baseline(
    x: np.ndarray, fs: float, method: str = "highpass", *, cutoff: float = 0.5, axis: int = 0
) -> np.ndarray:
    """Remove baseline wander.

    Parameters
    ----------
    method
        ``"highpass"``: zero-phase 0.5 Hz Butterworth high-pass (``cutoff``).
        ``"median"``: subtract the baseline estimated by two cascaded median filters of
        200 ms and 600 ms (they remove the QRS, then the P and T waves; de Chazal et al.
        2004); slower but leaves the ST level untouched by filter ringing.
    """
    fs = _check_fs(fs)
    if method == "highpass":
        return highpass(x, fs, cutoff, axis=axis)
    if method == "median":
        arr = _float(x)
        size = [1] * arr.ndim
        base = arr.astype(np.float64)
        for width_s in (0.2, 0.6):
            size[axis] = int(round(width_s * fs)) | 1  # odd, centred
            base = ndimage.median_filter(base, size=tuple(size), mode="nearest")
        return (arr - base).astype(arr.dtype, copy=False)
    raise ValueError(f"unknown baseline method {method!r}; valid methods are {', '.join(BASELINE_METHODS)}")


# ------------------------------------------------------------------ R peaks
def _qrs_energy(x: np.ndarray, fs: float) -> np.ndarray:
    """QRS energy envelope: 5-20 Hz band, squared slope, 120 ms moving average.

    Leads are scaled to a common robust level before summing so that one large lead
    does not hide the others.
    """
    band = bandpass(x, fs, 5.0, min(20.0, 0.45 * fs), order=2, axis=0)
    slope = np.gradient(band, axis=0) * fs
    energy = slope**2
    if energy.ndim == 2:
        scale = np.percentile(energy, 99, axis=0)
        scale[scale <= 0] = 1.0
        energy = (energy / scale).sum(axis=1)
    width = max(1, int(round(0.12 * fs)))
    # Back to amplitude units (square root) so that thresholds scale linearly with the
    # QRS amplitude: a beat half as tall is half, not a quarter, of the reference.
    return np.sqrt(np.maximum(ndimage.uniform_filter1d(energy, width, mode="nearest"), 0.0))


def _rolling_reference(env: np.ndarray, fs: float) -> np.ndarray:
    """Local QRS level: 2-s running maximum, smoothed by an 8-s running median.

    The median ignores a single artefact burst; the window follows slow amplitude
    changes (breathing, electrode contact) over a long recording.
    """
    peak_level = ndimage.maximum_filter1d(env, max(1, int(2.0 * fs)), mode="nearest")
    step = max(1, int(0.5 * fs))  # decimate for speed: the level changes slowly
    coarse = peak_level[::step]
    coarse = ndimage.median_filter(coarse, size=max(1, int(8.0 * fs / step)) | 1, mode="nearest")
    return np.interp(np.arange(env.size), np.arange(coarse.size) * step, coarse)


def detect_r_peaks(
    x: np.ndarray,
    fs: float,
    method: str = "energy",
    *,
    refractory: float = 0.25,
    threshold: float = 0.4,
) -> np.ndarray:
    """Sample indices of the R peaks of ``x`` (one lead, or ``(n, leads)`` combined).

    ``method="energy"``: band-pass 5-20 Hz, squared slope, 120 ms moving average, square
    root (a zero-phase Pan-Tompkins envelope in amplitude units); envelope peaks above
    ``threshold`` times the
    local QRS level (2-s running maximum, 8-s running median) and at least
    ``refractory`` seconds apart; a gap longer than 1.66 median RR is searched again
    at half the threshold; each peak is then moved to the largest absolute deflection
    of the 0.5-40 Hz signal within 80 ms (summed over leads for a multi-lead input).

    Returns an int64 array, sorted.
    """
    if method not in R_PEAK_METHODS:
        raise ValueError(f"unknown R-peak method {method!r}; valid methods are {', '.join(R_PEAK_METHODS)}")
    fs = _check_fs(fs)
    arr = _float(x).astype(np.float64)
    if arr.ndim not in (1, 2):
        raise ValueError(f"x must be 1-D or 2-D (samples x leads), got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise SignalQualityError("signal holds NaN or infinite samples; cannot detect R peaks")
    if arr.shape[0] < int(fs):
        raise SignalQualityError(f"signal of {arr.shape[0]} samples is shorter than 1 s; cannot detect R peaks")
    env = _qrs_energy(arr, fs)
    if not np.any(env > 0):
        return np.zeros(0, dtype=np.int64)
    ref = _rolling_reference(env, fs)
    distance = max(1, int(refractory * fs))
    cand, _ = signal.find_peaks(env, distance=distance)
    peaks = cand[env[cand] > threshold * ref[cand]]
    if peaks.size >= 3:
        # Search back in long gaps for beats missed by the threshold (small ectopic
        # beats), including the stretches before the first and after the last beat.
        rr = np.median(np.diff(peaks))
        extra = []
        bounds = [-distance, *peaks.tolist(), env.size - 1 + distance]
        for a, b in zip(bounds[:-1], bounds[1:], strict=True):
            if b - a > 1.66 * rr:
                inside = cand[(cand > a + distance) & (cand < b - distance)]
                inside = inside[env[inside] > _SEARCH_BACK * threshold * ref[inside]]
                if inside.size:
                    extra.append(inside[np.argmax(env[inside])])
        if extra:
            peaks = np.sort(np.concatenate([peaks, np.array(extra, dtype=peaks.dtype)]))
    # Refine to the extremum of the broadband signal.
    hi = min(40.0, 0.45 * fs)
    broad = bandpass(arr, fs, 0.5, hi, order=2, axis=0)
    mag = np.abs(broad) if broad.ndim == 1 else np.abs(broad / (np.percentile(np.abs(broad), 99, axis=0) + 1e-12)).sum(axis=1)
    half = max(1, int(0.08 * fs))
    refined = []
    for p in peaks:
        a, b = max(0, p - half), min(mag.size, p + half + 1)
        refined.append(a + int(np.argmax(mag[a:b])))
    out = np.unique(np.asarray(refined, dtype=np.int64))
    # Refinement can pull two neighbours onto one beat: keep the larger within the refractory period.
    keep: list[int] = []
    for p in out:
        if keep and p - keep[-1] < distance:
            if mag[p] > mag[keep[-1]]:
                keep[-1] = int(p)
            continue
        keep.append(int(p))
    return np.asarray(keep, dtype=np.int64)


def complete_beats(r_peaks: Sequence[int] | np.ndarray, n_samples: int, fs: float, before: float,
                   after: float) -> np.ndarray:
    """The R peaks with the whole window ``[r - before, r + after)`` seconds inside the
    ``n_samples`` of the signal: the beats :func:`median_beat` takes its median of."""
    a, b = int(round(before * fs)), int(round(after * fs))
    peaks = np.asarray(r_peaks, dtype=np.int64)
    return peaks[(peaks - a >= 0) & (peaks + b <= n_samples)]


def median_beat(
    x: np.ndarray, fs: float, r_peaks: Sequence[int] | np.ndarray, before: float = 0.4, after: float = 0.8
) -> np.ndarray:
    """Per-lead median of the beats ``[r - before, r + after)`` seconds around each R peak.

    Beats too close to either end are skipped.  Returns ``(n_window,)`` for a 1-D input
    or ``(n_window, n_leads)``; the R peak sits at index ``round(before * fs)``.
    """
    fs = _check_fs(fs)
    arr = _float(x)
    a, b = int(round(before * fs)), int(round(after * fs))
    peaks = complete_beats(r_peaks, arr.shape[0], fs, before, after)
    if peaks.size == 0:
        raise SignalQualityError(
            f"no complete beat: none of the R peaks has {before} s before and {after} s after it in the signal"
        )
    beats = np.stack([arr[p - a:p + b] for p in peaks])
    return np.median(beats, axis=0).astype(arr.dtype, copy=False)


# ------------------------------------------------------------------ windows
def sliding_windows(n_samples: int, window: int, hop: int) -> list[tuple[int, int]]:
    """``(start, stop)`` windows of ``window`` samples every ``hop`` samples covering ``[0, n)``.

    The last window is moved back to end exactly at ``n_samples`` (so every window has
    the full length when ``n_samples >= window``); a record shorter than one window
    gives the single window ``(0, n_samples)``.
    """
    if window <= 0 or hop <= 0:
        raise ValueError(f"window ({window}) and hop ({hop}) must be positive")
    if hop > window:
        raise ValueError(f"hop ({hop}) larger than the window ({window}) would leave gaps")
    if n_samples <= 0:
        return []
    if n_samples <= window:
        return [(0, n_samples)]
    starts = list(range(0, n_samples - window + 1, hop))
    if starts[-1] + window < n_samples:
        starts.append(n_samples - window)
    return [(s, s + window) for s in starts]


def _fade_weights(length: int, fade_in: int, fade_out: int) -> np.ndarray:
    w = np.ones(length)
    # Raised-cosine ramps that never reach 0 (weights are normalised afterwards, so a
    # sample covered by one chunk only keeps that chunk's value exactly).
    if fade_in > 0:
        k = np.arange(fade_in)
        w[:fade_in] = 0.5 - 0.5 * np.cos(np.pi * (k + 0.5) / fade_in)
    if fade_out > 0:
        k = np.arange(fade_out)
        w[length - fade_out:] = np.minimum(w[length - fade_out:], 0.5 - 0.5 * np.cos(np.pi * (fade_out - k - 0.5) / fade_out))
    return w


def overlap_add(
    chunks: Sequence[np.ndarray], starts: Sequence[int], n_samples: int, *, fade: int | None = None
) -> np.ndarray:
    """Join overlapping chunks (model outputs of :func:`sliding_windows`) without seams.

    Each chunk is weighted by a raised-cosine ramp over the part it shares with its
    neighbour (``fade`` samples; by default the whole overlap) and the weighted sum is
    normalised, so the output cross-fades smoothly from one chunk to the next and equals
    a chunk exactly where it alone covers the signal.
    """
    if len(chunks) != len(starts):
        raise ValueError(f"{len(chunks)} chunks for {len(starts)} start positions")
    if not chunks:
        raise ValueError("no chunks to join")
    first = np.asarray(chunks[0])
    out = np.zeros((n_samples,) + first.shape[1:], dtype=np.float64)
    total = np.zeros(n_samples, dtype=np.float64)
    order = np.argsort(np.asarray(starts), kind="stable")
    spans = [(int(starts[i]), int(starts[i]) + np.asarray(chunks[i]).shape[0]) for i in order]
    for pos, i in enumerate(order):
        chunk = np.asarray(chunks[i], dtype=np.float64)
        s, e = spans[pos]
        if s < 0 or e > n_samples:
            raise ValueError(f"chunk {i} spans [{s}, {e}) outside [0, {n_samples})")
        prev_overlap = max(0, spans[pos - 1][1] - s) if pos > 0 else 0
        next_overlap = max(0, e - spans[pos + 1][0]) if pos + 1 < len(spans) else 0
        fin = min(prev_overlap, fade) if fade is not None else prev_overlap
        fout = min(next_overlap, fade) if fade is not None else next_overlap
        length = e - s
        w = _fade_weights(length, min(fin, length), min(fout, length))
        out[s:e] += chunk * (w if chunk.ndim == 1 else w[:, None])
        total[s:e] += w
    if np.any(total == 0):
        gap = int(np.argmax(total == 0))
        raise ValueError(f"chunks leave sample {gap} uncovered")
    out /= total if out.ndim == 1 else total[:, None]
    return out.astype(first.dtype if np.issubdtype(first.dtype, np.floating) else np.float64, copy=False)
