"""Seed ensembles: one network, exactly the members' mean, usable everywhere a model is."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch

from leadsynth_core.errors import ModelError
from leadsynth_core.io import read_record
from leadsynth_core.models import load_model
from leadsynth_core.models.networks import LinearResidualUNet, LinresEnsemble, build_network, ensemble_of
from leadsynth_core.models.registry import save_model
from leadsynth_core.synthesis import synthesize


def _nets(k: int, seed: int = 0) -> list[LinearResidualUNet]:
    torch.manual_seed(seed)
    nets = []
    for _ in range(k):
        n = LinearResidualUNet(3, 5, base_width=8, depth=4)
        with torch.no_grad():
            n.head.weight.normal_(0, 0.3)  # non-trivial residual columns
        nets.append(n.eval())
    return nets


def test_ensemble_is_exactly_the_members_mean() -> None:
    nets = _nets(3)
    ens = ensemble_of(nets).eval()
    assert isinstance(ens, LinresEnsemble) and ens.members == 3
    x = torch.randn(2, 3, 512)
    with torch.no_grad():
        np.testing.assert_allclose(ens(x).numpy(), (sum(n(x) for n in nets) / 3).numpy(), atol=2e-6)
    # The head is one pointwise conv over all members' features: what personalization trains.
    assert ens.head.kernel_size == (1,) and ens.head.in_channels == 3 + 3 * 8
    rebuilt = build_network("linres_ensemble", in_channels=3, out_channels=5, base_width=8, depth=4, members=3)
    rebuilt.load_state_dict(ens.state_dict())
    with torch.no_grad():
        np.testing.assert_array_equal(rebuilt.eval()(x).numpy(), ens(x).numpy())


def test_ensemble_refuses_mismatched_members() -> None:
    with pytest.raises(ModelError, match="at least 1|one or more"):
        ensemble_of([])
    with pytest.raises(ModelError, match="differ in shape"):
        ensemble_of([LinearResidualUNet(3, 5), LinearResidualUNet(4, 4)])


def test_build_ensemble_saves_a_model_that_synthesizes_the_mean(shared_data: Path, tmp_path: Path) -> None:
    from leadsynth_core.personalize import personalize
    from leadsynth_core.training.ensemble import build_ensemble

    base = load_model("linres-i-ii-v4")
    folders = []
    for i, net in enumerate(_nets(2, seed=4)):
        folder = tmp_path / f"s{i}"
        # A single-seed member card (the shipped card itself describes an ensemble).
        params = {k: v for k, v in base.card.arch_params.items() if k != "members"}
        card = dataclasses.replace(base.card, path=None, weights_sha256="", architecture="linres", arch_params=params,
                                   training={**base.card.training, "seed": i})
        save_model(net, card, folder / "linres-i-ii-v4")
        folders.append(folder)
    card = build_ensemble("linres-i-ii-v4", folders, tmp_path / "ens")
    assert card.architecture == "linres_ensemble" and card.arch_params["members"] == 2
    assert [m["seed"] for m in card.training["ensemble_of"]] == [0, 1]
    assert 0.0 < card.metrics["by_inputs"]["I,II,V4"]["mean_pcc"] <= 1.0
    ens = load_model(tmp_path / "ens" / "linres-i-ii-v4.json")
    members = [load_model(f / "linres-i-ii-v4.json") for f in folders]
    rec = read_record(shared_data / "ludb" / "data" / "170.hea")
    out = synthesize(rec, ("I", "II", "V4"), ens)
    parts = [synthesize(rec, ("I", "II", "V4"), m) for m in members]
    for lead in ("V1", "V2", "V3", "V5", "V6"):
        np.testing.assert_allclose(out.lead(lead), (parts[0].lead(lead) + parts[1].lead(lead)) / 2, atol=1e-4)
    np.testing.assert_array_equal(out.lead("V4"), rec.lead("V4"))  # measured samples untouched
    # Personalization (head only, the paper's default) works on it like on any model.
    result = personalize(ens, ("I", "II", "V4"), [shared_data / "ludb" / "data" / f"{n}.hea" for n in (171, 172)],
                         epochs=3, patient_id="ens-test")
    assert result.model.card.architecture == "linres_ensemble"
    with pytest.raises(ModelError, match="at least two member folders"):
        build_ensemble("linres-i-ii-v4", folders[:1], tmp_path / "ens2")
