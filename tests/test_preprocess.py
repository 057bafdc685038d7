"""Resampling, filters, R peaks, median beats and windowing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import wfdb

from leadsynth_core.errors import SignalQualityError
from leadsynth_core.io import read_record
from leadsynth_core.preprocess import (
    bandpass,
    detect_r_peaks,
    highpass,
    lowpass,
    median_beat,
    notch,
    overlap_add,
    remove_baseline,
    resample,
    sliding_windows,
)

FS = 500.0


def _sine(freq: float, seconds: float = 10.0, fs: float = FS) -> np.ndarray:
    return np.sin(2 * np.pi * freq * np.arange(int(seconds * fs)) / fs)


def _synthetic_ecg(beats: np.ndarray, n: int, fs: float = FS) -> np.ndarray:
    """Gaussian 'QRS' spikes (20 ms wide, 1 mV) and broad 'T' waves on a drifting baseline."""
    t = np.arange(n) / fs
    x = 0.3 * np.sin(2 * np.pi * 0.2 * t)
    for b in beats:
        x += np.exp(-0.5 * ((np.arange(n) - b) / (0.01 * fs)) ** 2)
        x += 0.3 * np.exp(-0.5 * ((np.arange(n) - b - 0.3 * fs) / (0.05 * fs)) ** 2)
    return x


@pytest.mark.parametrize(("fs_in", "fs_out"), [(500, 100), (1000, 500), (100, 500), (400, 500), (257, 500)])
def test_resample_keeps_a_slow_sine(fs_in: float, fs_out: float) -> None:
    x = _sine(5.0, 4.0, fs_in).astype(np.float32)
    y = resample(x, fs_in, fs_out)
    assert y.dtype == np.float32
    assert y.shape[0] == pytest.approx(x.shape[0] * fs_out / fs_in, abs=1)
    ref = _sine(5.0, 4.0, fs_out)[: y.shape[0]]
    mid = slice(y.shape[0] // 4, 3 * y.shape[0] // 4)  # away from edge transients
    assert np.max(np.abs(y[mid] - ref[mid])) < 0.01


def test_resample_multichannel_axis() -> None:
    x = np.stack([_sine(3.0), _sine(7.0)], axis=1)
    assert resample(x, 500, 250).shape == (2500, 2)
    assert resample(x.T, 500, 250, axis=1).shape == (2, 2500)


def test_filters_pass_and_stop() -> None:
    slow, fast = _sine(1.0), _sine(100.0)
    mid = slice(1000, 4000)
    assert np.max(np.abs(lowpass(fast, FS, 40)[mid])) < 0.01
    assert np.max(np.abs(lowpass(slow, FS, 40)[mid] - slow[mid])) < 0.01
    assert np.max(np.abs(highpass(_sine(0.05), FS, 0.5)[mid])) < 0.02
    band = bandpass(slow + fast + _sine(10.0), FS, 5, 20)
    assert np.max(np.abs(band[mid] - _sine(10.0)[mid])) < 0.05
    line = notch(_sine(10.0) + 0.5 * _sine(50.0), FS, 50)
    assert np.max(np.abs(line[mid] - _sine(10.0)[mid])) < 0.05
    with pytest.raises(ValueError, match="Nyquist"):
        lowpass(slow, FS, 300)
    with pytest.raises(SignalQualityError, match="too short to filter"):
        lowpass(slow[:5], FS, 40)


@pytest.mark.parametrize("method", ["highpass", "median"])
def test_remove_baseline(method: str) -> None:
    beats = np.arange(250, 5000, 400)
    x = _synthetic_ecg(beats, 5000)
    drift = np.sin(2 * np.pi * 0.2 * np.arange(5000) / FS)
    clean = x - 0.3 * drift
    y = remove_baseline(x, FS, method=method)
    # the R peaks keep their height over the local baseline...
    assert np.median(np.abs(y[beats] - clean[beats])) < 0.15
    # ...and what is left of the 0.3 mV drift (its projection) is under 0.03 mV
    assert abs(np.dot(y, drift) / np.dot(drift, drift)) < 0.03


def test_remove_baseline_unknown_method() -> None:
    with pytest.raises(ValueError, match="valid methods are highpass, median"):
        remove_baseline(np.zeros(1000), FS, method="wavelet")


def test_detect_r_peaks_synthetic() -> None:
    beats = np.array([300, 700, 1150, 1560, 2000, 2380, 2900, 3300, 3720, 4100, 4600])
    x = _synthetic_ecg(beats, 5000)
    peaks = detect_r_peaks(x, FS)
    np.testing.assert_array_equal(peaks, beats)
    # multi-lead: an inverted, smaller copy in a second lead does not disturb it
    both = np.stack([x, -0.3 * x], axis=1)
    np.testing.assert_array_equal(detect_r_peaks(both, FS), beats)
    with pytest.raises(ValueError, match="valid methods are energy"):
        detect_r_peaks(x, FS, method="wavelet")
    with pytest.raises(SignalQualityError, match="shorter than 1 s"):
        detect_r_peaks(x[:100], FS)


def test_detect_r_peaks_ludb(shared_data: Path) -> None:
    rec = read_record(shared_data / "ludb" / "data" / "1")
    ann = wfdb.rdann(str(shared_data / "ludb" / "data" / "1"), "ii")
    ref = np.asarray(ann.sample)[np.asarray(ann.symbol) == "N"]
    peaks = detect_r_peaks(rec.lead("II"), rec.fs)
    for r in ref:
        assert np.min(np.abs(peaks - r)) <= 0.075 * rec.fs


def test_median_beat() -> None:
    beats = np.arange(400, 4600, 500)
    x = _synthetic_ecg(beats, 5000)
    x2 = np.stack([x, 2 * x], axis=1)
    mb = median_beat(x2, FS, beats, before=0.4, after=0.8)
    assert mb.shape == (600, 2)
    assert np.argmax(mb[:, 0]) == 200
    np.testing.assert_allclose(mb[:, 1], 2 * mb[:, 0])
    with pytest.raises(SignalQualityError, match="no complete beat"):
        median_beat(x, FS, [10, 4990])


def test_sliding_windows() -> None:
    assert sliding_windows(10, 4, 2) == [(0, 4), (2, 6), (4, 8), (6, 10)]
    assert sliding_windows(11, 4, 3) == [(0, 4), (3, 7), (6, 10), (7, 11)]
    assert sliding_windows(3, 4, 2) == [(0, 3)]
    assert sliding_windows(0, 4, 2) == []
    with pytest.raises(ValueError, match="gaps"):
        sliding_windows(10, 4, 5)


def test_overlap_add_reconstructs_and_cross_fades() -> None:
    x = np.random.default_rng(0).standard_normal((1000, 3)).astype(np.float32)
    wins = sliding_windows(1000, 256, 128)
    chunks = [x[a:b] for a, b in wins]
    y = overlap_add(chunks, [a for a, _ in wins], 1000)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, x, atol=1e-6)
    # Two constant chunks (0 and 1) overlapping by 100 samples join by a smooth ramp.
    z = overlap_add([np.zeros(200), np.ones(200)], [0, 100], 300)
    assert np.all(z[:100] == 0) and np.all(z[200:] == 1)
    ramp = z[100:200]
    assert np.all(np.diff(ramp) > 0) and np.max(np.diff(ramp)) < 0.02
    with pytest.raises(ValueError, match="uncovered"):
        overlap_add([np.zeros(10), np.zeros(10)], [0, 20], 30)
