"""Networks, model cards, the registry (load/verify/select/save) and LoadedModel.prepare."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from leadsynth_core.errors import ModelError, SynthesisError
from leadsynth_core.models import (
    ARCHITECTURES,
    INDEPENDENT_LEADS,
    ModelCard,
    build_network,
    count_parameters,
    list_models,
    load_model,
    read_card,
    save_model,
    select_model,
    shipped_models_dir,
)
from leadsynth_core.paths import personal_models_dir
from tests.test_synthesis import fake_ecg

STANDARD_SETS = ["I,II,V2,V4", "I,II,V4", "I,II,V3", "I,II"]


@pytest.mark.parametrize("arch", sorted(ARCHITECTURES))
@pytest.mark.parametrize("length", [16, 48, 1024, 2512])
def test_network_contract(arch: str, length: int) -> None:
    torch.manual_seed(0)
    net = build_network(arch, in_channels=5, out_channels=3).eval()
    x = torch.randn(2, 5, length)
    with torch.no_grad():
        y = net(x)
        via_head = net.head(net.features(x))
    assert y.shape == (2, 3, length)
    assert isinstance(net.head, torch.nn.Conv1d) and net.head.kernel_size == (1,)
    torch.testing.assert_close(y, via_head)


def test_unknown_architecture_lists_valid() -> None:
    with pytest.raises(ModelError, match="valid: compact, linear, linres, linres_ensemble, unet"):
        build_network("transformer", in_channels=1, out_channels=1)


def test_linres_starts_as_linear_path() -> None:
    net = build_network("linres", in_channels=4, out_channels=2).eval()
    w = torch.randn(2, 4)
    b = torch.randn(2)
    net.set_linear_path(w, b)
    x = torch.randn(1, 4, 64)
    with torch.no_grad():
        expected = torch.einsum("oi,bit->bot", w, x) + b[None, :, None]
        torch.testing.assert_close(net(x), expected)


def test_shipped_models_listed_loadable_and_small() -> None:
    cards = list_models(include_personal=False)
    ids = {c.id for c in cards}
    for s in STANDARD_SETS:
        assert "linear-" + s.lower().replace(",", "-") in ids
    for card in cards:
        model = load_model(card.id)
        assert not model.module.training
        assert model.fs == 250.0
        weights = card.path.with_suffix(".safetensors")
        assert weights.stat().st_size < 5 * 1024 * 1024
        assert card.metrics.get("mean_pcc", 0) > 0.5, card.id
        assert count_parameters(model.module) < 1_500_000


def test_shipped_cards_describe_the_shipped_model_not_an_experiment() -> None:
    # The name is what the viewer's model indicator and every report show; experiment scripts
    # start from cards of hold-out runs, whose names say what they were left without.
    for card in list_models(include_personal=False):
        held = (card.training.get("continued") or {}).get("held_out_sources") or card.training.get("held_out_sources")
        assert not held, f"{card.id}: shipped with held-out sources {held}"
        assert "hold-out" not in card.name.lower() and "without" not in card.name.lower(), card.name
        sentences = [x.strip() for x in card.description.split(".  ") if x.strip()]
        assert len(sentences) == len(set(sentences)), f"{card.id}: a sentence of its description repeats"
        for lead_set in ("I,II,V2,V4", "I,II,V4", "I,II,V3", "I,II"):
            if card.inputs and ",".join(card.inputs) != lead_set:
                assert f" {lead_set} " not in f" {card.name} ", f"{card.id} is named for {lead_set}"


def _copy_model(model_id: str, dest: Path) -> Path:
    src = shipped_models_dir() / model_id
    for suffix in (".json", ".safetensors"):
        shutil.copy(src.with_suffix(suffix), dest / f"{model_id}{suffix}")
    return dest / f"{model_id}.json"


def test_load_rejects_tampered_weights(tmp_path: Path) -> None:
    card_path = _copy_model("linear-i-ii", tmp_path)
    weights = card_path.with_suffix(".safetensors")
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="SHA-256"):
        load_model(card_path)


def test_load_rejects_wrong_architecture(tmp_path: Path) -> None:
    card_path = _copy_model("linear-i-ii", tmp_path)
    card = json.loads(card_path.read_text())
    card["arch_params"]["out_channels"] = 5
    card["outputs"] = ["V1", "V2", "V3", "V4", "V5"]
    card_path.write_text(json.dumps(card))
    with pytest.raises(ModelError, match="do not match|do not fit"):
        load_model(card_path)


def test_load_rejects_pickle_and_garbage(tmp_path: Path) -> None:
    card_path = _copy_model("linear-i-ii", tmp_path)
    weights = card_path.with_suffix(".safetensors")
    torch.save({"head.weight": torch.zeros(6, 2, 1)}, weights)  # a pickle, not safetensors
    card = json.loads(card_path.read_text())
    from leadsynth_core.models import file_sha256

    card["weights_sha256"] = file_sha256(weights)
    card_path.write_text(json.dumps(card))
    with pytest.raises(ModelError, match="safetensors"):
        load_model(card_path)
    card_path.write_text("{not json")
    with pytest.raises(ModelError, match="not valid JSON"):
        load_model(card_path)


def test_unknown_model_lists_known() -> None:
    with pytest.raises(ModelError, match="known models: .*linear-i-ii"):
        load_model("no-such-model")


def test_card_roundtrip_and_validation(tmp_path: Path) -> None:
    card = read_card(shipped_models_dir() / "linear-i-ii-v2-v4.json")
    again = ModelCard.from_dict(json.loads(card.to_json()))
    assert again.to_dict() == card.to_dict()
    bad = card.to_dict()
    bad["outputs"] = ["aVR"]
    with pytest.raises(ModelError, match="independent leads"):
        ModelCard.from_dict(bad)
    bad = card.to_dict()
    bad["frobnicate"] = 1
    with pytest.raises(ModelError, match="unknown field"):
        ModelCard.from_dict(bad)


def test_save_model_roundtrip_atomic(tmp_path: Path) -> None:
    model = load_model("linear-i-ii-v4")
    card = ModelCard.from_dict({**model.card.to_dict(), "id": "copy"})
    saved = save_model(model.module, card, tmp_path / "copy")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.json", "copy.safetensors"]
    again = load_model(saved.path)
    for k, v in model.module.state_dict().items():
        assert torch.equal(v, again.module.state_dict()[k])
    wrong = build_network("linear", in_channels=2, out_channels=2)
    with pytest.raises(ModelError, match="does not match"):
        save_model(wrong, card, tmp_path / "wrong")
    assert not (tmp_path / "wrong.json").exists()


def test_save_model_file_depends_only_on_weights(tmp_path: Path) -> None:
    # The card's weights_sha256 is the file's digest: saving the same weights again (a rebuilt
    # model, a training run's start) must give the same bytes, or continued_from cannot be traced.
    model = load_model("linear-i-ii-v4")
    card = ModelCard.from_dict({**model.card.to_dict(), "id": "same"})
    digests = {save_model(model.module, card, tmp_path / f"same{i}").weights_sha256 for i in range(12)}
    assert len(digests) == 1


def test_select_model_rules() -> None:
    for s in STANDARD_SETS:
        card = select_model(s)
        assert card.any_subset or card.inputs == s.split(",")
        if not card.is_baseline and not card.any_subset:
            assert card.architecture != "linear"
    # III + aVF give I and II exactly: the I,II,V4 model applies.
    assert select_model("III,aVF,V4").accepts(["I", "II", "V4"])
    with pytest.raises(SynthesisError, match="single frontal lead"):
        select_model("aVF,V4")


def test_personal_model_preferred(tmp_path: Path) -> None:
    base = load_model("linear-i-ii-v2-v4")
    card = ModelCard.from_dict(
        {
            **base.card.to_dict(),
            "id": "personal-p1",
            "patient_id": "p1",
            "base_model": {"id": base.card.id, "sha256": base.card.weights_sha256},
        }
    )
    save_model(base.module, card, personal_models_dir() / "personal-p1")
    assert select_model("I,II,V2,V4", patient_id="p1").id == "personal-p1"
    assert select_model("I,II,V2,V4", patient_id="p2").id != "personal-p1"
    assert select_model("I,II,V2,V4").id != "personal-p1"
    assert any(c.id == "personal-p1" for c in list_models())
    assert not any(c.id == "personal-p1" for c in list_models(include_personal=False))


def test_prepare_shapes_and_target() -> None:
    model = load_model("linear-i-ii-v2-v4")
    rec = fake_ecg(500, 5.01)
    x, y = model.prepare(rec, "I,II,V2,V4")
    assert x.shape[:2] == (1, 4) and y is not None and y.shape[:2] == (1, 4)
    assert x.shape[-1] == y.shape[-1] and x.shape[-1] % 16 == 0 and abs(x.shape[-1] - 1253) < 16
    with torch.no_grad():
        pred = model.module(x)
    # the linear fit explains most of the fake record's variance
    assert float(((pred - y) ** 2).mean()) < float((y**2).mean())
    _, y_none = model.prepare(rec.select(["I", "II", "V2", "V4"]), "I,II,V2,V4")
    assert y_none is None
    with pytest.raises(SynthesisError, match="takes I, II, V2, V4"):
        model.prepare(rec, "I,II,V3")


def test_any_subset_model_if_shipped() -> None:
    cards = [c for c in list_models(include_personal=False) if c.any_subset]
    if not cards:
        pytest.skip("no any-subset model shipped")
    model = load_model(cards[0].id)
    assert model.card.outputs == list(INDEPENDENT_LEADS)
    rec = fake_ecg(500, 3)
    x, y = model.prepare(rec, "II,V1")
    assert x.shape[1] == 16
    mask = x[0, 8:, 0].numpy()
    assert mask.tolist() == [0, 1, 1, 0, 0, 0, 0, 0]
    assert np.all(x[0, [0, 3, 4, 5, 6, 7]].numpy() == 0)


def test_load_by_path_without_extension(tmp_path: Path) -> None:
    _copy_model("linear-i", tmp_path)
    assert load_model(os.fspath(tmp_path / "linear-i")).card.id == "linear-i"


def test_personal_models_serve_only_their_lead_set_and_never_when_worse() -> None:
    import dataclasses

    from leadsynth_core.models import list_models, select_model

    shipped = list_models(include_personal=False)
    anysub = next(c for c in shipped if c.any_subset)
    personal = dataclasses.replace(
        anysub, id="anysubset--p1", patient_id="p1", base_model={"id": anysub.id, "sha256": "x"},
        training={"inputs": ["I", "II", "V2", "V4"]}, metrics={"verdict": "improved"},
        created="2026-01-01T00:00:00+00:00",
    )
    worse = dataclasses.replace(personal, id="anysubset--p1-worse", metrics={"verdict": "worse"},
                                created="2027-01-01T00:00:00+00:00")
    cards = [*shipped, personal, worse]
    assert select_model("I,II,V2,V4", patient_id="p1", cards=cards).id == "anysubset--p1"
    # Another lead set, or another patient: the shipped choice, not the personal head.
    assert select_model("I,II,V4", patient_id="p1", cards=cards).patient_id is None
    assert select_model("I,II,V2,V4", patient_id="p2", cards=cards).patient_id is None


def test_validation_pcc_reads_the_cards_own_figure() -> None:
    from leadsynth_core.models import load_model

    card = load_model("anysubset").card
    pcc, data = card.validation_pcc(("I",))
    assert pcc == card.metrics["by_inputs"]["I"]["mean_pcc"] and 0.5 < pcc < 1.0
    assert "LUDB" in data
    assert card.validation_pcc(("I", "II", "V1", "V6")) is None  # no figure for that subset
    dedicated = load_model("linres-i-ii-v4").card
    assert dedicated.validation_pcc(["I", "II", "V4"]) == (dedicated.metrics["by_inputs"]["I,II,V4"]["mean_pcc"],
                                                           dedicated.metrics["data"])


def test_validation_lead_pcc_reads_each_leads_figure() -> None:
    import dataclasses

    card = load_model("linres-i").card
    per_lead = card.validation_lead_pcc(("I",))
    leads = card.metrics["by_inputs"]["I"]["leads"]
    # Every lead a watch's lead I leaves to the model, each with its own figure.
    assert set(per_lead) == {"II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"}
    assert all(per_lead[n] == leads[n]["mean_pcc"] for n in per_lead)
    assert len(set(per_lead.values())) > 5  # per lead, not one figure repeated
    assert card.validation_lead_pcc(("I", "II")) == {}  # no figure for inputs the card was not validated on
    broken = dataclasses.replace(card, metrics={"by_inputs": {"I": {"leads": {"V1": {"mean_pcc": "high"},
                                                                              "V2": {"mean_pcc": 0.7}}}}})
    assert broken.validation_lead_pcc(["I"]) == {"V2": 0.7}  # a malformed entry is skipped, not shown
    assert dataclasses.replace(card, metrics={}).validation_lead_pcc(["I"]) == {}


def test_windows_run_in_batches_equal_one_by_one() -> None:
    """Batching windows is a speed-up only: the same output, progress and cancel between batches."""
    from leadsynth_core.errors import CancelledError
    from leadsynth_core.models.loaded import WINDOW_BATCH, run_windowed
    from leadsynth_core.progress import CancelToken

    module = load_model("linres-i-ii-v4").module
    x = np.random.default_rng(3).standard_normal((3, 250 * 130)).astype(np.float32)  # 17 windows
    fractions: list[float] = []
    batched = run_windowed(module, x, 2560, 1920, progress=lambda f, m: fractions.append(f))
    single = run_windowed(module, x, 2560, 1920, batch=1)
    np.testing.assert_allclose(batched, single, atol=1e-5)
    n_windows = len(range(0, x.shape[1] - 2560, 1920)) + 1
    assert len(fractions) == -(-n_windows // WINDOW_BATCH) and fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    token = CancelToken()

    def stop(fraction: float, message: str) -> None:
        token.cancel()

    with pytest.raises(CancelledError):
        run_windowed(module, x, 2560, 1920, progress=stop, cancel=token)
