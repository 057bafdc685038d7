"""A synthetic three-lead ECG with known beats, a pause and a fast stretch (rhythm tests)."""

from __future__ import annotations

import numpy as np

from leadsynth_core.record import EcgRecord


def ecg_with_beats(beats_s: np.ndarray, duration_s: float, fs: float = 250.0, seed: int = 0) -> EcgRecord:
    """Three leads of narrow QRS complexes (and T waves) at ``beats_s``."""
    t = np.arange(int(duration_s * fs)) / fs
    x = np.zeros_like(t)
    for b in beats_s:
        x += np.exp(-0.5 * ((t - b) / 0.012) ** 2) + 0.25 * np.exp(-0.5 * ((t - b - 0.28) / 0.05) ** 2)
    x += np.random.default_rng(seed).normal(0, 0.01, t.size)
    signal = np.stack([x, 1.4 * x, 0.8 * x], axis=1).astype(np.float32)
    return EcgRecord(signal=signal, fs=fs, lead_names=("I", "II", "V4"), source="synthetic")


def beats_and_pause() -> tuple[np.ndarray, float]:
    """75 bpm; a 3.2-s pause after the beat at 20 s; 150 bpm from 40 to 50 s; 60 s in all."""
    beats = list(np.arange(0.5, 20.01, 0.8))
    beats += list(np.arange(beats[-1] + 3.2, 40.0, 0.8))
    beats += list(np.arange(beats[-1] + 0.4, 50.0, 0.4))
    beats += list(np.arange(beats[-1] + 0.8, 59.5, 0.8))
    return np.array(beats), 60.0
