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


def test_with_beats_each_bin_is_one_cardiac_cycle_placed_at_its_r_peak() -> None:
    # 1.3-s cycles: the band is 1.0 at each QRS (+-60 ms), 0.1 elsewhere.  Per second the
    # bins hold one or two QRS complexes and zig-zag; per beat every bin holds one and reads
    # the same.
    n = int(10 * FS)
    beats = np.arange(int(0.5 * FS), n, int(1.3 * FS))
    hw = np.full((n, 1), 0.1)
    for p in beats:
        hw[p - 30:p + 31, 0] = 1.0
    _, per_second = band_over_time(hw, FS, 1.0)
    assert np.ptp(per_second[:-1, 0]) > 0.2  # the zig-zag of the old plot
    t, w = band_over_time(hw, FS, 1.0, beats)
    np.testing.assert_allclose(t, beats / FS)
    inner = w[1:-1, 0]
    np.testing.assert_allclose(inner, inner[0])
    cycle = int(1.3 * FS)
    assert inner[0] == pytest.approx(2 * (1.0 * 61 + 0.1 * (cycle - 61)) / cycle)
    # The first bin starts at the record's start, the last ends at its end.
    assert w[0, 0] == pytest.approx(2 * hw[: (beats[0] + beats[1]) // 2, 0].mean())
    assert w[-1, 0] == pytest.approx(2 * hw[(beats[-2] + beats[-1]) // 2:, 0].mean())


def test_fewer_than_two_beats_fall_back_to_time_steps() -> None:
    hw = np.full((int(5 * FS), 1), 0.25)
    t, w = band_over_time(hw, FS, 1.0, np.array([1000]))
    assert len(t) == 5 and t[0] == pytest.approx(0.5)
    np.testing.assert_allclose(w[:, 0], 0.5)


def test_find_beats_uses_the_reference_leads_only() -> None:
    from leadsynth_core.uncertainty.confidence import find_beats

    n = int(10 * FS)
    sig = np.zeros((n, 2))
    peaks = np.arange(int(0.6 * FS), n - 100, int(0.8 * FS))
    for p in peaks:
        sig[p - 10:p + 11, 0] = np.hanning(21) * 1.5  # QRS-like spikes on the measured lead
    found = find_beats(sig, FS, ["I", "V1"], ["I"])
    assert len(found) == len(peaks) and np.abs(found - peaks).max() <= 5
    assert find_beats(sig, FS, ["I", "V1"], ["V1"]).size == 0  # a flat reference: no beats
    assert find_beats(sig, FS, ["I", "V1"], []).size == 0
    assert find_beats(sig[: int(1.5 * FS)], FS, ["I", "V1"], ["I"]).size == 0  # under 2 s


def test_band_at_reads_the_band_where_each_value_is_read_in_every_beat() -> None:
    """ST: at each beat's J+60 (R peak + QRS end - R + 60 ms); T: at the lead's own T peak.
    The median over the beats."""
    from leadsynth_core.io import read_record, sample_path
    from leadsynth_core.measurement import measure_record
    from leadsynth_core.measurement.per_lead import t_wave_span
    from leadsynth_core.record import Provenance
    from leadsynth_core.uncertainty.confidence import band_at

    rec = read_record(sample_path())
    synth = rec.replace(provenance=tuple(Provenance.SYNTHESIZED if n == "V1" else p
                                         for n, p in zip(rec.lead_names, rec.provenance, strict=True)))
    m = measure_record(synth, start_s=1.0)
    fs, fid = m.fs, m.fiducials
    start = int(round(1.0 * fs))
    n = rec.n_samples
    half = np.full((n, len(m.lead_names)), np.nan)
    v1 = m.lead_names.index("V1")
    half[:, v1] = np.arange(n) / 1000.0  # the band there names the sample it was read at
    out = band_at(m, half, start)
    assert set(out) == {"V1"}  # only leads with a band
    expected = m.r_peaks + start + (fid.qrs_off - fid.r) + int(round(0.06 * fs))
    assert m.r_peaks.size >= 8
    assert out["V1"] == pytest.approx(float(np.median(expected)) / 1000.0)
    # J+80 is 20 ms further on.
    assert band_at(m, half, start, "st_j80_mv")["V1"] == pytest.approx(out["V1"] + 0.02 * fs / 1000.0)
    # The T wave: where V1's own median beat peaks between J+80 and the T end.
    lo, hi = t_wave_span(fs, fid)
    peak = lo + int(np.argmax(np.abs(m.median[lo:hi, v1])))
    assert abs(m.median[peak, v1]) == pytest.approx(abs(m.leads["V1"].values.t_mv), abs=1e-3)
    t_expected = m.r_peaks + start + (peak - fid.r)
    t_expected = t_expected[t_expected < n]  # a last beat's T wave past the record's end counts not
    assert band_at(m, half, start, "t_mv")["V1"] == pytest.approx(float(np.median(t_expected)) / 1000.0)
    with pytest.raises(KeyError, match="valid: st_j_mv, st_j60_mv, st_j80_mv, t_mv"):
        band_at(m, half, start, "r_mv")


@pytest.mark.parametrize(("key", "value", "band", "verdict"), [
    ("st_j60_mv", 0.25, 0.10, "present"),
    ("st_j60_mv", -0.30, 0.15, "present"),
    ("st_j60_mv", 0.02, 0.05, "absent"),
    ("st_j60_mv", 0.05, 0.05, "undecided"),  # the edge reaches 0.1 mV: not excluded
    ("st_j60_mv", 0.17, 0.44, "undecided"),
    ("t_mv", -0.30, 0.20, "present"),  # an inverted T of at least 0.05 mV survives
    ("t_mv", 0.01, 0.02, "absent"),  # flat even at the band's edges
    ("t_mv", 0.10, 0.08, "undecided"),
])
def test_band_verdict(key: str, value: float, band: float, verdict: str) -> None:
    from leadsynth_core.uncertainty.confidence import band_verdict

    assert band_verdict(key, value, band) == verdict


def test_band_verdict_names_the_valid_keys() -> None:
    from leadsynth_core.uncertainty.confidence import band_verdict

    with pytest.raises(KeyError, match="valid: st_j_mv, st_j60_mv, st_j80_mv, t_mv"):
        band_verdict("qrs_ms", 100.0, 1.0)
