"""Lead names and the exact lead algebra, on synthetic values and on real records."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
import wfdb
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from leadsynth_core.errors import UnsupportedLeadError
from leadsynth_core.io import read_record
from leadsynth_core.leads import (
    DERIVABLE_LEADS,
    STANDARD_LEADS,
    canonical_lead_name,
    derive_limb_leads,
    limb_leads_from_pair,
    parse_lead_list,
    try_canonical_lead_name,
)

# Coefficients of each derived lead on (I, II): the tolerance of a stored derived lead
# adds one resolution step per term.
_COEF = {"III": (-1.0, 1.0), "aVR": (-0.5, -0.5), "aVL": (1.0, -0.5), "aVF": (-0.5, 1.0)}


@pytest.mark.parametrize(
    ("raw", "name"),
    [("avr", "aVR"), ("AVR", "aVR"), (" aVL ", "aVL"), ("i", "I"), ("III", "III"), ("v1", "V1"), ("C6", "V6")],
)
def test_canonical_names(raw: str, name: str) -> None:
    assert canonical_lead_name(raw) == name


@pytest.mark.parametrize("raw", ["-aVR", "MLII", "V7", "vx", "", "lead"])
def test_non_standard_names_are_refused(raw: str) -> None:
    assert try_canonical_lead_name(raw) is None
    with pytest.raises(UnsupportedLeadError, match="valid leads are I, II"):
        canonical_lead_name(raw)


def test_refusal_hints() -> None:
    with pytest.raises(UnsupportedLeadError, match="inverted leads are not accepted"):
        canonical_lead_name("-aVR")
    with pytest.raises(UnsupportedLeadError, match="monitoring lead"):
        canonical_lead_name("MLII")


def test_parse_lead_list() -> None:
    assert parse_lead_list("v4, I,ii;V2") == ("I", "II", "V2", "V4")
    with pytest.raises(UnsupportedLeadError, match="more than once: II"):
        parse_lead_list("I,II,ii")
    with pytest.raises(UnsupportedLeadError, match="no leads given"):
        parse_lead_list(" , ")


def test_derive_limb_leads_by_hand() -> None:
    out = derive_limb_leads(np.array([1.0, 0.2], np.float32), np.array([2.0, -0.4], np.float32))
    np.testing.assert_allclose(out["III"], [1.0, -0.6], rtol=1e-6)
    np.testing.assert_allclose(out["aVR"], [-1.5, 0.1], rtol=1e-6)
    np.testing.assert_allclose(out["aVL"], [0.0, 0.4], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(out["aVF"], [1.5, -0.5], rtol=1e-6)
    assert all(v.dtype == np.float32 for v in out.values())
    # Goldberger: aVR + aVL + aVF = 0
    np.testing.assert_allclose(out["aVR"] + out["aVL"] + out["aVF"], 0, atol=1e-6)


_finite = st.floats(-10, 10, allow_nan=False, width=64)


@settings(max_examples=50, deadline=None)
@given(i=arrays(np.float64, 16, elements=_finite), ii=arrays(np.float64, 16, elements=_finite),
       pair=st.sampled_from([(a, b) for a in _COEF.keys() | {"I", "II"} for b in _COEF.keys() | {"I", "II"} if a < b]))
def test_any_independent_pair_recovers_i_and_ii(i: np.ndarray, ii: np.ndarray, pair: tuple[str, str]) -> None:
    leads = {"I": i, "II": ii, **derive_limb_leads(i, ii)}
    got = limb_leads_from_pair({pair[0]: leads[pair[0]], pair[1]: leads[pair[1]]})
    assert got is not None
    np.testing.assert_allclose(got["I"], i, atol=1e-9)
    np.testing.assert_allclose(got["II"], ii, atol=1e-9)


def test_dependent_or_single_leads_give_none() -> None:
    x = np.ones(4)
    assert limb_leads_from_pair({"I": x}) is None
    assert limb_leads_from_pair({"V1": x, "V2": x}) is None


# ------------------------------------------------------------------ real records
def _wfdb_steps(path: Path) -> dict[str, float]:
    """Resolution (mV per ADC unit) of each standard lead of a WFDB record."""
    header = wfdb.rdheader(str(path.with_suffix("")))
    return {canonical_lead_name(n): 1.0 / g for n, g in zip(header.sig_name[:12], header.adc_gain[:12], strict=True)}


def _max_ratio(rec_path: Path, steps: dict[str, np.ndarray | float]) -> tuple[float, float]:
    """(max |stored - derived| in mV, max of that error over its tolerance)."""
    rec = read_record(rec_path)
    derived = derive_limb_leads(rec.lead("I").astype(np.float64), rec.lead("II").astype(np.float64))
    worst_err = worst_ratio = 0.0
    for name in DERIVABLE_LEADS:
        err = np.abs(rec.lead(name).astype(np.float64) - derived[name])
        ci, cii = _COEF[name]
        # One resolution step per term: half a step of rounding where the device stored
        # the value, and up to half a step more where a converter re-quantized it (the
        # Challenge halved PTB's 2000/mV samples); 1e-6 mV covers float32.
        tol = np.asarray(steps[name]) + abs(ci) * np.asarray(steps["I"]) + abs(cii) * np.asarray(steps["II"]) + 1e-6
        worst_err = max(worst_err, float(err.max()))
        worst_ratio = max(worst_ratio, float((err / tol).max()))
    return worst_err, worst_ratio


@pytest.mark.parametrize(
    "relpath",
    [
        "ptbdb/patient001/s0010_re.hea",
        "ptbxl/records100/00000/00001_lr.hea",
        *[f"cinc2021/PTB_PTBXL/S{i:04d}.hea" for i in range(1, 11)],
        *[f"cinc2021/PTB_PTBXL/HR{i:05d}.hea" for i in range(1, 11)],
        *[f"cinc2021/CPSC_CPSC-Extra/A{i:04d}.hea" for i in range(1, 11)],
        *[f"cinc2021/CPSC_CPSC-Extra/Q{i:04d}.hea" for i in (1, 2, 3, 4, 5, 6, 7, 10, 11, 12)],
    ],
)
def test_algebra_reproduces_stored_leads_wfdb(shared_data: Path, relpath: str) -> None:
    path = shared_data / relpath
    err, ratio = _max_ratio(path, _wfdb_steps(path))
    assert ratio <= 1.0, f"{relpath}: max error {err:.6f} mV is {ratio:.2f} x the quantization tolerance"


@pytest.mark.parametrize("name", [f"A{n}" for n in range(1980, 1990)] + ["A6791"])
def test_algebra_reproduces_stored_leads_cpsc(shared_data: Path, name: str) -> None:
    # CPSC 2018 .mat files hold float64 mV on a 1 uV grid (A1986) or finer.
    steps = {n: 0.001 for n in STANDARD_LEADS}
    err, ratio = _max_ratio(shared_data / "cpsc2018" / f"{name}.mat", steps)
    assert ratio <= 1.0, f"{name}: max error {err:.6f} mV is {ratio:.2f} x the tolerance"


@pytest.mark.parametrize("index", range(1, 11))
def test_algebra_reproduces_stored_leads_sph(shared_data: Path, index: int) -> None:
    path = shared_data / "sph" / f"SPH{index:05d}.h5"
    with h5py.File(path, "r") as f:
        x = np.abs(f["ecg"][()])
    # SPH samples lie on a 0.8 uV grid (visible in the small values) and are then stored
    # as float16, whose own step grows with the amplitude: two successive roundings,
    # so a term's tolerance is one step of each grid.
    steps = {n: 0.0008 + np.spacing(x[i]).astype(np.float64) for i, n in enumerate(STANDARD_LEADS)}
    err, ratio = _max_ratio(path, steps)
    assert ratio <= 1.0, f"{path.name}: max error {err:.6f} mV is {ratio:.2f} x the tolerance"


@pytest.mark.parametrize("number", [1, 2, 63, 100, 200])
def test_ludb_digital_samples_obey_the_algebra(shared_data: Path, number: int) -> None:
    """LUDB's ADC values obey the lead algebra to integer rounding, its per-lead gains do not.

    LUDB 1.0.1 stores a different gain for every lead (1716/mV for I, 1206/mV for II...
    in record 1) but the ADC values of all leads are on one common scale: ``d_III =
    d_II - d_I`` within one unit per term (2 units for aVR).  Read in mV with the per-lead gains, the stored
    III/aVR/aVL/aVF differ from the algebra by up to ~1 mV.  The WFDB reader detects
    exactly this contradiction and reads all leads on one scale (see
    ``test_ludb_inconsistent_gains_are_read_on_one_scale`` in test_io.py).
    """
    rec = wfdb.rdrecord(str(shared_data / "ludb" / "data" / str(number)), physical=False)
    d = rec.d_signal.astype(np.float64) - np.asarray(rec.baseline, dtype=np.float64)
    derived = derive_limb_leads(d[:, 0], d[:, 1])
    for j, name in enumerate(("III", "aVR", "aVL", "aVF"), start=2):
        ci, cii = _COEF[name]
        assert np.abs(d[:, j] - derived[name]).max() <= 1 + abs(ci) + abs(cii) + 1e-9
    # Read with the header's per-lead gains, the mV values contradict the algebra...
    raw = wfdb.rdrecord(str(shared_data / "ludb" / "data" / str(number))).p_signal
    p = derive_limb_leads(raw[:, 0], raw[:, 1])
    assert max(np.abs(raw[:, j] - p[n]).max() for j, n in enumerate(DERIVABLE_LEADS, start=2)) > 0.05
    # ...and LeadSynth's reader, which puts them on one scale, obeys it.
    physical = read_record(shared_data / "ludb" / "data" / str(number))
    p = derive_limb_leads(physical.lead("I"), physical.lead("II"))
    assert max(np.abs(physical.lead(n) - p[n]).max() for n in DERIVABLE_LEADS) <= 2e-3
    assert physical.metadata["gain_correction"]["uniform_gain"] == 1000.0


def test_describe_leads() -> None:
    from leadsynth_core.leads import STANDARD_LEADS, describe_leads

    assert describe_leads(STANDARD_LEADS) == "12 standard"
    assert describe_leads((*STANDARD_LEADS, "V4R", "V7")) == "12 standard + V4R, V7"
    assert describe_leads(("I", "II", "V4")) == "I, II, V4" and describe_leads(()) == "-"
