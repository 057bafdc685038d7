"""Per-lead measurements on a median beat, against the lead's PR (isoelectric) baseline.

Definitions (those of the AHA/ACCF/HRS recommendations and of electrocardiographs):

* Q, R, S, R': the deflections of the QRS (global onset to global J point) of at least
  ``MIN_WAVE_MV``; Q is an initial negative deflection followed by an R, R the first
  positive one, S the negative one after R, R' a second positive one after S.  A wave
  that is absent is measured as 0.0 mV (a measurement: "no Q wave"); ``None`` only means
  that the lead could not be measured.  Q and S are negative numbers.
* QRS area: the integral of the QRS against the baseline (mV*ms), net (positive - negative).
* ST level at J, J+60 ms and J+80 ms against the baseline.
* T amplitude: the largest deflection between J+80 ms and the T end (signed), with its
  polarity (positive, negative, biphasic, flat).
* P amplitude: the largest deflection between P onset and offset (signed), against the PR baseline.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .delineate import Fiducials

__all__ = ["LeadValues", "measure_lead", "t_wave_span", "MIN_WAVE_MV", "FLAT_T_MV", "ST_POINTS_MS"]

#: Smaller deflections are not counted as waves (noise on the median beat).
MIN_WAVE_MV = 0.03
#: A T wave below this in both directions is flat.
FLAT_T_MV = 0.05
#: Where the ST level is read: ms after the J point (QRS end), per ``LeadValues`` field.
ST_POINTS_MS: dict[str, float] = {"st_j_mv": 0.0, "st_j60_mv": 60.0, "st_j80_mv": 80.0}


@dataclasses.dataclass(frozen=True)
class LeadValues:
    """Amplitudes (mV), area (mV*ms) and ST levels (mV) of one lead; ``None`` = not measured."""

    q_mv: float | None = None
    r_mv: float | None = None
    s_mv: float | None = None
    r_prime_mv: float | None = None
    qrs_area_mvms: float | None = None
    st_j_mv: float | None = None
    st_j60_mv: float | None = None
    st_j80_mv: float | None = None
    t_mv: float | None = None
    t_polarity: str | None = None
    p_mv: float | None = None


def _lobes(seg: np.ndarray) -> list[float]:
    """Signed peak of each same-sign run of ``seg`` whose peak reaches MIN_WAVE_MV, merged."""
    peaks: list[float] = []
    sign = np.sign(seg)
    start = 0
    for i in range(1, seg.size + 1):
        if i == seg.size or sign[i] != sign[start]:
            run = seg[start:i]
            peak = float(run[np.argmax(np.abs(run))])
            if abs(peak) >= MIN_WAVE_MV:
                if peaks and np.sign(peaks[-1]) == np.sign(peak):
                    peaks[-1] = peak if abs(peak) > abs(peaks[-1]) else peaks[-1]
                else:
                    peaks.append(peak)
            start = i
    return peaks


def _r3(v: float) -> float:
    return round(float(v), 3)


def t_wave_span(fs: float, fid: Fiducials) -> tuple[int, int] | None:
    """Where a lead's T wave is read in the median beat: J+80 ms up to and including the T end
    (``None`` without a T end).  Its amplitude is the largest deflection there."""
    if fid.t_end is None:
        return None
    return fid.qrs_off + int(80 * fs / 1000.0), fid.t_end + 1


def measure_lead(beat: np.ndarray, fs: float, fid: Fiducials, baseline: float) -> LeadValues:
    """Measure one lead's median beat ``beat`` (mV) at the global fiducial points ``fid``."""
    x = np.asarray(beat, dtype=np.float64) - baseline
    n = x.size
    ms = fs / 1000.0
    qrs = x[fid.qrs_on:fid.qrs_off + 1]
    lobes = _lobes(qrs)
    q = r = s = rp = 0.0
    pos = [i for i, v in enumerate(lobes) if v > 0]
    if pos:
        first = pos[0]
        r = lobes[first]
        if first > 0:
            q = min(lobes[:first])
        after = lobes[first + 1:]
        if after and after[0] < 0:
            s = after[0]
            if len(after) > 1 and after[1] > 0:
                rp = after[1]
    elif lobes:
        # QS complex (no R): the one negative deflection is both the Q and the S wave.
        s = min(lobes)
        q = s
    area = float(np.trapezoid(qrs, dx=1000.0 / fs)) if qrs.size > 1 else 0.0

    def at(offset_ms: float) -> float | None:
        i = fid.qrs_off + int(round(offset_ms * ms))
        return _r3(x[i]) if 0 <= i < n else None

    t_mv = t_pol = None
    span = t_wave_span(fs, fid)
    if span is not None:
        lo, hi = span
        if hi - lo > 2:
            seg = x[lo:hi]
            up, down = float(seg.max()), float(seg.min())
            big = up if abs(up) >= abs(down) else down
            t_mv = _r3(big)
            if max(abs(up), abs(down)) < FLAT_T_MV:
                t_pol = "flat"
            elif up > 0 > down and min(up, -down) >= 0.5 * max(up, -down) and min(up, -down) >= 0.1:
                t_pol = "biphasic"
            else:
                t_pol = "positive" if big > 0 else "negative"
    p_mv = None
    if fid.p_on is not None and fid.p_off is not None:
        # Against the PR baseline like every other amplitude (the detected P onset sits a
        # little inside the wave, so its own level would shave the P amplitude).
        seg = x[fid.p_on:fid.p_off + 1]
        p_mv = _r3(seg[np.argmax(np.abs(seg))])
    return LeadValues(q_mv=_r3(q), r_mv=_r3(r), s_mv=_r3(s), r_prime_mv=_r3(rp), qrs_area_mvms=round(area, 1),
                      **{key: at(ms) for key, ms in ST_POINTS_MS.items()}, t_mv=t_mv, t_polarity=t_pol,
                      p_mv=p_mv)
