"""Record-level band factors, and how their exponents are chosen.

The conformal factor ``q`` (:mod:`.calibration`) is one number per lead; what makes one
recording's band wider than another's is, beyond the sample-by-sample spread of the
members, two truth-free record-level factors, each a ratio to its median on the
calibration records, clipped to :data:`CLIP`, to a power:

* the self-check (:mod:`.probe`): one measured lead predicted from the others, exponent
  ``gamma``;
* the members' overall disagreement on this stretch of the recording: the mean of the
  spread's envelope over the synthesized leads and over :data:`SPREAD_WINDOW_S` seconds
  (a moving mean, so that it is the same whether a long recording is synthesized whole,
  paged or streamed in chunks), exponent ``kappa``.  The envelope already scales the band
  sample by sample; a recording on which the members disagree throughout is also one
  whose errors are larger than that local spread says (on the PTB ``S`` records the
  error-to-spread ratio of the chest leads is 1.3-1.6 times LUDB's for one or two input
  leads), and ``kappa`` > 0 widens such a stretch's band as a whole.  Its reference is
  the median over the calibration records of their mean.

The exponents are chosen per input lead set by leave-one-source-out over the calibration
sources (:func:`select_exponents`): for each pair on :data:`GAMMAS` x :data:`KAPPAS`,
calibrate on one source and measure the coverage on the other, in both directions, and
keep the pair whose worst coverage is nearest the nominal level (ties: the smaller
exponents).  ``q`` is then fitted on all sources with that pair.  So the exponents have
seen every calibration source, ``q`` of a leave-one-source-out check has not;
``benchmarks/uncertainty.py`` also reports a third source nothing was chosen on.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping, Sequence

import numpy as np
from scipy.ndimage import uniform_filter1d

from ..models.features import MODEL_FS
from .calibration import BAND_LEVEL, fit_lead_set, spread_envelope

__all__ = ["CLIP", "GAMMAS", "KAPPAS", "SPREAD_WINDOW_S", "ratio_factor", "record_spread", "local_spread",
           "spread_factor", "RecordItem", "record_factors", "references", "select_exponents", "loso_coverage"]

#: Bounds of a record-level ratio before the exponent: one odd recording never shrinks
#: the band below half, nor widens it beyond three times.
CLIP = (0.5, 3.0)
#: The exponents tried for the self-check and for the members' overall spread.
GAMMAS = (0.0, 0.25, 0.5, 0.75)
KAPPAS = (0.0, 0.5, 1.0, 1.5)
#: Length (s) of the moving mean of the overall spread: the calibration records' length.
SPREAD_WINDOW_S = 10.0


def ratio_factor(value: float | np.ndarray, reference: float, exponent: float) -> float | np.ndarray:
    """``clip(value / reference, *CLIP) ** exponent`` (1 when the exponent is 0), of a number or per sample."""
    if exponent == 0.0:
        return 1.0
    r = np.clip(np.asarray(value, dtype=np.float64) / max(reference, 1e-9), *CLIP) ** exponent
    return float(r) if r.ndim == 0 else r


def record_spread(env: np.ndarray, rows: Sequence[int] | None = None) -> float:
    """The members' overall disagreement on a recording: the mean envelope over ``rows`` (synthesized leads)."""
    e = np.asarray(env, dtype=np.float64)
    return float(np.mean(e if rows is None else e[list(rows)]))


def local_spread(env: np.ndarray, rows: Sequence[int], fs: float = MODEL_FS) -> np.ndarray:
    """The overall disagreement per sample (T,): the envelope (C_out, T) of ``rows``, averaged over
    the leads and over a :data:`SPREAD_WINDOW_S` moving window."""
    m = np.mean(np.asarray(env, dtype=np.float64)[list(rows)], axis=0)
    n = min(m.shape[0], max(1, int(round(SPREAD_WINDOW_S * fs))))
    return uniform_filter1d(m, n, mode="reflect")


def spread_factor(env: np.ndarray, rows: Sequence[int], reference: float, kappa: float,
                  fs: float = MODEL_FS) -> np.ndarray | float:
    """The overall-spread factor per sample (T,), from the envelope (C_out, T) of the synthesized ``rows``."""
    if kappa == 0.0:
        return 1.0
    return ratio_factor(local_spread(env, rows, fs), reference, kappa)


#: ``(truth, mean, spread, probe_rms or None)`` in model space, (C_out, T) each.
RecordItem = tuple[np.ndarray, np.ndarray, np.ndarray, "float | None"]


@dataclasses.dataclass(frozen=True)
class _Prepared:
    """What every candidate pair of exponents needs of one record, computed once."""

    item: RecordItem
    env: np.ndarray  # the spread's envelope (C_out, T)
    local: np.ndarray  # local_spread of the synthesized rows (T,)
    mean: float  # record_spread of the synthesized rows


def _prepare(items: Sequence[RecordItem], rows: Sequence[int]) -> list[_Prepared]:
    out = []
    for it in items:
        env = spread_envelope(it[2])
        out.append(_Prepared(it, env, local_spread(env, rows), record_spread(env, rows)))
    return out


def _references(prepared: Sequence[_Prepared]) -> tuple[float, float]:
    rms = [p.item[3] for p in prepared if p.item[3] is not None]
    probe_ref = float(np.median(rms)) if rms else float("nan")
    return probe_ref, float(np.median([p.mean for p in prepared]))


def _factors(prepared: Sequence[_Prepared], probe_ref: float, spread_ref: float, gamma: float,
             kappa: float) -> list[np.ndarray | float]:
    out = []
    for p in prepared:
        f = ratio_factor(p.local, spread_ref, kappa)
        if p.item[3] is not None:
            f = f * ratio_factor(p.item[3], probe_ref, gamma)
        out.append(f)
    return out


def record_factors(items: Sequence[RecordItem], rows: Sequence[int], probe_ref: float, spread_ref: float,
                   gamma: float, kappa: float) -> list[np.ndarray | float]:
    """Each record's band factor: per sample (T,) with ``kappa`` > 0, else one number."""
    return _factors(_prepare(items, rows), probe_ref, spread_ref, gamma, kappa)


def references(items: Sequence[RecordItem], rows: Sequence[int]) -> tuple[float, float]:
    """Median probe error (NaN without a probe) and median overall spread of ``items``."""
    return _references(_prepare(items, rows))


def _loso(by_source: Mapping[str, Sequence[_Prepared]], outputs: Sequence[str], rows: Sequence[int],
          gamma: float, kappa: float, level: float) -> dict[str, float]:
    out = {}
    for test in by_source:
        cal = [p for s, prepared in by_source.items() if s != test for p in prepared]
        pref, sref = _references(cal)
        fitted = fit_lead_set([p.item[:3] for p in cal], outputs, level, _factors(cal, pref, sref, gamma, kappa),
                              envs=[p.env for p in cal])
        q, eps = fitted.arrays(outputs)
        inside = total = 0
        for p, f in zip(by_source[test], _factors(by_source[test], pref, sref, gamma, kappa), strict=True):
            y, mu = p.item[0], p.item[1]
            half = q * (p.env + eps) * f
            ok = (np.abs(np.asarray(y, np.float64) - mu) <= half)[list(rows)]
            inside += int(ok.sum())
            total += ok.size
        out[test] = inside / max(total, 1)
    return out


def loso_coverage(by_source: Mapping[str, Sequence[RecordItem]], outputs: Sequence[str], rows: Sequence[int],
                  gamma: float, kappa: float, level: float = BAND_LEVEL) -> dict[str, float]:
    """Coverage of each source by the band calibrated on the other sources (synthesized ``rows`` only)."""
    return _loso({s: _prepare(items, rows) for s, items in by_source.items()}, outputs, rows, gamma, kappa, level)


def select_exponents(by_source: Mapping[str, Sequence[RecordItem]], outputs: Sequence[str], rows: Sequence[int],
                     level: float = BAND_LEVEL) -> tuple[float, float, dict[str, float]]:
    """``(gamma, kappa, coverage by source)`` of the pair whose worst leave-one-source-out coverage is best.

    "Worst" is the largest distance from ``level``; with a single source there is nothing
    to leave out, and the exponents are 0 (the band as the spread alone calibrates it).
    """
    if len(by_source) < 2:
        return 0.0, 0.0, {}
    prepared = {s: _prepare(items, rows) for s, items in by_source.items()}
    has_probe = any(p.item[3] is not None for ps in prepared.values() for p in ps)
    best: tuple[float, float, float, float, dict[str, float]] | None = None
    for gamma, kappa in itertools.product(GAMMAS if has_probe else (0.0,), KAPPAS):
        cov = _loso(prepared, outputs, rows, gamma, kappa, level)
        worst = max(abs(c - level) for c in cov.values())
        key = (round(worst, 4), gamma + kappa)
        if best is None or key < (best[0], best[1]):
            best = (key[0], key[1], gamma, kappa, cov)
    assert best is not None
    return best[2], best[3], best[4]
