"""Synthetic 12-lead ECGs with known intervals, amplitudes and ST levels for the measurement tests."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from leadsynth_core.leads import STANDARD_LEADS, derive_limb_leads
from leadsynth_core.record import EcgRecord

FS = 500.0
RR_S = 1.0
#: Wave boundaries relative to the R peak (s).
P_ON, P_OFF = -0.20, -0.10
QRS_ON, QRS_OFF = -0.045, 0.045
T_ON, T_END = 0.16, 0.38
#: Per-lead (R amplitude, S amplitude, T amplitude, ST at J+60) in mV, chosen to be distinct.
LEAD_SHAPES = {
    "I": (0.8, -0.1, 0.25, 0.0), "II": (1.2, -0.2, 0.35, 0.0), "III": (0.4, -0.3, 0.1, 0.0),
    "aVR": (0.1, -0.9, -0.3, 0.0), "aVL": (0.5, -0.1, 0.1, 0.0), "aVF": (0.8, -0.2, 0.2, 0.0),
    "V1": (0.2, -1.0, -0.2, 0.0), "V2": (0.4, -1.2, 0.5, 0.2), "V3": (0.8, -0.8, 0.5, 0.0),
    "V4": (1.4, -0.5, 0.45, 0.0), "V5": (1.3, -0.3, 0.35, 0.0), "V6": (1.0, -0.2, 0.3, 0.0),
}


def _half_sine(t: np.ndarray, on: float, off: float) -> np.ndarray:
    inside = (t >= on) & (t <= off)
    return np.where(inside, np.sin(np.pi * (t - on) / (off - on)), 0.0)


def _qrs(t: np.ndarray, r_amp: float, s_amp: float, j_level: float) -> np.ndarray:
    """R (triangle from QRS onset to +15 ms), then S, ending at the J point's level ``j_level``."""
    up = np.interp(t, [QRS_ON, 0.0, 0.015], [0.0, r_amp, 0.0], left=0.0, right=0.0)
    down = np.interp(t, [0.015, 0.025, QRS_OFF], [0.0, s_amp, j_level], left=0.0, right=0.0)
    return up + down


def beat(t: np.ndarray, lead: str, p_mv: float = 0.12) -> np.ndarray:
    """One beat of ``lead`` (t in s from the R peak); ``p_mv`` the P wave's height (0: none)."""
    r, s, tamp, st = LEAD_SHAPES[lead]
    p = p_mv * _half_sine(t, P_ON, P_OFF) * (1 if lead != "aVR" else -1)
    # ST elevation: the QRS ends at the elevated J level, a plateau to the T onset that then
    # returns to the baseline at the T end (the T wave rides on it).
    plateau = st * ((t > QRS_OFF) & (t <= T_ON)) + st * np.clip((T_END - t) / (T_END - T_ON), 0, 1) * (t > T_ON)
    return p + _qrs(t, r, s, st) + tamp * _half_sine(t, T_ON, T_END) + plateau


def synthetic_record(duration_s: float = 10.0, *, fs: float = FS, rr_s: float = RR_S,
                     noise_mv: float = 0.005, seed: int = 0, einthoven: bool = False,
                     p_mv: float = 0.12) -> EcgRecord:
    """Regular rhythm of identical beats; every lead with the shapes of LEAD_SHAPES.

    ``einthoven``: III, aVR, aVL, aVF computed from I and II by the lead algebra (as in a
    real recording), so that the frontal axis is well defined.  ``p_mv``: the P waves'
    height (0: no P wave, as in atrial fibrillation).
    """
    n = int(duration_s * fs)
    t = np.arange(n) / fs
    sig = np.zeros((n, len(STANDARD_LEADS)))
    peaks = np.arange(0.6, duration_s - 0.5, rr_s)
    for j, lead in enumerate(STANDARD_LEADS):
        for p in peaks:
            sig[:, j] += beat(t - p, lead, p_mv)
    if einthoven:
        i, ii = sig[:, 0].copy(), sig[:, 1].copy()
        sig[:, 2], sig[:, 3], sig[:, 4], sig[:, 5] = ii - i, -(i + ii) / 2, i - ii / 2, ii - i / 2
    sig += np.random.default_rng(seed).normal(0, noise_mv, sig.shape)
    return EcgRecord(sig.astype(np.float32), fs, STANDARD_LEADS, source="synthetic")


def _recable(rec: EcgRecord, limb: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]) -> EcgRecord:
    """``rec`` with leads I and II replaced by ``limb(I, II)``, the other frontal leads recomputed
    from those and the chest leads unchanged (Wilson's terminal does not move)."""
    sig = np.array(rec.signal, dtype=np.float64, copy=True)
    col = {n: j for j, n in enumerate(rec.lead_names)}
    new_i, new_ii = limb(sig[:, col["I"]].copy(), sig[:, col["II"]].copy())
    sig[:, col["I"]], sig[:, col["II"]] = new_i, new_ii
    for name, x in derive_limb_leads(new_i, new_ii).items():
        if name in col:
            sig[:, col[name]] = x
    return dataclasses.replace(rec, signal=sig.astype(np.float32))


def swap_arms(rec: EcgRecord) -> EcgRecord:
    """What a cart records with the right- and left-arm electrodes swapped: I' = -I, II' = II - I."""
    return _recable(rec, lambda i, ii: (-i, ii - i))


def swap_arm_leg(rec: EcgRecord) -> EcgRecord:
    """What a cart records with the right-arm and left-leg electrodes swapped: I' = I - II (-III), II' = -II."""
    return _recable(rec, lambda i, ii: (i - ii, -ii))
