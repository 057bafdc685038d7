"""Metrics against values computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from leadsynth_core.errors import MissingLeadError, SignalQualityError
from leadsynth_core.metrics import lead_metrics, mae, pcc, rmse, snr_db
from leadsynth_core.record import EcgRecord

T = np.array([1.0, 2.0, 3.0, 4.0])
E = np.array([1.0, 2.0, 3.0, 6.0])


def test_values_by_hand() -> None:
    # errors 0, 0, 0, -2
    assert rmse(T, E) == pytest.approx(1.0)  # sqrt(4/4)
    assert mae(T, E) == pytest.approx(0.5)  # 2/4
    assert snr_db(T, E) == pytest.approx(10 * math.log10(30 / 4))  # 1+4+9+16 = 30
    # means 2.5 and 3.0; deviations (-1.5,-.5,.5,1.5) and (-2,-1,0,3): cov 3+.5+0+4.5 = 8
    # var sums 5 and 14 -> 8 / sqrt(70)
    assert pcc(T, E) == pytest.approx(8 / math.sqrt(70))
    assert pcc(T, -T) == pytest.approx(-1.0)
    assert pcc(T, 3 * T + 7) == pytest.approx(1.0)


def test_edge_cases() -> None:
    assert math.isnan(pcc(np.ones(5), np.arange(5.0)))  # constant truth: undefined
    assert math.isnan(pcc(np.arange(5.0), np.zeros(5)))
    assert snr_db(T, T) == math.inf
    assert math.isnan(snr_db(np.zeros(3), np.zeros(3)))
    assert snr_db(np.zeros(3), np.ones(3)) == -math.inf
    with pytest.raises(ValueError, match="4 samples, estimate has 3"):
        rmse(T, E[:3])


def _rec(cols: dict[str, np.ndarray], fs: float = 500) -> EcgRecord:
    names = tuple(cols)
    return EcgRecord(signal=np.stack([cols[n] for n in names], axis=1), fs=fs, lead_names=names)


def test_lead_metrics_and_mean() -> None:
    truth = _rec({"I": T, "V1": T, "V2": np.ones(4)})
    est = _rec({"I": T, "V1": E, "V2": np.array([1.0, 2.0, 1.0, 2.0])})
    m = lead_metrics(truth, est)
    assert list(m) == ["I", "V1", "V2", "mean"]
    assert m["I"]["pcc"] == pytest.approx(1.0) and m["I"]["snr_db"] == math.inf
    assert m["V1"]["rmse"] == pytest.approx(1.0)
    assert math.isnan(m["V2"]["pcc"])
    assert m["mean"]["pcc"] == pytest.approx((1.0 + 8 / math.sqrt(70)) / 2)  # nan skipped
    assert m["mean"]["mae"] == pytest.approx((0 + 0.5 + 0.5) / 3)
    only = lead_metrics(truth, est, leads=["v1"])
    assert list(only) == ["V1", "mean"]
    with pytest.raises(MissingLeadError, match="V3"):
        lead_metrics(truth, est, leads=["V3"])
    with pytest.raises(SignalQualityError, match="sampling rates differ"):
        lead_metrics(truth, _rec({"I": T}, fs=250))
