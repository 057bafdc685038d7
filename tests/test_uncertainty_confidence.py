"""Band width over time: bins of comparable length, so that the curve's end is not an artefact."""

from __future__ import annotations

import numpy as np
import pytest

from leadsynth_core.uncertainty.confidence import band_over_time

FS = 500.0


def test_a_short_remainder_joins_the_last_bin_instead_of_reading_as_an_event() -> None:
    # 115.2 s whose last 0.2 s (a truncated QRS at the record's end) has ten times the band.
    n = int(115.2 * FS)
    hw = np.full((n, 2), 0.1)
    hw[:, 0] = np.nan  # a measured lead: no band
    hw[-int(0.2 * FS):, 1] = 1.0
    t, w = band_over_time(hw, FS, 1.0)
    assert w.shape == (115, 2)
    assert np.isnan(w[:, 0]).all()
    np.testing.assert_allclose(w[:-1, 1], 0.2)
    # The last bin spans 114-115.2 s: its mean, not the 0.2-s stretch alone (2.0 mV).
    assert t[-1] == pytest.approx(114.6)
    assert w[-1, 1] == pytest.approx(2 * (0.1 * 1.0 + 1.0 * 0.2) / 1.2)


def test_a_remainder_of_half_a_step_or_more_keeps_its_own_bin() -> None:
    n = int(10.6 * FS)
    t, w = band_over_time(np.full((n, 1), 0.25), FS, 1.0)
    assert len(t) == 11
    assert t[-1] == pytest.approx(10.3)
    np.testing.assert_allclose(w[:, 0], 0.5)


def test_a_recording_shorter_than_one_step_is_one_bin() -> None:
    t, w = band_over_time(np.full((int(0.3 * FS), 1), 0.25), FS, 1.0)
    assert t == pytest.approx([0.15])
    np.testing.assert_allclose(w[:, 0], 0.5)
