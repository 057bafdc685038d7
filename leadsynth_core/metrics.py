"""Agreement between a true and an estimated lead: PCC, RMSE, MAE, SNR.

Conventions
-----------
- Inputs are 1-D arrays in mV of equal length; they are compared in float64.
- ``pcc`` is undefined when either signal is constant (zero variance): it returns
  ``nan`` rather than 0 or 1, and ``lead_metrics`` keeps that ``nan`` (means skip it).
- ``snr_db = 10 log10(sum(truth^2) / sum((truth - est)^2))``: ``inf`` for a perfect
  estimate, ``nan`` when truth and error are both all-zero.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable

import numpy as np

from .errors import MissingLeadError, SignalQualityError
from .leads import STANDARD_LEADS, canonical_lead_name
from .record import EcgRecord

__all__ = ["pcc", "rmse", "mae", "snr_db", "lead_metrics", "mean_over_leads", "snr_db_from_powers", "METRICS"]

log = logging.getLogger(__name__)


def _pair(truth: np.ndarray, estimate: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(truth, dtype=np.float64).reshape(-1)
    e = np.asarray(estimate, dtype=np.float64).reshape(-1)
    if t.shape != e.shape:
        raise ValueError(f"truth has {t.size} samples, estimate has {e.size}")
    if t.size == 0:
        raise ValueError("cannot compare empty signals")
    return t, e


def pcc(truth: np.ndarray, estimate: np.ndarray) -> float:
    """Pearson correlation coefficient; ``nan`` if either signal is constant."""
    t, e = _pair(truth, estimate)
    t = t - t.mean()
    e = e - e.mean()
    denom = math.sqrt(float(np.dot(t, t)) * float(np.dot(e, e)))
    if denom == 0.0:
        return float("nan")
    return float(np.clip(np.dot(t, e) / denom, -1.0, 1.0))


def rmse(truth: np.ndarray, estimate: np.ndarray) -> float:
    """Root-mean-square error (mV)."""
    t, e = _pair(truth, estimate)
    return float(np.sqrt(np.mean((t - e) ** 2)))


def mae(truth: np.ndarray, estimate: np.ndarray) -> float:
    """Mean absolute error (mV)."""
    t, e = _pair(truth, estimate)
    return float(np.mean(np.abs(t - e)))


def snr_db(truth: np.ndarray, estimate: np.ndarray) -> float:
    """``10 log10(sum(truth^2) / sum((truth - estimate)^2))`` in dB."""
    t, e = _pair(truth, estimate)
    return snr_db_from_powers(float(np.dot(t, t)), float(np.dot(t - e, t - e)))


def snr_db_from_powers(signal_power: float, noise_power: float) -> float:
    """:func:`snr_db` from ``sum(truth^2)`` and ``sum((truth - estimate)^2)`` (running sums)."""
    if noise_power == 0.0:
        return float("inf") if signal_power > 0 else float("nan")
    if signal_power == 0.0:
        return float("-inf")
    return 10.0 * math.log10(signal_power / noise_power)


#: The metrics :func:`lead_metrics` computes, by name.
METRICS = {"pcc": pcc, "rmse": rmse, "mae": mae, "snr_db": snr_db}


def lead_metrics(
    truth: EcgRecord, estimate: EcgRecord, leads: Iterable[str] | None = None
) -> dict[str, dict[str, float]]:
    """Per-lead metrics of ``estimate`` against ``truth``, plus their ``"mean"``.

    Parameters
    ----------
    leads
        Leads to score (default: the standard leads present in both records).

    Returns
    -------
    dict
        ``{lead: {"pcc": .., "rmse": .., "mae": .., "snr_db": ..}, ..., "mean": {...}}``.
        The mean of each metric ignores ``nan`` (e.g. PCC of a flat lead) and is ``nan``
        if every lead is ``nan``; an infinite SNR (perfect lead) makes the mean SNR inf.

    Raises
    ------
    SignalQualityError
        If the records differ in sampling rate or length.
    MissingLeadError
        If a requested lead is missing from either record.
    """
    where = f"{truth.source or 'truth'} vs {estimate.source or 'estimate'}"
    if truth.fs != estimate.fs:
        raise SignalQualityError(f"{where}: sampling rates differ ({truth.fs:g} vs {estimate.fs:g} Hz)")
    if truth.n_samples != estimate.n_samples:
        raise SignalQualityError(f"{where}: lengths differ ({truth.n_samples} vs {estimate.n_samples} samples)")
    if leads is None:
        names = [n for n in STANDARD_LEADS if n in truth.lead_names and n in estimate.lead_names]
        if not names:
            raise MissingLeadError(f"{where}: no standard lead is present in both records")
    else:
        names = [canonical_lead_name(n) for n in leads]
        truth.require_leads(names)
        estimate.require_leads(names)
    out: dict[str, dict[str, float]] = {}
    for name in names:
        t, e = truth.lead(name), estimate.lead(name)
        out[name] = {key: fn(t, e) for key, fn in METRICS.items()}
    out["mean"] = mean_over_leads(out, names)
    return out


def mean_over_leads(table: dict[str, dict[str, float]], leads: Iterable[str]) -> dict[str, float]:
    """Mean of each metric of ``table`` over ``leads``, ignoring ``nan`` (all ``nan`` gives ``nan``)."""
    names = list(leads)
    mean: dict[str, float] = {}
    for key in METRICS:
        values = np.array([table[n][key] for n in names], dtype=np.float64)
        finite_or_inf = values[~np.isnan(values)]
        mean[key] = float(np.mean(finite_or_inf)) if finite_or_inf.size else float("nan")
    return mean
