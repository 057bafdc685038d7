"""Blend with the linear baseline: exact, one network, recorded in the card, never twice."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from leadsynth_core.errors import ModelError
from leadsynth_core.io import read_record
from leadsynth_core.models import load_model
from leadsynth_core.models.networks import LinearNet, LinearResidualUNet, blend_with_linear, ensemble_of
from leadsynth_core.synthesis import synthesize
from leadsynth_core.training.blend import build_blend


def _pair(seed: int = 0) -> tuple[LinearResidualUNet, LinearNet]:
    torch.manual_seed(seed)
    net = LinearResidualUNet(3, 5, base_width=8, depth=4)
    lin = LinearNet(3, 5)
    with torch.no_grad():
        net.head.weight.normal_(0, 0.3)
        lin.head.weight.normal_(0, 0.3)
        lin.head.bias.normal_(0, 0.1)
    return net.eval(), lin.eval()


@pytest.mark.parametrize("alpha", [0.0, 0.25, 0.6, 1.0])
def test_blend_is_exactly_the_weighted_mean(alpha: float) -> None:
    net, lin = _pair()
    x = torch.randn(2, 3, 256)
    for base in (net, ensemble_of([net, _pair(1)[0]]).eval()):
        blended = blend_with_linear(base, lin, alpha)
        assert type(blended) is type(base) and blended is not base
        with torch.no_grad():
            want = (1 - alpha) * base(x) + alpha * lin(x)
            np.testing.assert_allclose(blended(x).numpy(), want.numpy(), atol=2e-6)
            # The original is untouched and the head is still the one pointwise layer.
            assert blended.head.kernel_size == (1,)
            np.testing.assert_allclose(base(x).numpy(), base(x).numpy())


def test_blend_refuses_bad_weights_and_shapes() -> None:
    net, lin = _pair()
    with pytest.raises(ModelError, match=r"alpha must lie in \[0, 1\]"):
        blend_with_linear(net, lin, 1.5)
    with pytest.raises(ModelError, match="cannot blend"):
        blend_with_linear(net, LinearNet(4, 5), 0.25)


def test_shipped_dedicated_models_are_blends() -> None:
    for model_id in ("linres-i-ii-v2-v4", "linres-i-ii-v4", "linres-i-ii-v3", "linres-i-ii"):
        card = load_model(model_id).card
        blend = card.training["blend_with_linear"]
        # A quarter for the MSE-trained models, a tenth for those trained with the correlation term;
        # the name says the share the weights hold, and the card why it was chosen.
        assert blend["alpha"] in (0.1, 0.25)
        assert blend["chosen_by"]
        assert blend["linear_model"] == "linear-" + "-".join(x.lower() for x in card.inputs)
        assert blend["linear_weights_sha256"] == load_model(blend["linear_model"]).card.weights_sha256
        assert f"{round(100 * blend['alpha'])} % linear baseline" in card.name


def test_build_blend_writes_a_model_and_refuses_blending_twice(shared_data: Path, tmp_path: Path) -> None:
    shipped = load_model("linres-i-ii-v4")
    lin = load_model("linear-i-ii-v4")
    with pytest.raises(ModelError, match="already blended"):
        build_blend("linres-i-ii-v4", shipped.card.path.parent, lin.card.path.parent, tmp_path / "x")
    alpha = 0.5
    unblended = _unblended(shipped, lin, tmp_path)
    out = build_blend("linres-i-ii-v4", unblended.parent, lin.card.path.parent, tmp_path / "out", alpha,
                      chosen_by="a test's reason")
    card = json.loads(out.path.read_text())
    assert card["training"]["blend_with_linear"]["alpha"] == alpha
    assert card["training"]["blend_with_linear"]["chosen_by"] == "a test's reason"
    assert "50 % linear baseline" in card["name"]
    assert card["metrics"]["by_inputs"]["I,II,V4"]["mean_pcc"] > 0.5
    rec = read_record(shared_data / "ludb" / "data" / "165")
    got = synthesize(rec, "I,II,V4", out)
    base = synthesize(rec, "I,II,V4", unblended)
    linear = synthesize(rec, "I,II,V4", lin.card)
    for lead in got.leads_with("synthesized"):
        np.testing.assert_allclose(got.lead(lead), (1 - alpha) * base.lead(lead) + alpha * linear.lead(lead),
                                   atol=2e-4)


def test_alpha_zero_writes_the_learned_model_unchanged_without_a_linear_baseline(tmp_path: Path) -> None:
    shipped = load_model("linres-i-ii-v4")
    unblended = _unblended(shipped, load_model("linear-i-ii-v4"), tmp_path)
    learned = load_model(unblended)
    out = build_blend("linres-i-ii-v4", unblended.parent, tmp_path / "no-linear-here", tmp_path / "out", 0.0)
    assert out.weights_sha256 == learned.card.weights_sha256
    assert (out.name, out.description) == (learned.card.name, learned.card.description)
    assert "blend_with_linear" not in out.training
    x = torch.randn(1, learned.module.in_channels, 512)
    with torch.no_grad():
        np.testing.assert_array_equal(load_model(out.path).module(x).numpy(), learned.module(x).numpy())


def _unblended(shipped, lin, tmp_path: Path) -> Path:
    """Save the shipped blend's network part, (blend - a * linear) / (1 - a), as a model; its card path."""
    import dataclasses

    from leadsynth_core.models.registry import save_model

    a = shipped.card.training["blend_with_linear"]["alpha"]
    module = blend_with_linear(shipped.module, lin.module, 0.0)
    c_in = module.in_channels
    with torch.no_grad():
        module.head.weight[:, :c_in] -= a * lin.module.head.weight
        module.head.bias.sub_(a * lin.module.head.bias)
        module.head.weight.div_(1 - a)
        module.head.bias.div_(1 - a)
    training = {k: v for k, v in shipped.card.training.items() if k != "blend_with_linear"}
    card = dataclasses.replace(shipped.card, training=training, path=None, weights_sha256="")
    return save_model(module, card, tmp_path / "unblended" / "linres-i-ii-v4").path
