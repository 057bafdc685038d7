"""Property-based tests (hypothesis): I/O round trips, resampling, lead algebra.

``max_examples`` stays modest so that the file runs in seconds; the properties are
the same ones a longer run (``--hypothesis-profile``) would check.
"""

from __future__ import annotations

import datetime as _dt
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from leadsynth_core.io import read_record, write_record
from leadsynth_core.leads import STANDARD_LEADS, derive_limb_leads, limb_leads_from_pair
from leadsynth_core.preprocess import resample
from leadsynth_core.record import EcgRecord, Provenance

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FRONTAL = ("I", "II", "III", "aVR", "aVL", "aVF")
#: The WFDB writer keeps at least 1000 digital units per mV: rounding error <= 0.5 uV.
WFDB_QUANT_MV = 0.5 / 1000

_ids = st.text(alphabet=st.characters(categories=("Lu", "Ll", "Nd"), include_characters="_-", max_codepoint=127),
               min_size=1, max_size=16).filter(lambda s: s != "-")  # "-" means "none" in headers


@st.composite
def records(draw: st.DrawFn, *, max_abs_mv: float = 50.0, whole_seconds: bool = True) -> EcgRecord:
    """Any valid record: 1-12 distinct standard leads in any order, any rate, provenance, ids."""
    leads = draw(st.lists(st.sampled_from(STANDARD_LEADS), min_size=1, max_size=12, unique=True))
    n = draw(st.integers(min_value=1, max_value=200))
    signal = draw(hnp.arrays(np.float32, (n, len(leads)),
                             elements=st.floats(-max_abs_mv, max_abs_mv, width=32, allow_nan=False)))
    fs = draw(st.one_of(st.sampled_from([100.0, 250.0, 257.0, 360.0, 500.0, 1000.0]),
                        st.floats(0.5, 20_000.0, allow_nan=False, allow_infinity=False)))
    provenance = draw(st.lists(st.sampled_from(list(Provenance)), min_size=len(leads), max_size=len(leads)))
    when = draw(st.one_of(st.none(), st.datetimes(min_value=_dt.datetime(1950, 1, 1),
                                                   max_value=_dt.datetime(2090, 12, 31))))
    if when is not None and whole_seconds:
        when = when.replace(microsecond=0)
    model_id = draw(st.one_of(st.none(), _ids)) if Provenance.SYNTHESIZED in provenance else None
    return EcgRecord(signal=signal, fs=fs, lead_names=tuple(leads), provenance=tuple(provenance),
                     patient_id=draw(st.one_of(st.none(), _ids)), recorded_at=when, model_id=model_id)


def _same_metadata(a: EcgRecord, b: EcgRecord) -> None:
    assert b.lead_names == a.lead_names
    assert b.provenance == a.provenance
    assert b.patient_id == a.patient_id
    assert b.recorded_at == a.recorded_at
    assert b.model_id == a.model_id
    assert b.fs == pytest.approx(a.fs, rel=1e-9)
    assert b.signal.dtype == np.float32 and b.signal.shape == a.signal.shape


@SETTINGS
@given(rec=records())
def test_wfdb_write_read_round_trip(rec: EcgRecord) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        back = read_record(write_record(rec, Path(tmp) / "rec"))
    _same_metadata(rec, back)
    # Quantization plus float32 rounding of the value read back.
    tol = WFDB_QUANT_MV + 1e-6 * np.abs(rec.signal.astype(np.float64)) + 1e-9
    assert np.all(np.abs(back.signal.astype(np.float64) - rec.signal) <= tol)


@SETTINGS
@given(rec=records(max_abs_mv=1e4, whole_seconds=False),
       patient=st.one_of(st.none(), st.text(st.characters(exclude_characters="\x00",
                                                           exclude_categories=("Cs",)), min_size=1)),
       meta=st.dictionaries(st.text(min_size=1, max_size=8), st.one_of(st.integers(-10**9, 10**9), st.text(max_size=8)),
                            max_size=3))
def test_hdf5_write_read_round_trip_is_exact(rec: EcgRecord, patient: str | None, meta: dict[str, object]) -> None:
    meta = {k: v for k, v in meta.items() if k not in ("format", "key", "window", "original_source")}
    rec = EcgRecord(signal=rec.signal, fs=rec.fs, lead_names=rec.lead_names, provenance=rec.provenance,
                    patient_id=patient, recorded_at=rec.recorded_at, model_id=rec.model_id, metadata=meta)
    with tempfile.TemporaryDirectory() as tmp:
        back = read_record(write_record(rec, Path(tmp) / "rec.h5"))
    _same_metadata(rec, back)
    assert back.fs == rec.fs
    np.testing.assert_array_equal(back.signal, rec.signal)
    for key, value in meta.items():
        assert back.metadata[key] == value


@SETTINGS
@given(rec=records())
def test_wfdb_window_equals_slice_of_whole(rec: EcgRecord) -> None:
    from leadsynth_core.io import read_window

    assume(rec.n_samples >= 2)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_record(rec, Path(tmp) / "rec")
        whole = read_record(path)
        a, b = rec.n_samples // 3, rec.n_samples - rec.n_samples // 4
        window = read_window(path, a, b)
    np.testing.assert_array_equal(window.signal, whole.signal[a:b])


_RATES = [100.0, 125.0, 250.0, 257.0, 360.0, 400.0, 500.0, 1000.0]


@SETTINGS
@given(fs_in=st.sampled_from(_RATES), fs_out=st.sampled_from(_RATES),
       freqs=st.lists(st.floats(0.5, 1.0), min_size=1, max_size=4),
       amps=st.lists(st.floats(0.05, 5.0), min_size=4, max_size=4),
       phases=st.lists(st.floats(0, 2 * np.pi), min_size=4, max_size=4))
def test_resample_round_trip_of_band_limited_signal(
    fs_in: float, fs_out: float, freqs: list[float], amps: list[float], phases: list[float]
) -> None:
    # Frequencies are drawn as fractions of the band both rates carry (up to 30 % of the
    # lower rate, i.e. 60 % of its Nyquist frequency).
    band = 0.3 * min(fs_in, fs_out)
    duration = 4.0
    t_in = np.arange(int(duration * fs_in)) / fs_in

    def make(t: np.ndarray) -> np.ndarray:
        return sum(a * np.sin(2 * np.pi * f * band * t + p) for f, a, p in zip(freqs, amps, phases, strict=False))

    x = make(t_in).astype(np.float64)
    y = resample(x, fs_in, fs_out)
    t_out = np.arange(y.shape[0]) / fs_out
    back = resample(y, fs_out, fs_in)
    peak = float(np.sum(amps[: len(freqs)]))
    # Polyphase filtering is not exact at the ends: judge the middle 80 %.
    inner_in = slice(int(0.1 * x.shape[0]), int(0.9 * x.shape[0]))
    inner_out = slice(int(0.1 * y.shape[0]), int(0.9 * y.shape[0]))
    assert abs(y.shape[0] - duration * fs_out) <= 1
    assert np.max(np.abs(y[inner_out] - make(t_out)[inner_out])) <= 0.02 * peak
    assert back.shape[0] == x.shape[0]
    assert np.max(np.abs(back[inner_in] - x[inner_in])) <= 0.03 * peak
    # float32 stays float32, and 2-D input is resampled along axis 0, column by column.
    two = np.stack([x, -x], axis=1).astype(np.float32)
    y2 = resample(two, fs_in, fs_out)
    assert y2.dtype == np.float32 and y2.shape == (y.shape[0], 2)
    np.testing.assert_allclose(y2[:, 0], y, atol=1e-4 * peak + 1e-5)


_mv = hnp.arrays(np.float64, st.integers(1, 64), elements=st.floats(-20, 20, allow_nan=False))


@SETTINGS
@given(data=st.data())
def test_lead_algebra_identities(data: st.DataObject) -> None:
    lead_i = data.draw(_mv)
    lead_ii = data.draw(hnp.arrays(np.float64, lead_i.shape, elements=st.floats(-20, 20, allow_nan=False)))
    d = derive_limb_leads(lead_i, lead_ii)
    tol = 1e-12 * (1 + np.abs(lead_i) + np.abs(lead_ii))
    assert np.all(np.abs(lead_i + d["III"] - lead_ii) <= tol)  # Einthoven: I + III = II
    assert np.all(np.abs(d["aVR"] + d["aVL"] + d["aVF"]) <= 2 * tol)  # Goldberger leads sum to zero
    assert np.all(np.abs(d["aVL"] - (lead_i - d["III"]) / 2) <= tol)
    assert np.all(np.abs(d["aVF"] - (lead_ii + d["III"]) / 2) <= tol)
    assert np.all(np.abs(d["aVR"] + (lead_i + lead_ii) / 2) <= tol)
    # float32 in, float32 out.
    assert derive_limb_leads(lead_i.astype(np.float32), lead_ii.astype(np.float32))["III"].dtype == np.float32


@SETTINGS
@given(data=st.data(), pair=st.lists(st.sampled_from(FRONTAL), min_size=2, max_size=2, unique=True))
def test_any_independent_pair_recovers_i_and_ii(data: st.DataObject, pair: list[str]) -> None:
    lead_i = data.draw(_mv)
    lead_ii = data.draw(hnp.arrays(np.float64, lead_i.shape, elements=st.floats(-20, 20, allow_nan=False)))
    every = {"I": lead_i, "II": lead_ii, **derive_limb_leads(lead_i, lead_ii)}
    got = limb_leads_from_pair({name: every[name] for name in pair})
    assert got is not None, f"{pair} is an independent pair"
    scale = 1 + np.abs(lead_i) + np.abs(lead_ii)
    assert np.all(np.abs(got["I"] - lead_i) <= 1e-9 * scale)
    assert np.all(np.abs(got["II"] - lead_ii) <= 1e-9 * scale)


@SETTINGS
@given(one=st.sampled_from(FRONTAL), chest=st.lists(st.sampled_from(STANDARD_LEADS[6:]), max_size=3, unique=True))
def test_a_single_frontal_lead_does_not_give_i_and_ii(one: str, chest: list[str]) -> None:
    x = np.linspace(-1, 1, 8)
    assert limb_leads_from_pair({name: x for name in [one, *chest]}) is None


@SETTINGS
@given(patient=st.text(st.characters(min_codepoint=128, exclude_categories=("Cs",)), min_size=1, max_size=8))
def test_wfdb_refuses_what_its_header_cannot_keep_and_hdf5_keeps_it(patient: str) -> None:
    from leadsynth_core.errors import RecordFormatError

    rec = EcgRecord(signal=np.zeros((4, 1), np.float32), fs=500.0, lead_names=("I",), patient_id=patient)
    assume(" ".join(patient.split()))  # all-whitespace ids are not written at all
    with tempfile.TemporaryDirectory() as tmp:
        with pytest.raises(RecordFormatError, match="field patient_id .* non-ASCII"):
            write_record(rec, Path(tmp) / "rec")
        assert list(Path(tmp).iterdir()) == []
        assert read_record(write_record(rec, Path(tmp) / "rec.h5")).patient_id == patient
