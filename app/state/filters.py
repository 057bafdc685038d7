"""Display filters: a view setting applied to copies of what is drawn, never to samples.

Filtering a whole 24-hour recording each time a checkbox changes would freeze the viewer,
so only the samples on screen are filtered, with a margin on both sides that lets the
zero-phase filters settle (their edge transients fall in the margin and are cut away).
"""

from __future__ import annotations

import dataclasses

import numpy as np

#: Seconds of signal filtered on each side of what is shown (covers the settling of a
#: 0.5 Hz baseline high-pass run forwards and backwards).
PAD_S = 3.0


@dataclasses.dataclass(frozen=True)
class DisplayFilters:
    baseline: bool = False
    notch_hz: int = 0  # 0 = off, 50 or 60
    lowpass_hz: int = 0  # 0 = off, 40, 100 or 150

    @property
    def active(self) -> bool:
        return self.baseline or bool(self.notch_hz) or bool(self.lowpass_hz)

    def describe(self) -> str:
        """Status-bar / footer text; says 'raw' explicitly so nobody has to guess."""
        if not self.active:
            return "Display filters: none (raw samples)"
        parts = []
        if self.baseline:
            parts.append("baseline removed")
        if self.notch_hz:
            parts.append(f"notch {self.notch_hz} Hz")
        if self.lowpass_hz:
            parts.append(f"low-pass {self.lowpass_hz} Hz")
        return "Display filters: " + ", ".join(parts) + " (view only; stored samples unchanged)"

    def apply_window(self, x: np.ndarray, i0: int, i1: int, fs: float) -> np.ndarray:
        """Samples ``x[i0:i1]`` as displayed (a new array when filtering, else a view)."""
        if not self.active or i1 <= i0:
            return x[i0:i1]
        from leadsynth_core import preprocess  # scipy.signal: ~1 s to import, only when filtering

        pad = int(PAD_S * fs)
        a, b = max(0, i0 - pad), min(x.shape[0], i1 + pad)
        y = np.asarray(x[a:b], dtype=np.float64)
        if self.baseline:
            y = preprocess.remove_baseline(y, fs)
        if self.notch_hz and self.notch_hz < fs / 2:
            y = preprocess.notch(y, fs, float(self.notch_hz))
        if self.lowpass_hz and self.lowpass_hz < fs / 2:
            y = preprocess.lowpass(y, fs, float(self.lowpass_hz))
        return np.asarray(y[i0 - a: i0 - a + (i1 - i0)], dtype=np.float32)
