"""synthesize(): measured leads untouched, exact algebra, provenance, any length, cancel, bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from leadsynth_core.errors import CancelledError, MissingLeadError, SignalQualityError
from leadsynth_core.leads import STANDARD_LEADS
from leadsynth_core.models import load_model
from leadsynth_core.progress import CancelToken
from leadsynth_core.record import EcgRecord, Provenance
from leadsynth_core.synthesis import synthesize


def fake_ecg(fs: float, seconds: float, seed: int = 0, extra: bool = False) -> EcgRecord:
    """A 12-lead ECG-like record: Gaussian QRS/T bumps at ~70 bpm, consistent limb algebra."""
    rng = np.random.default_rng(seed)
    n = int(round(fs * seconds))
    t = np.arange(n) / fs
    beats = np.arange(0.3, seconds, 60 / 70)
    qrs = sum(np.exp(-0.5 * ((t - b) / 0.012) ** 2) for b in beats)
    twave = sum(np.exp(-0.5 * ((t - b - 0.28) / 0.05) ** 2) for b in beats)
    lead_i = 0.8 * qrs + 0.2 * twave + 0.01 * rng.standard_normal(n)
    lead_ii = 1.2 * qrs + 0.3 * twave + 0.01 * rng.standard_normal(n)
    cols = {"I": lead_i, "II": lead_ii}
    cols.update({"III": lead_ii - lead_i, "aVR": -(lead_i + lead_ii) / 2, "aVL": lead_i - lead_ii / 2, "aVF": lead_ii - lead_i / 2})
    for k in range(1, 7):
        cols[f"V{k}"] = (k - 3) * 0.4 * qrs + 0.1 * k * twave + 0.01 * rng.standard_normal(n)
    names = list(STANDARD_LEADS)
    data = [cols[c] for c in names]
    if extra:
        names.append("vx")
        data.append(rng.standard_normal(n))
    return EcgRecord(signal=np.stack(data, axis=1), fs=fs, lead_names=tuple(names), source="fake")


LINEAR = "linear-i-ii-v2-v4"


def test_measured_leads_bit_identical_and_provenance() -> None:
    rec = fake_ecg(500, 10)
    out = synthesize(rec, "I,II,V2,V4", LINEAR)
    assert out.lead_names == STANDARD_LEADS
    for name in ("I", "II", "V2", "V4"):
        assert out.lead(name).tobytes() == rec.lead(name).tobytes()
        assert out.provenance_of(name) is Provenance.MEASURED
    for name in ("III", "aVR", "aVL", "aVF"):
        assert out.provenance_of(name) is Provenance.DERIVED
    for name in ("V1", "V3", "V5", "V6"):
        assert out.provenance_of(name) is Provenance.SYNTHESIZED
    assert out.model_id == LINEAR
    assert out.fs == rec.fs and out.n_samples == rec.n_samples
    assert out.metadata["leadsynth"]["synthesized"] == ["V1", "V3", "V5", "V6"]


def test_algebra_exact_from_any_frontal_pair() -> None:
    rec = fake_ecg(500, 4)
    out = synthesize(rec, "III,aVF,V2,V4", LINEAR)  # I and II recovered exactly from III, aVF
    i64 = out.lead("I").astype(np.float64)
    ii64 = out.lead("II").astype(np.float64)
    assert out.provenance_of("I") is Provenance.DERIVED
    np.testing.assert_allclose(i64, rec.lead("I"), atol=1e-5)
    np.testing.assert_allclose(out.lead("aVR"), -(i64 + ii64) / 2, atol=1e-6)
    np.testing.assert_allclose(out.lead("aVL"), i64 - ii64 / 2, atol=1e-6)
    assert out.lead("III").tobytes() == rec.lead("III").tobytes()


def test_extra_channels_dropped() -> None:
    out = synthesize(fake_ecg(500, 3, extra=True), "I,II,V2,V4", LINEAR)
    assert out.lead_names == STANDARD_LEADS


@pytest.mark.parametrize(
    ("fs", "seconds"), [(500, 2.0), (500, 10.0), (500, 5.002), (100, 10.0), (1000, 7.3), (257, 3.1), (500, 61.3)]
)
def test_any_length_and_rate(fs: float, seconds: float) -> None:
    rec = fake_ecg(fs, seconds, seed=3)
    out = synthesize(rec, ["i", "ii", "v2", "v4"], LINEAR)
    assert out.signal.shape == (rec.n_samples, 12)
    assert np.isfinite(out.signal).all()
    # The synthetic V-leads must still follow the beats (the linear map is a fixed mix).
    v5 = out.lead("V5").astype(np.float64)
    assert abs(np.corrcoef(v5, rec.lead("V5"))[0, 1]) > 0.8


def test_windowed_equals_whole_record_for_pointwise_model() -> None:
    # A 1x1 linear model is pointwise: the cross-faded overlap-add must reproduce the
    # one-shot result exactly (up to float rounding), whatever the window boundaries.
    rec = fake_ecg(250, 60.0, seed=5)
    model = load_model(LINEAR)
    windowed = synthesize(rec, "I,II,V2,V4", model)
    model.card.window = 16 * 1024
    model.card.hop = 16 * 1024
    whole = synthesize(rec, "I,II,V2,V4", model)
    np.testing.assert_allclose(windowed.signal, whole.signal, atol=1e-5)


def test_progress_and_cancel() -> None:
    rec = fake_ecg(500, 40)
    seen: list[float] = []
    synthesize(rec, "I,II,V2,V4", LINEAR, progress=lambda f, m: seen.append(f))
    assert seen[-1] == 1.0 and all(b >= a for a, b in zip(seen[:-1], seen[1:], strict=True))

    token = CancelToken()
    token.cancel()
    with pytest.raises(CancelledError):
        synthesize(rec, "I,II,V2,V4", LINEAR, cancel=token)

    token2 = CancelToken()

    def cancel_midway(fraction: float, message: str) -> None:
        if message.startswith("window "):  # the first batch of windows is done
            token2.cancel()

    with pytest.raises(CancelledError):
        synthesize(rec, "I,II,V2,V4", LINEAR, progress=cancel_midway, cancel=token2)


def test_missing_lead_names_them() -> None:
    rec = fake_ecg(500, 3).select(["I", "II", "V2"])
    with pytest.raises(MissingLeadError) as info:
        synthesize(rec, "I,II,V2,V4", LINEAR)
    assert "V4" in str(info.value) and "leads present: I, II, V2" in str(info.value)


@pytest.mark.parametrize("problem", ["flat", "nan", "allnan", "saturated"])
def test_bad_input_lead(problem: str) -> None:
    rec = fake_ecg(500, 4)
    sig = np.array(rec.signal)
    col = rec.index("V2")
    if problem == "flat":
        sig[:, col] = 0.3
    elif problem == "nan":
        sig[100:200, col] = np.nan
    elif problem == "allnan":
        sig[:, col] = np.nan
    else:
        sig[:, col] = np.clip(sig[:, col] * 50, -1.0, 1.0)
    bad = rec.replace(signal=sig)
    with pytest.raises(SignalQualityError, match="V2"):
        synthesize(bad, "I,II,V2,V4", LINEAR)
    # A bad lead that is not an input does not matter.
    synthesize(bad, "I,II,V3", "linear-i-ii-v3")


def test_too_short() -> None:
    with pytest.raises(SignalQualityError, match="too short"):
        synthesize(fake_ecg(500, 0.9), "I,II,V2,V4", LINEAR)


def test_default_model_selection_and_single_limb_lead() -> None:
    rec = fake_ecg(500, 5)
    out = synthesize(rec, "I,II,V2,V4")
    assert out.model_id is not None
    out1 = synthesize(rec, "I", "linear-i")
    assert out1.provenance_of("II") is Provenance.SYNTHESIZED
    assert out1.provenance_of("aVF") is Provenance.SYNTHESIZED  # depends on synthesized II
    i64, ii64 = out1.lead("I").astype(np.float64), out1.lead("II").astype(np.float64)
    np.testing.assert_allclose(out1.lead("III"), ii64 - i64, atol=1e-6)


def test_all_measured_needs_no_model() -> None:
    rec = fake_ecg(500, 2)
    out = synthesize(rec, ",".join(STANDARD_LEADS))
    assert out.model_id is None
    assert out.signal.tobytes() == rec.signal.tobytes()


def test_real_record_quality(shared_data: Path) -> None:
    from leadsynth_core.io import read_record

    rec = read_record(shared_data / "ludb" / "data" / "170.hea")
    out = synthesize(rec, "I,II,V2,V4", LINEAR)
    pcc = np.corrcoef(out.lead("V3"), rec.lead("V3"))[0, 1]
    assert pcc > 0.8


def test_any_subset_model_for_an_unusual_lead_set() -> None:
    from leadsynth_core.models import list_models

    if not any(c.any_subset for c in list_models(include_personal=False)):
        pytest.skip("no any-subset model shipped")
    rec = fake_ecg(360, 12.5)
    out = synthesize(rec, "II,V1,V6")
    assert out.provenance_of("II") is Provenance.MEASURED
    assert out.provenance_of("I") is Provenance.SYNTHESIZED
    assert out.provenance_of("III") is Provenance.SYNTHESIZED
    assert out.lead("V6").tobytes() == rec.lead("V6").tobytes()
    assert np.isfinite(out.signal).all() and out.n_samples == rec.n_samples
