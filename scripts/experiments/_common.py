"""Shared set-up of the experiment scripts: import paths, data sets, scoring."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for p in (ROOT, ROOT / "benchmarks"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from accuracy import _ptb_records  # noqa: E402

from leadsynth_core.training.data import default_data_root, load_records  # noqa: E402
from leadsynth_core.training.evaluate import evaluate_model_truths  # noqa: E402

__all__ = ["ROOT", "data_sets", "hp_pcc"]


def data_sets(*names: str) -> dict[str, list]:
    """``holdout`` (CPSC + SPH), ``ludb`` (LUDB 161-200), ``ptb`` (PTB S0001-S0010)."""
    root = default_data_root()
    make = {
        "holdout": lambda: load_records("train", sources=["cpsc", "sph"], root=root),
        "ludb": lambda: load_records("validation", root=root),
        "ptb": lambda: _ptb_records(root),
    }
    return {n: make[n]() for n in names}


def hp_pcc(model, records: list, leads: tuple[str, ...]) -> float:
    """Mean over records of the mean PCC of the synthesized leads, reference high-passed."""
    return evaluate_model_truths(model, records, leads, ("highpass",))["highpass"]["mean_pcc"]
