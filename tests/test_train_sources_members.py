"""``leadsynth train --source-weights`` and the per-member loss of seed ensembles.

Tiny data (the shared records of ``tests.shard_data``, sources ``ludb`` 12, ``cinc`` 3,
``ptbxl`` 1, ``sph`` 2), crops of 1.024 s, a few steps, one CPU thread.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import torch

from leadsynth_core.cli import main as cli_main
from leadsynth_core.errors import TrainingError
from leadsynth_core.models import load_model
from leadsynth_core.models.networks import LinearResidualUNet, ensemble_of
from leadsynth_core.training.batches import EpochOrder, micro_batch
from leadsynth_core.training.loop import run_folder
from leadsynth_core.training.member_loss import MemberStack, member_mse
from leadsynth_core.training.scoring import masked_mse
from leadsynth_core.training.shards import open_shards
from leadsynth_core.training.sources import parse_source_weights, source_sampler
from leadsynth_core.uncertainty.members import SpreadNet
from tests.shard_data import losses, make_shards

SMALL = ["--batch", "4", "--crop-s", "1.024", "--threads", "1", "--card-records", "1", "--val-every", "3",
         "--no-progress"]


@pytest.fixture(scope="module")
def shards(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_shards(shared_data, tmp_path_factory.mktemp("sources"))


def _drawn_sources(shards: Path, weights: str | None, steps: int = 40) -> Counter[str]:
    """Sources of the real records ``micro_batch`` reads in ``steps`` batches of 8."""
    data = open_shards(shards)
    try:
        rows = [i for i in data.split("train") if data.rows[i].length >= 256]
        sampler = source_sampler(data, rows, parse_source_weights(weights)) if weights else None
        seen: Counter[str] = Counter()
        crop = data.crop

        def recording_crop(i: int, start: int, length: int) -> np.ndarray:
            seen[data.rows[i].source] += 1
            return crop(i, start, length)

        data.crop = recording_crop  # type: ignore[method-assign]
        for step in range(steps):
            micro_batch(data, EpochOrder(rows, 0), step=step, index=0, micro_batches=1, batch_size=8, length=256,
                        seed=0, fixed_mask=None, sampler=sampler)
        return seen
    finally:
        data.close()


def test_source_weights_decide_which_sources_batches_come_from(shards: Path) -> None:
    epochs = _drawn_sources(shards, None)
    # Without weights, every source is drawn in proportion to its records (ludb 11-12 of 17).
    assert set(epochs) == {"ludb", "cinc", "ptbxl", "sph"} and epochs["ludb"] > 2 * epochs["cinc"]
    weighted = _drawn_sources(shards, "ludb=0.5,cinc=0.5,sph=0,ptbxl=0")
    # A weight of 0: no record of that source is ever read; equal weights: about equal draws
    # although cinc has 3 records and ludb 11 (320 draws: binomial sd 9).
    assert set(weighted) == {"ludb", "cinc"}
    assert sum(weighted.values()) == 320 and abs(weighted["cinc"] - 160) < 40
    only = _drawn_sources(shards, "sph=1,*=0", steps=5)
    assert set(only) == {"sph"}


@pytest.mark.parametrize(("weights", "message"), [
    ("ludb=0.5,cinc=0.5", "no weight for ptbxl, sph"),
    ("ludb=1,hospital=1,*=0", "hospital: no training record"),
    ("ludb=0,*=0", "every weight is 0"),
    ("ludb=-1,*=1", "must be a number >= 0"),
    ("ludb", "is not SOURCE=WEIGHT"),
])
def test_bad_source_weights_name_the_valid_sources(shards: Path, weights: str, message: str) -> None:
    data = open_shards(shards)
    try:
        with pytest.raises(TrainingError, match=message) as err:
            source_sampler(data, data.split("train"), parse_source_weights(weights))
    finally:
        data.close()
    if "SOURCE=WEIGHT" not in message and ">= 0" not in message:
        assert "cinc (3)" in str(err.value) and "sph (2)" in str(err.value)


def _members(seed: int = 0, k: int = 3) -> list[LinearResidualUNet]:
    """``k`` small nets sharing their linear path and bias, with distinct, non-zero residuals."""
    torch.manual_seed(seed)
    nets = [LinearResidualUNet(3, 5, base_width=4, depth=2).eval() for _ in range(k)]
    with torch.no_grad():
        for n in nets:
            n.head.weight[:, 3:].normal_(0, 3.0)
        for n in nets[1:]:
            n.head.weight[:, :3].copy_(nets[0].head.weight[:, :3])
            n.head.bias.copy_(nets[0].head.bias)
    return nets


def test_member_loss_is_the_mean_of_each_members_own_mse() -> None:
    nets = _members()
    ens = ensemble_of(nets).eval()
    x = torch.randn(4, 3, 64)
    with torch.no_grad():  # a target near the ensemble's mean: the members' own errors dominate
        y = ens(x) + 0.01 * torch.randn(4, 5, 64)
    w = torch.from_numpy(np.random.default_rng(1).integers(0, 2, (4, 5, 1)).astype(np.float32))
    w[0, 0, 0] = 1.0
    with torch.no_grad():
        got = float(member_mse(MemberStack(ens)(x), y, w))
        independent = float(np.mean([float(masked_mse(n(x), y, w)) for n in nets]))
        of_mean = float(masked_mse(ens(x), y, w))
    assert got == pytest.approx(independent, rel=1e-5)
    # The members disagree, so the mean of their errors exceeds the error of their mean.
    assert got > of_mean * 2


def test_ensemble_fine_tune_trains_members_and_keeps_the_mean(shards: Path, tmp_path: Path) -> None:
    torch.set_num_threads(1)
    common = ["--data", str(shards), "--any-subset", "--base", "anysubset", "--steps", "3",
              "--source-weights", "ludb=0.6,*=0.1", *SMALL]
    out = tmp_path / "ens"
    assert cli_main(["train", *common, "--out", str(out)]) == 0
    plain = tmp_path / "plain"
    assert cli_main(["train", *common, "--out", str(plain), "--no-member-loss"]) == 0
    # Same batches, same start: the first step's loss is the members' mean error in one run and
    # the mean's error in the other, and the first is larger because the members disagree.
    first_members, first_plain = losses(run_folder(out))[0], losses(run_folder(plain))[0]
    assert first_members > first_plain * 1.001
    model = load_model(out)
    card = json.loads(out.with_suffix(".json").read_text())
    assert card["training"]["loss"] == "mean of the members' masked MSE"
    assert card["training"]["source_weights"]["ludb"]["weight"] == pytest.approx(0.6 / 0.9, abs=1e-5)
    assert card["training"]["train_records_sha256"] == hashlib.sha256("\n".join(sorted(
        json.loads((shards / "splits.json").read_text())["train"])).encode()).hexdigest()
    base_card = load_model("anysubset").card
    assert card["training"]["base_weights_sha256"] == base_card.weights_sha256
    assert card["description"].startswith(base_card.description.strip()) and "Then continued" in card["description"]
    assert json.loads(plain.with_suffix(".json").read_text())["training"]["loss"] == "masked MSE of the output"
    # The written model's output is still the members' mean, and the members still differ.
    x = torch.randn(2, 16, 512)
    with torch.no_grad():
        both = SpreadNet(model.module.eval())(x)
        mean = model.module(x)
    assert torch.equal(both[:, :8], mean)
    assert float(both[:, 8:].mean()) > 0
    # The weights moved (the fine-tune trained something).
    base = load_model("anysubset").module.state_dict()
    assert any(not torch.equal(v, base[k]) for k, v in model.module.state_dict().items() if v.is_floating_point())
