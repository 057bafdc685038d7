"""LeadSynth core: reduced-lead ECG synthesis without any GUI dependency.

The flat public API (wfdb/NeuroKit style)::

    import leadsynth_core as ls
    rec = ls.read_record("path/to/record")          # EcgRecord in mV
    out = ls.synthesize(rec, "I,II,V2,V4")          # 12 leads with provenance
    scores = ls.lead_metrics(rec, out, out.leads_with("synthesized"))

Heavy modules (PyTorch) are imported on first use, so ``import leadsynth_core`` stays
fast for the CLI and the GUI's start-up.
"""

from __future__ import annotations

import importlib
from typing import Any

from ._version import __version__
from .errors import (
    CancelledError,
    LeadSynthError,
    LibraryError,
    MissingLeadError,
    ModelError,
    PersonalizationError,
    RecordFormatError,
    SignalQualityError,
    SynthesisError,
    UnsupportedLeadError,
)
from .leads import STANDARD_LEADS, canonical_lead_name, derive_limb_leads, parse_lead_list
from .progress import CancelToken
from .record import EcgRecord, Provenance

# name -> module that defines it (imported lazily by __getattr__)
_LAZY: dict[str, str] = {
    "read_record": "io",
    "read_window": "io",
    "inspect_record": "io",
    "list_records": "io",
    "write_record": "io",
    "find_records": "io",
    "sample_path": "io",
    "resample": "preprocess",
    "remove_baseline": "preprocess",
    "notch": "preprocess",
    "lowpass": "preprocess",
    "bandpass": "preprocess",
    "detect_r_peaks": "preprocess",
    "median_beat": "preprocess",
    "pcc": "metrics",
    "rmse": "metrics",
    "mae": "metrics",
    "snr_db": "metrics",
    "lead_metrics": "metrics",
    "synthesize": "synthesis",
    "list_models": "models",
    "load_model": "models",
    "select_model": "models",
    "personalize": "personalize",
    "Library": "library",
}

__all__ = [
    "__version__",
    "EcgRecord",
    "Provenance",
    "CancelToken",
    "STANDARD_LEADS",
    "canonical_lead_name",
    "derive_limb_leads",
    "parse_lead_list",
    "LeadSynthError",
    "RecordFormatError",
    "UnsupportedLeadError",
    "MissingLeadError",
    "SignalQualityError",
    "ModelError",
    "SynthesisError",
    "PersonalizationError",
    "LibraryError",
    "CancelledError",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'leadsynth_core' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
