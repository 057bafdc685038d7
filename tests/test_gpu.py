"""The GPU paths a user with a CUDA card takes: personalization and ``leadsynth train --device cuda``.

Skipped without a CUDA device (CI has none); run on a GPU machine with
``python -m pytest -m gpu tests/test_gpu.py``.  What is checked: the GPU gives the CPU's
answer (the same seeded personal model within float tolerance), mixed precision trains, a
checkpoint written on the GPU resumes there on the same batches, and the model file a GPU
wrote is device-free (it loads and synthesizes on the CPU).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from personalization_data import INPUTS, make_base, make_record

from leadsynth_core.cli import main as cli_main
from leadsynth_core.models import count_parameters, load_model
from leadsynth_core.personalization.cost import plan_device
from leadsynth_core.personalize import personalize, select_device
from leadsynth_core.training.checkpoint import load_checkpoint
from leadsynth_core.training.loop import run_folder
from tests.shard_data import losses, make_shards
from tests.test_train_cli import kill_train_at_checkpoint

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (none on this machine)"),
]

# Options of every small run: 1.024-s crops, batch 8, a few steps (see test_train_cli.py).
SMALL = ["--batch", "8", "--crop-s", "1.024", "--threads", "1", "--card-records", "2", "--val-every", "4",
         "--no-progress"]
# Loss trajectories of a resumed and an uninterrupted GPU run agree to this (see below).
RESUME_RTOL = 5e-2


@pytest.fixture(scope="module")
def shards(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_shards(shared_data, tmp_path_factory.mktemp("gpu_train"))


def test_select_device_names_the_card() -> None:
    dev, text = select_device("cuda")
    assert dev.type == "cuda" and torch.cuda.get_device_name(dev) in text


def test_personalization_on_the_gpu_gives_the_cpu_model(tmp_path: Path) -> None:
    base = make_base(tmp_path / "base")
    recs = [make_record(3, 100 + i, patient_id="p3") for i in range(5)]
    cpu = personalize(base.path, INPUTS, recs, device="cpu", seed=0)
    gpu = personalize(base.path, INPUTS, recs, device="cuda", seed=0)
    assert gpu.device.startswith("cuda") and cpu.device.startswith("cpu")
    assert gpu.verdict == cpu.verdict == "improved"
    # The same seeded minibatches in float32: only the order of the GPU's sums differs.
    np.testing.assert_allclose(gpu.history, cpu.history, rtol=1e-3)
    assert gpu.after.mean_pcc == pytest.approx(cpu.after.mean_pcc, abs=1e-4)
    sg, sc = gpu.model.module.state_dict(), cpu.model.module.state_dict()
    for k in sc:
        torch.testing.assert_close(sg[k].cpu(), sc[k].cpu(), rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("amp", ["on", "off"])
def test_a_killed_gpu_run_resumes_on_the_same_batches(shards: Path, tmp_path: Path, amp: str) -> None:
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    common = ["--data", str(shards), "--inputs", "I,II,V4", "--device", "cuda", "--amp", amp, "--steps", "40",
              "--checkpoint-every", "2", *SMALL]
    assert cli_main(["train", *common, "--out", str(whole)]) == 0
    kill_train_at_checkpoint(killed, 4, *common)  # loader processes too: 2 by default on a GPU
    assert not killed.with_suffix(".json").exists()
    assert 4 <= load_checkpoint(run_folder(killed) / "last.pt")["step"] < 40
    assert cli_main(["train", *common, "--out", str(killed), "--resume"]) == 0
    a, b = losses(run_folder(whole)), losses(run_folder(killed))
    assert len(a) == len(b) == 40 and all(np.isfinite(a))
    # The same batches after the resume. Two GPU runs are not bit-identical, even in float32:
    # cuDNN picks its convolution algorithms per run, and on Ampere and later computes float32
    # convolutions in TF32 by default. Measured on an H200 (2026-12-04): up to 1.5 % apart by
    # step 40, AMP on or off. A batch stream shifted by one step is tens of percent off.
    np.testing.assert_allclose(b, a, rtol=RESUME_RTOL)
    assert not np.allclose(b[1:], a[:-1], rtol=RESUME_RTOL)
    card = load_model(whole).card
    assert "cuda" in card.training["device"]


def test_a_model_trained_on_the_gpu_synthesizes_on_the_cpu(shared_data: Path, shards: Path, tmp_path: Path) -> None:
    model = tmp_path / "gpu-i-ii-v4"
    assert cli_main(["train", "--data", str(shards), "--inputs", "I,II,V4", "--device", "cuda", "--out", str(model),
                     "--steps", "4", *SMALL]) == 0
    loaded = load_model(model)
    assert all(p.device.type == "cpu" for p in loaded.module.parameters())
    out = tmp_path / "synth"
    assert cli_main(["synthesize", str(shared_data / "ludb" / "data" / "170.hea"), "--inputs", "I,II,V4",
                     "--model", str(model), "--out", str(out)]) == 0
    assert "model=gpu-i-ii-v4" in (tmp_path / "synth.hea").read_text()


def test_auto_runs_the_default_fine_tune_on_the_cpu_and_a_long_one_on_the_gpu(tmp_path: Path) -> None:
    # Measured on an H200: 0.84 s warm / 6.41 s first call on the GPU, 0.23 s on one CPU thread.
    base = make_base(tmp_path / "base")
    recs = [make_record(3, 100 + i, patient_id="p3") for i in range(5)]
    auto = personalize(base.path, INPUTS, recs, device="auto", seed=0)
    assert auto.device.startswith("cpu (") and "chosen automatically over cuda:" in auto.device
    params = count_parameters(load_model(base.path).module, trainable_only=False)
    assert plan_device("auto", params, 5 * 3600.0, 5, 60).device == "cuda"
