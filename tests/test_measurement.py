"""Measurement engine on synthetic beats with known intervals, amplitudes and ST levels."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from measurement_synth import (
    FS,
    LEAD_SHAPES,
    P_ON,
    QRS_OFF,
    QRS_ON,
    T_END,
    T_ON,
    _half_sine,
    beat,
    synthetic_record,
)

from leadsynth_core.leads import STANDARD_LEADS
from leadsynth_core.measurement import compare_measurements, measure_record, transition_zone
from leadsynth_core.measurement.globals import frontal_axis
from leadsynth_core.record import EcgRecord, Provenance

# Threshold delineation of smooth synthetic onsets lands a few samples inside the wave;
# 15 ms is well under what calipers on paper resolve (a small box is 40 ms).
TOL_MS = 15.0


@pytest.fixture(scope="module")
def measured():
    return measure_record(synthetic_record(einthoven=True))


def test_global_intervals_match_the_construction(measured) -> None:
    g = measured.values
    assert measured.measurable and measured.reason is None
    assert g.heart_rate_bpm == pytest.approx(60.0, abs=1)
    # The P onset of a smooth half-sine is found where it reaches a third of its height,
    # ~12 ms in (on LUDB the same threshold is unbiased against the cardiologists: +1 ms).
    assert g.pr_ms == pytest.approx((QRS_ON - P_ON) * 1000, abs=20.0)
    assert g.qrs_ms == pytest.approx((QRS_OFF - QRS_ON) * 1000, abs=TOL_MS)
    assert g.qt_ms == pytest.approx((T_END - QRS_ON) * 1000, abs=TOL_MS)
    # RR = 1 s: both corrections leave QT as it is.
    assert g.qtc_bazett_ms == pytest.approx(g.qt_ms, abs=1)
    assert g.qtc_fridericia_ms == pytest.approx(g.qt_ms, abs=1)


def _with_t_end(record: EcgRecord, lead: str, t_end: float, rr_s: float = 1.0) -> EcgRecord:
    """``record`` with the T wave of ``lead`` ending at ``t_end`` (s from R) instead of T_END."""
    sig = np.array(record.signal, dtype=np.float64)
    t = np.arange(record.n_samples) / record.fs
    j = record.lead_names.index(lead)
    tamp = LEAD_SHAPES[lead][2]
    for p in np.arange(0.6, record.duration - 0.5, rr_s):
        u = t - p
        sig[:, j] += tamp * (_half_sine(u, T_ON, t_end) - _half_sine(u, T_ON, T_END))
    return EcgRecord(sig.astype(np.float32), record.fs, record.lead_names, source="synthetic")


def test_qt_ends_at_the_latest_t_end_over_the_leads() -> None:
    """The QT runs to the latest T end in any lead (as defined, and as carts measure it).

    With V3's T wave ending 40 ms after the others, the spatial magnitude of all leads
    together (the T end used before) fades before V3 has returned to baseline: it read
    this QT about 40 ms short.
    """
    late = T_END + 0.040
    g = measure_record(_with_t_end(synthetic_record(), "V3", late)).values
    assert g.qt_ms == pytest.approx((late - QRS_ON) * 1000, abs=TOL_MS)


def test_one_lead_far_later_than_the_others_does_not_stretch_the_qt() -> None:
    """A lead whose T end lies far beyond the others' (noise, a U wave) is an outlier."""
    g = measure_record(_with_t_end(synthetic_record(), "V2", T_END + 0.2)).values
    assert g.qt_ms == pytest.approx((T_END - QRS_ON) * 1000, abs=TOL_MS)


def test_qtc_formulas_at_another_rate() -> None:
    m = measure_record(synthetic_record(rr_s=0.75))
    g = m.values
    assert g.heart_rate_bpm == pytest.approx(80, abs=1)
    assert g.qtc_bazett_ms == pytest.approx(g.qt_ms / math.sqrt(0.75), abs=1.5)
    assert g.qtc_fridericia_ms == pytest.approx(g.qt_ms / 0.75 ** (1 / 3), abs=1.5)


def test_per_lead_amplitudes_and_st(measured) -> None:
    for lead in ("I", "II", "V1", "V3", "V4", "V6"):
        r, s, t, st = LEAD_SHAPES[lead]
        v = measured.leads[lead].values
        assert v.r_mv == pytest.approx(r, abs=0.03), lead
        assert v.s_mv == pytest.approx(s, abs=0.06), lead
        assert v.t_mv == pytest.approx(t, abs=0.03), lead
        assert v.st_j60_mv == pytest.approx(0.0, abs=0.02), lead
        assert v.t_polarity == ("positive" if t > 0 else "negative"), lead
        assert v.p_mv == pytest.approx(0.12, abs=0.02), lead
    v2 = measured.leads["V2"].values
    assert v2.st_j60_mv == pytest.approx(0.2, abs=0.03)
    assert v2.st_j80_mv == pytest.approx(0.2, abs=0.03)
    assert measured.leads["V1"].values.t_polarity == "negative"


def test_frontal_axis_from_lead_areas(measured) -> None:
    assert frontal_axis(1.0, 0.0) == 0.0
    assert frontal_axis(0.0, 1.0) == 90.0
    assert frontal_axis(-1.0, 0.0) == 180.0
    assert frontal_axis(1.0, -1.0) == -45.0
    assert frontal_axis(0.0, 0.0) is None
    # Expected QRS axis from the noise-free waveforms integrated over the true QRS.
    t = np.arange(int(QRS_ON * FS), int(QRS_OFF * FS) + 1) / FS
    i, ii = beat(t, "I"), beat(t, "II")
    expected = math.degrees(math.atan2(np.trapezoid(ii - i / 2), np.trapezoid(i)))
    assert measured.values.axis_qrs_deg == pytest.approx(expected, abs=8)


def test_every_lead_carries_its_provenance() -> None:
    rec = synthetic_record()
    prov = tuple(Provenance.SYNTHESIZED if n.startswith("V") and n not in ("V2", "V4") else Provenance.MEASURED
                 for n in rec.lead_names)
    m = measure_record(rec.replace(provenance=prov))
    d = m.to_dict()
    assert d["leads"]["V1"]["provenance"] == "synthesized"
    assert d["leads"]["V2"]["provenance"] == "measured"


def test_json_keys_and_json_round_trip(measured) -> None:
    d = json.loads(json.dumps(measured.to_dict()))
    for key in ("heart_rate_bpm", "pr_ms", "qrs_ms", "qt_ms", "qtc_bazett_ms", "qtc_fridericia_ms"):
        assert isinstance(d[key], float), key
    assert set(d["axis_deg"]) == {"p", "qrs", "t"}
    assert list(d["leads"]) == list(STANDARD_LEADS)
    for lead in d["leads"].values():
        for key in ("provenance", "q_mv", "r_mv", "s_mv", "st_j_mv", "st_j60_mv", "st_j80_mv", "t_mv",
                    "t_polarity", "p_mv", "qrs_area_mvms"):
            assert key in lead


def test_comparison_flags_clinical_disagreements(measured) -> None:
    rec = synthetic_record(einthoven=True)
    sig = np.array(rec.signal, dtype=np.float64)
    j = rec.lead_names.index("V5")
    sig[:, j] = -sig[:, j]  # flips V5's T wave and its R/S
    k = rec.lead_names.index("V3")
    n = sig.shape[0]
    t = (np.arange(n) / rec.fs) % 1.0 - 0.6  # beats at 0.6 s + k s
    sig[:, k] += 0.1 * ((t > QRS_OFF) & (t < 0.2))  # ST raised by 0.1 mV in V3
    prov = tuple(Provenance.SYNTHESIZED if n in ("V1", "V3", "V5", "V6") else Provenance.MEASURED
                 for n in rec.lead_names)
    synth = measure_record(rec.replace(signal=sig.astype(np.float32), provenance=prov))
    cmp = compare_measurements(measured, synth)
    assert set(cmp.lead_flags) == {"V1", "V3", "V5", "V6"}
    assert any("T polarity flipped" in f for f in cmp.lead_flags["V5"])
    assert any("ST J+60" in f for f in cmp.lead_flags["V3"])
    assert cmp.lead_flags["V1"] == [] and cmp.lead_flags["V6"] == []
    assert transition_zone(measured) == "V3"
    assert cmp.to_dict()["flags"]["leads"]["V3"]


def _record(sig: np.ndarray, fs: float = 500.0) -> EcgRecord:
    return EcgRecord(sig.astype(np.float32), fs, STANDARD_LEADS, source="bad")


def _assert_not_measurable(m, word: str) -> None:
    assert not m.measurable
    assert word in m.reason
    d = json.loads(json.dumps(m.to_dict()))
    # Nothing invented: every value null, never 0.
    for key in ("heart_rate_bpm", "pr_ms", "qrs_ms", "qt_ms", "qtc_bazett_ms", "qtc_fridericia_ms"):
        assert d[key] is None, key
    assert d["axis_deg"] == {"p": None, "qrs": None, "t": None}
    for lead in d["leads"].values():
        assert all(lead[k] is None for k in ("q_mv", "r_mv", "s_mv", "st_j60_mv", "t_mv", "p_mv"))
        assert "not measurable" in lead["reason"]


def test_flat_recording_is_not_measurable() -> None:
    _assert_not_measurable(measure_record(_record(np.zeros((5000, 12)))), "flat")


def test_noise_is_not_measurable() -> None:
    noise = np.random.default_rng(1).normal(0, 0.3, (5000, 12))
    _assert_not_measurable(measure_record(_record(noise)), "")


def test_asystole_is_not_measurable() -> None:
    rec = synthetic_record()
    sig = np.array(rec.signal)
    sig[int(3.2 * rec.fs):] = np.random.default_rng(2).normal(0, 0.005, sig[int(3.2 * rec.fs):].shape)
    _assert_not_measurable(measure_record(rec.replace(signal=sig)), "asystole")


def test_paced_rhythm_is_not_measured() -> None:
    rec = synthetic_record()
    sig = np.array(rec.signal)
    for p in np.arange(0.6, 9.5, 1.0):
        i = int(round((p - 0.08) * rec.fs))
        sig[i:i + 1] += 2.0  # a 2-ms pacemaker spike 80 ms before each R
    _assert_not_measurable(measure_record(rec.replace(signal=sig)), "pacemaker")


def test_a_flat_lead_says_why_and_the_others_are_measured() -> None:
    rec = synthetic_record()
    sig = np.array(rec.signal)
    sig[:, rec.lead_names.index("V6")] = 0.0
    m = measure_record(rec.replace(signal=sig))
    assert m.measurable
    assert m.leads["V6"].values.r_mv is None and "flat" in m.leads["V6"].reason
    assert m.leads["V5"].values.r_mv is not None
