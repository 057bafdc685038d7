"""Record-level band factors: the overall-spread factor and the choice of exponents."""

from __future__ import annotations

import numpy as np
import pytest

from leadsynth_core.uncertainty.factors import (
    CLIP,
    loso_coverage,
    ratio_factor,
    select_exponents,
    spread_factor,
)

OUTPUTS = ["V1", "V2"]


def _source(rng: np.random.Generator, lo: float, hi: float, n: int = 12, t: int = 2500) -> list:
    """Records whose members' spread is a constant s per record and whose error grows as s**2.

    The band is q * (spread + eps) * f: without a record factor it grows only as s, so a
    source of larger s is under-covered by a band calibrated on a source of smaller s.
    """
    items = []
    for s in np.linspace(lo, hi, n):
        sd = np.full((2, t), s)
        mu = np.zeros((2, t))
        y = rng.normal(0.0, 0.3 * s**2, size=(2, t))
        items.append((y, mu, sd, None))
    return items


def test_ratio_factor_is_one_without_exponent_and_clipped() -> None:
    assert ratio_factor(10.0, 1.0, 0.0) == 1.0
    assert ratio_factor(10.0, 1.0, 1.0) == CLIP[1]
    assert ratio_factor(0.01, 1.0, 1.0) == CLIP[0]
    assert ratio_factor(2.0, 1.0, 0.5) == pytest.approx(np.sqrt(2.0))


def test_spread_factor_is_a_moving_mean_over_the_synthesized_rows() -> None:
    env = np.ones((3, 10 * 250 * 3))
    env[0] = 100.0  # a measured lead's row: never counted
    env[1:, 5000:] = 2.0  # the last 10 s: twice the spread
    f = spread_factor(env, rows=[1, 2], reference=1.0, kappa=1.0)
    assert f[:1000] == pytest.approx(1.0)  # 5 s or more from the change: a 10-s mean
    assert f[-1000:] == pytest.approx(2.0)
    assert 1.0 < f[5000] < 2.0
    assert spread_factor(env, rows=[1, 2], reference=1.0, kappa=0.0) == 1.0


def test_exponents_are_chosen_so_that_each_source_is_covered_by_the_others_calibration() -> None:
    rng = np.random.default_rng(0)
    by_source = {"small spread": _source(rng, 1.0, 1.4), "large spread": _source(rng, 1.6, 2.2)}
    rows = [0, 1]
    plain = loso_coverage(by_source, OUTPUTS, rows, gamma=0.0, kappa=0.0)
    # Without the factor the band calibrated on one source misses the other (both ways).
    assert plain["large spread"] < 0.85 and plain["small spread"] > 0.95
    gamma, kappa, cov = select_exponents(by_source, OUTPUTS, rows)
    assert gamma == 0.0  # no self-check on these records
    assert kappa > 0.0
    assert all(0.85 <= c <= 0.95 for c in cov.values()), cov
    assert cov == loso_coverage(by_source, OUTPUTS, rows, gamma, kappa)


def test_a_single_source_leaves_the_exponents_at_zero() -> None:
    rng = np.random.default_rng(1)
    assert select_exponents({"one": _source(rng, 1.0, 1.4)}, OUTPUTS, [0, 1]) == (0.0, 0.0, {})
