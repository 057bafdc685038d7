"""One summary of paired differences (measured - reference) for the measurement benchmarks.

``measure_carts.py`` (LeadSynth - cart), ``measure_ludb.py`` (global QT, LeadSynth - LUDB's
annotation) and ``fidelity.py`` (QT synthesized - truth) report the same statistics; they
are computed here once so that, for example, every SD in the README is the sample SD.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def summarize_differences(values: Iterable[float | None]) -> dict[str, float | int | None]:
    """n, mean, sample SD (ddof 1), mean / median / largest absolute difference; None when undefined.

    ``None`` entries (a quantity one side could not measure) are left out.
    """
    d = np.asarray([v for v in values if v is not None], dtype=float)
    if not d.size:
        return {"n": 0, "mean": None, "sd": None, "mean_abs": None, "median_abs": None, "max_abs": None}
    a = np.abs(d)
    return {"n": int(d.size), "mean": float(d.mean()), "sd": float(d.std(ddof=1)) if d.size > 1 else None,
            "mean_abs": float(a.mean()), "median_abs": float(np.median(a)), "max_abs": float(a.max())}
