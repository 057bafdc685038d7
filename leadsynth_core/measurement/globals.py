"""Global measurements: rate, RR variability, intervals, QTc and frontal-plane axes.

Intervals are taken as electrocardiographs take them, on the median beats of all leads
together: from the earliest onset to the latest offset over the leads (the global fiducial
points of :mod:`.delineate`).  PR = QRS onset - P onset; QRS = J - QRS onset;
QT = T end - QRS onset; QTc Bazett = QT / sqrt(RR), Fridericia = QT / RR^(1/3), RR in
seconds (the median RR).  Axes: the direction in the frontal plane of the net area of the
wave in lead I (0 deg) and aVF (+90 deg), in degrees from -180 (exclusive) to +180.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from .delineate import Fiducials

__all__ = ["GlobalValues", "global_values", "frontal_axis", "wave_area", "wave_spans", "MIN_AREA_MV_MS"]

#: The smallest net area (mV ms) of a wave in leads I and aVF together that has a direction:
#: below it the axis is not read (a flat wave points nowhere).
MIN_AREA_MV_MS: dict[str, float] = {"P": 0.5, "QRS": 1.0, "T": 0.5}


@dataclasses.dataclass(frozen=True)
class GlobalValues:
    """Rate (bpm), RR statistics and intervals (ms), axes (deg); ``None`` = not measured."""

    heart_rate_bpm: float | None = None
    rr_ms: float | None = None
    rr_sd_ms: float | None = None
    rr_rmssd_ms: float | None = None
    pr_ms: float | None = None
    qrs_ms: float | None = None
    qt_ms: float | None = None
    qtc_bazett_ms: float | None = None
    qtc_fridericia_ms: float | None = None
    axis_p_deg: float | None = None
    axis_qrs_deg: float | None = None
    axis_t_deg: float | None = None


def frontal_axis(area_i: float, area_avf: float, *, min_area: float = 1e-6) -> float | None:
    """Axis in degrees (-180, 180] of a wave with net areas ``area_i`` and ``area_avf``.

    ``None`` when both areas are (near) zero: a direction of nothing is not an axis.
    """
    if math.hypot(area_i, area_avf) < min_area:
        return None
    return float(round(math.degrees(math.atan2(area_avf, area_i)), 0))


def wave_area(x: np.ndarray, lo: int | None, hi: int | None, fs: float) -> float | None:
    """Net area (mV ms) of ``x`` from sample ``lo`` to ``hi``; ``None`` where the wave is absent."""
    if lo is None or hi is None or hi - lo < 2:
        return None
    return float(np.trapezoid(x[lo:hi + 1], dx=1000.0 / fs))


def wave_spans(fid: Fiducials) -> dict[str, tuple[int | None, int | None]]:
    """Where the axes' areas are taken: P onset-offset, QRS onset-J, J-T end (median-beat samples)."""
    return {"P": (fid.p_on, fid.p_off), "QRS": (fid.qrs_on, fid.qrs_off), "T": (fid.qrs_off, fid.t_end)}


def global_values(
    rr_ms: np.ndarray, fid: Fiducials, fs: float, lead_i: np.ndarray | None, lead_avf: np.ndarray | None
) -> GlobalValues:
    """Global values from the RR intervals, the fiducial points and leads I and aVF.

    ``lead_i`` / ``lead_avf`` are the median beats against their PR baseline (``None``
    when the record lacks them: no axes then).
    """
    rr = np.asarray(rr_ms, dtype=np.float64)
    med_rr = float(np.median(rr))
    rr_s = med_rr / 1000.0

    def ms(a: int | None, b: int | None) -> float | None:
        return None if a is None or b is None else round((b - a) * 1000.0 / fs, 0)

    qt = ms(fid.qrs_on, fid.t_end)
    axes: dict[str, float | None] = {"p": None, "qrs": None, "t": None}
    if lead_i is not None and lead_avf is not None:
        for wave, (lo, hi) in wave_spans(fid).items():
            a_i, a_f = wave_area(lead_i, lo, hi, fs), wave_area(lead_avf, lo, hi, fs)
            if a_i is not None and a_f is not None:
                axes[wave.lower()] = frontal_axis(a_i, a_f, min_area=MIN_AREA_MV_MS[wave])
    return GlobalValues(
        heart_rate_bpm=round(60000.0 / med_rr, 0),
        rr_ms=round(med_rr, 0),
        rr_sd_ms=round(float(rr.std(ddof=1)), 1) if rr.size > 1 else None,
        rr_rmssd_ms=round(float(np.sqrt(np.mean(np.diff(rr) ** 2))), 1) if rr.size > 1 else None,
        pr_ms=ms(fid.p_on, fid.qrs_on),
        qrs_ms=ms(fid.qrs_on, fid.qrs_off),
        qt_ms=qt,
        qtc_bazett_ms=None if qt is None else round(qt / math.sqrt(rr_s), 0),
        qtc_fridericia_ms=None if qt is None else round(qt / rr_s ** (1.0 / 3.0), 0),
        axis_p_deg=axes["p"], axis_qrs_deg=axes["qrs"], axis_t_deg=axes["t"],
    )
