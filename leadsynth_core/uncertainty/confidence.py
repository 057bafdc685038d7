"""Reading the band without truth: per-lead confidence at the QRS, and band width over time.

A patch or a watch records 1-4 leads; nobody has the synthesized V1-V6 to compare with.
The band says how far the true lead may lie from the synthesized one; what matters to a
reader is whether that is small *relative to the waveform*, at the QRS where the
diagnostic features are.  :func:`lead_confidence` measures, per synthesized lead, the
band's full width over the QRS complexes (R peaks found on the measured leads, +-60 ms)
against the lead's own QRS amplitude (peak-to-peak in the same windows), as the median
over beats:

* ``high``: the band is under a third of the QRS amplitude;
* ``moderate``: a third to two thirds;
* ``low``: more than two thirds (the QRS shape of that lead is not to be trusted).

:func:`band_over_time` gives the mean band width per beat (or per time step where no
beats are found), per lead, for the "band width over time" plot (stretches where the
synthesis is unsure).  Per beat, not per second: the band is widest at the QRS, so a
one-second bin that holds two QRS complexes reads 20-30 % wider than its neighbour that
holds one, and the curve zig-zags with the heart rate instead of with the synthesis.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # the viewer imports this module at start-up: not the measurement engine
    from ..measurement.result import Measurements

__all__ = ["LeadConfidence", "LEVELS", "PER_BEAT_MIN_BEATS", "find_beats", "lead_confidence", "band_over_time", "QRS_HALF_S",
           "band_at", "band_verdict", "t_polarity_uncertain"]

#: Beats needed for :func:`band_over_time` to read per beat instead of per time step.
PER_BEAT_MIN_BEATS = 2  # not measurement.beats.MIN_BEATS (3, for a median beat)
#: Half-width of the QRS window around each R peak (s).
QRS_HALF_S = 0.06
#: Confidence levels, best first, with the upper bound of their width / QRS-amplitude ratio.
LEVELS: tuple[tuple[str, float], ...] = (("high", 1 / 3), ("moderate", 2 / 3), ("low", float("inf")))


@dataclasses.dataclass(frozen=True)
class LeadConfidence:
    """Confidence of one synthesized lead: the level, the band's width at the QRS (mV) and its ratio."""

    level: str
    qrs_width_mv: float
    ratio: float
    beats: int

    def text(self, lead: str) -> str:
        """E.g. ``"V1: low confidence (band 0.62 mV at the QRS, 85 % of its amplitude)"``."""
        return (f"{lead}: {self.level} confidence (band {self.qrs_width_mv:.2f} mV at the QRS, "
                f"{100 * self.ratio:.0f} % of its amplitude)")


def _level(ratio: float) -> str:
    return next(name for name, bound in LEVELS if ratio < bound)


def find_beats(signal: np.ndarray, fs: float, lead_names: Sequence[str],
               reference_leads: Sequence[str]) -> np.ndarray:
    """R-peak sample indices found on ``reference_leads`` (the measured ones); empty without any.

    A record under two seconds, or without a reference lead among ``lead_names``, has none.
    """
    signal = np.asarray(signal, dtype=np.float64)
    cols = [list(lead_names).index(r) for r in reference_leads if r in lead_names]
    if not cols or signal.shape[0] <= int(2 * fs):
        return np.array([], dtype=int)
    # scipy.signal is imported here, not at module import: the viewer imports this module
    # at start-up, and scipy.signal alone costs it about 0.8 s.
    from ..preprocess import detect_r_peaks

    return np.asarray(detect_r_peaks(signal[:, cols], fs), dtype=int)


def lead_confidence(signal: np.ndarray, half_width: np.ndarray, fs: float, lead_names: Sequence[str],
                    reference_leads: Sequence[str], beats: np.ndarray | None = None) -> dict[str, LeadConfidence]:
    """Confidence of every lead that has a band.

    Parameters
    ----------
    signal, half_width
        (n, leads) arrays: the synthesized record and the band's half-width (NaN: no band).
    fs
        Sampling rate (Hz).
    lead_names
        Column names.
    reference_leads
        Leads to find the R peaks on (the measured ones); without any, or without beats,
        the whole record counts as one window.
    beats
        The R peaks when already found (:func:`find_beats`); None finds them here.
    """
    signal = np.asarray(signal, dtype=np.float64)
    half_width = np.asarray(half_width, dtype=np.float64)
    n = signal.shape[0]
    peaks = find_beats(signal, fs, lead_names, reference_leads) if beats is None else np.asarray(beats, dtype=int)
    w = max(1, int(round(QRS_HALF_S * fs)))
    windows = [(max(0, p - w), min(n, p + w + 1)) for p in peaks] or [(0, n)]
    out: dict[str, LeadConfidence] = {}
    for j, name in enumerate(lead_names):
        hw = half_width[:, j]
        if not np.isfinite(hw).any():
            continue
        widths, amps = [], []
        for a, b in windows:
            seg = signal[a:b, j]
            if seg.size < 2:
                continue
            widths.append(2.0 * float(np.nanmean(hw[a:b])))
            amps.append(float(seg.max() - seg.min()))
        width, amp = float(np.median(widths)), float(np.median(amps))
        ratio = width / max(amp, 0.05)  # a flat lead (< 0.05 mV QRS) counts as 0.05 mV
        out[name] = LeadConfidence(_level(ratio), width, ratio, len(peaks))
    return out


def band_over_time(half_width: np.ndarray, fs: float, step_s: float = 1.0,
                   beats: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Mean full band width per beat or per ``step_s`` (mV): times (s) and (bins, leads), NaN without band.

    With :data:`PER_BEAT_MIN_BEATS` or more ``beats`` (R-peak sample indices, :func:`find_beats`) each bin is one
    cardiac cycle, from half-way to the previous R peak to half-way to the next (the first
    from the record's start, the last to its end), placed at its R peak: every bin then
    holds exactly one QRS, where the band is widest.  Otherwise the bins are ``step_s``
    long, placed at their centres; a remainder at the end shorter than half a step joins
    the bin before it instead of forming a bin of its own: a 0.2-s last bin that holds only
    a (truncated) QRS complex would average a different stretch than its neighbours and
    read as an event at the end of every such recording.
    """
    hw = np.asarray(half_width, dtype=np.float64)
    n = hw.shape[0]
    peaks = np.array([], dtype=int) if beats is None else np.unique(np.asarray(beats, dtype=int))
    peaks = peaks[(peaks >= 0) & (peaks < n)]
    if len(peaks) >= PER_BEAT_MIN_BEATS:
        mids = ((peaks[:-1] + peaks[1:]) // 2).tolist()
        edges = [0] + mids + [n]
        t = peaks / fs
    else:
        step = max(1, int(round(step_s * fs)))
        edges = list(range(0, n, step)) + [n]
        if len(edges) > 2 and edges[-1] - edges[-2] < step / 2:
            del edges[-2]
        t = (np.asarray(edges[:-1]) + np.asarray(edges[1:])) / 2.0 / fs
    bins = len(edges) - 1
    out = np.full((bins, hw.shape[1]), np.nan)
    has = np.isfinite(hw).any(axis=0)
    for k in range(bins):
        seg = hw[edges[k]:edges[k + 1], has]
        if seg.size:
            out[k, has] = 2.0 * seg.mean(axis=0)
    return np.asarray(t, dtype=np.float64), out


def band_at(measurements: Measurements, half_width: np.ndarray, start: int = 0,
            key: str = "st_j60_mv") -> dict[str, float]:
    """The band's half-width (mV) where each lead's value ``key`` is read, median over the beats.

    Whether an ST elevation or a T inversion survived synthesis is what a reader of a
    synthesized V2 wants to know, and no truth is there to tell.  The band says how far the
    true lead may lie from the synthesized one at every sample; read where the value is
    read, in every beat, it says how far the true value may lie from the one measured:

    * an ST level (``measurement.per_lead.ST_POINTS_MS``: J, J+60, J+80 ms; the J point is
      the median beat's global QRS end);
    * ``"t_mv"``: the T wave's largest deflection, between J+80 ms and the T end, where the
      lead's own median beat has it (``measurement.per_lead.t_wave_span``).  Not shown by
      the viewer or ``leadsynth measure``: there the band held the true T amplitude in only
      42-73 % of synthesized leads (``benchmarks/st_t_band.py``; the members agree on a
      T wave they all scale wrongly).

    Leads without a band (measured, derived) are left out.

    Parameters
    ----------
    measurements
        Of the synthesized record (``measure_record``): its beats and fiducial points.
    half_width
        ``(n, leads)`` in the order of ``measurements.lead_names``, NaN without a band.
    start
        The sample of ``half_width`` where the measured stretch begins (its ``window_s``).
    """
    from ..measurement.per_lead import ST_POINTS_MS, t_wave_span

    if key not in ST_POINTS_MS and key != "t_mv":
        raise KeyError(f"{key!r} is not read at one point of the beat; valid: {', '.join([*ST_POINTS_MS, 't_mv'])}")
    fid = measurements.fiducials
    if not measurements.measurable or fid is None or measurements.median is None:
        return {}
    hw = np.asarray(half_width, dtype=np.float64)
    peaks = np.asarray(measurements.r_peaks, dtype=int) + int(start)
    span = t_wave_span(measurements.fs, fid) if key == "t_mv" else None
    if key == "t_mv" and (span is None or span[1] - span[0] <= 2):
        return {}
    out: dict[str, float] = {}
    for j, name in enumerate(measurements.lead_names):
        if not np.isfinite(hw[:, j]).any():
            continue
        if span is not None:  # this lead's own T peak in its median beat
            lo, hi = span
            where = lo + int(np.argmax(np.abs(measurements.median[lo:hi, j])))
        else:
            where = fid.qrs_off + int(round(ST_POINTS_MS[key] * measurements.fs / 1000.0))
        at = peaks + (where - fid.r)
        at = at[(at >= 0) & (at < hw.shape[0])]
        values = hw[at, j] if at.size else np.array([np.nan])
        if np.isfinite(values).any():
            out[name] = float(np.nanmedian(values))
    return out


def band_verdict(key: str, value: float, band: float) -> str:
    """What the band (half-width ``band`` mV, :func:`band_at`) allows of a synthesized value.

    ``key`` ``"st_j60_mv"`` (any ST point): ``"present"`` when an ST deviation of at least
    ``measurement.compare.ST_FINDING_MV`` (0.1 mV) survives the band (its sign is the
    value's), ``"absent"`` when there is none even at the band's edges, else ``"undecided"``.
    ``"t_mv"``: ``"present"`` when a T wave of at least ``measurement.per_lead.FLAT_T_MV``
    (0.05 mV) of the value's sign survives the band (its polarity holds), ``"absent"`` when
    the T wave is flat even at the band's edges, else ``"undecided"``.
    """
    from ..measurement.compare import ST_FINDING_MV
    from ..measurement.per_lead import FLAT_T_MV, ST_POINTS_MS

    if key in ST_POINTS_MS:
        threshold = ST_FINDING_MV
    elif key == "t_mv":
        threshold = FLAT_T_MV
    else:
        raise KeyError(f"{key!r} has no band verdict; valid: {', '.join([*ST_POINTS_MS, 't_mv'])}")
    if abs(value) - band >= threshold:
        return "present"
    if abs(value) + band < threshold:
        return "absent"
    return "undecided"


def t_polarity_uncertain(t_mv: float | None, band: float | None) -> bool:
    """A synthesized T wave whose band at the peak (:func:`band_at`, ``"t_mv"``) reaches across
    zero: its polarity is uncertain (``band_verdict`` undecided).  Such T waves had the opposite
    polarity of the truth in 23 % of leads, the others in 1.3 % (``benchmarks/st_t_band.py``).
    ``False`` without a T wave or without a band."""
    return t_mv is not None and band is not None and band_verdict("t_mv", t_mv, band) == "undecided"
