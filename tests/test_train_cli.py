"""``leadsynth train``: end to end, 2 processes = 1 process, kill and resume, a full disk, bad input.

Runs are tiny (crops of 1.024 s, batches of 8, a few steps, one CPU thread per process) so
that each test takes seconds; what is checked does not depend on the size.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from child_env import child_env

from leadsynth_core.cli import main as cli_main
from leadsynth_core.errors import TrainingError
from leadsynth_core.models import list_models, load_model
from leadsynth_core.paths import personal_models_dir
from leadsynth_core.training import checkpoint as checkpoint_module
from leadsynth_core.training.checkpoint import load_checkpoint
from leadsynth_core.training.loop import TrainOptions, run_folder, train
from tests.shard_data import ROOT, leadsynth, losses, make_shards

# Options of every small run: 1.024-s crops, global batch 8 as 2 micro-batches.
SMALL = ["--batch", "8", "--micro-batches", "2", "--crop-s", "1.024", "--threads", "1", "--card-records", "2",
         "--val-every", "4", "--no-progress"]
# Loss trajectories of runs that differ only in the number of processes agree to this
# relative tolerance (float32 gradient sums in another order; measured: ~1e-7 over 8 steps).
TRAJECTORY_RTOL = 1e-5


@pytest.fixture(scope="module")
def shards(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_shards(shared_data, tmp_path_factory.mktemp("train"))


@pytest.fixture(scope="module")
def reference(shards: Path, tmp_path_factory: pytest.TempPathFactory) -> list[float]:
    """Loss trajectory of an uninterrupted one-process any-subset run of 8 steps."""
    out = tmp_path_factory.mktemp("ref") / "ref"
    torch.set_num_threads(1)
    assert cli_main(["train", "--data", str(shards), "--any-subset", "--out", str(out), "--steps", "8", *SMALL]) == 0
    return losses(run_folder(out))


def test_prepare_train_synthesize_end_to_end(shared_data: Path, shards: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    model = tmp_path / "my-i-ii-v4"
    torch.set_num_threads(1)
    code = cli_main(["train", "--data", str(shards), "--inputs", "I,II,V4", "--out", str(model), "--steps", "6", *SMALL])
    assert code == 0
    card = load_model(model).card
    assert card.inputs == ["I", "II", "V4"] and card.outputs == ["V1", "V2", "V3", "V5", "V6"]
    assert card.training["steps"] == 6 and card.training["micro_batches"] == 2
    assert "I,II,V4" in card.metrics["by_inputs"]
    run = run_folder(model)
    assert (run / "last.pt").is_file() and (run / "best.pt").is_file() and len(losses(run)) == 6
    assert "val_loss" in (run / "log.csv").read_text().splitlines()[0]
    out = tmp_path / "synth"
    assert cli_main(["synthesize", str(shared_data / "ludb" / "data" / "170.hea"), "--inputs", "I,II,V4",
                     "--model", str(model), "--out", str(out)]) == 0
    header = (tmp_path / "synth.hea").read_text()
    assert "synthesized=V1,V2,V3,V5,V6; model=my-i-ii-v4" in header


def test_fine_tune_from_the_shipped_any_subset_model(shards: Path, tmp_path: Path) -> None:
    torch.set_num_threads(1)
    # Written to the user's models folder, the model is listed like the shipped ones.
    opts = TrainOptions(data=shards, out=personal_models_dir() / "ft", inputs=("I", "II", "V4"), base="anysubset",
                        steps=2, batch=4, crop_s=1.024, card_records=1, progress=False)
    card = train(opts)
    assert card.architecture == "linres_ensemble" and card.training["base_model"] == "anysubset"
    assert load_model("ft").card.inputs == ["I", "II", "V4"]
    assert "ft" in [c.id for c in list_models()]


def test_two_processes_give_the_one_process_trajectory(shards: Path, reference: list[float], tmp_path: Path) -> None:
    out = tmp_path / "ddp"
    res = leadsynth("train", "--data", str(shards), "--any-subset", "--out", str(out), "--steps", "8", "--nproc", "2",
                    *SMALL)
    assert res.returncode == 0, res.stderr[-3000:]
    got = losses(run_folder(out))
    np.testing.assert_allclose(got, reference, rtol=TRAJECTORY_RTOL)
    card = json.loads(out.with_suffix(".json").read_text())
    assert card["training"]["processes"] == 2
    # The test can fail: BatchNorm over the whole batch (1 micro-batch) is another computation.
    other = tmp_path / "m1"
    assert cli_main(["train", "--data", str(shards), "--any-subset", "--out", str(other), "--steps", "3",
                     *SMALL[:2], "--micro-batches", "1", *SMALL[4:]]) == 0
    assert not np.allclose(losses(run_folder(other)), reference[:3], rtol=1e-3)


def test_loader_workers_change_nothing_but_speed(shards: Path, reference: list[float], tmp_path: Path) -> None:
    out = tmp_path / "loader"
    torch.set_num_threads(1)
    assert cli_main(["train", "--data", str(shards), "--any-subset", "--out", str(out), "--steps", "8",
                     "--loader-workers", "2", *SMALL]) == 0
    np.testing.assert_allclose(losses(run_folder(out)), reference, rtol=TRAJECTORY_RTOL)


def test_synthetic_ecgs_mixed_in_as_for_the_shipped_models(shards: Path, tmp_path: Path) -> None:
    # A pool already in the cache is used as is (train.synthetic_pool's cache): here 4 sine
    # "ECGs", so that the test needs neither deepfake-ecg nor its generation time.
    cache = tmp_path / "cache"
    cache.mkdir()
    t = np.arange(2500) / 250.0
    pool = np.stack([np.stack([np.sin(2 * np.pi * (1 + k + lead / 8) * t) for lead in range(8)]) for k in range(4)])
    np.save(cache / "deepfake_pool_4_1234.npy", pool.astype(np.float32))
    torch.set_num_threads(1)
    opts = TrainOptions(data=shards, out=tmp_path / "syn", inputs=("I", "II"), steps=2, batch=4, crop_s=1.024,
                        card_records=1, progress=False, synthetic_fraction=0.5, synthetic_pool=4, cache_dir=cache)
    card = train(opts)
    assert card.training["synthetic_fraction"] == 0.5
    # The batches do come from the pool: with a pool of silent ECGs, every target is silent.
    from leadsynth_core.training.batches import EpochOrder, micro_batch
    from leadsynth_core.training.shards import open_shards

    data = open_shards(shards)
    order = EpochOrder(data.split("train"), 0)
    args = {"step": 0, "index": 0, "micro_batches": 1, "batch_size": 8, "length": 256, "seed": 0, "fixed_mask": None}
    silent = np.zeros((2, 8, 2500), dtype=np.float32)
    with_pool = micro_batch(data, order, pool=silent, synthetic_fraction=0.999999, **args)[1]
    without = micro_batch(data, order, **args)[1]
    data.close()
    assert np.all(with_pool == 0) and np.any(without != 0)


def _wait_for_checkpoint(proc: subprocess.Popen[str], last: Path, step: int, timeout: float = 120) -> None:
    t0 = time.time()
    while time.time() - t0 < timeout:
        if last.exists():
            try:
                if load_checkpoint(last)["step"] >= step:
                    return
            except TrainingError:
                pass  # cannot happen (atomic write); look again
        if proc.poll() is not None:
            raise AssertionError(f"training ended before step {step}: {proc.stderr.read()[-2000:]}")
        time.sleep(0.05)
    raise AssertionError("no checkpoint in time")


def _popen_train(*args: str) -> subprocess.Popen[str]:
    env = child_env(OMP_NUM_THREADS="1")
    return subprocess.Popen([sys.executable, "-m", "leadsynth_core.cli", "train", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def kill_train_at_checkpoint(out: Path, step: int, *args: str, timeout: float = 60) -> float:
    """Start ``leadsynth train ARGS --out OUT``, SIGKILL it once its checkpoint reaches ``step``.

    Returns the seconds from the kill until its output pipes closed: they close only once
    every process holding them (loader processes too) has ended.
    """
    proc = _popen_train(*args, "--out", str(out))
    try:
        _wait_for_checkpoint(proc, run_folder(out) / "last.pt", step)
        proc.send_signal(signal.SIGKILL)
        t0 = time.time()
        proc.communicate(timeout=timeout)
        return time.time() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_killed_run_resumes_exactly(shards: Path, reference: list[float], tmp_path: Path) -> None:
    out = tmp_path / "killed"
    args = ["--data", str(shards), "--any-subset", "--out", str(out), "--steps", "8", "--checkpoint-every", "2", *SMALL]
    kill_train_at_checkpoint(out, 2, *args)
    assert not out.with_suffix(".json").exists()
    step = load_checkpoint(run_folder(out) / "last.pt")["step"]
    assert 2 <= step < 8
    refused = leadsynth("train", *args)
    assert refused.returncode == 2 and "add --resume" in refused.stderr
    torch.set_num_threads(1)
    assert cli_main(["train", *args, "--resume"]) == 0
    np.testing.assert_allclose(losses(run_folder(out)), reference, rtol=TRAJECTORY_RTOL)
    assert load_model(out).card.training["steps"] == 8


def test_a_killed_run_takes_its_loader_processes_with_it(shards: Path, tmp_path: Path) -> None:
    # Loader processes (the default on a GPU) hold the run's output pipes: were they left
    # behind by a killed run, they would live on, and a caller reading its output would hang.
    out = tmp_path / "killed-loaders"
    assert kill_train_at_checkpoint(out, 2, "--data", str(shards), "--any-subset", "--steps", "200",
                                    "--checkpoint-every", "2", "--loader-workers", "2", *SMALL, timeout=30) < 30


def _rank_pids(launcher: int) -> list[int]:
    """Processes below ``launcher`` that run a training rank (its grandchildren)."""
    def children(pid: int) -> list[int]:
        try:
            text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        except OSError:
            return []
        return [int(x) for x in text.split()]

    return [g for c in children(launcher) for g in children(c)]


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="finds the rank processes through /proc")
def test_killed_rank_stops_the_run_and_resume_works_with_other_process_count(
    shards: Path, reference: list[float], tmp_path: Path
) -> None:
    out = tmp_path / "rank"
    args = ["--data", str(shards), "--any-subset", "--out", str(out), "--steps", "8", "--checkpoint-every", "2", *SMALL]
    proc = _popen_train(*args, "--nproc", "2")
    ranks: list[int] = []
    try:
        # Freeze the ranks the moment the first checkpoint (step 2 of 8) appears, before loading
        # it: on a loaded machine the few steps left could otherwise end the run between
        # noticing the checkpoint and the kill (seen once, with a training run beside the tests).
        last = run_folder(out) / "last.pt"
        t0 = time.time()
        while not last.exists():
            assert proc.poll() is None, f"training ended before its first checkpoint: {proc.stderr.read()[-2000:]}"
            assert time.time() - t0 < 120, "no checkpoint in time"
            time.sleep(0.01)
        ranks = _rank_pids(proc.pid)
        assert ranks, "no rank processes found"
        for pid in ranks:
            os.kill(pid, signal.SIGSTOP)
        assert not out.with_suffix(".json").exists(), "the run ended before the ranks were frozen"
        os.kill(ranks[-1], signal.SIGKILL)
        for pid in ranks[:-1]:
            os.kill(pid, signal.SIGCONT)
    finally:
        if proc.poll() is None and not ranks:
            proc.kill()
        _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 2
    assert "a training process failed" in err and "--resume" in err.strip().splitlines()[-1]
    assert not out.with_suffix(".json").exists()
    torch.set_num_threads(1)
    # One process now, the checkpoint's 2 micro-batches: the same trajectory.
    assert cli_main(["train", *args, "--resume"]) == 0
    np.testing.assert_allclose(losses(run_folder(out)), reference, rtol=TRAJECTORY_RTOL)


def test_full_disk_during_a_checkpoint_keeps_the_previous_one(shards: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    real_save = torch.save
    calls = []

    def save_until_disk_full(obj: object, fh: object) -> None:
        calls.append(1)
        if len(calls) == 1:
            real_save(obj, fh)
            return
        fh.write(b"PK\x03\x04 partial")  # a half-written file, then the disk is full
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(checkpoint_module.torch, "save", save_until_disk_full)
    torch.set_num_threads(1)
    opts = TrainOptions(data=shards, out=tmp_path / "full", inputs=("I", "II"), steps=6, batch=4, crop_s=1.024,
                        checkpoint_every=2, val_every=100, progress=False)
    with pytest.raises(TrainingError, match=r"last\.pt: cannot write checkpoint \(No space left on device\); "
                                            r"the previous checkpoint .* is intact"):
        train(opts)
    monkeypatch.setattr(checkpoint_module.torch, "save", real_save)
    run = run_folder(tmp_path / "full")
    assert load_checkpoint(run / "last.pt")["step"] == 2
    assert not list(run.glob(".tmp-*"))
    assert not (tmp_path / "full.json").exists()


def _damaged(shards: Path, tmp_path: Path, how: str) -> Path:
    bad = tmp_path / how
    shutil.copytree(shards, bad)
    if how == "no-manifest":
        (bad / "manifest.json").unlink()
        (bad / "plan.json").unlink()
    elif how == "unfinished":
        (bad / "manifest.json").unlink()
    elif how == "index-short":
        lines = (bad / "index.csv").read_text().splitlines()
        (bad / "index.csv").write_text("\n".join(lines[:-1]) + "\n")
    elif how == "index-renamed":
        text = (bad / "index.csv").read_text()
        (bad / "index.csv").write_text(text.replace("ludb/3.hea", "ludb/33.hea"))
    elif how == "shard-changed":
        with (bad / "shard-00000.h5").open("ab") as fh:
            fh.write(b"\0" * 10)
    elif how == "splits-unknown":
        doc = json.loads((bad / "splits.json").read_text())
        doc["train"].append("nowhere/x.hea")
        (bad / "splits.json").write_text(json.dumps(doc))
    return bad


@pytest.mark.parametrize(
    ("how", "message"),
    [
        ("no-manifest", "not a shard folder (no manifest.json); make one with 'leadsynth prepare"),
        ("unfinished", "unfinished 'leadsynth prepare' (no manifest.json); run the same prepare command with --resume"),
        ("index-short", "index.csv: 17 rows but manifest.json says n_records=18"),
        ("index-renamed", "index.csv: the index disagrees with shard-00000.h5"),
        ("shard-changed", "shard-00000.h5: 10 bytes more"),
        ("splits-unknown", "splits.json: field 'train' names record(s) not in index.csv: nowhere/x.hea"),
    ],
)
def test_bad_shard_folders_are_refused_before_training(
    shards: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], how: str, message: str
) -> None:
    bad = _damaged(shards, tmp_path, how)
    assert cli_main(["train", "--data", str(bad), "--inputs", "I,II", "--out", str(tmp_path / "m"), "--steps", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(bad) in err
    if how == "shard-changed":
        assert "bytes but manifest.json says" in err and "changed or damaged" in err
    else:
        assert message in err
    assert not run_folder(tmp_path / "m").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--data", "{tmp}/nowhere", "--inputs", "I,II"], "nowhere: not a folder"),
        (["--inputs", "I,II,V4,XYZ"], "--inputs: "),
        (["--inputs", "III"], "--inputs III: give 1 to 7 of I, II, V1"),
        (["--inputs", "I,II,V4", "--base", "linres-i-ii"], "--base linres-i-ii: a I,II linres_ensemble model cannot"),
        (["--inputs", "I,II", "--batch", "6", "--micro-batches", "4"], "--batch 6 is not a multiple of the 4"),
        (["--inputs", "I,II", "--crop-s", "60"], "no training record is at least --crop-s 60"),
        (["--inputs", "I,II", "--synthetic-fraction", "1.5"], "--synthetic-fraction must be in [0, 1)"),
    ],
)
def test_bad_train_options_are_one_line_errors(
    shards: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    argv = [a.format(tmp=tmp_path) for a in args]
    if "--data" not in argv:
        argv = ["--data", str(shards), *argv]
    assert cli_main(["train", *argv, "--out", str(tmp_path / "m"), "--steps", "1", "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err, err


def test_tensorboard_events_when_the_writer_is_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """RunLog uses torch.utils.tensorboard's SummaryWriter when it imports (a recording stand-in here)."""
    import types

    from leadsynth_core.training.runlog import RunLog

    written: list[tuple[str, float, int]] = []

    class Writer:
        def __init__(self, logdir: str) -> None:
            self.logdir = logdir

        def add_scalar(self, tag: str, value: float, step: int) -> None:
            written.append((tag, value, step))

        def close(self) -> None:
            written.append(("closed", 0.0, 0))

    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", types.SimpleNamespace(SummaryWriter=Writer))
    log = RunLog(tmp_path, None)
    assert log.tensorboard
    log.write(1, {"loss": 0.5, "lr": 1e-3, "val_loss": None})
    log.write(2, {"loss": 0.4, "lr": 1e-3, "val_loss": 0.3, "val_pcc": 0.8})
    log.close()
    assert ("train/loss", 0.5, 1) in written and ("val/val_pcc", 0.8, 2) in written
    assert not any(tag == "val/val_loss" and step == 1 for tag, _v, step in written)
    assert written[-1][0] == "closed"
    assert (tmp_path / "log.csv").read_text().splitlines()[2].startswith("2,,0.4,0.001")
