"""EcgRecord: validation, selection, provenance, description."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from leadsynth_core.errors import MissingLeadError, RecordFormatError, UnsupportedLeadError
from leadsynth_core.leads import STANDARD_LEADS
from leadsynth_core.record import EcgRecord, Provenance


def _rec(**kw: object) -> EcgRecord:
    base = dict(signal=np.arange(24, dtype=np.float64).reshape(2, 12) / 10, fs=500, lead_names=STANDARD_LEADS)
    base.update(kw)
    return EcgRecord(**base)  # type: ignore[arg-type]


def test_signal_is_float32_read_only_copy() -> None:
    src = np.zeros((3, 12), dtype=np.float64)
    rec = _rec(signal=src)
    assert rec.signal.dtype == np.float32 and not rec.signal.flags.writeable
    src[0, 0] = 5
    assert rec.signal[0, 0] == 0
    assert rec.provenance == (Provenance.MEASURED,) * 12


@pytest.mark.parametrize("fs", [0, -1, float("nan"), 1e9, "x"])
def test_bad_fs(fs: object) -> None:
    with pytest.raises(RecordFormatError, match="sampling rate"):
        _rec(fs=fs, source="f.hea")


def test_shape_and_name_checks() -> None:
    with pytest.raises(RecordFormatError, match="must be 2-D"):
        _rec(signal=np.zeros(12))
    with pytest.raises(RecordFormatError, match="11 lead names for 12 signal columns"):
        _rec(lead_names=STANDARD_LEADS[:11])
    with pytest.raises(UnsupportedLeadError, match="duplicated lead name"):
        _rec(lead_names=("I",) * 12)
    with pytest.raises(RecordFormatError, match="3 provenance entries"):
        _rec(provenance=("measured",) * 3)
    with pytest.raises(ValueError):
        _rec(provenance=("guessed",) * 12)


def test_lookup_select_and_provenance() -> None:
    prov = ["measured"] * 2 + ["derived"] * 4 + ["synthesized"] * 6
    rec = _rec(provenance=prov)
    assert rec.index("avr") == 3 and rec.lead("v1")[1] == pytest.approx(1.8)
    sub = rec.select(["V2", "I"])
    assert sub.lead_names == ("V2", "I") and sub.provenance == (Provenance.SYNTHESIZED, Provenance.MEASURED)
    assert rec.leads_with("derived") == ("III", "aVR", "aVL", "aVF")
    assert rec.provenance_of("V6") is Provenance.SYNTHESIZED
    with pytest.raises(MissingLeadError, match="lead 'vx' is not in the record"):
        rec.index("vx")


def test_require_leads_and_time() -> None:
    rec = _rec(signal=np.zeros((1000, 2)), lead_names=("I", "II"), source="a.hea")
    rec.require_leads(["i", "II"])
    with pytest.raises(MissingLeadError, match=r"a.hea: missing lead\(s\) V1; leads present: I, II"):
        rec.require_leads(["V1"])
    assert rec.duration == 2.0 and rec.time[-1] == pytest.approx(1.998)
    assert rec.slice_time(0.5, 1.0).n_samples == 250


def test_describe_lists_provenance_groups() -> None:
    rec = _rec(
        provenance=["measured"] * 2 + ["derived"] * 4 + ["synthesized"] * 6, model_id="m",
        patient_id="p1", recorded_at=dt.datetime(2020, 1, 2, 3, 4, 5),
        metadata={"format": "wfdb", "age": 50, "window": [10, 12]},
    )
    text = rec.describe()
    assert "format:       wfdb" in text and "recorded at:  2020-01-02 03:04:05" in text
    assert "derived:      III, aVR, aVL, aVF" in text and "model:        m" in text
    assert "window:       samples 10..12 of the file" in text and "age:          50" in text
