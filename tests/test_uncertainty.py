"""Calibrated bands: member spread, conformal calibration, coverage on held-out records, NaN rules."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from leadsynth_core.errors import ModelError
from leadsynth_core.io import read_record, sample_path
from leadsynth_core.models import load_model
from leadsynth_core.models.features import highpass
from leadsynth_core.models.networks import LinresEnsemble
from leadsynth_core.record import Provenance
from leadsynth_core.synthesis import synthesize
from leadsynth_core.uncertainty.band import synthesize_with_band
from leadsynth_core.uncertainty.calibrate import calibrate_model
from leadsynth_core.uncertainty.calibration import (
    Calibration,
    LeadSetCalibration,
    conformal_factor,
    fit_lead_set,
    read_calibration,
    spread_envelope,
)
from leadsynth_core.uncertainty.members import SpreadNet, member_outputs


def test_members_average_to_the_network_and_spread_net_keeps_the_mean_exactly() -> None:
    torch.manual_seed(0)
    net = LinresEnsemble(3, 5, base_width=4, members=3).eval()
    with torch.no_grad():  # a trained-looking head: every member's residual columns non-zero
        net.head.weight.normal_(0.0, 0.3)
    x = torch.randn(2, 3, 256)
    with torch.no_grad():
        members = member_outputs(net, x)
        ref = net(x)
        both = SpreadNet(net)(x)
    assert members.shape == (3, 2, 5, 256)
    torch.testing.assert_close(members.mean(dim=0), ref, atol=1e-5, rtol=1e-5)
    assert torch.equal(both[:, :5], ref)
    torch.testing.assert_close(both[:, 5:], members.std(dim=0, unbiased=False), atol=1e-5, rtol=1e-5)
    assert float(both[:, 5:].mean()) > 1e-3  # the members do disagree


def test_a_single_network_has_no_members() -> None:
    with pytest.raises(ModelError, match="seed ensemble"):
        SpreadNet(load_model("linear-i-ii-v4").module)


def test_conformal_factor_is_the_finite_sample_quantile() -> None:
    scores = np.arange(1, 11, dtype=float)  # n = 10: ceil(11 * 0.9) = 10th smallest
    assert conformal_factor(scores, 0.9) == 10.0
    assert conformal_factor(scores, 0.5) == 6.0


def test_fitted_band_covers_fresh_heteroscedastic_data() -> None:
    rng = np.random.default_rng(1)

    def draw() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        spread = np.abs(rng.normal(0.1, 0.05, size=(2, 3000))) + 0.01
        spread = spread_envelope(spread)  # the same envelope the band uses: noise follows it
        mean = rng.normal(size=(2, 3000))
        truth = mean + rng.normal(size=(2, 3000)) * 3 * spread
        return truth, mean, spread

    cal = fit_lead_set([draw() for _ in range(10)], ["V1", "V2"])
    q, eps = cal.arrays(["V1", "V2"])
    cov = []
    for _ in range(10):
        y, mu, sd = draw()
        cov.append(np.abs(y - mu) <= q * (spread_envelope(sd) + eps))
    assert 0.87 <= float(np.mean(cov)) <= 0.93


def test_uncalibrated_lead_set_gets_the_widest_factors_and_says_so() -> None:
    cal = Calibration("m", "x", {"I": LeadSetCalibration({"V1": 1.0}, {"V1": 0.1}),
                                 "I,II": LeadSetCalibration({"V1": 2.0}, {"V1": 0.05})}, ["A"])
    factors, text = cal.for_inputs(("V2",))
    assert factors.q == {"V1": 2.0} and factors.eps == {"V1": 0.1}
    assert "not calibrated" in text and "calibrated on A" in text


def test_stale_calibration_is_refused_with_the_command_that_refits_it(tmp_path: Path) -> None:
    import dataclasses

    card = load_model("linres-i-ii-v4").card
    other = dataclasses.replace(card, weights_sha256="0" * 64, path=card.path)
    with pytest.raises(ModelError, match="leadsynth_core.uncertainty.calibrate linres-i-ii-v4"):
        read_calibration(other)


def test_band_is_nan_for_measured_and_derived_and_brackets_the_synthesized_leads() -> None:
    record = read_record(sample_path())
    banded = synthesize_with_band(record, "I")
    plain = synthesize(record, "I")
    np.testing.assert_array_equal(banded.record.signal, plain.signal)  # the band changes nothing
    sig = banded.record.signal
    names = banded.record.lead_names
    for j, prov in enumerate(banded.record.provenance):
        if prov is Provenance.SYNTHESIZED:
            assert np.isfinite(banded.low[:, j]).all() and np.isfinite(banded.high[:, j]).all()
            assert (banded.low[:, j] < sig[:, j]).all() and (sig[:, j] < banded.high[:, j]).all()
        else:
            assert np.isnan(banded.low[:, j]).all() and np.isnan(banded.high[:, j]).all()
    hw = banded.half_width
    ii, avr, iii = names.index("II"), names.index("aVR"), names.index("III")
    # I measured: aVR = -(I + II)/2 carries half of II's band, III = II - I all of it.
    np.testing.assert_allclose(hw[:, avr], hw[:, ii] / 2, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(hw[:, iii], hw[:, ii], rtol=1e-4, atol=1e-6)
    assert "90 % band, calibrated on" in banded.calibration and "PTB" in banded.calibration


def test_linear_model_has_no_band() -> None:
    with pytest.raises(ModelError, match="not a seed ensemble"):
        synthesize_with_band(read_record(sample_path()), "I,II,V4", "linear-i-ii-v4")


def test_synthesize_with_band_if_any_falls_back_and_says_why() -> None:
    """The viewer's and `leadsynth measure`'s one path: a band where the model has one."""
    import dataclasses

    from leadsynth_core.uncertainty.band import synthesize_with_band_if_any

    record = read_record(sample_path())
    plain = synthesize(record, "I,II,V4", "linres-i-ii-v4")
    out, banded, why = synthesize_with_band_if_any(record, "I,II,V4", load_model("linres-i-ii-v4"))
    assert banded is not None and why == "" and out is banded.record
    np.testing.assert_array_equal(out.signal, plain.signal)
    linear = load_model("linear-i-ii-v4")
    out, banded, why = synthesize_with_band_if_any(record, "I,II,V4", linear)
    assert banded is None and why == "no band: model linear-i-ii-v4 is not a seed ensemble"
    np.testing.assert_array_equal(out.signal, synthesize(record, "I,II,V4", linear).signal)
    # An ensemble whose calibration is for other weights: the values, without a band, and why.
    loaded = load_model("linres-i-ii-v4")
    stale = type(loaded)(dataclasses.replace(loaded.card, weights_sha256="0" * 64), loaded.module)
    out, banded, why = synthesize_with_band_if_any(record, "I,II,V4", stale)
    assert banded is None and why.startswith("no band: ") and "uncertainty.calibrate linres-i-ii-v4" in why
    np.testing.assert_array_equal(out.signal, plain.signal)


def test_coverage_on_records_not_calibrated_on(shared_data: Path) -> None:
    """Calibrate on LUDB 161-180, check the 90 % band on LUDB 181-200 (mV, record rate, vs 0.5 Hz high-passed truth)."""
    torch.set_num_threads(1)
    model = load_model("linres-i-ii-v4")
    cal_records = [read_record(shared_data / f"ludb/data/{i}") for i in range(161, 181)]
    cal = calibrate_model(model, {"LUDB 161-180": cal_records}, write=False)
    inside = total = 0
    for i in range(181, 201):
        rec = read_record(shared_data / f"ludb/data/{i}")
        banded = synthesize_with_band(rec, "I,II,V4", model, calibration=cal)
        for j, prov in enumerate(banded.record.provenance):
            if prov is not Provenance.SYNTHESIZED:
                continue
            truth = highpass(rec.lead(banded.record.lead_names[j]), rec.fs)
            inside += int(np.sum((banded.low[:, j] <= truth) & (truth <= banded.high[:, j])))
            total += truth.size
    assert 0.83 <= inside / total <= 0.97, inside / total


def test_member_net_is_one_member_of_the_ensemble() -> None:
    from leadsynth_core.uncertainty.probe import MemberNet

    torch.manual_seed(1)
    net = LinresEnsemble(2, 4, base_width=4, members=3).eval()
    with torch.no_grad():
        net.head.weight.normal_(0.0, 0.3)
        x = torch.randn(1, 2, 128)
        torch.testing.assert_close(MemberNet(net, 2)(x), member_outputs(net, x)[2], atol=1e-5, rtol=1e-5)


def test_probe_design_leaves_out_a_measured_lead() -> None:
    from leadsynth_core.uncertainty.probe import probe_design

    assert probe_design(("I",)) is None
    assert probe_design(("I", "II")) == (("II",), "I")
    assert probe_design(("I", "II", "V4")) == (("I", "II"), "V4")
    assert probe_design(("I", "II", "V2", "V4")) == (("I", "II", "V2"), "V4")


def test_self_check_widens_the_band_when_a_measured_lead_disagrees_with_the_others() -> None:
    import dataclasses

    from leadsynth_core.models import select_model

    record = read_record(sample_path())
    # The lead set whose shipped calibration weighs the self-check most: the calibration
    # chooses gamma per lead set and model, so which one that is changes with the weights.
    weighed = []
    for inputs in (("I", "II"), ("I", "II", "V4"), ("I", "II", "V3"), ("I", "II", "V2", "V4")):
        cal, _ = read_calibration(select_model(inputs)).for_inputs(inputs)
        if cal.probe is not None:
            weighed.append((float(cal.probe["gamma"]), inputs, cal.probe))
    gamma, inputs, probe = max(weighed)
    assert gamma > 0, "no shipped lead set uses the self-check: the feature would be dead"
    good = synthesize_with_band(record, ",".join(inputs))
    # The probe's target lead recorded from a misplaced electrode (another chest position,
    # shifted in time): the other measured leads no longer predict it.
    names = list(record.lead_names)
    signal = record.signal.copy()
    target = str(probe["target"])
    donor = "V6" if target != "V6" else "V1"
    signal[:, names.index(target)] = -np.roll(signal[:, names.index(donor)], record.n_samples // 3)
    odd = synthesize_with_band(dataclasses.replace(record, signal=signal), ",".join(inputs))
    # The factor is the self-check's mismatch raised to the calibrated gamma (0.25 to 0.75 so
    # far, chosen per model): the mismatch itself must rise clearly, and the factor with it.
    assert odd.probe_factor > good.probe_factor
    assert (odd.probe_factor / good.probe_factor) ** (1.0 / gamma) > 1.3
    v1 = names.index("V1")
    assert np.nanmean(odd.half_width[:, v1]) > 1.2 * np.nanmean(good.half_width[:, v1])
    assert synthesize_with_band(record, "I").probe_factor == 1.0  # one lead: nothing to check


def test_a_personal_model_borrows_its_general_models_calibration_and_says_so(tmp_path: Path) -> None:
    import dataclasses

    base = load_model("linres-i-ii-v4").card
    personal = dataclasses.replace(base, id="p1-linres", patient_id="p1",
                                   base_model={"id": base.id, "sha256": base.weights_sha256},
                                   path=tmp_path / "p1-linres.json")
    cal = read_calibration(personal)
    _, text = cal.for_inputs(("I", "II", "V4"))
    assert cal.model_id == base.id
    assert "for the general model linres-i-ii-v4" in text and "personal model p1-linres" in text


def test_every_shipped_band_and_its_self_check_match_the_shipped_weights() -> None:
    # The self-check runs another model (the any-subset one): retraining that model makes the
    # bands of every dedicated model stale, which the app would only refuse when it draws one.
    from leadsynth_core.models import list_models
    from leadsynth_core.models.registry import shipped_models_dir

    shipped = {c.id: c for c in list_models(include_personal=False)}
    calibrated = [c for c in shipped.values() if (shipped_models_dir() / f"{c.id}.uncertainty.json").exists()]
    assert {"anysubset", "linres-i-ii-v4"} <= {c.id for c in calibrated}
    for card in calibrated:
        cal = read_calibration(card)  # refuses stale weights itself
        for key, lead_set in cal.lead_sets.items():
            if lead_set.probe is None:
                continue
            probe_card = shipped[str(lead_set.probe["model"])]
            assert probe_card.weights_sha256 == lead_set.probe["model_sha256"], (
                f"{card.id} {key}: self-check calibrated on other weights of {probe_card.id}; "
                "run: python -m leadsynth_core.uncertainty.calibrate")
